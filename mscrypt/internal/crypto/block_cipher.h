// Seal and open one container block with OpenSSL. Knows ciphers, not files (docs/format.md §2.3).
#ifndef MSCRYPT_INTERNAL_CRYPTO_BLOCK_CIPHER_H_
#define MSCRYPT_INTERNAL_CRYPTO_BLOCK_CIPHER_H_

#include <cstddef>
#include <cstdint>

#include "mscrypt/bytes.h"
#include "mscrypt/mode.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt::internal {

// RandomBytes fills `out` from OpenSSL's CSPRNG.
Status RandomBytes(uint8_t* out, size_t size);

// IsCipherAvailable: the linked OpenSSL has the cipher of `spec` for every key size.
bool IsCipherAvailable(const ModeSpec& spec);

// SealBlock encrypts `plaintext` (current format). GCM: nonce = iv[0..11], no AAD, ciphertext
// has plaintext's length, the 16-byte tag goes to `tag_out`. CBC: PKCS#7, ciphertext is
// CipherLenFor() bytes. `out` may equal `plaintext` (in place) but must not otherwise overlap.
Status SealBlock(const ModeSpec& spec, const SecretBytes& key, const uint8_t iv[16], const uint8_t* plaintext,
                 size_t plaintext_len, uint8_t* out, uint8_t tag_out[16]);

// OpenBlock decrypts one block into `out`, which must hold `cipher_len` bytes (GCM, legacy GCM)
// or `cipher_len - 1` bytes (CBC). `out` may equal `ciphertext`. Sets *plaintext_len.
// `tag` is required for current-format GCM and ignored otherwise. On failure `out` is wiped:
// unauthenticated plaintext never survives a failed call.
Status OpenBlock(const ModeSpec& spec, Format format, const SecretBytes& key, const uint8_t iv[16],
                 const uint8_t* tag, const uint8_t* ciphertext, size_t cipher_len, uint8_t* out,
                 size_t* plaintext_len);

// CbcPaddingLength decrypts only the final cipher block to read the PKCS#7 pad length (1-16),
// so exact plaintext sizes are known before the bulk pass. `prev` is the previous ciphertext
// block, or the IV for a one-block ciphertext. kAuthenticationFailed on invalid padding.
Status CbcPaddingLength(const ModeSpec& spec, const SecretBytes& key, const uint8_t prev[16],
                        const uint8_t last[16], size_t* pad_len);

}  // namespace mscrypt::internal

#endif  // MSCRYPT_INTERNAL_CRYPTO_BLOCK_CIPHER_H_
