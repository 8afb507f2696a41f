#include "internal/crypto/block_cipher.h"

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

Status AuthFailed(const ModeSpec& spec) {
  ERR_clear_error();
  if (spec.authenticated) {
    return Status(StatusCode::kAuthenticationFailed,
                  "authentication failed: wrong key, or the data was modified");
  }
  return Status(StatusCode::kAuthenticationFailed,
                "decryption failed (invalid padding): wrong key, or the data was modified");
}

// Cipher objects are fetched once per process and mode: implicit fetching on every EVP_*Init
// costs a provider lookup per block. Index: [mode][legacy][key size].
const EVP_CIPHER* CipherFor(const ModeSpec& spec, Format format, size_t key_len) {
  using Table = const EVP_CIPHER* [kModeCount][2][3];
  static const Table* const table = [] {
    static Table t = {};
    for (size_t m = 0; m < kModeCount; ++m) {
      for (int k = 0; k < 3; ++k) {
        const char* current = kModeSpecs[m].openssl_cipher[k];
        const char* legacy = kModeSpecs[m].legacy_openssl_cipher[k];
        t[m][0][k] = current != nullptr ? EVP_CIPHER_fetch(nullptr, current, nullptr) : nullptr;
        t[m][1][k] = legacy != nullptr ? EVP_CIPHER_fetch(nullptr, legacy, nullptr) : nullptr;
      }
    }
    ERR_clear_error();  // a missing cipher (SM4) leaves an error on the queue
    return &t;
  }();
  const int k = KeySizeIndex(spec, key_len);
  if (k < 0) return nullptr;
  return (*table)[static_cast<size_t>(spec.mode)][format == Format::kLegacy ? 1 : 0][k];
}

StatusOr<const EVP_CIPHER*> GetCipher(const ModeSpec& spec, Format format, const SecretBytes& key) {
  if (!spec.accepts_key_size(key.size())) {
    return InvalidArgumentError(std::string(spec.name) + ": key size " + std::to_string(key.size()) + " not accepted");
  }
  const EVP_CIPHER* cipher = CipherFor(spec, format, key.size());
  if (cipher == nullptr) {
    return Status(StatusCode::kUnsupported,
                  std::string(spec.name) + (format == Format::kLegacy ? " (legacy format)" : "") +
                      " is not available in the linked OpenSSL");
  }
  return cipher;
}

StatusOr<CtxPtr> NewCtx() {
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslFailure("EVP_CIPHER_CTX_new failed");
  return ctx;
}

// UpdateAll runs the cipher over all of `in` in INT_MAX-safe slices and sets *written; with
// `consumed`, in slices of kConsumedStep, telling it after each how much of `in` is done.
bool UpdateAll(EVP_CIPHER_CTX* ctx, bool encrypt, const uint8_t* in, size_t len, uint8_t* out,
               size_t* written, const ConsumedFn* consumed = nullptr) {
  *written = 0;
  const size_t step = consumed != nullptr ? kConsumedStep : kMaxUpdate;
  size_t done = 0;
  while (len > 0) {
    const int chunk = static_cast<int>(len < step ? len : step);
    int outl = 0;
    const int ok = encrypt ? EVP_EncryptUpdate(ctx, out + *written, &outl, in, chunk)
                           : EVP_DecryptUpdate(ctx, out + *written, &outl, in, chunk);
    if (ok != 1) return false;
    *written += static_cast<size_t>(outl);
    in += chunk;
    len -= static_cast<size_t>(chunk);
    done += static_cast<size_t>(chunk);
    if (consumed != nullptr) (*consumed)(done);
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

bool IsCipherAvailable(const ModeSpec& spec) {
  for (size_t k : spec.key_sizes) {
    if (k != 0 && CipherFor(spec, Format::kCurrent, k) == nullptr) return false;
  }
  return true;
}

Status SealBlock(const ModeSpec& spec, const SecretBytes& key, const uint8_t iv[16], const uint8_t* plaintext,
                 size_t plaintext_len, uint8_t* out, uint8_t tag_out[16]) {
  MSCRYPT_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, GetCipher(spec, Format::kCurrent, key));
  MSCRYPT_ASSIGN_OR_RETURN(CtxPtr ctx, NewCtx());
  // Default GCM IV length is 12: exactly MindSpore's effective nonce, iv[0..11] (docs/format.md §2.3).
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
  if (spec.tag_size > 0 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(spec.tag_size), tag_out) != 1) {
    return OpenSslFailure("reading the GCM tag failed");
  }
  return Status::Ok();
}

Status OpenBlock(const ModeSpec& spec, Format format, const SecretBytes& key, const uint8_t iv[16],
                 const uint8_t* tag, const uint8_t* ciphertext, size_t cipher_len, uint8_t* out,
                 size_t* plaintext_len, const ConsumedFn* consumed) {
  *plaintext_len = 0;
  MSCRYPT_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, GetCipher(spec, format, key));
  MSCRYPT_ASSIGN_OR_RETURN(CtxPtr ctx, NewCtx());
  const bool legacy_ctr = format == Format::kLegacy && !spec.legacy_padded;
  uint8_t counter_block[16];
  const uint8_t* init_iv = iv;
  if (legacy_ctr) {
    // Legacy GCM keystream starts at inc32(J0) = iv[0..11] || 00 00 00 02 (docs/format.md §3.2).
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
  const bool tagged = spec.tag_size > 0 && format == Format::kCurrent;
  bool ok = UpdateAll(ctx.get(), false, ciphertext, cipher_len, out, &written, consumed);
  if (ok && tagged) {
    ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(spec.tag_size),
                             const_cast<uint8_t*>(tag)) == 1;
  }
  int final_len = 0;
  // For GCM, Final compares the tag in constant time; for CBC it checks PKCS#7.
  if (ok) ok = EVP_DecryptFinal_ex(ctx.get(), out + written, &final_len) == 1;
  if (!ok) {
    // Wipe exactly what OpenSSL produced: `out` may be an exact-size slot smaller than cipher_len.
    Wipe(out, written);
    return AuthFailed(spec);
  }
  *plaintext_len = written + static_cast<size_t>(final_len);
  return Status::Ok();
}

Status CbcPaddingLength(const ModeSpec& spec, const SecretBytes& key, const uint8_t prev[16],
                        const uint8_t last[16], size_t* pad_len) {
  MSCRYPT_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, GetCipher(spec, Format::kCurrent, key));
  MSCRYPT_ASSIGN_OR_RETURN(CtxPtr ctx, NewCtx());
  uint8_t block[32];
  int outl = 0;
  bool ok = EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.UnsafeBytes(), prev) == 1 &&
            EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
            EVP_DecryptUpdate(ctx.get(), block, &outl, last, 16) == 1 && outl == 16;
  if (!ok) {
    Wipe(block, sizeof(block));
    return OpenSslFailure("CBC padding probe failed");
  }
  const uint8_t pad = block[15];
  // Same verdict as EVP's own PKCS#7 check in the bulk pass.
  bool valid = pad >= 1 && pad <= 16;
  for (size_t i = 0; valid && i < pad; ++i) valid = block[15 - i] == pad;
  Wipe(block, sizeof(block));
  if (!valid) return AuthFailed(spec);
  *pad_len = pad;
  return Status::Ok();
}

StatusOr<std::unique_ptr<CbcStream>> CbcStream::Create(bool encrypt, const SecretBytes& key, const uint8_t iv[16]) {
  const ModeSpec& spec = *SpecOf(Mode::kAesCbc);
  MSCRYPT_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, GetCipher(spec, Format::kCurrent, key));
  MSCRYPT_ASSIGN_OR_RETURN(CtxPtr ctx, NewCtx());
  const int ok = encrypt ? EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.UnsafeBytes(), iv)
                         : EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.UnsafeBytes(), iv);
  if (ok != 1) return OpenSslFailure("cipher init failed");
  return std::unique_ptr<CbcStream>(new CbcStream(ctx.release(), encrypt));
}

CbcStream::~CbcStream() { EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_)); }

Status CbcStream::Update(const uint8_t* in, size_t len, uint8_t* out, size_t* produced) {
  if (!UpdateAll(static_cast<EVP_CIPHER_CTX*>(ctx_), encrypt_, in, len, out, produced)) {
    return OpenSslFailure(encrypt_ ? "encrypt update failed" : "decrypt update failed");
  }
  return Status::Ok();
}

Status CbcStream::Finish(uint8_t* out, size_t* produced) {
  int n = 0;
  const int ok = encrypt_ ? EVP_EncryptFinal_ex(static_cast<EVP_CIPHER_CTX*>(ctx_), out, &n)
                          : EVP_DecryptFinal_ex(static_cast<EVP_CIPHER_CTX*>(ctx_), out, &n);
  *produced = static_cast<size_t>(n);
  if (ok == 1) return Status::Ok();
  if (encrypt_) return OpenSslFailure("encrypt final failed");
  ERR_clear_error();
  return Status(StatusCode::kAuthenticationFailed,
                "decryption failed (invalid padding at the end): wrong key, or the data was modified")
      .WithHint(kHintUnauthenticatedMode);
}

}  // namespace mscrypt::internal
