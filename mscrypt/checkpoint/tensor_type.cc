// Tensor type names (docs/payloads.md §2.1) and small wire helpers shared by reader and writer.
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "checkpoint/wire.h"
#include "mscrypt/checkpoint.h"

namespace mscrypt {
namespace {

struct TypeInfo {
  TensorType type;
  const char* name;         // what MindSpore 2.x writes
  const char* legacy_name;  // MindSpore 1.3 spelling, or nullptr
  const char* numpy_name;   // str(numpy dtype), used inside MapTensor entries, or nullptr
  size_t element_size;
};

constexpr TypeInfo kTypes[] = {
    {TensorType::kInt8, "Int8", nullptr, "int8", 1},
    {TensorType::kUInt8, "UInt8", "Uint8", "uint8", 1},
    {TensorType::kInt16, "Int16", nullptr, "int16", 2},
    {TensorType::kUInt16, "UInt16", "Uint16", "uint16", 2},
    {TensorType::kInt32, "Int32", nullptr, "int32", 4},
    {TensorType::kUInt32, "UInt32", "Uint32", "uint32", 4},
    {TensorType::kInt64, "Int64", nullptr, "int64", 8},
    {TensorType::kUInt64, "UInt64", "Uint64", "uint64", 8},
    {TensorType::kFloat16, "Float16", nullptr, "float16", 2},
    {TensorType::kFloat32, "Float32", nullptr, "float32", 4},
    {TensorType::kFloat64, "Float64", nullptr, "float64", 8},
    {TensorType::kBool, "Bool", nullptr, "bool", 1},
    {TensorType::kString, "str", nullptr, nullptr, 4},
    {TensorType::kBFloat16, "BFloat16", nullptr, "bfloat16", 2},
    {TensorType::kInt4, "Int4", nullptr, nullptr, 1},
};

const TypeInfo* Find(TensorType type) {
  for (const TypeInfo& t : kTypes) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

}  // namespace

const char* TensorTypeName(TensorType type) {
  const TypeInfo* t = Find(type);
  return t != nullptr ? t->name : "unknown";
}

std::optional<TensorType> ParseTensorType(std::string_view name, bool allow_numpy_names) {
  for (const TypeInfo& t : kTypes) {
    if (name == t.name) return t.type;
    if (t.legacy_name != nullptr && name == t.legacy_name) return t.type;
    if (allow_numpy_names && t.numpy_name != nullptr && name == t.numpy_name) return t.type;
  }
  return std::nullopt;
}

size_t TensorTypeElementSize(TensorType type) {
  const TypeInfo* t = Find(type);
  return t != nullptr ? t->element_size : 0;
}

uint32_t CheckpointCrc32(ByteView data, uint32_t crc) {
  // crc32_z takes a size_t length, so multi-GiB payloads need no chunking.
  // zlib returns the initial value (0) for a null buffer, which would reset a chained CRC.
  if (data.size == 0) return crc;
  return static_cast<uint32_t>(crc32_z(crc, data.data, data.size));
}

namespace internal::wire {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string Printable(std::string_view s) {
  constexpr size_t kMax = 64;
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    out.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  }
  if (s.size() > kMax) out += "...";
  return out;
}

}  // namespace internal::wire
}  // namespace mscrypt
