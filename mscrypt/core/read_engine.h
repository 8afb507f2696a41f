// The one decrypt engine behind every read of the container API (core/ private header).
//
// Two passes (docs/format.md §4): a header walk validates the whole structure and fixes every
// block's plaintext offset (reading only headers, plus the last 32 bytes of each CBC block to learn
// its padding); then blocks are decrypted in parallel batches into a sink. The memory sink puts
// each block straight into its final place in one buffer; the stream sink decrypts a window of
// blocks into reused slots and appends them to an atomic output file, so memory stays bounded.
#ifndef MSCRYPT_CORE_READ_ENGINE_H_
#define MSCRYPT_CORE_READ_ENGINE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "internal/io/file.h"
#include "internal/io/file_mapping.h"
#include "mscrypt/container.h"

namespace mscrypt::core {

// Source: a container in memory or in a file, read by offset from any thread.
class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  virtual Status Read(uint64_t offset, MutableByteView out) const = 0;
  // direct: the bytes, when the container is in memory; nullptr for files.
  virtual const uint8_t* direct() const { return nullptr; }
  // Release: the engine is done with [offset, offset + size) (a mapped file drops those pages from
  // the process, so its resident memory stays at the blocks in flight, not the whole file).
  virtual void Release(uint64_t /*offset*/, uint64_t /*size*/) const {}
};

class MemorySource : public Source {
 public:
  explicit MemorySource(ByteView data) : data_(data) {}
  uint64_t size() const override { return data_.size; }
  Status Read(uint64_t offset, MutableByteView out) const override;
  const uint8_t* direct() const override { return data_.data; }

 private:
  ByteView data_;
};

// MappedSource: a file read through its mapping (internal/io/file_mapping.h), as memory.
class MappedSource : public MemorySource {
 public:
  explicit MappedSource(const internal::FileMapping& mapping);
  void Release(uint64_t offset, uint64_t size) const override;

 private:
  const internal::FileMapping& mapping_;
};

class FileSource : public Source {
 public:
  explicit FileSource(const internal::InputFile& file) : file_(file) {}
  uint64_t size() const override { return file_.size(); }
  Status Read(uint64_t offset, MutableByteView out) const override { return file_.ReadAt(offset, out); }

 private:
  const internal::InputFile& file_;
};

// Argument checks shared by every entry point; they run before any I/O.
Status CheckOptions(const Options& options);
Status CheckModeAndKey(Mode mode, const SecretBytes& key);
Status CheckReadRequest(Mode mode, const SecretBytes& key, const Options& options);

// AtBlock prefixes "block i at byte n: " and records the position, unless already positioned.
Status AtBlock(Status s, uint64_t index, uint64_t offset);

struct BlockEntry {
  uint64_t offset;       // of the block in the container
  uint32_t header_size;
  uint32_t cipher_len;
  uint64_t pt_offset;    // of its plaintext in the whole output
  uint32_t pt_len;
};

struct Plan {
  std::vector<BlockEntry> blocks;
  uint64_t plaintext_size = 0;
};

// MakePlan walks every header once; with `key` it also fixes exact CBC plaintext lengths. It
// releases what it read from the source.
StatusOr<Plan> MakePlan(const Source& src, Mode mode, Format format, const SecretBytes* key);

// PlaintextSink: where the engine puts decrypted blocks. Blocks are decrypted in batches of
// consecutive blocks; within a batch, worker threads fill slots in any order.
class PlaintextSink {
 public:
  virtual ~PlaintextSink() = default;
  // window_bytes: most container bytes per batch (0: no limit of the sink's own).
  virtual uint64_t window_bytes() const = 0;
  // BeginBatch: blocks [begin, end) are about to be decrypted.
  virtual Status BeginBatch(const Plan& plan, size_t begin, size_t end) = 0;
  // Slot: where block `e` of the current batch goes: exactly e.pt_len bytes. Thread-safe.
  virtual MutableByteView Slot(const BlockEntry& e) = 0;
  // Flush: the batch [begin, end) is decrypted into its slots.
  virtual Status Flush(const Plan& plan, size_t begin, size_t end) = 0;
  // Discard: a block before `end` failed; wipe every plaintext byte the sink holds (blocks past
  // `end` were never written).
  virtual void Discard(const Plan& plan, size_t end) = 0;
};

// MemorySink: every block at its plaintext offset in `out` (out.size >= plan.plaintext_size).
class MemorySink : public PlaintextSink {
 public:
  explicit MemorySink(MutableByteView out) : out_(out) {}
  uint64_t window_bytes() const override { return 0; }
  Status BeginBatch(const Plan&, size_t, size_t) override { return Status::Ok(); }
  MutableByteView Slot(const BlockEntry& e) override;
  Status Flush(const Plan&, size_t, size_t) override { return Status::Ok(); }
  void Discard(const Plan& plan, size_t end) override;

 private:
  MutableByteView out_;
};

// StreamSink: batches of at most `window_bytes` container bytes, each decrypted into one reused
// buffer and appended to `out` with one write, so memory stays bounded and many small blocks do
// not cost a write each.
class StreamSink : public PlaintextSink {
 public:
  StreamSink(internal::ByteSink& out, uint64_t window_bytes) : out_(out), window_bytes_(window_bytes) {}
  uint64_t window_bytes() const override { return window_bytes_; }
  Status BeginBatch(const Plan& plan, size_t begin, size_t end) override;
  MutableByteView Slot(const BlockEntry& e) override;
  Status Flush(const Plan& plan, size_t begin, size_t end) override;
  void Discard(const Plan&, size_t) override { buffer_.Clear(); }

 private:
  internal::ByteSink& out_;
  uint64_t window_bytes_;
  PlaintextBuffer buffer_;
  uint64_t batch_pt_offset_ = 0;
};

// RunPlan decrypts the blocks of `plan` into `sink`, or only authenticates them when `sink` is
// null. On failure the sink discards its plaintext. Reports progress between batches. In an
// authenticated mode the first batch is one block per worker, so a wrong key is reported after
// that much work, not after the whole container.
Status RunPlan(const Source& src, const Plan& plan, Mode mode, Format format, const SecretBytes& key,
               PlaintextSink* sink, const Options& options);

// DecryptFileWithPread: DecryptFile reading with pread into the output (GCM blocks are decrypted
// in place there) instead of through a mapping: slower, but the process never holds any of the
// file's pages, so a model loader's peak memory is its output alone (docs/performance.md).
StatusOr<PlaintextBuffer> DecryptFileWithPread(const std::string& path, const SecretBytes& key, Mode mode,
                                               const Options& options);

// StreamWindowBytes: the container bytes a stream sink holds per batch (kStreamWindowBlocks
// blocks at most, whatever the thread count).
uint64_t StreamWindowBytes(const Options& options);

}  // namespace mscrypt::core

#endif  // MSCRYPT_CORE_READ_ENGINE_H_
