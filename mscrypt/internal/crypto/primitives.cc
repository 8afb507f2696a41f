#include "internal/crypto/primitives.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <climits>
#include <memory>

namespace mscrypt::internal {
namespace {

Status Failed(const char* what) {
  ERR_clear_error();  // OpenSSL's queue names functions only; the caller's message says enough
  return InternalError(std::string(what) + " failed in OpenSSL");
}

struct KdfDeleter {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
  void operator()(EVP_CIPHER* c) const { EVP_CIPHER_free(c); }
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
template <typename T>
using Owned = std::unique_ptr<T, KdfDeleter>;

bool FitsInt(size_t n) { return n <= static_cast<size_t>(INT_MAX); }

}  // namespace

Status Scrypt(ByteView passphrase, ByteView salt, unsigned log_n, unsigned r, unsigned p, uint8_t* out,
              size_t out_len) {
  if (log_n == 0 || log_n > 40 || r == 0 || p == 0) return InvalidArgumentError("scrypt parameters out of range");
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr));
  if (!kdf) return Failed("fetching scrypt");
  Owned<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Failed("creating a scrypt context");
  uint64_t n = uint64_t{1} << log_n;
  uint32_t r32 = r, p32 = p;
  // OpenSSL refuses more than maxmem_bytes (32 MiB by default); allow what these parameters need.
  uint64_t maxmem = 128 * uint64_t{r} * (n + p) + (uint64_t{1} << 20);
  // An empty passphrase is passed as a non-null pointer: OpenSSL treats a null one as "not set".
  static const uint8_t kEmpty = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                        const_cast<uint8_t*>(passphrase.size ? passphrase.data : &kEmpty),
                                        passphrase.size),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data), salt.size),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r32),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p32),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_derive(ctx.get(), out, out_len, params) != 1) {
    Wipe(out, out_len);
    ERR_clear_error();
    return Status(StatusCode::kResourceExhausted, "scrypt could not run with these cost parameters (out of memory?)");
  }
  return Status::Ok();
}

Status Aes256GcmSeal(const uint8_t key[32], const uint8_t nonce[12], ByteView aad, ByteView plaintext, uint8_t* out,
                     uint8_t tag[16]) {
  if (!FitsInt(aad.size) || !FitsInt(plaintext.size)) return InvalidArgumentError("message too long");
  Owned<EVP_CIPHER> cipher(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!cipher || !ctx || EVP_EncryptInit_ex(ctx.get(), cipher.get(), nullptr, key, nonce) != 1 ||
      (aad.size > 0 && EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data, static_cast<int>(aad.size)) != 1) ||
      (plaintext.size > 0 &&
       EVP_EncryptUpdate(ctx.get(), out, &len, plaintext.data, static_cast<int>(plaintext.size)) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), out + plaintext.size, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag) != 1) {
    Wipe(out, plaintext.size);
    return Failed("AES-256-GCM encryption");
  }
  return Status::Ok();
}

Status Aes256GcmOpen(const uint8_t key[32], const uint8_t nonce[12], ByteView aad, ByteView ciphertext,
                     const uint8_t tag[16], uint8_t* out) {
  if (!FitsInt(aad.size) || !FitsInt(ciphertext.size)) return InvalidArgumentError("message too long");
  Owned<EVP_CIPHER> cipher(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!cipher || !ctx || EVP_DecryptInit_ex(ctx.get(), cipher.get(), nullptr, key, nonce) != 1 ||
      (aad.size > 0 && EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data, static_cast<int>(aad.size)) != 1) ||
      (ciphertext.size > 0 &&
       EVP_DecryptUpdate(ctx.get(), out, &len, ciphertext.data, static_cast<int>(ciphertext.size)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t*>(tag)) != 1) {
    Wipe(out, ciphertext.size);
    return Failed("AES-256-GCM decryption");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out + ciphertext.size, &len) != 1) {
    Wipe(out, ciphertext.size);
    ERR_clear_error();
    return Status(StatusCode::kAuthenticationFailed, "authentication failed");
  }
  return Status::Ok();
}

Status HkdfSha256(ByteView ikm, ByteView info, uint8_t* out, size_t out_len) {
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return Failed("fetching HKDF");
  Owned<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Failed("creating an HKDF context");
  char digest[] = "SHA256";
  static const uint8_t kEmpty = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.size ? ikm.data : &kEmpty),
                                        ikm.size),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(info.data), info.size),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_derive(ctx.get(), out, out_len, params) != 1) {
    Wipe(out, out_len);
    return Failed("HKDF");
  }
  return Status::Ok();
}

Status HmacSha256(ByteView key, ByteView data, uint8_t out[32]) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return Failed("fetching HMAC");
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  size_t len = 0;
  const bool ok = ctx != nullptr && EVP_MAC_init(ctx, key.data, key.size, params) == 1 &&
                  EVP_MAC_update(ctx, data.data, data.size) == 1 && EVP_MAC_final(ctx, out, &len, 32) == 1 && len == 32;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return ok ? Status::Ok() : Failed("HMAC-SHA256");
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ != nullptr && EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    ctx_ = nullptr;
  }
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
Status Sha256::Update(ByteView data) {
  if (ctx_ == nullptr || EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data, data.size) != 1) {
    return Failed("SHA-256");
  }
  return Status::Ok();
}
Status Sha256::Finish(uint8_t out[32]) {
  unsigned len = 0;
  if (ctx_ == nullptr || EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out, &len) != 1 || len != 32) {
    return Failed("SHA-256");
  }
  return Status::Ok();
}

bool ConstantTimeEqual(const uint8_t* a, const uint8_t* b, size_t len) { return CRYPTO_memcmp(a, b, len) == 0; }

}  // namespace mscrypt::internal
