#include "internal/format/layout.h"

#include <cstring>
#include <string>

namespace mscrypt::internal {
namespace {

std::string Where(uint64_t index, uint64_t offset) {
  return "block " + std::to_string(index) + " at byte " + std::to_string(offset);
}

Status Malformed(uint64_t index, uint64_t offset, const std::string& what) {
  Status s(StatusCode::kMalformed, Where(index, offset) + ": " + what);
  s.WithPosition(static_cast<int64_t>(index), static_cast<int64_t>(offset));
  return s;
}

Status Truncated(uint64_t index, uint64_t offset, const std::string& what) {
  Status s(StatusCode::kTruncated, Where(index, offset) + ": " + what);
  s.WithPosition(static_cast<int64_t>(index), static_cast<int64_t>(offset)).WithHint(kHintIncomplete);
  return s;
}

// Signed LE int32 fields (docs/format.md §2.1): negative values are as invalid as huge ones.
int64_t LoadI32(const uint8_t* p) { return static_cast<int32_t>(LoadLe32(p)); }

// LooksLegacy: the docs/format.md §3.3 heuristic for a D8 block: iv_len (16) where a current GCM block has tag
// bytes. Used only to word error messages, never to switch formats.
bool LooksLegacy(const uint8_t* data, size_t available) {
  return available >= 12 && LoadLe32(data) == kLegacyMagic && LoadLe32(data + 8) == 16;
}

Status CheckMagic(uint32_t magic, Mode mode, Format format, uint64_t index, uint64_t offset,
                  bool looks_legacy) {
  const uint32_t expected = format == Format::kLegacy ? kLegacyMagic : Spec(mode).magic;
  if (magic == expected) return Status::Ok();
  std::optional<Mode> found = ModeOfMagic(magic);
  if (!found) {
    if (index == 0) {
      return Status(StatusCode::kNotEncrypted,
                    "not an encrypted MindSpore file (no known block magic at byte 0)")
          .WithHint(kHintPlainInput);
    }
    return Malformed(index, offset, "no block magic where a block must start (trailing garbage?)");
  }
  std::string msg;
  uint32_t hints = 0;
  if (format == Format::kLegacy) {
    msg = std::string("magic of a current-format ") + ModeName(*found) +
          " block in a legacy (MindSpore 1.3-1.6) read; read it with the current format";
  } else {
    msg = std::string("the data is encrypted with ") + ModeName(*found) + ", not " + ModeName(mode);
    hints = kHintOtherMode | (looks_legacy ? static_cast<uint32_t>(kHintLegacyFormat) : 0u);
  }
  if (index == 0) return Status(StatusCode::kWrongMode, msg).WithHint(hints);
  return Malformed(index, offset, "mixed modes in one container: " + msg);
}

// ParseFields reads the fields after the magic. `tag_size`: bytes of tag between magic and
// block_len (0 for CBC modes and every legacy block); `whole_blocks`: the ciphertext must be a
// multiple of the cipher block (PKCS#7-padded modes).
Status ParseFields(const uint8_t* data, size_t available, uint64_t remaining, size_t tag_size,
                   bool whole_blocks, Format format, uint64_t index, uint64_t offset,
                   BlockFrame* frame) {
  const size_t header = 4 + tag_size + 4 + 4 + kIvSize + 4;
  if (available < header || remaining < header) {
    return Truncated(index, offset, "block header needs " + std::to_string(header) +
                                        " bytes, only " + std::to_string(std::min<uint64_t>(available, remaining)) +
                                        " present");
  }
  const size_t block_len_at = 4 + tag_size;
  const int64_t block_len = LoadI32(data + block_len_at);
  const int64_t iv_len = LoadI32(data + block_len_at + 4);
  const int64_t cipher_len = LoadI32(data + block_len_at + 8 + kIvSize);
  const size_t cap = format == Format::kLegacy ? kLegacyMaxCipherLen : kMaxCipherLen;

  if (iv_len != static_cast<int64_t>(kIvSize)) {
    Status s = Malformed(index, offset, "iv_len field is " + std::to_string(iv_len) + ", must be 16");
    if (tag_size > 0 && format == Format::kCurrent && LoadI32(data + 8) == 16) s.WithHint(kHintLegacyFormat);
    return s;
  }
  if (cipher_len <= 0) {
    return Malformed(index, offset, "cipher_len field is " + std::to_string(cipher_len) + ", must be positive");
  }
  if (static_cast<uint64_t>(cipher_len) > cap) {
    return Malformed(index, offset, "cipher_len field is " + std::to_string(cipher_len) +
                                        ", above the " + std::to_string(cap) + "-byte block cap");
  }
  if (whole_blocks && cipher_len % static_cast<int64_t>(kCipherBlockSize) != 0) {
    return Malformed(index, offset, "cipher_len field is " + std::to_string(cipher_len) +
                                        ", not a multiple of the 16-byte cipher block");
  }
  // All three are bounded int32 values here, so the sum cannot overflow int64.
  if (block_len != 8 + iv_len + cipher_len) {
    return Malformed(index, offset, "block_len field is " + std::to_string(block_len) + ", expected " +
                                        std::to_string(8 + iv_len + cipher_len) +
                                        " (8 + iv_len + cipher_len)");
  }
  const uint64_t total = header + static_cast<uint64_t>(cipher_len);
  if (remaining < total) {
    return Truncated(index, offset, "block needs " + std::to_string(total) + " bytes, only " +
                                        std::to_string(remaining) + " remain");
  }
  frame->header_size = header;
  frame->cipher_len = static_cast<size_t>(cipher_len);
  frame->iv_offset = block_len_at + 8;
  frame->tag_offset.reset();
  if (tag_size > 0) frame->tag_offset = 4;
  return Status::Ok();
}

}  // namespace

std::optional<Mode> ModeOfMagic(uint32_t magic) {
  const ModeSpec* spec = FindModeByMagic(magic);
  if (spec == nullptr) return std::nullopt;
  return spec->mode;
}

size_t HeaderSize(Mode mode, Format format) {
  return format == Format::kCurrent ? Spec(mode).header_size() : kLegacyHeaderSize;
}

// Framing of a block of `mode` in `format`: the tag bytes in its header and whether its
// ciphertext is whole cipher blocks. Legacy headers have no tag; legacy GCM is a CTR keystream.
size_t TagSizeIn(Mode mode, Format format) { return format == Format::kCurrent ? Spec(mode).tag_size : 0; }
bool WholeBlocks(Mode mode, Format format) {
  return format == Format::kCurrent ? Spec(mode).padded : Spec(mode).legacy_padded;
}

Status ParseBlockFrame(const uint8_t* data, size_t available, uint64_t remaining, Mode mode,
                       Format format, uint64_t index, uint64_t offset, BlockFrame* frame) {
  if (available < kMagicSize || remaining < kMagicSize) {
    return Truncated(index, offset, "block magic needs 4 bytes");
  }
  MSCRYPT_RETURN_IF_ERROR(
      CheckMagic(LoadLe32(data), mode, format, index, offset, LooksLegacy(data, available)));
  return ParseFields(data, available, remaining, TagSizeIn(mode, format), WholeBlocks(mode, format),
                     format, index, offset, frame);
}

Status ParseAnyBlockFrame(const uint8_t* data, size_t available, uint64_t remaining,
                          Format format, uint64_t index, uint64_t offset, BlockFrame* frame,
                          std::optional<Mode>* mode) {
  if (available < kMagicSize || remaining < kMagicSize) {
    return Truncated(index, offset, "block magic needs 4 bytes");
  }
  const uint32_t magic = LoadLe32(data);
  if (format == Format::kLegacy) {
    MSCRYPT_RETURN_IF_ERROR(CheckMagic(magic, Mode::kAesGcm, format, index, offset, false));
    mode->reset();
    // The mode is unknown (one magic for all), so no padding rule can be applied here.
    return ParseFields(data, available, remaining, /*tag_size=*/0, /*whole_blocks=*/false,
                       format, index, offset, frame);
  }
  std::optional<Mode> found = ModeOfMagic(magic);
  Mode expected = index == 0 || !mode->has_value() ? found.value_or(Mode::kAesGcm) : **mode;
  MSCRYPT_RETURN_IF_ERROR(CheckMagic(magic, expected, format, index, offset, false));
  *mode = expected;
  return ParseFields(data, available, remaining, TagSizeIn(expected, format), WholeBlocks(expected, format),
                     format, index, offset, frame);
}

uint64_t CipherLenFor(Mode mode, uint64_t plaintext_len) {
  if (!Spec(mode).padded) return plaintext_len;
  return (plaintext_len / kCipherBlockSize + 1) * kCipherBlockSize;
}

uint64_t EncodedBlockSize(Mode mode, uint64_t plaintext_len) {
  return HeaderSize(mode, Format::kCurrent) + CipherLenFor(mode, plaintext_len);
}

void WriteBlockHeader(Mode mode, const uint8_t iv[kIvSize], size_t cipher_len, uint8_t* out) {
  const ModeSpec& spec = Spec(mode);
  StoreLe32(out, spec.magic);
  uint8_t* p = out + spec.block_len_offset();  // any tag is filled in after sealing
  StoreLe32(p, static_cast<uint32_t>(8 + kIvSize + cipher_len));
  StoreLe32(p + 4, static_cast<uint32_t>(kIvSize));
  std::memcpy(p + 8, iv, kIvSize);
  StoreLe32(p + 8 + kIvSize, static_cast<uint32_t>(cipher_len));
}

}  // namespace mscrypt::internal
