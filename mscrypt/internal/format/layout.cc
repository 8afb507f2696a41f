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
  Status s(StatusCode::kTruncated,
           Where(index, offset) + ": " + what + "; the file is truncated (incomplete copy or download?)");
  s.WithPosition(static_cast<int64_t>(index), static_cast<int64_t>(offset));
  return s;
}

// Signed LE int32 fields (docs/format.md §2.1): negative values are as invalid as huge ones.
int64_t LoadI32(const uint8_t* p) { return static_cast<int32_t>(LoadLe32(p)); }

// LooksLegacy: the §3.3 heuristic for a D8 block: iv_len (16) where a current GCM block has tag
// bytes. Used only to word error messages, never to switch formats.
bool LooksLegacy(const uint8_t* data, size_t available) {
  return available >= 12 && LoadLe32(data) == kMagicAesGcm && LoadLe32(data + 8) == 16;
}

Status CheckMagic(uint32_t magic, Mode mode, Format format, uint64_t index, uint64_t offset,
                  bool looks_legacy) {
  const uint32_t expected = format == Format::kLegacy ? kMagicAesGcm : MagicOf(mode);
  if (magic == expected) return Status::Ok();
  std::optional<Mode> found = ModeOfMagic(magic);
  if (!found) {
    if (index == 0) {
      return Status(StatusCode::kNotEncrypted,
                    "not an encrypted MindSpore file (no known block magic at byte 0); if it is a "
                    "plain file, load it without a key");
    }
    return Malformed(index, offset, "no block magic where a block must start (trailing garbage?)");
  }
  std::string msg;
  if (format == Format::kLegacy) {
    msg = std::string("magic of a current-format ") + ModeName(*found) +
          " block in a legacy (MindSpore 1.3-1.6) read; read it with the current format";
  } else {
    msg = std::string("the data is encrypted with ") + ModeName(*found) + ", not " +
          ModeName(mode) + "; pass mode \"" + ModeName(*found) + "\"";
    if (looks_legacy) {
      msg += ", or, if it was written by MindSpore 1.3-1.6, read it with the legacy format and "
             "mode \"" + std::string(ModeName(mode)) + "\"";
    }
  }
  if (index == 0) return Status(StatusCode::kWrongMode, msg);
  return Malformed(index, offset, "mixed modes in one container: " + msg);
}

Status ParseFields(const uint8_t* data, size_t available, uint64_t remaining, bool gcm_layout,
                   bool cbc_cipher, Format format, uint64_t index, uint64_t offset,
                   BlockFrame* frame) {
  const size_t header = gcm_layout ? kGcmHeaderSize : kCbcHeaderSize;
  if (available < header || remaining < header) {
    return Truncated(index, offset, "block header needs " + std::to_string(header) +
                                        " bytes, only " + std::to_string(std::min<uint64_t>(available, remaining)) +
                                        " present");
  }
  const size_t block_len_at = gcm_layout ? 20 : 4;
  const int64_t block_len = LoadI32(data + block_len_at);
  const int64_t iv_len = LoadI32(data + block_len_at + 4);
  const int64_t cipher_len = LoadI32(data + block_len_at + 8 + kIvSize);
  const size_t cap = format == Format::kLegacy ? kLegacyMaxCipherLen : kMaxCipherLen;

  if (iv_len != static_cast<int64_t>(kIvSize)) {
    std::string hint;
    if (gcm_layout && format == Format::kCurrent && LoadI32(data + 8) == 16) {
      hint = "; this looks like a legacy (MindSpore 1.3-1.6) file: read it with the legacy format";
    }
    return Malformed(index, offset, "iv_len field is " + std::to_string(iv_len) + ", must be 16" + hint);
  }
  if (cipher_len <= 0) {
    return Malformed(index, offset, "cipher_len field is " + std::to_string(cipher_len) + ", must be positive");
  }
  if (static_cast<uint64_t>(cipher_len) > cap) {
    return Malformed(index, offset, "cipher_len field is " + std::to_string(cipher_len) +
                                        ", above the " + std::to_string(cap) + "-byte block cap");
  }
  if (cbc_cipher && cipher_len % static_cast<int64_t>(kCipherBlockSize) != 0) {
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
  if (gcm_layout) frame->tag_offset = kGcmTagOffset;
  return Status::Ok();
}

}  // namespace

bool IsCbcMode(Mode mode) { return mode == Mode::kAesCbc || mode == Mode::kSm4Cbc; }

uint32_t MagicOf(Mode mode) {
  switch (mode) {
    case Mode::kAesGcm: return kMagicAesGcm;
    case Mode::kAesCbc: return kMagicAesCbc;
    case Mode::kSm4Cbc: return kMagicSm4Cbc;
  }
  return 0;
}

std::optional<Mode> ModeOfMagic(uint32_t magic) {
  switch (magic) {
    case kMagicAesGcm: return Mode::kAesGcm;
    case kMagicAesCbc: return Mode::kAesCbc;
    case kMagicSm4Cbc: return Mode::kSm4Cbc;
    default: return std::nullopt;
  }
}

size_t HeaderSize(Mode mode, Format format) {
  return (format == Format::kCurrent && mode == Mode::kAesGcm) ? kGcmHeaderSize : kCbcHeaderSize;
}

Status ParseBlockFrame(const uint8_t* data, size_t available, uint64_t remaining, Mode mode,
                       Format format, uint64_t index, uint64_t offset, BlockFrame* frame) {
  if (available < kMagicSize || remaining < kMagicSize) {
    return Truncated(index, offset, "block magic needs 4 bytes");
  }
  MSCRYPT_RETURN_IF_ERROR(
      CheckMagic(LoadLe32(data), mode, format, index, offset, LooksLegacy(data, available)));
  const bool gcm_layout = format == Format::kCurrent && mode == Mode::kAesGcm;
  // Legacy GCM is a CTR keystream: no length constraint. Every CBC ciphertext is whole blocks.
  return ParseFields(data, available, remaining, gcm_layout, IsCbcMode(mode), format, index, offset,
                     frame);
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
    return ParseFields(data, available, remaining, /*gcm_layout=*/false, /*cbc_cipher=*/false,
                       format, index, offset, frame);
  }
  std::optional<Mode> found = ModeOfMagic(magic);
  Mode expected = index == 0 || !mode->has_value() ? found.value_or(Mode::kAesGcm) : **mode;
  MSCRYPT_RETURN_IF_ERROR(CheckMagic(magic, expected, format, index, offset, false));
  *mode = expected;
  return ParseFields(data, available, remaining, expected == Mode::kAesGcm, IsCbcMode(expected),
                     format, index, offset, frame);
}

uint64_t CipherLenFor(Mode mode, uint64_t plaintext_len) {
  if (!IsCbcMode(mode)) return plaintext_len;
  return (plaintext_len / kCipherBlockSize + 1) * kCipherBlockSize;
}

uint64_t EncodedBlockSize(Mode mode, uint64_t plaintext_len) {
  return HeaderSize(mode, Format::kCurrent) + CipherLenFor(mode, plaintext_len);
}

void WriteBlockHeader(Mode mode, const uint8_t iv[kIvSize], size_t cipher_len, uint8_t* out) {
  StoreLe32(out, MagicOf(mode));
  uint8_t* p = out + kMagicSize;
  if (mode == Mode::kAesGcm) p += kTagSize;  // tag filled in after sealing
  StoreLe32(p, static_cast<uint32_t>(8 + kIvSize + cipher_len));
  StoreLe32(p + 4, static_cast<uint32_t>(kIvSize));
  std::memcpy(p + 8, iv, kIvSize);
  StoreLe32(p + 8 + kIvSize, static_cast<uint32_t>(cipher_len));
}

}  // namespace mscrypt::internal
