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

// PlaintextLength: exact for unpadded modes; for padded ones reads the last 32 ciphertext bytes
// and probes the padding (docs/format.md §2.3).
Status PlaintextLength(const Source& src, const SecretBytes& key, const ModeSpec& spec, Format format,
                       uint64_t offset, const BlockFrame& frame, const uint8_t* header, uint32_t* pt_len) {
  const bool padded = format == Format::kCurrent ? spec.padded : spec.legacy_padded;
  if (!padded) {
    *pt_len = static_cast<uint32_t>(frame.cipher_len);
    return Status::Ok();
  }
  uint8_t tail[32];
  const uint8_t* prev;
  const uint64_t ct = offset + frame.header_size;
  if (frame.cipher_len == 16) {
    MSCRYPT_RETURN_IF_ERROR(src.Read(ct, MutableByteView(tail + 16, 16)));
    prev = header + frame.iv_offset;
  } else {
    MSCRYPT_RETURN_IF_ERROR(src.Read(ct + frame.cipher_len - 32, MutableByteView(tail, 32)));
    prev = tail;
  }
  size_t pad = 0;
  // Legacy CBC blocks use the same cipher and padding as current ones (docs/format.md §3).
  MSCRYPT_RETURN_IF_ERROR(internal::CbcPaddingLength(spec, key, prev, tail + 16, &pad));
  *pt_len = static_cast<uint32_t>(frame.cipher_len - pad);
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
  const bool tagged = format == Format::kCurrent && spec.tag_size > 0;
  const uint8_t* iv = header + (format == Format::kCurrent ? spec.iv_offset() : 12);
  const uint8_t* tag = tagged ? header + spec.tag_offset() : nullptr;
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
  MSCRYPT_RETURN_IF_ERROR(internal::OpenBlock(spec, format, key, iv, tag, ct, e.cipher_len, out, &produced));
  if (dst.data != nullptr && produced != e.pt_len) {
    Wipe(out, produced);
    return InternalError("decrypted length differs from the planned length");
  }
  return Status::Ok();
}

}  // namespace

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
  uint64_t offset = 0;
  for (uint64_t index = 0; offset < src.size(); ++index) {
    const uint64_t remaining = src.size() - offset;
    const size_t avail = static_cast<size_t>(std::min<uint64_t>(remaining, kMaxHeaderSize));
    MSCRYPT_RETURN_IF_ERROR(src.Read(offset, MutableByteView(header, avail)));
    BlockFrame frame;
    MSCRYPT_RETURN_IF_ERROR(
        internal::ParseBlockFrame(header, avail, remaining, mode, format, index, offset, &frame));
    BlockEntry e{offset, static_cast<uint32_t>(frame.header_size), static_cast<uint32_t>(frame.cipher_len),
                 plan.plaintext_size, static_cast<uint32_t>(frame.cipher_len)};
    if (key != nullptr) {
      MSCRYPT_RETURN_IF_ERROR(
          AtBlock(PlaintextLength(src, *key, spec, format, offset, frame, header, &e.pt_len), index, offset));
    }
    plan.plaintext_size += e.pt_len;
    plan.blocks.push_back(e);
    offset += frame.total_size();
  }
  return plan;
}

StatusOr<MutableByteView> MemorySink::Slot(size_t, const BlockEntry& e) {
  return out_.subview(static_cast<size_t>(e.pt_offset), e.pt_len);
}

void MemorySink::Discard(const Plan& plan) { Wipe(out_.data, static_cast<size_t>(plan.plaintext_size)); }

StreamSink::StreamSink(internal::AtomicFile& out, int slots) : out_(out), slots_(static_cast<size_t>(slots)) {}
StreamSink::~StreamSink() = default;

StatusOr<MutableByteView> StreamSink::Slot(size_t j, const BlockEntry& e) {
  PlaintextBuffer& slot = slots_[j];
  if (slot.size() < e.cipher_len) {
    MSCRYPT_ASSIGN_OR_RETURN(slot, PlaintextBuffer::Allocate(e.cipher_len));
  }
  return MutableByteView(slot.data(), e.cipher_len);
}

Status StreamSink::Flush(const Plan& plan, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    MSCRYPT_RETURN_IF_ERROR(out_.Write(ByteView(slots_[i - begin].data(), plan.blocks[i].pt_len)));
  }
  return Status::Ok();
}

Status RunPlan(const Source& src, const Plan& plan, Mode mode, Format format, const SecretBytes& key,
               PlaintextSink* sink, const Options& options) {
  const ModeSpec& spec = *SpecOf(mode);
  const int workers = internal::ResolveThreads(options.threads);
  Scratch scratch(workers);
  // Batches: the sink's window if it has one; otherwise, with a progress callback, two blocks
  // per worker (threads stay busy and the caller hears between batches), else everything at once.
  const size_t n = plan.blocks.size();
  size_t batch = options.progress ? static_cast<size_t>(workers) * 2 : std::max<size_t>(n, 1);
  if (sink != nullptr && sink->window() > 0) batch = sink->window();
  Status s;
  for (size_t begin = 0; s.ok() && begin < n; begin += batch) {
    const size_t count = std::min(batch, n - begin);
    s = internal::ParallelFor(count, workers, [&](size_t j, int worker) -> Status {
      const size_t i = begin + j;
      const BlockEntry& e = plan.blocks[i];
      MutableByteView dst;
      if (sink != nullptr) {
        StatusOr<MutableByteView> slot = sink->Slot(j, e);
        if (!slot.ok()) return slot.status();
        dst = *slot;
      }
      return AtBlock(OpenEntry(src, e, spec, format, key, dst, scratch, worker), i, e.offset);
    });
    if (s.ok() && sink != nullptr) s = sink->Flush(plan, begin, begin + count);
    if (s.ok() && options.progress) {
      const BlockEntry& last = plan.blocks[begin + count - 1];
      options.progress(last.offset + last.header_size + last.cipher_len, src.size());
    }
  }
  // Unauthenticated plaintext never reaches the caller: one bad block discards the whole output.
  if (!s.ok() && sink != nullptr) sink->Discard(plan);
  return s;
}

}  // namespace mscrypt::core
