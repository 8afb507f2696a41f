// Byte views and an owning, uninitialised byte buffer (C++17 has no std::span).
#ifndef MSCRYPT_BYTES_H_
#define MSCRYPT_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mscrypt/status.h"

namespace mscrypt {

// ByteView: a read-only (pointer, size) pair. Does not own its bytes.
struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;

  ByteView() = default;
  ByteView(const uint8_t* d, size_t n) : data(d), size(n) {}
  ByteView(const void* d, size_t n) : data(static_cast<const uint8_t*>(d)), size(n) {}
  ByteView(const std::vector<uint8_t>& v) : data(v.data()), size(v.size()) {}  // NOLINT
  ByteView(const std::string& s) : data(reinterpret_cast<const uint8_t*>(s.data())), size(s.size()) {}  // NOLINT
  ByteView subview(size_t offset, size_t n) const { return ByteView(data + offset, n); }
};

// MutableByteView: a writable (pointer, size) pair. Does not own its bytes.
struct MutableByteView {
  uint8_t* data = nullptr;
  size_t size = 0;

  MutableByteView() = default;
  MutableByteView(uint8_t* d, size_t n) : data(d), size(n) {}
  MutableByteView(std::vector<uint8_t>& v) : data(v.data()), size(v.size()) {}  // NOLINT
  operator ByteView() const { return ByteView(data, size); }  // NOLINT
  MutableByteView subview(size_t offset, size_t n) const { return MutableByteView(data + offset, n); }
};

// Buffer: an owning, move-only byte array whose contents start uninitialised, so that decrypting
// 1 GiB does not first pay for zero-filling 1 GiB. Buffers of 2 MiB and more are 2 MiB-aligned and
// ask for transparent huge pages, which cuts first-touch page faults about 500-fold (measured in
// docs/performance.md: a fresh 4 KiB-paged output buffer costs more than the decryption itself).
class Buffer {
 public:
  Buffer() = default;
  // Allocate returns kResourceExhausted if `size` bytes cannot be allocated.
  static StatusOr<Buffer> Allocate(size_t size);

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteView view() const { return ByteView(data_.get(), size_); }
  MutableByteView mutable_view() { return MutableByteView(data_.get(), size_); }

  // Shrink reduces the logical size (no reallocation).
  void Shrink(size_t new_size) { if (new_size < size_) size_ = new_size; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

}  // namespace mscrypt

#endif  // MSCRYPT_BYTES_H_
