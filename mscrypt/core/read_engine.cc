#include "core/read_engine.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "internal/crypto/block_cipher.h"
#include "internal/format/layout.h"
#include "internal/parallel/parallel_for.h"

namespace mscrypt::core {
namespace {

using internal::BlockFrame;
using internal::kMaxHeaderSize;

// SequentialReader: reads that move forward through a file (headers, CBC tails) served from a
// 1 MiB window, so the walk over a file of many small blocks costs one read per MiB, not one
// per block.
class SequentialReader {
 public:
  explicit SequentialReader(const Source& src) : src_(src) {}
  Status Read(uint64_t offset, MutableByteView out) {
    if (src_.direct() != nullptr) return src_.Read(offset, out);
    if (offset < start_ || offset + out.size > start_ + window_.size()) {
      const uint64_t size = std::min<uint64_t>(kWindow, src_.size() - offset);
      if (size < out.size) return src_.Read(offset, out);
      window_.resize(static_cast<size_t>(size));
      MSCRYPT_RETURN_IF_ERROR(src_.Read(offset, MutableByteView(window_.data(), window_.size())));
      start_ = offset;
    }
    std::memcpy(out.data, window_.data() + (offset - start_), out.size);
    return Status::Ok();
  }

 private:
  static constexpr uint64_t kWindow = uint64_t{1} << 20;
  const Source& src_;
  std::vector<uint8_t> window_;  // headers and ciphertext only, never plaintext
  uint64_t start_ = 0;
};


// IvOf / TagOf: where a block header keeps its IV and, in tagged current-format modes, its tag
// (legacy headers have the CBC layout and no tag: docs/format.md §3).
const uint8_t* IvOf(const uint8_t* header, const ModeSpec& spec, Format format) {
  return header + (format == Format::kCurrent ? spec.iv_offset() : internal::kLegacyIvOffset);
}
const uint8_t* TagOf(const uint8_t* header, const ModeSpec& spec, Format format) {
  return format == Format::kCurrent && spec.tag_size > 0 ? header + spec.tag_offset() : nullptr;
}

// PlaintextLength: exact for unpadded modes; for padded ones reads the last 32 ciphertext bytes
// (or, for a one-cipher-block block, the IV and those 16 bytes) and probes the padding
// (docs/format.md §2.3).
Status PlaintextLength(SequentialReader& src, const SecretBytes& key, const ModeSpec& spec, Format format,
                       const BlockEntry& e, uint32_t* pt_len) {
  const bool padded = format == Format::kCurrent ? spec.padded : spec.legacy_padded;
  if (!padded) {
    *pt_len = e.cipher_len;
    return Status::Ok();
  }
  uint8_t tail[32];
  const uint64_t ct = e.offset + e.header_size;
  if (e.cipher_len == 16) {
    uint8_t header[kMaxHeaderSize];
    MSCRYPT_RETURN_IF_ERROR(src.Read(e.offset, MutableByteView(header, e.header_size)));
    std::memcpy(tail, IvOf(header, spec, format), 16);  // the IV chains into the only block
    MSCRYPT_RETURN_IF_ERROR(src.Read(ct, MutableByteView(tail + 16, 16)));
  } else {
    MSCRYPT_RETURN_IF_ERROR(src.Read(ct + e.cipher_len - 32, MutableByteView(tail, 32)));
  }
  size_t pad = 0;
  // Legacy CBC blocks use the same cipher and padding as current ones (docs/format.md §3).
  MSCRYPT_RETURN_IF_ERROR(internal::CbcPaddingLength(spec, key, tail, tail + 16, &pad));
  *pt_len = static_cast<uint32_t>(e.cipher_len - pad);
  return Status::Ok();
}

// Scratch: one buffer per worker, grown on demand up to the block cap, wiped when dropped.
class Scratch {
 public:
  explicit Scratch(int workers) : buffers_(static_cast<size_t>(workers)) {}
  StatusOr<uint8_t*> Get(int worker, size_t size) {
    PlaintextBuffer& b = buffers_[static_cast<size_t>(worker)];
    if (b.size() < size) {
      MSCRYPT_ASSIGN_OR_RETURN(b, PlaintextBuffer::Allocate(size));
    }
    return b.data();
  }

 private:
  std::vector<PlaintextBuffer> buffers_;
};

// OpenEntry decrypts block `e` into `dst` (e.pt_len bytes; dst.data == nullptr: verify only).
Status OpenEntry(const Source& src, const BlockEntry& e, const ModeSpec& spec, Format format,
                 const SecretBytes& key, MutableByteView dst, Scratch& scratch, int worker) {
  uint8_t header_copy[kMaxHeaderSize];
  const uint8_t* header;
  const uint8_t* ct = nullptr;
  if (src.direct() != nullptr) {
    header = src.direct() + e.offset;
    ct = header + e.header_size;
  } else {
    MSCRYPT_RETURN_IF_ERROR(src.Read(e.offset, MutableByteView(header_copy, e.header_size)));
    header = header_copy;
  }
  const uint8_t* iv = IvOf(header, spec, format);
  const uint8_t* tag = TagOf(header, spec, format);
  uint8_t* out = dst.data;
  if (ct == nullptr || out == nullptr) {
    // File input: read the ciphertext into the destination and decrypt in place when it has room
    // for the whole ciphertext; otherwise (padded blocks into an exact-size buffer, verification)
    // through this worker's scratch.
    uint8_t* into = out;
    if (out == nullptr || dst.size < e.cipher_len) {
      MSCRYPT_ASSIGN_OR_RETURN(into, scratch.Get(worker, e.cipher_len));
    }
    if (ct == nullptr) {
      MSCRYPT_RETURN_IF_ERROR(src.Read(e.offset + e.header_size, MutableByteView(into, e.cipher_len)));
      ct = into;
    }
    if (out == nullptr) out = into;
  }
  size_t produced = 0;
  // From memory, the source is told what was read as the decryption goes (a mapping drops it).
  const uint64_t ct_offset = e.offset + e.header_size;
  uint64_t released = e.offset;
  const internal::ConsumedFn release = [&](size_t consumed) {
    src.Release(released, ct_offset + consumed - released);
    released = ct_offset + consumed;
  };
  MSCRYPT_RETURN_IF_ERROR(internal::OpenBlock(spec, format, key, iv, tag, ct, e.cipher_len, out, &produced,
                                              src.direct() != nullptr ? &release : nullptr));
  if (dst.data != nullptr && produced != e.pt_len) {
    Wipe(out, produced);
    return InternalError("decrypted length differs from the planned length");
  }
  return Status::Ok();
}

// A job: blocks [begin, end) of the plan, run by one worker.
struct Job {
  size_t begin;
  size_t end;
};
// kRunBytes: small consecutive blocks are grouped into runs of up to this many container bytes.
constexpr uint64_t kRunBytes = uint64_t{4} << 20;
// kProgressStepBytes: the least input between two progress reports.
constexpr uint64_t kProgressStepBytes = uint64_t{1} << 20;

uint64_t EncodedSize(const BlockEntry& e) { return uint64_t{e.header_size} + e.cipher_len; }

// RunJob decrypts (or, without a sink, authenticates) the blocks of `job`. A single block goes
// through OpenEntry (straight into its slot where it can); a run of small blocks is read with
// one pread into scratch and decrypted from there.
Status RunJob(const Source& src, const Plan& plan, const Job& job, const ModeSpec& spec, Format format,
              const SecretBytes& key, PlaintextSink* sink, Scratch& scratch, int worker) {
  if (job.end - job.begin == 1 || src.direct() != nullptr) {
    for (size_t i = job.begin; i < job.end; ++i) {
      const BlockEntry& e = plan.blocks[i];
      const MutableByteView dst = sink != nullptr ? sink->Slot(e) : MutableByteView();
      MSCRYPT_RETURN_IF_ERROR(AtBlock(OpenEntry(src, e, spec, format, key, dst, scratch, worker), i, e.offset));
    }
    return Status::Ok();
  }
  const uint64_t base = plan.blocks[job.begin].offset;
  const BlockEntry& last = plan.blocks[job.end - 1];
  const size_t len = static_cast<size_t>(last.offset + EncodedSize(last) - base);
  MSCRYPT_ASSIGN_OR_RETURN(uint8_t* run, scratch.Get(worker, len));
  MSCRYPT_RETURN_IF_ERROR(src.Read(base, MutableByteView(run, len)));
  for (size_t i = job.begin; i < job.end; ++i) {
    const BlockEntry& e = plan.blocks[i];
    uint8_t* header = run + (e.offset - base);
    uint8_t* ct = header + e.header_size;
    const uint8_t* iv = IvOf(header, spec, format);
    const uint8_t* tag = TagOf(header, spec, format);
    // Verification decrypts in place over the ciphertext (it is not needed afterwards).
    uint8_t* out = sink != nullptr ? sink->Slot(e).data : ct;
    if (out == nullptr) out = ct;  // an empty slot (a CBC block of no plaintext) has no pointer
    size_t produced = 0;
    Status s = internal::OpenBlock(spec, format, key, iv, tag, ct, e.cipher_len, out, &produced);
    if (s.ok() && sink != nullptr && produced != e.pt_len) {
      Wipe(out, produced);
      s = InternalError("decrypted length differs from the planned length");
    }
    if (sink == nullptr) Wipe(ct, produced);
    MSCRYPT_RETURN_IF_ERROR(AtBlock(std::move(s), i, e.offset));
  }
  return Status::Ok();
}

}  // namespace

MappedSource::MappedSource(const internal::FileMapping& mapping)
    : MemorySource(ByteView(mapping.data(), static_cast<size_t>(mapping.size()))), mapping_(mapping) {}

void MappedSource::Release(uint64_t offset, uint64_t size) const { mapping_.Drop(offset, size); }

Status MemorySource::Read(uint64_t offset, MutableByteView out) const {
  std::memcpy(out.data, data_.data + offset, out.size);
  return Status::Ok();
}

Status AtBlock(Status s, uint64_t index, uint64_t offset) {
  if (s.ok() || s.block_index() >= 0) return s;
  Status out = s;
  out.WithMessage("block " + std::to_string(index) + " at byte " + std::to_string(offset) + ": " + s.message());
  out.WithPosition(static_cast<int64_t>(index), static_cast<int64_t>(offset));
  return out;
}

Status CheckOptions(const Options& options) {
  if (options.threads < 0) return InvalidArgumentError("threads must be 0 (all cores) or positive");
  if (options.format != Format::kCurrent && options.format != Format::kLegacy) {
    return InvalidArgumentError("unknown container format");
  }
  return Status::Ok();
}

Status CheckModeAndKey(Mode mode, const SecretBytes& key) {
  if (SpecOf(mode) == nullptr) return InvalidArgumentError("unknown mode; use " + ModeNames());
  MSCRYPT_RETURN_IF_ERROR(ValidateKeySize(mode, key.size()));
  if (!IsModeAvailable(mode)) {
    return Status(StatusCode::kUnsupported,
                  std::string(ModeName(mode)) + " is not available in the linked OpenSSL");
  }
  return Status::Ok();
}

Status CheckReadRequest(Mode mode, const SecretBytes& key, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  if (options.format == Format::kLegacy && SpecOf(mode)->legacy_openssl_cipher[0] == nullptr) {
    return InvalidArgumentError(std::string("the legacy format (MindSpore 1.3-1.6) has no ") + ModeName(mode));
  }
  return Status::Ok();
}

StatusOr<Plan> MakePlan(const Source& src, Mode mode, Format format, const SecretBytes* key) {
  const ModeSpec& spec = *SpecOf(mode);
  Plan plan;
  uint8_t header[kMaxHeaderSize];
  // Pass 1a: the whole structure, headers only. A structural error anywhere wins over a padding
  // error in an earlier block (docs/format.md §4).
  SequentialReader reader(src);
  uint64_t offset = 0;
  for (uint64_t index = 0; offset < src.size(); ++index) {
    const uint64_t remaining = src.size() - offset;
    const size_t avail = static_cast<size_t>(std::min<uint64_t>(remaining, kMaxHeaderSize));
    MSCRYPT_RETURN_IF_ERROR(reader.Read(offset, MutableByteView(header, avail)));
    BlockFrame frame;
    MSCRYPT_RETURN_IF_ERROR(
        internal::ParseBlockFrame(header, avail, remaining, mode, format, index, offset, &frame));
    plan.blocks.push_back(BlockEntry{offset, static_cast<uint32_t>(frame.header_size),
                                     static_cast<uint32_t>(frame.cipher_len), 0,
                                     static_cast<uint32_t>(frame.cipher_len)});
    offset += frame.total_size();
  }
  // Pass 1b: with a key, exact plaintext lengths of padded blocks (their padding decides it).
  for (size_t i = 0; i < plan.blocks.size(); ++i) {
    BlockEntry& e = plan.blocks[i];
    if (key != nullptr) {
      MSCRYPT_RETURN_IF_ERROR(AtBlock(PlaintextLength(reader, *key, spec, format, e, &e.pt_len), i, e.offset));
    }
    e.pt_offset = plan.plaintext_size;
    plan.plaintext_size += e.pt_len;
  }
  src.Release(0, src.size());  // done with the headers (and CBC tails) the plan read
  return plan;
}

uint64_t StreamWindowBytes(const Options& options) {
  return static_cast<uint64_t>(std::min(internal::ResolveThreads(options.threads), kStreamWindowBlocks)) *
         kMaxBlockPlaintextSize;
}

MutableByteView MemorySink::Slot(const BlockEntry& e) {
  return out_.subview(static_cast<size_t>(e.pt_offset), e.pt_len);
}

void MemorySink::Discard(const Plan& plan, size_t end) {
  // Only what the batches up to `end` may have written: wiping the rest of a fresh output would
  // fault in every page of it.
  const BlockEntry& last = plan.blocks[end - 1];
  Wipe(out_.data, static_cast<size_t>(last.pt_offset + last.pt_len));
}

Status StreamSink::BeginBatch(const Plan& plan, size_t begin, size_t end) {
  const BlockEntry& last = plan.blocks[end - 1];
  batch_pt_offset_ = plan.blocks[begin].pt_offset;
  const uint64_t size = last.pt_offset + last.pt_len - batch_pt_offset_;
  if (buffer_.size() < size) {
    buffer_.Clear();
    MSCRYPT_ASSIGN_OR_RETURN(buffer_, PlaintextBuffer::Allocate(static_cast<size_t>(size)));
  }
  return Status::Ok();
}

MutableByteView StreamSink::Slot(const BlockEntry& e) {
  return MutableByteView(buffer_.data() + (e.pt_offset - batch_pt_offset_), e.pt_len);
}

Status StreamSink::Flush(const Plan& plan, size_t /*begin*/, size_t end) {
  const BlockEntry& last = plan.blocks[end - 1];
  return out_.Write(ByteView(buffer_.data(), static_cast<size_t>(last.pt_offset + last.pt_len - batch_pt_offset_)));
}

Status RunPlan(const Source& src, const Plan& plan, Mode mode, Format format, const SecretBytes& key,
               PlaintextSink* sink, const Options& options) {
  const ModeSpec& spec = *SpecOf(mode);
  const int workers = internal::ResolveThreads(options.threads);
  Scratch scratch(workers);
  // Batches bound memory (the sink's window) and let the calling thread report progress between
  // them; without either, everything is one batch. With progress, a batch holds at most two full
  // blocks per worker, and ends after 2 blocks per worker once it holds kProgressStepBytes, so
  // inputs of a few MiB report more than once without tiny blocks costing a batch each.
  uint64_t batch_bytes = sink != nullptr ? sink->window_bytes() : 0;
  if (batch_bytes == 0 && options.progress) batch_bytes = uint64_t{2} * workers * kMaxBlockPlaintextSize;
  const size_t progress_blocks = options.progress ? static_cast<size_t>(workers) * 2 : 0;
  const size_t n = plan.blocks.size();
  Status s;
  std::vector<Job> jobs;
  const bool probe_first = spec.authenticated && format == Format::kCurrent;
  size_t begin = 0;
  while (s.ok() && begin < n) {
    size_t end = begin;
    for (uint64_t bytes = 0; end < n; ++end) {
      if (probe_first && begin == 0 && end >= static_cast<size_t>(workers)) break;
      const uint64_t size = EncodedSize(plan.blocks[end]);
      if (end > begin && batch_bytes != 0 && bytes + size > batch_bytes) break;
      if (progress_blocks != 0 && end - begin >= progress_blocks && bytes >= kProgressStepBytes) break;
      bytes += size;
    }
    if (sink != nullptr) s = sink->BeginBatch(plan, begin, end);
    // Jobs: a large block alone, or a run of small consecutive blocks read with one pread.
    jobs.clear();
    for (size_t i = begin; i < end;) {
      size_t j = i + 1;
      for (uint64_t bytes = EncodedSize(plan.blocks[i]); j < end && bytes + EncodedSize(plan.blocks[j]) <= kRunBytes; ++j) {
        bytes += EncodedSize(plan.blocks[j]);
      }
      jobs.push_back(Job{i, j});
      i = j;
    }
    if (s.ok()) {
      s = internal::ParallelFor(jobs.size(), workers, [&](size_t k, int worker) -> Status {
        return RunJob(src, plan, jobs[k], spec, format, key, sink, scratch, worker);
      });
    }
    if (s.ok() && sink != nullptr) s = sink->Flush(plan, begin, end);
    if (s.ok() && options.progress) {
      const BlockEntry& last = plan.blocks[end - 1];
      options.progress(last.offset + last.header_size + last.cipher_len, src.size());
    }
    begin = end;
  }
  // Unauthenticated plaintext never reaches the caller: one bad block discards the whole output
  // (`begin` is now the end of the batch that failed).
  if (!s.ok() && sink != nullptr) sink->Discard(plan, begin);
  return s;
}

}  // namespace mscrypt::core
