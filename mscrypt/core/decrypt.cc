// The container's read API (container.h): every call runs the one engine of core/read_engine.h
// with a memory sink, a stream sink, or none (verification).
#include <cerrno>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "core/read_engine.h"
#include "core/seal_internal.h"
#include "internal/io/file_mapping.h"
#include "mscrypt/container.h"

namespace mscrypt {
namespace {

using core::CheckReadRequest;
using core::FileSource;
using core::MakePlan;
using core::MemorySink;
using core::MemorySource;
using core::Plan;
using core::RunPlan;
using core::Source;
using internal::FileMapping;
using internal::InputFile;

Status BufferTooSmall(size_t have, uint64_t need) {
  return Status(StatusCode::kBufferTooSmall,
                "output buffer holds " + std::to_string(have) + " bytes, " + std::to_string(need) + " needed");
}

Status DecryptSourceInto(const Source& src, const SecretBytes& key, Mode mode, MutableByteView out,
                         size_t* out_size, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(Plan plan, MakePlan(src, mode, options.format, &key));
  if (out.size < plan.plaintext_size) return BufferTooSmall(out.size, plan.plaintext_size);
  MemorySink sink(out);
  MSCRYPT_RETURN_IF_ERROR(RunPlan(src, plan, mode, options.format, key, &sink, options));
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
  return RunPlan(src, plan, mode, options.format, key, nullptr, options);
}

// WipeOnFailure: "on any failure `out` is wiped" (container.h), including failures found before
// decryption; only kBufferTooSmall promises that nothing was written.
// CheckSealed: the seal check of every file reader (docs/format.md §11.3), before decryption and
// on the descriptor the decryption then reads.
Status CheckSealed(const InputFile& file, const std::string& path, const SecretBytes& key, Mode mode,
                   const Options& options) {
  return core::CheckSealOf(&file, path, key, mode, options.seal_role, options).status();
}

// ReadWhole runs `read` (which decrypts the whole file into memory) over a mapping of the file,
// or over pread when it cannot be mapped (internal/io/file_mapping.h). If the mapping was damaged
// during the read (the file shrank), that is the result, whatever `read` made of the zeros it saw.
template <typename Fn>
auto ReadWhole(const InputFile& file, Fn read) -> decltype(read(std::declval<const Source&>())) {
  const std::unique_ptr<FileMapping> mapping = FileMapping::Map(file);
  if (mapping == nullptr) return read(FileSource(file));
  auto result = read(core::MappedSource(*mapping));
  if (!mapping->damaged()) return result;
  return IoError("'" + file.path() + "' changed while it was read (it shrank, or its device failed a read); "
                 "nothing was returned; read it again once nothing is writing it")
      .WithOsError(EIO, file.path());
}

Status WipeOnFailure(Status s, MutableByteView out) {
  if (!s.ok() && s.code() != StatusCode::kBufferTooSmall) Wipe(out.data, out.size);
  return s;
}

StatusOr<PlaintextBuffer> DecryptSource(const Source& src, const SecretBytes& key, Mode mode,
                                        const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(Plan plan, MakePlan(src, mode, options.format, &key));
  if (plan.plaintext_size > std::numeric_limits<size_t>::max()) {
    return Status(StatusCode::kResourceExhausted, "plaintext does not fit in memory");
  }
  // The allocation is address space until written; a wrong key is found in RunPlan's first batch,
  // so it costs one block per worker of pages, not the whole output.
  MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer out, PlaintextBuffer::Allocate(static_cast<size_t>(plan.plaintext_size)));
  MemorySink sink(out.mutable_view());
  Status s = RunPlan(src, plan, mode, options.format, key, &sink, options);
  if (!s.ok()) {
    out.FreeWiped();  // the sink wiped what was written
    return s;
  }
  return out;
}

}  // namespace

// ---- Buffers ----------------------------------------------------------------------------------

StatusOr<PlaintextBuffer> Decrypt(ByteView ciphertext, const SecretBytes& key, Mode mode, const Options& options) {
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

namespace {

StatusOr<PlaintextBuffer> DecryptWholeFile(const std::string& path, const SecretBytes& key, Mode mode,
                                           const Options& options, bool mapped) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));  // before any I/O
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  MSCRYPT_RETURN_IF_ERROR(CheckSealed(*file, path, key, mode, options));
  const auto decrypt = [&](const Source& src) { return DecryptSource(src, key, mode, options); };
  return mapped ? ReadWhole(*file, decrypt) : decrypt(FileSource(*file));
}

}  // namespace

StatusOr<PlaintextBuffer> DecryptFile(const std::string& path, const SecretBytes& key, Mode mode,
                                      const Options& options) {
  return DecryptWholeFile(path, key, mode, options, /*mapped=*/true);
}

StatusOr<PlaintextBuffer> core::DecryptFileWithPread(const std::string& path, const SecretBytes& key, Mode mode,
                                                     const Options& options) {
  return DecryptWholeFile(path, key, mode, options, /*mapped=*/false);
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
  if (CheckReadRequest(mode, key, options).ok()) {
    Status sealed = CheckSealed(**file, path, key, mode, options);
    if (!sealed.ok()) return WipeOnFailure(sealed, out);
  }
  Status s = ReadWhole(**file, [&](const Source& src) { return DecryptSourceInto(src, key, mode, out, out_size, options); });
  if (!s.ok() && out_size != nullptr) *out_size = 0;
  return WipeOnFailure(std::move(s), out);
}

Status VerifyFile(const std::string& path, const SecretBytes& key, Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  MSCRYPT_RETURN_IF_ERROR(CheckSealed(*file, path, key, mode, options));
  FileSource src(*file);
  return VerifySource(src, key, mode, options);
}

Status DecryptFileToFile(const std::string& src_path, const std::string& dst, const SecretBytes& key,
                         Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(src_path));
  MSCRYPT_RETURN_IF_ERROR(CheckSealed(*file, src_path, key, mode, options));
  FileSource src(*file);
  // The plan validates the whole structure first (headers only), so a truncated or malformed
  // file fails before the output is created; then windows of blocks are streamed.
  MSCRYPT_ASSIGN_OR_RETURN(Plan plan, MakePlan(src, mode, options.format, &key));
  internal::OutputOptions out_options;
  out_options.private_contents = true;  // plaintext
  out_options.source = file.get();
  out_options.allow_same_file = options.in_place;
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFile> out, internal::AtomicFile::Create(dst, out_options));
  core::StreamSink sink(*out, core::StreamWindowBytes(options));
  MSCRYPT_RETURN_IF_ERROR(RunPlan(src, plan, mode, options.format, key, &sink, options));
  return out->Commit();
}

Status DecryptFileToDescriptor(const std::string& src_path, int fd, const SecretBytes& key, Mode mode,
                               const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(mode, key, options));
  if (fd < 0) return InvalidArgumentError("the output descriptor is negative");
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(src_path));
  MSCRYPT_RETURN_IF_ERROR(CheckSealed(*file, src_path, key, mode, options));
  FileSource src(*file);
  MSCRYPT_ASSIGN_OR_RETURN(Plan plan, MakePlan(src, mode, options.format, &key));
  internal::DescriptorSink out(fd, "the output stream");
  core::StreamSink sink(out, core::StreamWindowBytes(options));
  return RunPlan(src, plan, mode, options.format, key, &sink, options);
}

namespace {

// WriterSink feeds decrypted windows to an encrypting writer (ReencryptFile).
class WriterSink : public internal::ByteSink {
 public:
  explicit WriterSink(EncryptingFileWriter& writer) : writer_(writer) {}
  Status Write(ByteView data) override { return writer_.Write(data); }

 private:
  EncryptingFileWriter& writer_;
};

}  // namespace

Status ReencryptFile(const std::string& path, const SecretBytes& old_key, Mode old_mode, const SecretBytes& new_key,
                     Mode new_mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckReadRequest(old_mode, old_key, options));
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  MSCRYPT_ASSIGN_OR_RETURN(SealReport sealed, core::CheckSealOf(file.get(), path, old_key, old_mode, SealRole::kOther,
                                                                options));
  FileSource src(*file);
  MSCRYPT_ASSIGN_OR_RETURN(Plan plan, MakePlan(src, old_mode, options.format, &old_key));
  // The writer's temporary file is linked over `path` only by Commit, after every block of the
  // input decrypted; the open descriptor keeps reading the old file until then.
  Options write_options = options;
  write_options.progress = nullptr;
  write_options.format = Format::kCurrent;
  // A file sealed alone is sealed again, under the new key, with the file (a seal that also
  // covers other files is renewed by the caller once all of them are re-keyed: SealFile).
  if (sealed.sealed && sealed.members.empty()) {
    write_options.write_seal = true;
    write_options.seal_role = sealed.role;
  }
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<EncryptingFileWriter> writer,
                           EncryptingFileWriter::Create(path, new_key, new_mode, write_options));
  WriterSink out(*writer);
  core::StreamSink sink(out, core::StreamWindowBytes(options));
  MSCRYPT_RETURN_IF_ERROR(RunPlan(src, plan, old_mode, options.format, old_key, &sink, options));
  return writer->Commit();
}

}  // namespace mscrypt
