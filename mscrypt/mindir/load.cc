// Loading MindIR files and buffers: key-less detection of encrypted input, decryption through the
// container, the 2 GiB protobuf limit checked before anything large is allocated.
#include <limits>
#include <memory>

#include "internal/io/file.h"
#include "mindir/graph_impl.h"

namespace mscrypt {

using mindir_internal::Annotate;
using mindir_internal::ModelTooLargeError;
using mindir_internal::ParsePlaintextModel;

namespace {

constexpr char kEncryptedNoKey[] = "the file is encrypted, pass the key (dec_key)";

// ParseHint: AES-CBC and SM4-CBC are unauthenticated, so a wrong key passes the padding check
// about once in 256 tries per block and then shows up as a parse failure.
std::string ParseHint(const MindIRLoadOptions& options) {
  if (options.key == nullptr) return "";
  if (options.mode == Mode::kAesGcm) return " (the file decrypted and authenticated, so it is not a MindIR model)";
  return std::string(" (") + ModeName(options.mode) +
         " is not authenticated: a wrong key can pass decryption and produce garbage; check dec_key)";
}

// CheckEncryptedSize refuses, from the block headers alone, a container whose plaintext cannot
// be a parseable ModelProto, before allocating it.
Status CheckEncryptedSize(const StatusOr<ContainerInfo>& info) {
  if (!info.ok()) return info.status();
  if (info->plaintext_size_min > kMindIRMaxModelSize) {
    return ModelTooLargeError(info->plaintext_size_min, false);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Graph> LoadMindIR(const std::string& path, const MindIRLoadOptions& options) {
  MindIRLoadOptions opts;
  opts.key = options.key;
  opts.mode = options.mode;
  opts.threads = options.threads;
  opts.read_weight_file = options.read_weight_file;
  opts.weights_dir = options.weights_dir.empty() ? internal::DirName(path) : options.weights_dir;

  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::InputFile> file, internal::InputFile::Open(path));
  const uint64_t size = file->size();
  if (options.key == nullptr) {
    if (size >= 4) {
      uint8_t magic[4];
      MSCRYPT_RETURN_IF_ERROR(file->ReadAt(0, MutableByteView(magic, 4)));
      if (DetectMode(ByteView(magic, 4))) return InvalidArgumentError(kEncryptedNoKey);
    }
    if (size > kMindIRMaxModelSize) return ModelTooLargeError(size, false);
    MSCRYPT_ASSIGN_OR_RETURN(Buffer plain, Buffer::Allocate(static_cast<size_t>(size)));
    MSCRYPT_RETURN_IF_ERROR(file->ReadAt(0, plain.mutable_view()));
    return ParsePlaintextModel(plain.view(), opts, "");
  }
  file.reset();
  // Plaintext <= container size, so only a large file needs its headers walked first.
  if (size > kMindIRMaxModelSize) MSCRYPT_RETURN_IF_ERROR(CheckEncryptedSize(InspectFile(path)));
  Options o;
  o.threads = options.threads;
  MSCRYPT_ASSIGN_OR_RETURN(Buffer plain, DecryptFile(path, *options.key, options.mode, o));
  return ParsePlaintextModel(plain.view(), opts, ParseHint(options));
}

StatusOr<Graph> LoadMindIRFromBuffer(ByteView data, const MindIRLoadOptions& options) {
  if (options.key == nullptr) {
    if (DetectMode(data)) return InvalidArgumentError(kEncryptedNoKey);
    return ParsePlaintextModel(data, options, "");
  }
  if (data.size > kMindIRMaxModelSize) MSCRYPT_RETURN_IF_ERROR(CheckEncryptedSize(Inspect(data)));
  Options o;
  o.threads = options.threads;
  MSCRYPT_ASSIGN_OR_RETURN(Buffer plain, Decrypt(data, *options.key, options.mode, o));
  return ParsePlaintextModel(plain.view(), options, ParseHint(options));
}

}  // namespace mscrypt
