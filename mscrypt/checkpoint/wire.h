// Protobuf wire-format primitives for the checkpoint codec: bounded varint decoding and encoding.
// Pure bytes; every read is checked against an explicit end offset.
#ifndef MSCRYPT_CHECKPOINT_WIRE_H_
#define MSCRYPT_CHECKPOINT_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mscrypt::internal::wire {

// Wire types (protobuf encoding spec). 3 and 4 (groups) are refused by the reader.
inline constexpr uint32_t kVarint = 0;
inline constexpr uint32_t kFixed64 = 1;
inline constexpr uint32_t kLengthDelimited = 2;
inline constexpr uint32_t kStartGroup = 3;
inline constexpr uint32_t kEndGroup = 4;
inline constexpr uint32_t kFixed32 = 5;

inline constexpr size_t kMaxVarintSize = 10;

// DecodeVarint reads a varint at data[*pos] without reading at or past `end`. Returns false if the
// varint is truncated, longer than 10 bytes, or overflows 64 bits (10th byte > 1). On success
// advances *pos.
inline bool DecodeVarint(const uint8_t* data, uint64_t end, uint64_t* pos, uint64_t* value) {
  uint64_t result = 0;
  uint64_t p = *pos;
  for (size_t i = 0; i < kMaxVarintSize; ++i) {
    if (p >= end) return false;
    const uint8_t byte = data[p++];
    if (i == kMaxVarintSize - 1 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      *pos = p;
      *value = result;
      return true;
    }
  }
  return false;
}

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline void AppendTag(uint32_t field, uint32_t wire_type, std::string* out) {
  AppendVarint((static_cast<uint64_t>(field) << 3) | wire_type, out);
}

// IsValidUtf8: strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Printable: `s` cut to 64 bytes with bytes outside printable ASCII replaced by '?', for error
// messages that name a parameter or a type string read from a file.
std::string Printable(std::string_view s);

}  // namespace mscrypt::internal::wire

#endif  // MSCRYPT_CHECKPOINT_WIRE_H_
