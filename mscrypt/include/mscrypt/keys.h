// Keys: generation from the operating system's CSPRNG (through OpenSSL's RAND_bytes).
#ifndef MSCRYPT_KEYS_H_
#define MSCRYPT_KEYS_H_

#include <cstddef>
#include <string>

#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt {

// kMaxKeySize: the longest key mscrypt holds (the built-in modes take 16, 24 or 32 bytes).
inline constexpr size_t kMaxKeySize = 1024;

// GenerateKey: `size` random bytes (1..kMaxKeySize) in a SecretBytes.
StatusOr<SecretBytes> GenerateKey(size_t size);

// WriteNewKeyFile writes a new random key of `size` bytes to `path`: raw bytes, or lowercase hex
// and a newline with `hex`. The file is created 0600 and appears complete or not at all; an
// existing `path` is refused (kIoError, EEXIST), so a key is never replaced by accident.
Status WriteNewKeyFile(const std::string& path, size_t size, bool hex);

}  // namespace mscrypt

#endif  // MSCRYPT_KEYS_H_
