#include "internal/crypto/block_cipher.h"

#include "internal/format/layout.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <cstring>
#include <memory>
#include <string>

namespace mscrypt::internal {
namespace {

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

// OpenSSL takes int lengths; feed large blocks in slices below INT_MAX.
constexpr size_t kMaxUpdate = size_t{1} << 30;

Status OpenSslFailure(const char* what) {
  // The queue is drained so it cannot leak into a later call's diagnosis; its text is included
  // only in INTERNAL errors and names functions and reasons, never data.
  std::string detail;
  unsigned long err;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    if (!detail.empty()) detail += "; ";
    detail += buf;
  }
  return InternalError(std::string(what) + (detail.empty() ? "" : " (" + detail + ")"));
}

Status AuthFailed(Mode mode) {
  ERR_clear_error();
  if (mode == Mode::kAesGcm) {
    return Status(StatusCode::kAuthenticationFailed,
                  "authentication failed: wrong key, or the data was modified");
  }
  return Status(StatusCode::kAuthenticationFailed,
                "decryption failed (invalid padding): wrong key, or the data was modified");
}

// Cipher objects are fetched once per process: implicit fetching on every EVP_*Init costs a
// provider lookup per block.
const EVP_CIPHER* FetchOnce(const char* name) {
  return EVP_CIPHER_fetch(nullptr, name, nullptr);
}

const EVP_CIPHER* CipherFor(Mode mode, Format format, size_t key_len) {
  static const EVP_CIPHER* const kGcm[3] = {FetchOnce("AES-128-GCM"), FetchOnce("AES-192-GCM"),
                                             FetchOnce("AES-256-GCM")};
  static const EVP_CIPHER* const kCbc[3] = {FetchOnce("AES-128-CBC"), FetchOnce("AES-192-CBC"),
                                             FetchOnce("AES-256-CBC")};
  static const EVP_CIPHER* const kCtr[3] = {FetchOnce("AES-128-CTR"), FetchOnce("AES-192-CTR"),
                                             FetchOnce("AES-256-CTR")};
  static const EVP_CIPHER* const kSm4 = FetchOnce("SM4-CBC");
  const int idx = key_len == 16 ? 0 : key_len == 24 ? 1 : key_len == 32 ? 2 : -1;
  switch (mode) {
    case Mode::kSm4Cbc: return key_len == 16 ? kSm4 : nullptr;
    case Mode::kAesCbc: return idx < 0 ? nullptr : kCbc[idx];
    case Mode::kAesGcm:
      if (idx < 0) return nullptr;
      // Legacy GCM never called the GCM final step: it is bare CTR (docs/format.md §3.2).
      return format == Format::kLegacy ? kCtr[idx] : kGcm[idx];
  }
  return nullptr;
}

StatusOr<const EVP_CIPHER*> GetCipher(Mode mode, Format format, const SecretBytes& key) {
  MSCRYPT_RETURN_IF_ERROR(ValidateKeySize(mode, key.size()));
  const EVP_CIPHER* cipher = CipherFor(mode, format, key.size());
  if (cipher == nullptr) {
    ERR_clear_error();
    return Status(StatusCode::kUnsupported,
                  std::string(ModeName(mode)) + " is not available in the linked OpenSSL");
  }
  return cipher;
}

StatusOr<CtxPtr> NewCtx() {
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslFailure("EVP_CIPHER_CTX_new failed");
  return ctx;
}

// Update processes `len` bytes in INT_MAX-safe slices; returns bytes written.
bool UpdateAll(EVP_CIPHER_CTX* ctx, bool encrypt, const uint8_t* in, size_t len, uint8_t* out,
               size_t* written) {
  *written = 0;
  while (len > 0) {
    const int chunk = static_cast<int>(len < kMaxUpdate ? len : kMaxUpdate);
    int outl = 0;
    const int ok = encrypt ? EVP_EncryptUpdate(ctx, out + *written, &outl, in, chunk)
                           : EVP_DecryptUpdate(ctx, out + *written, &outl, in, chunk);
    if (ok != 1) return false;
    *written += static_cast<size_t>(outl);
    in += chunk;
    len -= static_cast<size_t>(chunk);
  }
  return true;
}

}  // namespace

Status RandomBytes(uint8_t* out, size_t size) {
  if (size > INT_MAX || RAND_bytes(out, static_cast<int>(size)) != 1) {
    return OpenSslFailure("RAND_bytes failed");
  }
  return Status::Ok();
}

Status SealBlock(Mode mode, const SecretBytes& key, const uint8_t iv[16], const uint8_t* plaintext,
                 size_t plaintext_len, uint8_t* out, uint8_t tag_out[16]) {
  MSCRYPT_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, GetCipher(mode, Format::kCurrent, key));
  MSCRYPT_ASSIGN_OR_RETURN(CtxPtr ctx, NewCtx());
  // Default GCM IV length is 12: exactly MindSpore's effective nonce, iv[0..11] (§2.3).
  if (EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.UnsafeBytes(), iv) != 1) {
    return OpenSslFailure("cipher init failed");
  }
  size_t written = 0;
  if (!UpdateAll(ctx.get(), true, plaintext, plaintext_len, out, &written)) {
    return OpenSslFailure("encrypt update failed");
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out + written, &final_len) != 1) {
    return OpenSslFailure("encrypt final failed");
  }
  if (mode == Mode::kAesGcm &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag_out) != 1) {
    return OpenSslFailure("reading the GCM tag failed");
  }
  return Status::Ok();
}

Status OpenBlock(Mode mode, Format format, const SecretBytes& key, const uint8_t iv[16],
                 const uint8_t* tag, const uint8_t* ciphertext, size_t cipher_len, uint8_t* out,
                 size_t* plaintext_len) {
  *plaintext_len = 0;
  MSCRYPT_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, GetCipher(mode, format, key));
  MSCRYPT_ASSIGN_OR_RETURN(CtxPtr ctx, NewCtx());
  const bool legacy_ctr = mode == Mode::kAesGcm && format == Format::kLegacy;
  uint8_t counter_block[16];
  const uint8_t* init_iv = iv;
  if (legacy_ctr) {
    // Legacy GCM keystream starts at inc32(J0) = iv[0..11] || 00 00 00 02 (§3.2).
    std::memcpy(counter_block, iv, 12);
    counter_block[12] = 0;
    counter_block[13] = 0;
    counter_block[14] = 0;
    counter_block[15] = 2;
    init_iv = counter_block;
  }
  if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.UnsafeBytes(), init_iv) != 1) {
    return OpenSslFailure("cipher init failed");
  }
  size_t written = 0;
  const bool gcm = mode == Mode::kAesGcm && format == Format::kCurrent;
  bool ok = UpdateAll(ctx.get(), false, ciphertext, cipher_len, out, &written);
  if (ok && gcm) {
    ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t*>(tag)) == 1;
  }
  int final_len = 0;
  // For GCM, Final compares the tag in constant time; for CBC it checks PKCS#7.
  if (ok) ok = EVP_DecryptFinal_ex(ctx.get(), out + written, &final_len) == 1;
  if (!ok) {
    // Wipe exactly what OpenSSL produced: `out` may be an exact-size slot smaller than cipher_len.
    OPENSSL_cleanse(out, written);
    return AuthFailed(mode);
  }
  *plaintext_len = written + static_cast<size_t>(final_len);
  return Status::Ok();
}

Status CbcPaddingLength(Mode mode, const SecretBytes& key, const uint8_t prev[16],
                        const uint8_t last[16], size_t* pad_len) {
  MSCRYPT_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, GetCipher(mode, Format::kCurrent, key));
  MSCRYPT_ASSIGN_OR_RETURN(CtxPtr ctx, NewCtx());
  uint8_t block[32];
  int outl = 0;
  bool ok = EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.UnsafeBytes(), prev) == 1 &&
            EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
            EVP_DecryptUpdate(ctx.get(), block, &outl, last, 16) == 1 && outl == 16;
  if (!ok) {
    OPENSSL_cleanse(block, sizeof(block));
    return OpenSslFailure("CBC padding probe failed");
  }
  const uint8_t pad = block[15];
  // Same verdict as EVP's own PKCS#7 check in the bulk pass.
  bool valid = pad >= 1 && pad <= 16;
  for (size_t i = 0; valid && i < pad; ++i) valid = block[15 - i] == pad;
  OPENSSL_cleanse(block, sizeof(block));
  if (!valid) return AuthFailed(mode);
  *pad_len = pad;
  return Status::Ok();
}

}  // namespace mscrypt::internal
