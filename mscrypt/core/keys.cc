#include "mscrypt/keys.h"

#include <memory>
#include <string>

#include "internal/crypto/block_cipher.h"
#include "internal/io/file.h"
#include "mscrypt/bytes.h"

namespace mscrypt {

StatusOr<SecretBytes> GenerateKey(size_t size) {
  if (size == 0 || size > kMaxKeySize) {
    return InvalidArgumentError("a key is 1 to " + std::to_string(kMaxKeySize) + " bytes (AES: 16, 24 or 32; SM4: 16), not " +
                                std::to_string(size))
        .WithHint(kHintCheckKeySize);
  }
  uint8_t bytes[kMaxKeySize];
  Status s = internal::RandomBytes(bytes, size);
  SecretBytes key = s.ok() ? SecretBytes(bytes, size) : SecretBytes();
  Wipe(bytes, sizeof(bytes));
  if (!s.ok()) return s;
  return key;
}

Status WriteNewKeyFile(const std::string& path, size_t size, bool hex) {
  MSCRYPT_ASSIGN_OR_RETURN(SecretBytes key, GenerateKey(size));
  internal::OutputOptions options;
  options.private_contents = true;
  options.exclusive = true;
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFile> out, internal::AtomicFile::Create(path, options));
  if (!hex) {
    MSCRYPT_RETURN_IF_ERROR(out->Write(ByteView(key.UnsafeBytes(), key.size())));
    return out->Commit();
  }
  static const char kDigits[] = "0123456789abcdef";
  uint8_t text[2 * kMaxKeySize + 1];
  for (size_t i = 0; i < key.size(); ++i) {
    text[2 * i] = static_cast<uint8_t>(kDigits[key.UnsafeBytes()[i] >> 4]);
    text[2 * i + 1] = static_cast<uint8_t>(kDigits[key.UnsafeBytes()[i] & 0xF]);
  }
  text[2 * key.size()] = '\n';
  Status s = out->Write(ByteView(text, 2 * key.size() + 1));
  Wipe(text, sizeof(text));
  MSCRYPT_RETURN_IF_ERROR(s);
  return out->Commit();
}

}  // namespace mscrypt
