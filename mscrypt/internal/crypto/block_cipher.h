// Seal and open one container block with OpenSSL. Knows ciphers, not files (docs/format.md §2.3).
#ifndef MSCRYPT_INTERNAL_CRYPTO_BLOCK_CIPHER_H_
#define MSCRYPT_INTERNAL_CRYPTO_BLOCK_CIPHER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

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

// ConsumedFn: told how many bytes of the ciphertext a call has read so far (every kConsumedStep),
// so a caller reading from a mapping can drop the pages behind it.
using ConsumedFn = std::function<void(size_t consumed)>;
constexpr size_t kConsumedStep = size_t{16} << 20;

// OpenBlock decrypts one block into `out`, which must hold `cipher_len` bytes (GCM, legacy GCM)
// or `cipher_len - 1` bytes (CBC). `out` may equal `ciphertext`. Sets *plaintext_len.
// `tag` is required for current-format GCM and ignored otherwise. On failure `out` is wiped:
// unauthenticated plaintext never survives a failed call.
Status OpenBlock(const ModeSpec& spec, Format format, const SecretBytes& key, const uint8_t iv[16],
                 const uint8_t* tag, const uint8_t* ciphertext, size_t cipher_len, uint8_t* out,
                 size_t* plaintext_len, const ConsumedFn* consumed = nullptr);

// CbcPaddingLength decrypts only the final cipher block to read the PKCS#7 pad length (1-16),
// so exact plaintext sizes are known before the bulk pass. `prev` is the previous ciphertext
// block, or the IV for a one-block ciphertext. kAuthenticationFailed on invalid padding.
Status CbcPaddingLength(const ModeSpec& spec, const SecretBytes& key, const uint8_t prev[16],
                        const uint8_t last[16], size_t* pad_len);

// CbcStream: one AES-CBC (PKCS#7) encryption or decryption fed in pieces, for the raw format.
// Update writes at most len + 16 bytes; Finish writes at most 16 (encrypt) and checks the padding
// (decrypt: kAuthenticationFailed when it is invalid).
class CbcStream {
 public:
  static StatusOr<std::unique_ptr<CbcStream>> Create(bool encrypt, const SecretBytes& key, const uint8_t iv[16]);
  ~CbcStream();
  CbcStream(const CbcStream&) = delete;
  CbcStream& operator=(const CbcStream&) = delete;
  Status Update(const uint8_t* in, size_t len, uint8_t* out, size_t* produced);
  Status Finish(uint8_t* out, size_t* produced);

 private:
  CbcStream(void* ctx, bool encrypt) : ctx_(ctx), encrypt_(encrypt) {}
  void* ctx_;  // EVP_CIPHER_CTX (kept out of this header: no OpenSSL above the crypto layer)
  bool encrypt_;
};

}  // namespace mscrypt::internal

#endif  // MSCRYPT_INTERNAL_CRYPTO_BLOCK_CIPHER_H_
