// Raw AES-CBC: the format of Windows ML's encrypted-model tutorial and of
// `openssl enc -aes-{128,192,256}-cbc -K KEY -iv IV` (without -salt): PKCS#7 padding, a
// 16-byte IV the caller keeps separately, no header, no block structure.
//
// WARNING: not authenticated. A wrong key is detected only when the final padding happens to be
// invalid (about 255 times in 256); a wrong IV changes only the first 16 plaintext bytes and is
// never detected; changes to the file are not detected. Prefer the container's AES-GCM where the
// format is yours to choose. Spec: docs/format.md §8.
#ifndef MSCRYPT_RAW_H_
#define MSCRYPT_RAW_H_

#include <cstdint>
#include <string>

#include "mscrypt/bytes.h"
#include "mscrypt/container.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt {

inline constexpr size_t kRawIvSize = 16;

// RawEncrypt / RawDecrypt: whole buffers. Keys of 16, 24 or 32 bytes (AES-128/192/256).
StatusOr<Buffer> RawEncrypt(ByteView plaintext, const SecretBytes& key, const uint8_t iv[kRawIvSize]);
StatusOr<PlaintextBuffer> RawDecrypt(ByteView ciphertext, const SecretBytes& key, const uint8_t iv[kRawIvSize]);

// RawEncryptFileToFile / RawDecryptFileToFile stream with bounded memory (a few MiB), any size,
// with the destination rules of DecryptFileToFile (atomic, plaintext created 0600, in_place).
// A decrypt whose padding fails leaves the destination untouched.
Status RawEncryptFileToFile(const std::string& src, const std::string& dst, const SecretBytes& key,
                            const uint8_t iv[kRawIvSize], const Options& options = {});
Status RawDecryptFileToFile(const std::string& src, const std::string& dst, const SecretBytes& key,
                            const uint8_t iv[kRawIvSize], const Options& options = {});
// RawDecryptFile: a raw file into one self-wiping buffer.
StatusOr<PlaintextBuffer> RawDecryptFile(const std::string& path, const SecretBytes& key,
                                         const uint8_t iv[kRawIvSize]);

}  // namespace mscrypt

#endif  // MSCRYPT_RAW_H_
