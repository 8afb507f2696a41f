// The container's write API (container.h): blocks of 64 MiB with fresh random IVs, encrypted in
// parallel batches and written in order, from a buffer, a file, a stream or pushed pieces.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <cstring>
#include <istream>
#include <limits>
#include <string>
#include <vector>

#include "core/read_engine.h"
#include "core/seal_internal.h"
#include "internal/crypto/block_cipher.h"
#include "internal/format/layout.h"
#include "internal/io/file.h"
#include "internal/parallel/parallel_for.h"
#include "mscrypt/container.h"

namespace mscrypt {
namespace {

using core::CheckModeAndKey;
using core::CheckOptions;
using internal::AtomicFile;
using internal::InputFile;
using internal::kIvSize;
using internal::ParallelFor;

constexpr size_t kM = kMaxBlockPlaintextSize;

// EncodeBlock writes one whole current-format block (header + ciphertext) to `out`. The
// plaintext may already sit at out + HeaderSize(mode) (in place).
Status EncodeBlock(Mode mode, const SecretBytes& key, const uint8_t* plaintext, size_t len, uint8_t* out) {
  uint8_t iv[kIvSize];
  MSCRYPT_RETURN_IF_ERROR(internal::RandomBytes(iv, kIvSize));
  const size_t header = internal::HeaderSize(mode, Format::kCurrent);
  const size_t cipher_len = static_cast<size_t>(internal::CipherLenFor(mode, len));
  const ModeSpec& spec = internal::Spec(mode);
  uint8_t tag[internal::kTagSize] = {0};
  MSCRYPT_RETURN_IF_ERROR(internal::SealBlock(spec, key, iv, plaintext, len, out + header, tag));
  internal::WriteBlockHeader(mode, iv, cipher_len, out);
  std::memcpy(out + spec.tag_offset(), tag, spec.tag_size);
  return Status::Ok();
}

// BatchEncoder: `slots` blocks of up to 64 MiB encrypted in parallel, then written in order.
// Each slot holds [header][plaintext | ciphertext][padding room] and is encrypted in place.
class BatchEncoder {
 public:
  BatchEncoder(Mode mode, const SecretBytes& key, int slots)
      : mode_(mode), key_(key), header_(internal::HeaderSize(mode, Format::kCurrent)),
        slots_(static_cast<size_t>(std::min(slots, kStreamWindowBlocks))) {}  // bounded memory
  ~BatchEncoder() {
    // Wipe only what was touched: slots are allocated at full block size, and wiping untouched
    // pages would fault them all in.
    for (Slot& s : slots_) {
      if (s.buf.data() != nullptr) Wipe(s.buf.data(), s.dirty);
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
      Wipe(s.buf.data(), s.dirty);
      s.dirty = 0;
      MSCRYPT_ASSIGN_OR_RETURN(s.buf, Buffer::Allocate(need));
    }
    s.len = len;
    s.external = data;
    ++filled_;
    return Status::Ok();
  }

  Status Flush(internal::ByteSink& out, int threads) {
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
    Wipe(out.data, static_cast<size_t>(need));
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

StatusOr<std::unique_ptr<EncryptingFileWriter>> EncryptingFileWriter::Create(
    const std::string& dst, const SecretBytes& key, Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  internal::OutputOptions out_options;
  core::AttachSeal(&out_options, dst, key, mode, options);
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> file, AtomicFile::Create(dst, out_options));
  return std::unique_ptr<EncryptingFileWriter>(new EncryptingFileWriterImpl(
      std::move(file), key.Clone(), mode, internal::ResolveThreads(options.threads)));
}

Status EncryptToFile(ByteView plaintext, const std::string& dst, const SecretBytes& key, Mode mode,
                     const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  internal::OutputOptions out_options;
  core::AttachSeal(&out_options, dst, key, mode, options);
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(dst, out_options));
  const int workers = internal::ResolveThreads(options.threads);
  BatchEncoder batch(mode, key, workers);
  for (size_t begin = 0; begin < plaintext.size; begin += kM) {
    MSCRYPT_RETURN_IF_ERROR(batch.AddExternal(plaintext.data + begin, std::min(kM, plaintext.size - begin)));
    if (batch.filled() == batch.slot_count()) MSCRYPT_RETURN_IF_ERROR(batch.Flush(*out, workers));
  }
  if (batch.filled() > 0) MSCRYPT_RETURN_IF_ERROR(batch.Flush(*out, workers));
  return out->Commit();
}

namespace {

// EncryptFileInto reads `file` straight into the encoder's slot plaintext areas (no intermediate
// copy) and writes the blocks to `out`.
Status EncryptFileInto(const InputFile& file, internal::ByteSink& out, const SecretBytes& key, Mode mode,
                       const Options& options) {
  const int workers = internal::ResolveThreads(options.threads);
  BatchEncoder batch(mode, key, workers);
  for (uint64_t offset = 0; offset < file.size();) {
    if (batch.full()) MSCRYPT_RETURN_IF_ERROR(batch.Flush(out, workers));
    MSCRYPT_ASSIGN_OR_RETURN(MutableByteView space, batch.Space());
    const size_t n = static_cast<size_t>(std::min<uint64_t>(space.size, file.size() - offset));
    MSCRYPT_RETURN_IF_ERROR(file.ReadAt(offset, MutableByteView(space.data, n)));
    batch.Commit(n);
    offset += n;
    if (batch.full() && options.progress) options.progress(offset, file.size());
  }
  if (batch.filled() > 0) MSCRYPT_RETURN_IF_ERROR(batch.Flush(out, workers));
  return Status::Ok();
}

// EncryptReaderInto encrypts everything `read` yields (0 at the end) into `out`.
Status EncryptReaderInto(const std::function<StatusOr<size_t>(MutableByteView)>& read, internal::ByteSink& out,
                         const SecretBytes& key, Mode mode, const Options& options) {
  const int workers = internal::ResolveThreads(options.threads);
  BatchEncoder batch(mode, key, workers);
  for (;;) {
    if (batch.full()) MSCRYPT_RETURN_IF_ERROR(batch.Flush(out, workers));
    MSCRYPT_ASSIGN_OR_RETURN(MutableByteView space, batch.Space());
    MSCRYPT_ASSIGN_OR_RETURN(size_t n, read(space));
    batch.Commit(n);
    if (n == 0) break;
  }
  if (batch.filled() > 0) MSCRYPT_RETURN_IF_ERROR(batch.Flush(out, workers));
  return Status::Ok();
}

}  // namespace

Status EncryptFileToFile(const std::string& src_path, const std::string& dst, const SecretBytes& key,
                         Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(src_path));
  internal::OutputOptions out_options;
  out_options.source = file.get();
  out_options.allow_same_file = options.in_place;
  core::AttachSeal(&out_options, dst, key, mode, options);
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(dst, out_options));
  MSCRYPT_RETURN_IF_ERROR(EncryptFileInto(*file, *out, key, mode, options));
  return out->Commit();
}

Status EncryptFileToDescriptor(const std::string& src_path, int fd, const SecretBytes& key, Mode mode,
                               const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  if (fd < 0) return InvalidArgumentError("the output descriptor is negative");
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(src_path));
  internal::DescriptorSink out(fd, "the output stream");
  return EncryptFileInto(*file, out, key, mode, options);
}

Status EncryptStreamToFile(std::istream& in, const std::string& dst, const SecretBytes& key, Mode mode,
                           const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  internal::OutputOptions out_options;
  core::AttachSeal(&out_options, dst, key, mode, options);
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(dst, out_options));
  MSCRYPT_RETURN_IF_ERROR(EncryptReaderInto(
      [&](MutableByteView space) -> StatusOr<size_t> {
        if (!in.good()) return size_t{0};
        in.read(reinterpret_cast<char*>(space.data), static_cast<std::streamsize>(space.size));
        if (in.bad()) return IoError("reading the input stream failed");
        return static_cast<size_t>(in.gcount());
      },
      *out, key, mode, options));
  return out->Commit();
}

Status EncryptDescriptorToFile(int fd, const std::string& dst, const SecretBytes& key, Mode mode,
                               const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckOptions(options));
  MSCRYPT_RETURN_IF_ERROR(CheckModeAndKey(mode, key));
  if (fd < 0) return InvalidArgumentError("the input descriptor is negative");
  internal::OutputOptions out_options;
  core::AttachSeal(&out_options, dst, key, mode, options);
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> out, AtomicFile::Create(dst, out_options));
  MSCRYPT_RETURN_IF_ERROR(EncryptReaderInto(
      [fd](MutableByteView space) -> StatusOr<size_t> {
        // Fill the slot: a pipe returns short reads, and a short read is not the end.
        size_t got = 0;
        while (got < space.size) {
          const ssize_t n = ::read(fd, space.data + got, space.size - got);
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) return IoError(std::string("cannot read the input stream: ") + std::strerror(errno));
          if (n == 0) break;
          got += static_cast<size_t>(n);
        }
        return got;
      },
      *out, key, mode, options));
  return out->Commit();
}

}  // namespace mscrypt
