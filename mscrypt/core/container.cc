// Container operations (include/mscrypt/container.h) on top of internal/format (framing),
// internal/crypto (one block at a time) and internal/io (pread, atomic output).
//
// Decryption is two passes: a header walk validates the whole structure and computes exact
// plaintext offsets (reading only headers, plus the final 32 bytes of each CBC block to learn
// its padding), then blocks are decrypted in parallel straight into their final place.
#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>
#include <istream>
#include <limits>
#include <string>
#include <vector>

#include "internal/crypto/block_cipher.h"
#include "internal/format/layout.h"
#include "internal/io/file.h"
#include "internal/parallel/parallel_for.h"
#include "mscrypt/container.h"

namespace mscrypt {
namespace {

using internal::AtomicFile;
using internal::BlockFrame;
using internal::InputFile;
using internal::kIvSize;
using internal::kMaxHeaderSize;
using internal::ParallelFor;

constexpr size_t kM = kMaxBlockPlaintextSize;

// ---- Sources: a container in memory or in a file ---------------------------------------------

class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  virtual Status Read(uint64_t offset, MutableByteView out) const = 0;
  // direct: the bytes, when the container is in memory; nullptr for files.
  virtual const uint8_t* direct() const { return nullptr; }
};

class MemorySource : public Source {
 public:
  explicit MemorySource(ByteView data) : data_(data) {}
  uint64_t size() const override { return data_.size; }
  Status Read(uint64_t offset, MutableByteView out) const override {
    std::memcpy(out.data, data_.data + offset, out.size);
    return Status::Ok();
  }
  const uint8_t* direct() const override { return data_.data; }

 private:
  ByteView data_;
};

class FileSource : public Source {
 public:
  explicit FileSource(const InputFile& file) : file_(file) {}
  uint64_t size() const override { return file_.size(); }
  Status Read(uint64_t offset, MutableByteView out) const override { return file_.ReadAt(offset, out); }

 private:
  const InputFile& file_;
};

Status AtBlock(Status s, uint64_t index, uint64_t offset) {
  if (s.ok() || s.block_index() >= 0) return s;
  Status out(s.code(), "block " + std::to_string(index) + " at byte " + std::to_string(offset) + ": " + s.message());
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
  if (mode != Mode::kAesGcm && mode != Mode::kAesCbc && mode != Mode::kSm4Cbc) {
    return InvalidArgumentError("unknown mode; use AES-GCM, AES-CBC or SM4-CBC");
  }
  MSCRYPT_RETURN_IF_ERROR(ValidateKeySize(mode, key.size()));
  if (!IsModeAvailable(mode)) {
    return Status(StatusCode::kUnsupported,
                  std::string(ModeName(mode)) + " is not available in the linked OpenSSL");
  }
  return Status::Ok();
}

// CheckReadRequest validates the arguments of every decrypt, verify and size call.
Status CheckReadRequest(Mode mode, const SecretBytes& key, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  if (options.format == Format::kLegacy && mode == Mode::kSm4Cbc) {
    return InvalidArgumentError("the legacy format (MindSpore 1.3-1.6) has no SM4-CBC; use AES-GCM or AES-CBC");
  }
  return Status::Ok();
}

// ---- Pass 1: the header walk ------------------------------------------------------------------

struct BlockEntry {
  uint64_t offset;       // of the block in the container
  uint32_t header_size;
  uint32_t cipher_len;
  uint64_t pt_offset;    // of its plaintext in the output
  uint32_t pt_len;
};

// BlockWalker yields validated block frames one at a time.
class BlockWalker {
 public:
  BlockWalker(const Source& src, Mode mode, Format format) : src_(src), mode_(mode), format_(format) {}

  bool done() const { return offset_ >= src_.size(); }
  uint64_t index() const { return index_; }
  uint64_t offset() const { return offset_; }

  // Next parses the block at the cursor; `header` receives its header bytes.
  Status Next(BlockFrame* frame, uint8_t header[kMaxHeaderSize]) {
    const uint64_t remaining = src_.size() - offset_;
    const size_t avail = static_cast<size_t>(std::min<uint64_t>(remaining, kMaxHeaderSize));
    MSCRYPT_RETURN_IF_ERROR(src_.Read(offset_, MutableByteView(header, avail)));
    MSCRYPT_RETURN_IF_ERROR(internal::ParseBlockFrame(header, avail, remaining, mode_, format_,
                                                      index_, offset_, frame));
    return Status::Ok();
  }
  void Advance(const BlockFrame& frame) {
    offset_ += frame.total_size();
    ++index_;
  }

 private:
  const Source& src_;
  Mode mode_;
  Format format_;
  uint64_t offset_ = 0;
  uint64_t index_ = 0;
};

// PlaintextLength: exact for GCM; for CBC reads the last 32 ciphertext bytes and probes padding.
Status PlaintextLength(const Source& src, const SecretBytes& key, Mode mode, uint64_t offset,
                       const BlockFrame& frame, const uint8_t* header, uint32_t* pt_len) {
  if (!internal::IsCbcMode(mode)) {
    *pt_len = static_cast<uint32_t>(frame.cipher_len);
    return Status::Ok();
  }
  uint8_t tail[32];
  const uint8_t* prev;
  const uint8_t* last;
  const uint64_t ct = offset + frame.header_size;
  if (frame.cipher_len == 16) {
    MSCRYPT_RETURN_IF_ERROR(src.Read(ct, MutableByteView(tail + 16, 16)));
    prev = header + frame.iv_offset;
  } else {
    MSCRYPT_RETURN_IF_ERROR(src.Read(ct + frame.cipher_len - 32, MutableByteView(tail, 32)));
    prev = tail;
  }
  last = tail + 16;
  size_t pad = 0;
  MSCRYPT_RETURN_IF_ERROR(internal::CbcPaddingLength(mode, key, prev, last, &pad));
  *pt_len = static_cast<uint32_t>(frame.cipher_len - pad);
  return Status::Ok();
}

struct Plan {
  std::vector<BlockEntry> blocks;
  uint64_t plaintext_size = 0;
};

// MakePlan walks every header; with `key` it also fixes exact CBC plaintext lengths.
StatusOr<Plan> MakePlan(const Source& src, Mode mode, Format format, const SecretBytes* key) {
  Plan plan;
  BlockWalker walker(src, mode, format);
  uint8_t header[kMaxHeaderSize];
  while (!walker.done()) {
    BlockFrame frame;
    MSCRYPT_RETURN_IF_ERROR(walker.Next(&frame, header));
    BlockEntry e{walker.offset(), static_cast<uint32_t>(frame.header_size),
                 static_cast<uint32_t>(frame.cipher_len), plan.plaintext_size,
                 static_cast<uint32_t>(frame.cipher_len)};
    if (key != nullptr) {
      MSCRYPT_RETURN_IF_ERROR(AtBlock(PlaintextLength(src, *key, mode, e.offset, frame, header, &e.pt_len),
                                      walker.index(), e.offset));
    }
    plan.plaintext_size += e.pt_len;
    plan.blocks.push_back(e);
    walker.Advance(frame);
  }
  return plan;
}

// ---- Pass 2: decrypt blocks in parallel ---------------------------------------------------------

// Scratch: per-worker buffers, grown on demand up to the block cap, reused across blocks.
class Scratch {
 public:
  explicit Scratch(int workers) : buffers_(static_cast<size_t>(workers)) {}
  StatusOr<uint8_t*> Get(int worker, size_t size) {
    Buffer& b = buffers_[static_cast<size_t>(worker)];
    if (b.size() < size) {
      MSCRYPT_ASSIGN_OR_RETURN(b, Buffer::Allocate(size));
    }
    return b.data();
  }
  ~Scratch() {
    for (Buffer& b : buffers_) {
      if (b.data() != nullptr) OPENSSL_cleanse(b.data(), b.size());
    }
  }

 private:
  std::vector<Buffer> buffers_;
};

// OpenEntry decrypts block `e` into `dst` (e.pt_len bytes). `dst == nullptr` verifies only.
Status OpenEntry(const Source& src, const BlockEntry& e, Mode mode, Format format,
                 const SecretBytes& key, uint8_t* dst, Scratch& scratch, int worker) {
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
  const bool gcm = mode == Mode::kAesGcm && format == Format::kCurrent;
  const uint8_t* iv = header + (gcm ? 28 : 12);
  const uint8_t* tag = gcm ? header + internal::kGcmTagOffset : nullptr;
  const bool same_size = !internal::IsCbcMode(mode);
  uint8_t* scratch_buf = nullptr;
  if (ct == nullptr) {
    // File input: read same-size ciphertext straight into the destination and decrypt in place;
    // CBC (shorter output) and verification read into this worker's scratch instead.
    if (dst != nullptr && same_size) {
      MSCRYPT_RETURN_IF_ERROR(src.Read(e.offset + e.header_size, MutableByteView(dst, e.cipher_len)));
      ct = dst;
    } else {
      MSCRYPT_ASSIGN_OR_RETURN(scratch_buf, scratch.Get(worker, e.cipher_len));
      MSCRYPT_RETURN_IF_ERROR(src.Read(e.offset + e.header_size, MutableByteView(scratch_buf, e.cipher_len)));
      ct = scratch_buf;
    }
  }
  uint8_t* out = dst;
  if (out == nullptr) {  // verify only: decrypt into scratch and drop it
    if (scratch_buf == nullptr) {
      MSCRYPT_ASSIGN_OR_RETURN(scratch_buf, scratch.Get(worker, e.cipher_len));
    }
    out = scratch_buf;
  }
  size_t produced = 0;
  MSCRYPT_RETURN_IF_ERROR(internal::OpenBlock(mode, format, key, iv, tag, ct, e.cipher_len, out, &produced));
  if (dst != nullptr && produced != e.pt_len) {
    OPENSSL_cleanse(out, produced);
    return InternalError("decrypted length differs from the planned length");
  }
  return Status::Ok();
}

Status ExecutePlan(const Source& src, const Plan& plan, Mode mode, Format format,
                   const SecretBytes& key, uint8_t* out, const Options& options) {
  const int workers = internal::ResolveThreads(options.threads);
  Scratch scratch(workers);
  // Without a progress callback all blocks form one batch; with one, batches of two blocks per
  // worker keep the threads busy and let the calling thread report between batches.
  const size_t n = plan.blocks.size();
  const size_t batch = options.progress ? static_cast<size_t>(workers) * 2 : std::max<size_t>(n, 1);
  const uint64_t total = src.size();
  Status s;
  for (size_t begin = 0; s.ok() && begin < n; begin += batch) {
    const size_t count = std::min(batch, n - begin);
    s = ParallelFor(count, workers, [&](size_t j, int worker) {
      const size_t i = begin + j;
      const BlockEntry& e = plan.blocks[i];
      return AtBlock(OpenEntry(src, e, mode, format, key, out ? out + e.pt_offset : nullptr, scratch, worker),
                     i, e.offset);
    });
    if (s.ok() && options.progress) {
      const BlockEntry& last = plan.blocks[begin + count - 1];
      options.progress(last.offset + last.header_size + last.cipher_len, total);
    }
  }
  // Unauthenticated plaintext never reaches the caller: one bad block wipes the whole output.
  if (!s.ok() && out != nullptr) OPENSSL_cleanse(out, plan.plaintext_size);
  return s;
}

Status DecryptSourceInto(const Source& src, const SecretBytes& key, Mode mode, MutableByteView out,
                         size_t* out_size, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(Plan plan, MakePlan(src, mode, options.format, &key));
  if (out.size < plan.plaintext_size) {
    return Status(StatusCode::kBufferTooSmall, "output buffer holds " + std::to_string(out.size) +
                                                   " bytes, " + std::to_string(plan.plaintext_size) +
                                                   " needed");
  }
  MSCRYPT_RETURN_IF_ERROR(ExecutePlan(src, plan, mode, options.format, key, out.data, options));
  if (out_size != nullptr) *out_size = static_cast<size_t>(plan.plaintext_size);
  return Status::Ok();
}

StatusOr<uint64_t> DecryptedSourceSize(const Source& src, const SecretBytes& key, Mode mode,
                                       const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(Plan plan, MakePlan(src, mode, options.format, &key));
  return plan.plaintext_size;
}

Status VerifySource(const Source& src, const SecretBytes& key, Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(Plan plan, MakePlan(src, mode, options.format, nullptr));
  return ExecutePlan(src, plan, mode, options.format, key, nullptr, options);
}

// WipeOnFailure: "on any failure `out` is wiped" (container.h), including failures found before
// decryption; only kBufferTooSmall promises that nothing was written.
Status WipeOnFailure(Status s, MutableByteView out) {
  if (!s.ok() && s.code() != StatusCode::kBufferTooSmall && out.data != nullptr) {
    OPENSSL_cleanse(out.data, out.size);
  }
  return s;
}

StatusOr<Buffer> DecryptSource(const Source& src, const SecretBytes& key, Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(Plan plan, MakePlan(src, mode, options.format, &key));
  if (plan.plaintext_size > std::numeric_limits<size_t>::max()) {
    return Status(StatusCode::kResourceExhausted, "plaintext does not fit in memory");
  }
  MSCRYPT_ASSIGN_OR_RETURN(Buffer out, Buffer::Allocate(static_cast<size_t>(plan.plaintext_size)));
  MSCRYPT_RETURN_IF_ERROR(ExecutePlan(src, plan, mode, options.format, key, out.data(), options));
  return out;
}

// ---- Encryption -------------------------------------------------------------------------------

// EncodeBlock writes one whole current-format block (header + ciphertext) to `out`. The
// plaintext may already sit at out + HeaderSize(mode) (in place).
Status EncodeBlock(Mode mode, const SecretBytes& key, const uint8_t* plaintext, size_t len, uint8_t* out) {
  uint8_t iv[kIvSize];
  MSCRYPT_RETURN_IF_ERROR(internal::RandomBytes(iv, kIvSize));
  const size_t header = internal::HeaderSize(mode, Format::kCurrent);
  const size_t cipher_len = static_cast<size_t>(internal::CipherLenFor(mode, len));
  uint8_t tag[internal::kTagSize] = {0};
  MSCRYPT_RETURN_IF_ERROR(internal::SealBlock(mode, key, iv, plaintext, len, out + header, tag));
  internal::WriteBlockHeader(mode, iv, cipher_len, out);
  if (mode == Mode::kAesGcm) std::memcpy(out + internal::kGcmTagOffset, tag, internal::kTagSize);
  return Status::Ok();
}

// BatchEncoder: `slots` blocks of up to 64 MiB encrypted in parallel, then written in order.
// Each slot holds [header][plaintext | ciphertext][padding room] and is encrypted in place.
class BatchEncoder {
 public:
  BatchEncoder(Mode mode, const SecretBytes& key, int slots)
      : mode_(mode), key_(key), header_(internal::HeaderSize(mode, Format::kCurrent)),
        slots_(static_cast<size_t>(slots)) {}
  ~BatchEncoder() {
    // Wipe only what was touched: slots are allocated at full block size, and wiping untouched
    // pages would fault them all in.
    for (Slot& s : slots_) {
      if (s.buf.data() != nullptr) OPENSSL_cleanse(s.buf.data(), s.dirty);
    }
  }

  size_t slot_count() const { return slots_.size(); }
  size_t filled() const { return filled_; }
  bool full() const { return filled_ == slots_.size() && slots_.back().len == kM; }

  // Space: the writable plaintext area of the current slot (opened as needed).
  StatusOr<MutableByteView> Space() {
    if (filled_ == 0 || slots_[filled_ - 1].len == kM) {
      if (filled_ == slots_.size()) return InternalError("batch full");
      Slot& s = slots_[filled_];
      if (s.buf.size() < header_ + kM + internal::kCipherBlockSize) {
        MSCRYPT_ASSIGN_OR_RETURN(s.buf, Buffer::Allocate(header_ + kM + internal::kCipherBlockSize));
      }
      s.len = 0;
      s.external = nullptr;
      ++filled_;
    }
    Slot& s = slots_[filled_ - 1];
    return MutableByteView(s.buf.data() + header_ + s.len, kM - s.len);
  }
  void Commit(size_t n) {
    Slot& s = slots_[filled_ - 1];
    s.len += n;
    s.dirty = std::max(s.dirty, header_ + s.len);
  }

  // AddExternal: a whole block whose plaintext lives in the caller's memory (no copy).
  Status AddExternal(const uint8_t* data, size_t len) {
    Slot& s = slots_[filled_];
    const size_t need = header_ + static_cast<size_t>(internal::CipherLenFor(mode_, len));
    if (s.buf.size() < need) {
      OPENSSL_cleanse(s.buf.data(), s.dirty);
      s.dirty = 0;
      MSCRYPT_ASSIGN_OR_RETURN(s.buf, Buffer::Allocate(need));
    }
    s.len = len;
    s.external = data;
    ++filled_;
    return Status::Ok();
  }

  Status Flush(AtomicFile& out, int threads) {
    // A slot opened by Space() but never filled must not become an empty block (cipher_len 0 is
    // invalid in the format).
    if (filled_ > 0 && slots_[filled_ - 1].len == 0 && slots_[filled_ - 1].external == nullptr) --filled_;
    MSCRYPT_RETURN_IF_ERROR(ParallelFor(filled_, threads, [&](size_t i, int) {
      Slot& s = slots_[i];
      const uint8_t* pt = s.external != nullptr ? s.external : s.buf.data() + header_;
      return EncodeBlock(mode_, key_, pt, s.len, s.buf.data());
    }));
    for (size_t i = 0; i < filled_; ++i) {
      Slot& s = slots_[i];
      const size_t size = static_cast<size_t>(internal::EncodedBlockSize(mode_, s.len));
      s.dirty = std::max(s.dirty, size);
      MSCRYPT_RETURN_IF_ERROR(out.Write(ByteView(s.buf.data(), size)));
    }
    filled_ = 0;
    return Status::Ok();
  }

 private:
  struct Slot {
    Buffer buf;
    size_t len = 0;
    size_t dirty = 0;  // bytes of buf ever written
    const uint8_t* external = nullptr;
  };
  Mode mode_;
  const SecretBytes& key_;
  size_t header_;
  std::vector<Slot> slots_;
  size_t filled_ = 0;
};

class EncryptingFileWriterImpl : public EncryptingFileWriter {
 public:
  EncryptingFileWriterImpl(std::unique_ptr<AtomicFile> file, SecretBytes key, Mode mode, int threads)
      : file_(std::move(file)), key_(std::move(key)), threads_(threads), batch_(mode, key_, threads) {}

  Status Write(ByteView data) override {
    MSCRYPT_RETURN_IF_ERROR(CheckUsable());
    status_ = WriteImpl(data);
    return status_;
  }

  Status Commit() override {
    MSCRYPT_RETURN_IF_ERROR(CheckUsable());
    status_ = batch_.filled() > 0 ? batch_.Flush(*file_, threads_) : Status::Ok();
    if (status_.ok()) status_ = file_->Commit();
    if (status_.ok()) {
      done_ = true;
      return Status::Ok();
    }
    return status_;
  }

  uint64_t plaintext_bytes_written() const override { return written_; }

  Status WriteImpl(ByteView data) {
    while (data.size > 0) {
      if (batch_.full()) MSCRYPT_RETURN_IF_ERROR(batch_.Flush(*file_, threads_));
      MSCRYPT_ASSIGN_OR_RETURN(MutableByteView space, batch_.Space());
      const size_t n = std::min(space.size, data.size);
      std::memcpy(space.data, data.data, n);
      batch_.Commit(n);
      written_ += n;
      data = data.subview(n, data.size - n);
    }
    return Status::Ok();
  }

 private:
  Status CheckUsable() const {
    if (done_) return Status(StatusCode::kFailedPrecondition, "the writer was already committed");
    if (!status_.ok()) {
      return Status(StatusCode::kFailedPrecondition,
                    "the writer failed earlier (" + status_.ToString() + "); nothing was written");
    }
    return Status::Ok();
  }

  std::unique_ptr<AtomicFile> file_;
  SecretBytes key_;
  int threads_;
  BatchEncoder batch_;
  Status status_;
  bool done_ = false;
  uint64_t written_ = 0;
};

}  // namespace

// ---- Modes and sizes ------------------------------------------------------------------------

bool IsModeAvailable(Mode mode) {
  if (mode != Mode::kSm4Cbc) return mode == Mode::kAesGcm || mode == Mode::kAesCbc;
  // One probe per process: encrypt one block with a zero key.
  static const bool available = [] {
    const uint8_t zero[16] = {0};
    SecretBytes key(zero, sizeof(zero));
    uint8_t out[32];
    uint8_t tag[16];
    return internal::SealBlock(Mode::kSm4Cbc, key, zero, zero, 1, out, tag).ok();
  }();
  return available;
}

StatusOr<uint64_t> EncryptedSize(Mode mode, uint64_t plaintext_size) {
  const uint64_t full = plaintext_size / kM;
  const uint64_t rest = plaintext_size % kM;
  const uint64_t per_full = internal::EncodedBlockSize(mode, kM);
  if (full > std::numeric_limits<uint64_t>::max() / per_full - 1) {
    return InvalidArgumentError("plaintext size too large");
  }
  return full * per_full + (rest > 0 ? internal::EncodedBlockSize(mode, rest) : 0);
}

// ---- Buffers ----------------------------------------------------------------------------------

Status EncryptInto(ByteView plaintext, const SecretBytes& key, Mode mode, MutableByteView out,
                   size_t* out_size, const Options& options) {
  if (out_size != nullptr) *out_size = 0;
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  MSCRYPT_ASSIGN_OR_RETURN(uint64_t need, EncryptedSize(mode, plaintext.size));
  if (out.size < need) {
    return Status(StatusCode::kBufferTooSmall, "output buffer holds " + std::to_string(out.size) +
                                                   " bytes, " + std::to_string(need) + " needed");
  }
  const size_t blocks = (plaintext.size + kM - 1) / kM;
  const uint64_t stride = internal::EncodedBlockSize(mode, kM);
  Status s = ParallelFor(blocks, internal::ResolveThreads(options.threads), [&](size_t i, int) {
    const size_t begin = i * kM;
    const size_t len = std::min(kM, plaintext.size - begin);
    return EncodeBlock(mode, key, plaintext.data + begin, len, out.data + i * stride);
  });
  if (!s.ok()) {
    OPENSSL_cleanse(out.data, static_cast<size_t>(need));
    return s;
  }
  if (out_size != nullptr) *out_size = static_cast<size_t>(need);
  return Status::Ok();
}

StatusOr<Buffer> Encrypt(ByteView plaintext, const SecretBytes& key, Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  MSCRYPT_ASSIGN_OR_RETURN(uint64_t need, EncryptedSize(mode, plaintext.size));
  MSCRYPT_ASSIGN_OR_RETURN(Buffer out, Buffer::Allocate(static_cast<size_t>(need)));
  size_t written = 0;
  MSCRYPT_RETURN_IF_ERROR(EncryptInto(plaintext, key, mode, out.mutable_view(), &written, options));
  return out;
}

StatusOr<Buffer> Decrypt(ByteView ciphertext, const SecretBytes& key, Mode mode, const Options& options) {
  MemorySource src(ciphertext);
  return DecryptSource(src, key, mode, options);
}

StatusOr<uint64_t> DecryptedSize(ByteView ciphertext, const SecretBytes& key, Mode mode, const Options& options) {
  MemorySource src(ciphertext);
  return DecryptedSourceSize(src, key, mode, options);
}

Status DecryptInto(ByteView ciphertext, const SecretBytes& key, Mode mode, MutableByteView out,
                   size_t* out_size, const Options& options) {
  if (out_size != nullptr) *out_size = 0;
  MemorySource src(ciphertext);
  return WipeOnFailure(DecryptSourceInto(src, key, mode, out, out_size, options), out);
}

Status Verify(ByteView ciphertext, const SecretBytes& key, Mode mode, const Options& options) {
  MemorySource src(ciphertext);
  return VerifySource(src, key, mode, options);
}

// ---- Files ------------------------------------------------------------------------------------

StatusOr<Buffer> ReadWholeFile(const std::string& path) {
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  if (file->size() > std::numeric_limits<size_t>::max()) {
    return Status(StatusCode::kResourceExhausted, "'" + path + "' is too large to read into memory");
  }
  MSCRYPT_ASSIGN_OR_RETURN(Buffer out, Buffer::Allocate(static_cast<size_t>(file->size())));
  MSCRYPT_RETURN_IF_ERROR(file->ReadAt(0, out.mutable_view()));
  return out;
}

StatusOr<Buffer> DecryptFile(const std::string& path, const SecretBytes& key, Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));  // before any I/O
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  FileSource src(*file);
  return DecryptSource(src, key, mode, options);
}

StatusOr<uint64_t> DecryptedFileSize(const std::string& path, const SecretBytes& key, Mode mode,
                                     const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  FileSource src(*file);
  return DecryptedSourceSize(src, key, mode, options);
}

Status DecryptFileInto(const std::string& path, const SecretBytes& key, Mode mode, MutableByteView out,
                       size_t* out_size, const Options& options) {
  if (out_size != nullptr) *out_size = 0;
  StatusOr<std::unique_ptr<InputFile>> file = InputFile::Open(path);
  if (!file.ok()) return WipeOnFailure(file.status(), out);
  FileSource src(**file);
  return WipeOnFailure(DecryptSourceInto(src, key, mode, out, out_size, options), out);
}

Status WriteFileAtomically(const std::string& path, ByteView data) {
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(path));
  MSCRYPT_RETURN_IF_ERROR(out->Write(data));
  return out->Commit();
}

Status VerifyFile(const std::string& path, const SecretBytes& key, Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  FileSource src(*file);
  return VerifySource(src, key, mode, options);
}

Status DecryptFileToFile(const std::string& src_path, const std::string& dst, const SecretBytes& key,
                         Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(src_path));
  FileSource src(*file);
  // Validate the whole structure first (headers only), so a truncated or malformed file fails
  // before any work; then stream windows of `threads` blocks through slot buffers.
  {
    BlockWalker walker(src, mode, options.format);
    uint8_t header[kMaxHeaderSize];
    while (!walker.done()) {
      BlockFrame frame;
      MSCRYPT_RETURN_IF_ERROR(walker.Next(&frame, header));
      walker.Advance(frame);
    }
  }
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(dst));
  const int workers = internal::ResolveThreads(options.threads);
  Scratch slots(workers);  // one slot per block of the window; wiped on every exit path
  std::vector<BlockEntry> window;
  std::vector<size_t> produced(static_cast<size_t>(workers));
  std::vector<uint64_t> indices;
  BlockWalker walker(src, mode, options.format);
  uint8_t header[kMaxHeaderSize];
  Status status;
  std::vector<uint8_t*> slot_data(static_cast<size_t>(workers));
  while (status.ok() && !walker.done()) {
    window.clear();
    indices.clear();
    while (window.size() < static_cast<size_t>(workers) && !walker.done()) {
      BlockFrame frame;
      MSCRYPT_RETURN_IF_ERROR(walker.Next(&frame, header));
      window.push_back(BlockEntry{walker.offset(), static_cast<uint32_t>(frame.header_size),
                                  static_cast<uint32_t>(frame.cipher_len), 0,
                                  static_cast<uint32_t>(frame.cipher_len)});
      indices.push_back(walker.index());
      walker.Advance(frame);
    }
    status = ParallelFor(window.size(), workers, [&](size_t i, int) -> Status {
      const BlockEntry& e = window[i];
      MSCRYPT_ASSIGN_OR_RETURN(uint8_t* slot, slots.Get(static_cast<int>(i), e.cipher_len));
      slot_data[i] = slot;
      uint8_t hdr[kMaxHeaderSize];
      Status s = src.Read(e.offset, MutableByteView(hdr, e.header_size));
      if (s.ok()) s = src.Read(e.offset + e.header_size, MutableByteView(slot, e.cipher_len));
      const bool gcm = mode == Mode::kAesGcm && options.format == Format::kCurrent;
      if (s.ok()) {
        s = internal::OpenBlock(mode, options.format, key, hdr + (gcm ? 28 : 12),
                                gcm ? hdr + internal::kGcmTagOffset : nullptr, slot,
                                e.cipher_len, slot, &produced[i]);
      }
      return AtBlock(std::move(s), indices[i], e.offset);
    });
    for (size_t i = 0; status.ok() && i < window.size(); ++i) {
      status = out->Write(ByteView(slot_data[i], produced[i]));
    }
    if (status.ok() && options.progress) options.progress(walker.offset(), file->size());
  }
  MSCRYPT_RETURN_IF_ERROR(status);
  return out->Commit();
}

StatusOr<std::unique_ptr<EncryptingFileWriter>> EncryptingFileWriter::Create(
    const std::string& dst, const SecretBytes& key, Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> file, AtomicFile::Create(dst));
  return std::unique_ptr<EncryptingFileWriter>(new EncryptingFileWriterImpl(
      std::move(file), key.Clone(), mode, internal::ResolveThreads(options.threads)));
}

Status EncryptToFile(ByteView plaintext, const std::string& dst, const SecretBytes& key, Mode mode,
                     const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(dst));
  const int workers = internal::ResolveThreads(options.threads);
  BatchEncoder batch(mode, key, workers);
  for (size_t begin = 0; begin < plaintext.size; begin += kM) {
    MSCRYPT_RETURN_IF_ERROR(batch.AddExternal(plaintext.data + begin, std::min(kM, plaintext.size - begin)));
    if (batch.filled() == batch.slot_count()) MSCRYPT_RETURN_IF_ERROR(batch.Flush(*out, workers));
  }
  if (batch.filled() > 0) MSCRYPT_RETURN_IF_ERROR(batch.Flush(*out, workers));
  return out->Commit();
}

Status EncryptFileToFile(const std::string& src_path, const std::string& dst, const SecretBytes& key,
                         Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(src_path));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(dst));
  const int workers = internal::ResolveThreads(options.threads);
  BatchEncoder batch(mode, key, workers);
  // Read straight into the slots' plaintext areas: no intermediate copy.
  for (uint64_t offset = 0; offset < file->size();) {
    if (batch.full()) MSCRYPT_RETURN_IF_ERROR(batch.Flush(*out, workers));
    MSCRYPT_ASSIGN_OR_RETURN(MutableByteView space, batch.Space());
    const size_t n = static_cast<size_t>(std::min<uint64_t>(space.size, file->size() - offset));
    MSCRYPT_RETURN_IF_ERROR(file->ReadAt(offset, MutableByteView(space.data, n)));
    batch.Commit(n);
    offset += n;
    if (batch.full() && options.progress) options.progress(offset, file->size());
  }
  if (batch.filled() > 0) MSCRYPT_RETURN_IF_ERROR(batch.Flush(*out, workers));
  return out->Commit();
}

Status EncryptStreamToFile(std::istream& in, const std::string& dst, const SecretBytes& key, Mode mode,
                           const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(dst));
  const int workers = internal::ResolveThreads(options.threads);
  BatchEncoder batch(mode, key, workers);
  while (in.good()) {
    if (batch.full()) MSCRYPT_RETURN_IF_ERROR(batch.Flush(*out, workers));
    MSCRYPT_ASSIGN_OR_RETURN(MutableByteView space, batch.Space());
    in.read(reinterpret_cast<char*>(space.data), static_cast<std::streamsize>(space.size));
    const size_t n = static_cast<size_t>(in.gcount());
    batch.Commit(n);
    if (n == 0) break;
  }
  if (in.bad()) return IoError("reading the input stream failed");
  if (batch.filled() > 0) MSCRYPT_RETURN_IF_ERROR(batch.Flush(*out, workers));
  return out->Commit();
}

// ---- Inspection -------------------------------------------------------------------------------

namespace {

StatusOr<ContainerInfo> InspectSource(const Source& src, Format format) {
  ContainerInfo info;
  info.format = format;
  info.container_size = src.size();
  uint64_t offset = 0;
  uint64_t index = 0;
  uint8_t header[kMaxHeaderSize];
  std::optional<Mode> mode;
  while (offset < src.size()) {
    const uint64_t remaining = src.size() - offset;
    const size_t avail = static_cast<size_t>(std::min<uint64_t>(remaining, kMaxHeaderSize));
    MSCRYPT_RETURN_IF_ERROR(src.Read(offset, MutableByteView(header, avail)));
    BlockFrame frame;
    MSCRYPT_RETURN_IF_ERROR(
        internal::ParseAnyBlockFrame(header, avail, remaining, format, index, offset, &frame, &mode));
    BlockInfo b;
    b.offset = offset;
    b.size = frame.total_size();
    b.ciphertext_size = frame.cipher_len;
    const bool padded = format == Format::kLegacy || internal::IsCbcMode(mode.value_or(Mode::kAesGcm));
    b.plaintext_size_max = padded && format == Format::kCurrent ? frame.cipher_len - 1 : frame.cipher_len;
    b.plaintext_size_min = padded ? frame.cipher_len - std::min<uint64_t>(16, frame.cipher_len) : frame.cipher_len;
    if (format == Format::kLegacy && frame.cipher_len % 16 != 0) b.plaintext_size_min = frame.cipher_len;  // must be GCM
    info.plaintext_size_min += b.plaintext_size_min;
    info.plaintext_size_max += b.plaintext_size_max;
    info.blocks.push_back(b);
    offset += frame.total_size();
    ++index;
  }
  info.mode = format == Format::kLegacy ? std::nullopt : mode;
  return info;
}

}  // namespace

StatusOr<ContainerInfo> Inspect(ByteView data, Format format) {
  MemorySource src(data);
  return InspectSource(src, format);
}

StatusOr<ContainerInfo> InspectFile(const std::string& path, Format format) {
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  FileSource src(*file);
  return InspectSource(src, format);
}

std::optional<Mode> DetectMode(ByteView data) {
  if (data.size < internal::kMagicSize) return std::nullopt;
  return internal::ModeOfMagic(internal::LoadLe32(data.data));
}

StatusOr<bool> IsEncryptedFile(const std::string& path) {
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  if (file->size() < internal::kMagicSize) return false;
  uint8_t magic[internal::kMagicSize];
  MSCRYPT_RETURN_IF_ERROR(file->ReadAt(0, MutableByteView(magic, sizeof(magic))));
  return DetectMode(ByteView(magic, sizeof(magic))).has_value();
}

}  // namespace mscrypt
