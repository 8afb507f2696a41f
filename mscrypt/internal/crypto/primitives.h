// Whole-message primitives for mscrypt's own small files (key envelopes, docs/format.md §9):
// scrypt and one-shot AES-256-GCM with associated data. Knows algorithms, not file layouts.
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

// ConstantTimeEqual compares two equal-length byte strings in time independent of their contents.
bool ConstantTimeEqual(const uint8_t* a, const uint8_t* b, size_t len);

}  // namespace mscrypt::internal

#endif  // MSCRYPT_INTERNAL_CRYPTO_PRIMITIVES_H_
