#include <openssl/crypto.h>
#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "mscrypt/bytes.h"

namespace mscrypt {
namespace {

constexpr size_t kHugePageSize = size_t{2} << 20;
constexpr size_t kDefaultCacheMiB = 1024;
constexpr size_t kMaxCachedMappings = 16;

size_t MappingLength(size_t size) { return (size + kHugePageSize - 1) / kHugePageSize * kHugePageSize; }

// NewMapping: `length` bytes (a multiple of 2 MiB) of anonymous memory at a 2 MiB boundary, or
// nullptr. Only whole 2 MiB pages of the `size` bytes in use are advised for huge pages: a huge page
// over the partly used tail would make up to 2 MiB of never-written memory resident.
uint8_t* NewMapping(size_t length, size_t size) {
  void* raw = mmap(nullptr, length + kHugePageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePageSize - 1) / kHugePageSize * kHugePageSize;
  if (aligned > start) munmap(raw, aligned - start);
  if (const size_t tail = start + kHugePageSize - aligned; tail > 0) {
    munmap(reinterpret_cast<void*>(aligned + length), tail);
  }
  auto* p = reinterpret_cast<uint8_t*>(aligned);
#ifdef MADV_HUGEPAGE
  (void)madvise(p, size / kHugePageSize * kHugePageSize, MADV_HUGEPAGE);  // advice; harmless without THP
#endif
  return p;
}

// MappingCache: the large mappings, those in use (lent) and those freed and kept, which the next
// allocation of about the same size reuses (a reloaded model has the size it had). Kept ones are
// ordered most recently freed last; the oldest goes first.
class MappingCache {
 public:
  static MappingCache& Instance() {
    static MappingCache* cache = new MappingCache();  // never destroyed: buffers outlive statics
    return *cache;
  }

  // Allocate: a kept mapping that fits `size` with little to spare (the smallest whose length is
  // at most an eighth, or one huge page, over what `size` needs), or a new one.
  uint8_t* Allocate(size_t size) {
    const size_t length = MappingLength(size);
    const size_t most = length + std::max(length / 8, kHugePageSize);
    {
      std::lock_guard<std::mutex> lock(mu_);
      size_t best = entries_.size();
      for (size_t i = 0; i < entries_.size(); ++i) {
        const size_t have = entries_[i].length;
        if (have >= length && have <= most && (best == entries_.size() || have < entries_[best].length)) best = i;
      }
      if (best != entries_.size()) {
        const Entry e = entries_[best];
        entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(best));
        cached_bytes_ -= e.length;
        lent_[e.data] = e.length;
        return e.data;
      }
    }
    uint8_t* p = NewMapping(length, size);
    if (p != nullptr) {
      std::lock_guard<std::mutex> lock(mu_);
      lent_[p] = length;
    }
    return p;
  }

  void Free(uint8_t* p) {
    size_t length = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto it = lent_.find(p);
      if (it == lent_.end()) return;  // not lent by Allocate (cannot happen through Buffer)
      length = it->second;
      lent_.erase(it);
    }
    if (length > limit_bytes_) {
      munmap(p, length);
      return;
    }
    // The kernel may take the pages back under memory pressure; until it does, reuse costs nothing.
#ifdef MADV_FREE
    (void)madvise(p, length, MADV_FREE);
#endif
    std::vector<Entry> evicted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      entries_.push_back(Entry{p, length});
      cached_bytes_ += length;
      while (cached_bytes_ > limit_bytes_ || entries_.size() > kMaxCachedMappings) {
        evicted.push_back(entries_.front());
        cached_bytes_ -= entries_.front().length;
        entries_.erase(entries_.begin());
      }
    }
    for (const Entry& e : evicted) munmap(e.data, e.length);
  }

  size_t ReleaseAll() {
    std::vector<Entry> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      all.swap(entries_);
      cached_bytes_ = 0;
    }
    size_t released = 0;
    for (const Entry& e : all) {
      munmap(e.data, e.length);
      released += e.length;
    }
    return released;
  }

 private:
  struct Entry {
    uint8_t* data;
    size_t length;
  };

  MappingCache() : limit_bytes_(LimitFromEnvironment()) {
    // fork() while a worker thread holds the lock would leave the child's copy locked forever:
    // hold it across fork, release it on both sides (as malloc does for its own locks).
    pthread_atfork([] { Instance().mu_.lock(); }, [] { Instance().mu_.unlock(); },
                   [] { Instance().mu_.unlock(); });
  }

  // MSCRYPT_BUFFER_CACHE_MIB: a decimal number of MiB; anything else leaves the default.
  static size_t LimitFromEnvironment() {
    const char* v = std::getenv("MSCRYPT_BUFFER_CACHE_MIB");
    if (v == nullptr || *v == '\0' || std::strlen(v) > 9) return kDefaultCacheMiB << 20;
    size_t mib = 0;
    for (const char* c = v; *c != '\0'; ++c) {
      if (*c < '0' || *c > '9') return kDefaultCacheMiB << 20;
      mib = mib * 10 + static_cast<size_t>(*c - '0');
    }
    return mib << 20;
  }

  std::mutex mu_;
  std::unordered_map<uint8_t*, size_t> lent_;  // mappings in use, by address: their lengths
  std::vector<Entry> entries_;
  size_t cached_bytes_ = 0;
  const size_t limit_bytes_;
};

}  // namespace

void Buffer::Free::operator()(uint8_t* p) const {
  if (allocated_size >= kHugePageSize) {
    MappingCache::Instance().Free(p);
  } else {
    std::free(p);
  }
}

StatusOr<Buffer> Buffer::Allocate(size_t size) {
  Buffer b;
  if (size == 0) return b;
  // Not zeroed on purpose: callers overwrite every byte.
  uint8_t* p = nullptr;
  if (size >= kHugePageSize) {
    if (size <= SIZE_MAX - 2 * kHugePageSize) {
      p = MappingCache::Instance().Allocate(size);
    }
  } else {
    p = static_cast<uint8_t*>(std::malloc(size));
  }
  if (p == nullptr) {
    return Status(StatusCode::kResourceExhausted,
                  "cannot allocate " + std::to_string(size) + " bytes for the output");
  }
  return Adopt(p, size);
}

uint8_t* Buffer::ReleaseAllocation() {
  size_ = 0;
  return data_.release();
}

Buffer Buffer::Adopt(uint8_t* data, size_t allocated_size) {
  Buffer b;
  b.data_ = std::unique_ptr<uint8_t, Free>(data, Free{allocated_size});
  b.size_ = allocated_size;
  return b;
}

size_t ReleaseCachedMemory() { return MappingCache::Instance().ReleaseAll(); }

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
