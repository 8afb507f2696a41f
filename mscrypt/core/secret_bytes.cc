#include "mscrypt/secret_bytes.h"

#include "mscrypt/bytes.h"

#include <cstring>
#include <new>

namespace mscrypt {

SecretBytes::SecretBytes(const void* data, size_t size) {
  if (size == 0) return;
  data_ = new uint8_t[size];
  size_ = size;
  std::memcpy(data_, data, size);
}

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void SecretBytes::Wipe() {
  if (data_ != nullptr) {
    ::mscrypt::Wipe(data_, size_);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

}  // namespace mscrypt
