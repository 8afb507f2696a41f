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

// Wipe overwrites `size` bytes at `data` with zeros in a way the compiler cannot elide
// (OPENSSL_cleanse). The one wipe routine of mscrypt: every key and plaintext byte goes through it.
void Wipe(void* data, size_t size);
// WipedBytesForTesting: total bytes passed to Wipe() in this process (a relaxed counter), so tests
// can show that plaintext on a failure path was wiped.
uint64_t WipedBytesForTesting();

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

// PlaintextBuffer: a Buffer that holds decrypted (or otherwise secret) bytes and wipes its whole
// allocation when it is destroyed, moved over or cleared. Every decrypted payload lives in one,
// so no caller decides for itself whether plaintext is wiped.
class PlaintextBuffer {
 public:
  PlaintextBuffer() = default;
  static StatusOr<PlaintextBuffer> Allocate(size_t size);
  ~PlaintextBuffer() { Clear(); }
  PlaintextBuffer(PlaintextBuffer&& other) noexcept : buffer_(std::move(other.buffer_)) {}
  PlaintextBuffer& operator=(PlaintextBuffer&& other) noexcept {
    if (this != &other) {
      Clear();
      buffer_ = std::move(other.buffer_);
    }
    return *this;
  }
  PlaintextBuffer(const PlaintextBuffer&) = delete;
  PlaintextBuffer& operator=(const PlaintextBuffer&) = delete;

  uint8_t* data() { return buffer_.data(); }
  const uint8_t* data() const { return buffer_.data(); }
  size_t size() const { return buffer_.size(); }
  bool empty() const { return buffer_.empty(); }
  ByteView view() const { return buffer_.view(); }
  MutableByteView mutable_view() { return buffer_.mutable_view(); }

  // Shrink reduces the logical size and wipes the bytes cut off.
  void Shrink(size_t new_size);
  // Clear wipes and frees the bytes; the buffer is empty afterwards.
  void Clear();

 private:
  Buffer buffer_;  // bytes past size() were wiped by Shrink
};

}  // namespace mscrypt

#endif  // MSCRYPT_BYTES_H_
