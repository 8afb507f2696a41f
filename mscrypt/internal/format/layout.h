// Block framing of the MindSpore container: constants, header parsing and encoding.
// Pure bytes, no OpenSSL, so it is deterministic and fuzzable on its own.
// Spec: docs/format.md §2 (current layout), docs/format.md §3 (legacy layout), docs/format.md §4 (reader rules).
#ifndef MSCRYPT_INTERNAL_FORMAT_LAYOUT_H_
#define MSCRYPT_INTERNAL_FORMAT_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "mscrypt/mode.h"

namespace mscrypt::internal {

// Every legacy block carries the magic that AES-GCM has in the current format (docs/format.md §3).
inline constexpr uint32_t kLegacyMagic = 0x7F3A5ED8;

inline constexpr size_t kMagicSize = 4;
inline constexpr size_t kIvSize = 16;         // stored IV; GCM uses only the first 12 bytes
inline constexpr size_t kGcmNonceSize = 12;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kCipherBlockSize = 16;  // AES and SM4
inline constexpr size_t kLegacyHeaderSize = 32;  // magic, block_len, iv_len, iv, cipher_len
inline constexpr size_t kLegacyIvOffset = 12;
inline constexpr size_t kMaxHeaderSize = 48;     // the largest header_size() of any mode

inline constexpr size_t kLegacyMaxBlockPlaintextSize = size_t{512} << 20;
// Reader caps on cipher_len (docs/format.md §4): MindSpore decrypts into 64 MiB + 50 byte buffers, so nothing it
// writes or reads is larger; a larger field is refused before anything is allocated or read.
inline constexpr size_t kMaxCipherLen = kMaxBlockPlaintextSize + 50;
inline constexpr size_t kLegacyMaxCipherLen = kLegacyMaxBlockPlaintextSize + kCipherBlockSize;

// BlockFrame: the parsed header of one block. Offsets are relative to the block's first byte.
struct BlockFrame {
  size_t header_size = 0;
  size_t cipher_len = 0;
  size_t iv_offset = 0;
  std::optional<size_t> tag_offset;  // current-format GCM only
  size_t total_size() const { return header_size + cipher_len; }
};

// Spec: SpecOf(mode) for a mode the caller has validated.
inline const ModeSpec& Spec(Mode mode) { return *SpecOf(mode); }
std::optional<Mode> ModeOfMagic(uint32_t magic);
inline uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
inline void StoreLe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

// HeaderSize: bytes of header for blocks of `mode` in `format`.
size_t HeaderSize(Mode mode, Format format);

// ParseBlockFrame parses the header at `data[0..available)`, the start of block `index` at
// container offset `offset`. `remaining` is how many container bytes exist from this block on
// (used to report truncation before the body is read). Checks, in order: magic, header present,
// iv_len == 16, cipher_len within (0, cap], CBC cipher_len a multiple of 16,
// block_len == 8 + iv_len + cipher_len, and that the whole block fits in `remaining`.
// For legacy files `mode` selects nothing in the bytes (one magic) but is still validated.
Status ParseBlockFrame(const uint8_t* data, size_t available, uint64_t remaining, Mode mode,
                       Format format, uint64_t index, uint64_t offset, BlockFrame* frame);

// ParseAnyBlockFrame: like ParseBlockFrame but takes the mode from the magic (for inspection).
// For a legacy file the returned mode is nullopt.
Status ParseAnyBlockFrame(const uint8_t* data, size_t available, uint64_t remaining,
                          Format format, uint64_t index, uint64_t offset, BlockFrame* frame,
                          std::optional<Mode>* mode);

// CipherLenFor: ciphertext length of a `plaintext_len`-byte block (PKCS#7 adds 1-16 for CBC).
uint64_t CipherLenFor(Mode mode, uint64_t plaintext_len);
// EncodedBlockSize: header + ciphertext for one current-format block.
uint64_t EncodedBlockSize(Mode mode, uint64_t plaintext_len);

// WriteBlockHeader writes the current-format header for a block of `cipher_len` bytes into
// `out` (HeaderSize(mode) bytes). The tag field, if any, is left for the caller (tag_offset()).
void WriteBlockHeader(Mode mode, const uint8_t iv[kIvSize], size_t cipher_len, uint8_t* out);

}  // namespace mscrypt::internal

#endif  // MSCRYPT_INTERNAL_FORMAT_LAYOUT_H_
