// Inspection without a key (container.h): walk and validate the block headers, detect the mode.
#include <algorithm>
#include <optional>
#include <string>

#include "core/read_engine.h"
#include "internal/format/layout.h"
#include "mscrypt/container.h"

namespace mscrypt {
namespace {

using core::FileSource;
using core::MemorySource;
using core::Source;
using internal::BlockFrame;
using internal::InputFile;
using internal::kMaxHeaderSize;

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
    // Legacy blocks do not say their mode, so they may be padded.
    const bool padded = format == Format::kLegacy || (mode && SpecOf(*mode)->padded);
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

StatusOr<Mode> ResolveMode(std::optional<Mode> mode, ByteView data, Format format) {
  if (mode) return *mode;
  if (format == Format::kLegacy) {
    return InvalidArgumentError("legacy (MindSpore 1.3-1.6) files do not name their mode: give the mode");
  }
  if (std::optional<Mode> found = DetectMode(data)) return *found;
  return Status(StatusCode::kNotEncrypted, "not an encrypted MindSpore file (no known block magic at byte 0)")
      .WithHint(kHintPlainInput);
}

StatusOr<Mode> ResolveFileMode(std::optional<Mode> mode, const std::string& path, Format format) {
  if (mode || format == Format::kLegacy) return ResolveMode(mode, ByteView(), format);
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  uint8_t magic[internal::kMagicSize] = {0};
  const size_t n = static_cast<size_t>(std::min<uint64_t>(file->size(), sizeof(magic)));
  MSCRYPT_RETURN_IF_ERROR(file->ReadAt(0, MutableByteView(magic, n)));
  return ResolveMode(mode, ByteView(magic, n), format);
}

StatusOr<bool> IsEncryptedFile(const std::string& path) {
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  if (file->size() < internal::kMagicSize) return false;
  uint8_t magic[internal::kMagicSize];
  MSCRYPT_RETURN_IF_ERROR(file->ReadAt(0, MutableByteView(magic, sizeof(magic))));
  return DetectMode(ByteView(magic, sizeof(magic))).has_value();
}

}  // namespace mscrypt
