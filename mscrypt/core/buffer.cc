#include <openssl/crypto.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "mscrypt/bytes.h"

namespace mscrypt {
namespace {

constexpr size_t kHugePageSize = size_t{2} << 20;

}  // namespace

void Buffer::Free::operator()(uint8_t* p) const { std::free(p); }

StatusOr<Buffer> Buffer::Allocate(size_t size) {
  Buffer b;
  if (size == 0) return b;
  // Not zeroed on purpose: callers overwrite every byte.
  void* p = nullptr;
  if (size >= kHugePageSize) {
    if (posix_memalign(&p, kHugePageSize, size) != 0) p = nullptr;
#ifdef MADV_HUGEPAGE
    // Advice only (with THP disabled it fails harmlessly). Only whole 2 MiB pages are advised: a
    // huge page over the partly used tail would make up to 2 MiB of never-written memory resident.
    if (p != nullptr) (void)madvise(p, size / kHugePageSize * kHugePageSize, MADV_HUGEPAGE);
#endif
  } else {
    p = std::malloc(size);
  }
  if (p == nullptr) {
    return Status(StatusCode::kResourceExhausted,
                  "cannot allocate " + std::to_string(size) + " bytes for the output");
  }
  b.data_.reset(static_cast<uint8_t*>(p));
  b.size_ = size;
  return b;
}

namespace {
std::atomic<uint64_t> g_wiped_bytes{0};
}  // namespace

void Wipe(void* data, size_t size) {
  if (data == nullptr || size == 0) return;
  OPENSSL_cleanse(data, size);
  g_wiped_bytes.fetch_add(size, std::memory_order_relaxed);
}

uint64_t WipedBytesForTesting() { return g_wiped_bytes.load(std::memory_order_relaxed); }

StatusOr<PlaintextBuffer> PlaintextBuffer::Allocate(size_t size) {
  PlaintextBuffer out;
  MSCRYPT_ASSIGN_OR_RETURN(out.buffer_, Buffer::Allocate(size));
  return out;
}

void PlaintextBuffer::Shrink(size_t new_size) {
  if (new_size >= buffer_.size()) return;
  Wipe(buffer_.data() + new_size, buffer_.size() - new_size);
  buffer_.Shrink(new_size);
}

void PlaintextBuffer::Clear() {
  Wipe(buffer_.data(), buffer_.size());  // the tail beyond size() was wiped by Shrink
  buffer_ = Buffer();
}

}  // namespace mscrypt
