// Primitives for mscrypt's own small files: scrypt and one-shot AES-256-GCM with associated data
// (key envelopes, docs/format.md §9); HKDF-SHA256, HMAC-SHA256 and SHA-256 (seals,
// docs/format.md §11). Knows algorithms, not file layouts.
#ifndef MSCRYPT_INTERNAL_CRYPTO_PRIMITIVES_H_
#define MSCRYPT_INTERNAL_CRYPTO_PRIMITIVES_H_

#include <cstddef>
#include <cstdint>

#include "mscrypt/bytes.h"
#include "mscrypt/status.h"

namespace mscrypt::internal {

// Scrypt derives `out_len` bytes (RFC 7914) with N = 2^log_n. The caller bounds the cost; the
// memory OpenSSL may use is set from it (128 * r * (N + p) bytes and some slack).
Status Scrypt(ByteView passphrase, ByteView salt, unsigned log_n, unsigned r, unsigned p, uint8_t* out,
              size_t out_len);

// Aes256GcmSeal encrypts `plaintext` into `out` (same length) under a 32-byte key and 12-byte
// nonce, authenticating `aad` too; the 16-byte tag goes to `tag`.
Status Aes256GcmSeal(const uint8_t key[32], const uint8_t nonce[12], ByteView aad, ByteView plaintext, uint8_t* out,
                     uint8_t tag[16]);

// Aes256GcmOpen reverses Aes256GcmSeal; kAuthenticationFailed (and `out` wiped) on a tag mismatch.
Status Aes256GcmOpen(const uint8_t key[32], const uint8_t nonce[12], ByteView aad, ByteView ciphertext,
                     const uint8_t tag[16], uint8_t* out);

// HkdfSha256 derives `out_len` bytes from `ikm` with no salt and the given `info` (RFC 5869).
Status HkdfSha256(ByteView ikm, ByteView info, uint8_t* out, size_t out_len);

// HmacSha256 computes the 32-byte HMAC of `data` under `key`.
Status HmacSha256(ByteView key, ByteView data, uint8_t out[32]);

// Sha256: an incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Status Update(ByteView data);
  Status Finish(uint8_t out[32]);

 private:
  void* ctx_;  // EVP_MD_CTX
};

// ConstantTimeEqual compares two equal-length byte strings in time independent of their contents.
bool ConstantTimeEqual(const uint8_t* a, const uint8_t* b, size_t len);

}  // namespace mscrypt::internal

#endif  // MSCRYPT_INTERNAL_CRYPTO_PRIMITIVES_H_
