// The payload seam (payload.h): plain or encrypted files and buffers in, plaintext out; one
// atomic writer for both. Built on the container API and internal/io, which no codec includes.
#include "mscrypt/payload.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

#include "core/read_engine.h"
#include "internal/format/layout.h"
#include "internal/io/file.h"

namespace mscrypt {
namespace {

using internal::InputFile;

Status KeyRequired(Mode detected) {
  return Status(StatusCode::kKeyRequired,
                std::string("the input is encrypted (") + ModeName(detected) + " container) and no key was given");
}

class PlainPayloadWriter : public PayloadWriter {
 public:
  explicit PlainPayloadWriter(std::unique_ptr<internal::AtomicFile> file) : file_(std::move(file)) {}
  Status Write(ByteView data) override {
    MSCRYPT_RETURN_IF_ERROR(file_->Write(data));
    written_ += data.size;
    return Status::Ok();
  }
  Status Commit() override { return file_->Commit(); }
  uint64_t bytes_written() const override { return written_; }

 private:
  std::unique_ptr<internal::AtomicFile> file_;
  uint64_t written_ = 0;
};

class EncryptedPayloadWriter : public PayloadWriter {
 public:
  explicit EncryptedPayloadWriter(std::unique_ptr<EncryptingFileWriter> w) : writer_(std::move(w)) {}
  Status Write(ByteView data) override { return writer_->Write(data); }
  Status Commit() override { return writer_->Commit(); }
  uint64_t bytes_written() const override { return writer_->plaintext_bytes_written(); }

 private:
  std::unique_ptr<EncryptingFileWriter> writer_;
};

// ForeignFormat names a well-known file format that `data` starts like, or returns nullptr.
const char* ForeignFormat(ByteView data) {
  auto starts = [&](const char* magic, size_t n) { return data.size >= n && std::memcmp(data.data, magic, n) == 0; };
  if (data.size >= 9 && data.data[8] == '{') {  // safetensors: u64 LE header length, then JSON
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | data.data[i];
    if (n > 0 && n <= data.size - 8) return "a safetensors file";
  }
  if (starts("PK\x03\x04", 4)) return "a ZIP archive (a PyTorch .pt/.pth file?)";
  if (starts("\x93NUMPY", 6)) return "a NumPy .npy file";
  if (starts("\x89HDF\r\n\x1a\n", 8)) return "an HDF5 file (a Keras .h5 file?)";
  if (data.size >= 2 && data.data[0] == 0x80 && data.data[1] >= 2 && data.data[1] <= 5) return "a Python pickle";
  if (starts("\x1f\x8b", 2)) return "a gzip file";
  return nullptr;
}

}  // namespace

Status Payload::ParseFailed(Status parse_error) const {
  if (parse_error.ok() || parse_error.code() != StatusCode::kMalformed) return parse_error;
  if (const char* foreign = ForeignFormat(bytes())) {
    parse_error.WithMessage(parse_error.message() + "; the data looks like " + foreign);
  }
  if (!encrypted_) return parse_error;
  return parse_error.WithHint(SpecOf(mode_)->authenticated ? kHintNotThisPayload : kHintUnauthenticatedMode);
}

StatusOr<Payload> ReadPayloadFile(const std::string& path, const PayloadReadOptions& options) {
  Payload payload;
  if (options.key != nullptr) {
    MSCRYPT_RETURN_IF_ERROR(core::CheckReadRequest(options.mode, *options.key, options.container));  // before I/O
    // The size bound comes from the headers alone. A container they do not describe is left to
    // the decryption, whose parser knows the mode and reports the precise error (wrong mode, ...).
    if (options.check_size) {
      StatusOr<ContainerInfo> info = InspectFile(path, options.container.format);
      if (info.ok()) MSCRYPT_RETURN_IF_ERROR(options.check_size(info->plaintext_size_min));
    }
    // pread, not a mapping: a loader's peak memory stays the payload itself.
    MSCRYPT_ASSIGN_OR_RETURN(payload.owned_,
                             core::DecryptFileWithPread(path, *options.key, options.mode, options.container));
    payload.encrypted_ = true;
    payload.mode_ = options.mode;
    return payload;
  }
  if (options.container.seal_check == SealCheck::kRequire) {
    return InvalidArgumentError("a seal is checked with the file's key, and none was given");
  }
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  if (file->size() >= internal::kMagicSize) {  // refused before anything of the file's size exists
    uint8_t magic[internal::kMagicSize];
    MSCRYPT_RETURN_IF_ERROR(file->ReadAt(0, MutableByteView(magic, sizeof(magic))));
    if (const std::optional<Mode> detected = DetectMode(ByteView(magic, sizeof(magic)))) return KeyRequired(*detected);
  }
  if (options.check_size) MSCRYPT_RETURN_IF_ERROR(options.check_size(file->size()));
  if (file->size() > std::numeric_limits<size_t>::max()) {
    return Status(StatusCode::kResourceExhausted, "'" + path + "' is too large to read into memory");
  }
  MSCRYPT_ASSIGN_OR_RETURN(payload.owned_, PlaintextBuffer::Allocate(static_cast<size_t>(file->size())));
  MSCRYPT_RETURN_IF_ERROR(file->ReadAt(0, payload.owned_.mutable_view()));
  return payload;
}

StatusOr<Payload> ReadPayload(ByteView data, const PayloadReadOptions& options) {
  Payload payload;
  if (options.key == nullptr) {
    if (const std::optional<Mode> detected = DetectMode(data)) return KeyRequired(*detected);
    if (options.check_size) MSCRYPT_RETURN_IF_ERROR(options.check_size(data.size));
    payload.view_ = data;
    return payload;
  }
  MSCRYPT_RETURN_IF_ERROR(core::CheckReadRequest(options.mode, *options.key, options.container));
  if (options.check_size) {  // as in ReadPayloadFile
    StatusOr<ContainerInfo> info = Inspect(data, options.container.format);
    if (info.ok()) MSCRYPT_RETURN_IF_ERROR(options.check_size(info->plaintext_size_min));
  }
  MSCRYPT_ASSIGN_OR_RETURN(payload.owned_, Decrypt(data, *options.key, options.mode, options.container));
  payload.encrypted_ = true;
  payload.mode_ = options.mode;
  return payload;
}

StatusOr<std::unique_ptr<PayloadWriter>> PayloadWriter::Create(const std::string& dst, const SecretBytes* key,
                                                               Mode mode, const Options& options) {
  if (key != nullptr) {
    MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<EncryptingFileWriter> w,
                             EncryptingFileWriter::Create(dst, *key, mode, options));
    return std::unique_ptr<PayloadWriter>(new EncryptedPayloadWriter(std::move(w)));
  }
  MSCRYPT_RETURN_IF_ERROR(core::CheckOptions(options));
  if (options.write_seal) return InvalidArgumentError("a seal needs the key the file is encrypted with, and none was given");
  return CreateRaw(dst, /*private_contents=*/true);
}

StatusOr<std::unique_ptr<PayloadWriter>> PayloadWriter::CreateRaw(const std::string& dst, bool private_contents) {
  internal::OutputOptions out;
  out.private_contents = private_contents;
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFile> file, internal::AtomicFile::Create(dst, out));
  return std::unique_ptr<PayloadWriter>(new PlainPayloadWriter(std::move(file)));
}

StatusOr<Buffer> ReadWholeFile(const std::string& path) {
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  if (file->size() > std::numeric_limits<size_t>::max()) {
    return Status(StatusCode::kResourceExhausted, "'" + path + "' is too large to read into memory");
  }
  MSCRYPT_ASSIGN_OR_RETURN(Buffer out, Buffer::Allocate(static_cast<size_t>(file->size())));
  MSCRYPT_RETURN_IF_ERROR(file->ReadAt(0, out.mutable_view()));
  return out;
}

Status WriteFileAtomically(const std::string& path, ByteView data, bool private_contents) {
  internal::OutputOptions options;
  options.private_contents = private_contents;
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFile> out, internal::AtomicFile::Create(path, options));
  MSCRYPT_RETURN_IF_ERROR(out->Write(data));
  return out->Commit();
}

std::string DirName(const std::string& path) { return internal::DirName(path); }
std::string BaseName(const std::string& path) { return internal::BaseName(path); }

Status CreateDirectories(const std::string& dir) {
  if (dir.empty() || dir == "." || dir == "/") return Status::Ok();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return IoError("cannot create directory '" + dir + "': a file of that name exists");
  }
  MSCRYPT_RETURN_IF_ERROR(CreateDirectories(DirName(dir)));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return internal::ErrnoError("cannot create directory", dir, errno);
  }
  return Status::Ok();
}

}  // namespace mscrypt
