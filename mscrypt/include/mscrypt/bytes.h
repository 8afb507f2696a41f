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
// 1 GiB does not first pay for zero-filling 1 GiB. Buffers of 2 MiB and more are anonymous
// mappings, 2 MiB-aligned and advised for transparent huge pages (about 500-fold fewer first-touch
// faults). When such a buffer is freed its mapping goes to a small process-wide cache instead of
// back to the kernel, and the next large buffer of about that size reuses it: a fresh page must be
// zeroed by the kernel before it is written, which costs about half as much as the decryption that
// fills it (docs/performance.md). The cache never holds a secret (PlaintextBuffer wipes before it
// frees); its pages are handed back lazily (MADV_FREE), so memory pressure reclaims them; it holds
// at most MSCRYPT_BUFFER_CACHE_MIB MiB (default 1024; 0 turns it off), and ReleaseCachedMemory()
// empties it.
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

  // ReleaseAllocation hands the allocation to the caller (for memory another owner frees, such as a
  // Python object's); the buffer is empty afterwards. Adopt takes back a released allocation with
  // the size it was allocated with, so that it is freed the way it was allocated.
  uint8_t* ReleaseAllocation();
  static Buffer Adopt(uint8_t* data, size_t allocated_size);

 private:
  struct Free {
    size_t allocated_size;  // value-initialised (0) in an empty Buffer
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

// ReleaseCachedMemory unmaps every mapping the buffer cache holds and returns how many bytes that
// was (for a process that has just dropped its last large model and wants its memory back now).
size_t ReleaseCachedMemory();

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
  // FreeWiped frees without wiping: for a caller that has wiped every byte it wrote, when wiping
  // the rest would only fault in pages that were never written.
  void FreeWiped() { buffer_ = Buffer(); }

 private:
  Buffer buffer_;  // bytes past size() were wiped by Shrink
};

}  // namespace mscrypt

#endif  // MSCRYPT_BYTES_H_
