// SecretBytes: the only type that holds key material in mscrypt.
//
// Move-only; the storage is wiped with OPENSSL_cleanse when the object is destroyed or moved
// from. There is no stream operator and no conversion to std::string, and raw access goes
// through UnsafeBytes() so a search finds every place key bytes are read.
#ifndef MSCRYPT_SECRET_BYTES_H_
#define MSCRYPT_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>

namespace mscrypt {

class SecretBytes {
 public:
  SecretBytes() = default;
  // Copies `size` bytes from `data`. The caller remains responsible for wiping its own copy.
  SecretBytes(const void* data, size_t size);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // Clone makes an explicit copy (copying a key should be visible in code review).
  SecretBytes Clone() const { return SecretBytes(data_, size_); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // UnsafeBytes exposes the key bytes. Never log, format or copy them into non-wiping storage.
  const uint8_t* UnsafeBytes() const { return data_; }

 private:
  void Wipe();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace mscrypt

#endif  // MSCRYPT_SECRET_BYTES_H_
