// Checkpoint reader: a strict protobuf wire parser for the checkpoint schema (
// docs/payloads.md §2.1), slice joining (docs/payloads.md §2.3) and the crc_num trailer (docs/payloads.md §2.4).
//
// The nesting is fixed (Checkpoint > Value > TensorProto | MapTensorProto > TensorProto), so each
// level is its own loop and nothing recurses; unknown fields are skipped by their wire type
// without descending into them. Offsets are absolute positions in the plaintext and every
// length is checked against the end of its enclosing message before it is used.
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checkpoint/wire.h"
#include "mscrypt/checkpoint.h"
#include "mscrypt/payload.h"

namespace mscrypt {
namespace {

using internal::wire::DecodeVarint;

Status Malformed(uint64_t offset, const std::string& what) {
  return Status(StatusCode::kMalformed, "checkpoint byte " + std::to_string(offset) + ": " + what);
}

// Cursor: a read position inside [pos, end) of the plaintext.
struct Cursor {
  const uint8_t* data;
  uint64_t pos;
  uint64_t end;

  bool done() const { return pos >= end; }

  Status Varint(uint64_t* v, const char* what) {
    const uint64_t at = pos;
    if (!DecodeVarint(data, end, &pos, v)) {
      return Malformed(at, std::string("bad varint (") + what + "): truncated, over 10 bytes or over 64 bits");
    }
    return Status::Ok();
  }

  // Tag reads a field key; field numbers are 1 .. 2^29-1.
  Status Tag(uint32_t* field, uint32_t* wire_type) {
    const uint64_t at = pos;
    uint64_t key = 0;
    MSCRYPT_RETURN_IF_ERROR(Varint(&key, "field key"));
    if (key > 0xFFFFFFFFu || (key >> 3) == 0) return Malformed(at, "invalid field key " + std::to_string(key));
    *field = static_cast<uint32_t>(key >> 3);
    *wire_type = static_cast<uint32_t>(key & 7);
    return Status::Ok();
  }

  // Length reads a length prefix and checks that many bytes remain in this message.
  Status Length(uint64_t* len, const char* what) {
    const uint64_t at = pos;
    MSCRYPT_RETURN_IF_ERROR(Varint(len, what));
    if (*len > end - pos) {
      return Malformed(at, std::string("length ") + std::to_string(*len) + " of " + what + " exceeds the " +
                               std::to_string(end - pos) + " bytes left in its message");
    }
    return Status::Ok();
  }

  // Skip passes over one unknown field's value.
  Status Skip(uint32_t wire_type, uint64_t key_offset) {
    uint64_t n = 0;
    switch (wire_type) {
      case internal::wire::kVarint:
        return Varint(&n, "unknown field");
      case internal::wire::kFixed64:
        n = 8;
        break;
      case internal::wire::kFixed32:
        n = 4;
        break;
      case internal::wire::kLengthDelimited:
        MSCRYPT_RETURN_IF_ERROR(Length(&n, "unknown field"));
        break;
      default:
        return Malformed(key_offset, "wire type " + std::to_string(wire_type) +
                                         " (groups or invalid) is not accepted in a checkpoint");
    }
    if (n > end - pos) return Malformed(key_offset, "unknown field runs past the end of its message");
    pos += n;
    return Status::Ok();
  }

  Cursor Sub(uint64_t len) const { return Cursor{data, pos, pos + len}; }
};

Status WrongWireType(uint64_t at, const char* field, uint32_t got) {
  return Malformed(at, std::string("field ") + field + " has wire type " + std::to_string(got));
}

// RawTensor: one TensorProto as found in one message.
struct RawTensor {
  std::vector<int64_t> dims;
  std::string_view type_name;
  ByteRange content;
  uint64_t offset = 0;
};

Status AppendDim(uint64_t at, uint64_t v, std::vector<int64_t>* dims) {
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Malformed(at, "negative dimension");
  }
  if (dims->size() >= kCheckpointMaxDims) {
    return Malformed(at, "more than " + std::to_string(kCheckpointMaxDims) + " dimensions");
  }
  dims->push_back(static_cast<int64_t>(v));
  return Status::Ok();
}

Status ParseTensor(Cursor c, RawTensor* t) {
  t->offset = c.pos;
  bool has_type = false;
  bool has_content = false;
  while (!c.done()) {
    const uint64_t at = c.pos;
    uint32_t field = 0;
    uint32_t wt = 0;
    MSCRYPT_RETURN_IF_ERROR(c.Tag(&field, &wt));
    if (field == 1) {  // dims: unpacked varints or one packed run
      if (wt == internal::wire::kVarint) {
        uint64_t v = 0;
        MSCRYPT_RETURN_IF_ERROR(c.Varint(&v, "dims"));
        MSCRYPT_RETURN_IF_ERROR(AppendDim(at, v, &t->dims));
      } else if (wt == internal::wire::kLengthDelimited) {
        uint64_t len = 0;
        MSCRYPT_RETURN_IF_ERROR(c.Length(&len, "packed dims"));
        Cursor packed = c.Sub(len);
        while (!packed.done()) {
          uint64_t v = 0;
          MSCRYPT_RETURN_IF_ERROR(packed.Varint(&v, "packed dims"));
          MSCRYPT_RETURN_IF_ERROR(AppendDim(at, v, &t->dims));
        }
        c.pos = packed.end;
      } else {
        return WrongWireType(at, "TensorProto.dims", wt);
      }
    } else if (field == 2 || field == 3) {
      if (wt != internal::wire::kLengthDelimited) {
        return WrongWireType(at, field == 2 ? "TensorProto.tensor_type" : "TensorProto.tensor_content", wt);
      }
      if (field == 2 ? has_type : has_content) {
        return Malformed(at, field == 2 ? "tensor_type appears twice" : "tensor_content appears twice");
      }
      uint64_t len = 0;
      MSCRYPT_RETURN_IF_ERROR(c.Length(&len, field == 2 ? "tensor_type" : "tensor_content"));
      if (field == 2) {
        t->type_name = std::string_view(reinterpret_cast<const char*>(c.data + c.pos), static_cast<size_t>(len));
        has_type = true;
      } else {
        t->content = ByteRange{c.pos, len};
        has_content = true;
      }
      c.pos += len;
    } else {
      MSCRYPT_RETURN_IF_ERROR(c.Skip(wt, at));
    }
  }
  if (!has_type) return Malformed(t->offset, "TensorProto without the required tensor_type");
  if (!has_content) return Malformed(t->offset, "TensorProto without the required tensor_content");
  return Status::Ok();
}

// RawValue: one Checkpoint.Value.
struct RawValue {
  std::string_view tag;
  CheckpointEntryKind kind = CheckpointEntryKind::kTensor;
  RawTensor tensor;
  std::vector<RawTensor> map;
  uint64_t offset = 0;
};

Status ParseMapTensor(Cursor c, std::vector<RawTensor>* out) {
  while (!c.done()) {
    const uint64_t at = c.pos;
    uint32_t field = 0;
    uint32_t wt = 0;
    MSCRYPT_RETURN_IF_ERROR(c.Tag(&field, &wt));
    if (field == 1) {
      if (wt != internal::wire::kLengthDelimited) return WrongWireType(at, "MapTensorProto.tensor", wt);
      uint64_t len = 0;
      MSCRYPT_RETURN_IF_ERROR(c.Length(&len, "MapTensorProto.tensor"));
      out->emplace_back();
      MSCRYPT_RETURN_IF_ERROR(ParseTensor(c.Sub(len), &out->back()));
      c.pos += len;
    } else {
      MSCRYPT_RETURN_IF_ERROR(c.Skip(wt, at));
    }
  }
  return Status::Ok();
}

Status ParseValue(Cursor c, RawValue* v) {
  v->offset = c.pos;
  bool has_tag = false;
  bool has_value = false;
  while (!c.done()) {
    const uint64_t at = c.pos;
    uint32_t field = 0;
    uint32_t wt = 0;
    MSCRYPT_RETURN_IF_ERROR(c.Tag(&field, &wt));
    if (field >= 1 && field <= 3) {
      if (wt != internal::wire::kLengthDelimited) {
        return WrongWireType(at, field == 1 ? "Value.tag" : field == 2 ? "Value.tensor" : "Value.maptensor", wt);
      }
      uint64_t len = 0;
      MSCRYPT_RETURN_IF_ERROR(c.Length(&len, field == 1 ? "tag" : field == 2 ? "tensor" : "maptensor"));
      if (field == 1) {
        if (has_tag) return Malformed(at, "Value.tag appears twice");
        v->tag = std::string_view(reinterpret_cast<const char*>(c.data + c.pos), static_cast<size_t>(len));
        if (!internal::wire::IsValidUtf8(v->tag)) return Malformed(c.pos, "parameter name is not valid UTF-8");
        has_tag = true;
      } else {
        // The oneof may legally be set twice in protobuf (last wins); a checkpoint writer never
        // does that, and merging semantics would be surprising, so it is refused.
        if (has_value) return Malformed(at, "Value carries more than one tensor/maptensor");
        has_value = true;
        if (field == 2) {
          v->kind = CheckpointEntryKind::kTensor;
          MSCRYPT_RETURN_IF_ERROR(ParseTensor(c.Sub(len), &v->tensor));
        } else {
          v->kind = CheckpointEntryKind::kMapTensor;
          MSCRYPT_RETURN_IF_ERROR(ParseMapTensor(c.Sub(len), &v->map));
        }
      }
      c.pos += len;
    } else {
      MSCRYPT_RETURN_IF_ERROR(c.Skip(wt, at));
    }
  }
  if (!has_tag) return Malformed(v->offset, "Value without the required tag (parameter name)");
  if (!has_value) {
    return Malformed(v->offset, "the parameter has neither a tensor nor a maptensor");
  }
  return Status::Ok();
}

std::string DimsString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s += ",";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

Status StartTensor(const RawTensor& raw, const std::string& label, bool map, CheckpointTensor* t) {
  const std::optional<TensorType> type = ParseTensorType(raw.type_name, map);
  if (!type) {
    return Status(StatusCode::kUnsupported, "checkpoint byte " + std::to_string(raw.offset) + ": " + label +
                                                " has a tensor_type mscrypt does not know (" +
                                                std::to_string(raw.type_name.size()) + " bytes; not shown)");
  }
  t->type = *type;
  t->type_name = std::string(raw.type_name);
  t->dims = raw.dims;
  t->slices.clear();
  t->size_in_bytes = 0;
  return Status::Ok();
}

Status AddSlice(const RawTensor& raw, const std::string& label, bool map, CheckpointTensor* t) {
  if (!t->slices.empty()) {
    if (raw.type_name != t->type_name) {
      return Malformed(raw.offset, "slices of " + label + " disagree on tensor_type");
    }
    if (map) {
      // MapTensor slices are joined along axis 0 (MindSpore _load_map_parameter).
      if (raw.dims.empty() || t->dims.empty() || raw.dims.size() != t->dims.size() ||
          !std::equal(raw.dims.begin() + 1, raw.dims.end(), t->dims.begin() + 1)) {
        return Malformed(raw.offset, "map slices of " + label + " have incompatible dims");
      }
      if (t->dims[0] > std::numeric_limits<int64_t>::max() - raw.dims[0]) {
        return Malformed(raw.offset, "joined map dims overflow");
      }
      t->dims[0] += raw.dims[0];
    } else if (raw.dims != t->dims) {
      return Malformed(raw.offset, "slices of " + label + " disagree on dims (" +
                                       DimsString(t->dims) + " vs " + DimsString(raw.dims) + ")");
    }
  }
  t->slices.push_back(raw.content);
  t->size_in_bytes += raw.content.size;  // bounded by the plaintext size: cannot overflow
  return Status::Ok();
}

// FinishTensor checks the joined size against dims and sets the shape.
Status FinishTensor(const std::string& label, uint64_t offset, CheckpointTensor* t) {
  const uint64_t esize = TensorTypeElementSize(t->type);
  if (t->type == TensorType::kString) {
    if (t->size_in_bytes % 4 != 0) {
      return Malformed(offset, "string " + label + " has " + std::to_string(t->size_in_bytes) +
                                   " bytes, not a multiple of 4 (UTF-32)");
    }
    t->shape.clear();
    return Status::Ok();
  }
  uint64_t count = 1;
  bool overflow = false;
  // numpy refuses a shape whose non-zero dimensions times the element size pass 2^63 - 1, even
  // when another dimension is 0, so such a shape is malformed here rather than later.
  uint64_t nonzero = 1;
  bool too_big = false;
  for (int64_t d : t->dims) {
    const uint64_t u = static_cast<uint64_t>(d);
    if (u != 0 && count > std::numeric_limits<uint64_t>::max() / u) overflow = true;
    count *= u;
    if (u != 0 && nonzero > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / u) too_big = true;
    if (u != 0) nonzero *= u;
  }
  if (too_big || nonzero > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / esize) {
    return Malformed(offset, label + ": dims " + DimsString(t->dims) + " describe an array of more than 2^63 bytes");
  }
  if (!overflow && count > std::numeric_limits<uint64_t>::max() / esize) overflow = true;
  const uint64_t expected = overflow ? 0 : count * esize;
  if (!overflow && expected == t->size_in_bytes) {
    t->shape = t->dims;
    return Status::Ok();
  }
  if (t->dims.size() == 1 && t->dims[0] == 0 && t->size_in_bytes == esize) {
    t->shape.clear();  // MindSpore 1.3 wrote scalars with dims [0]
    return Status::Ok();
  }
  return Malformed(offset, label + ": tensor_content has " +
                               std::to_string(t->size_in_bytes) + " bytes but dims " + DimsString(t->dims) + " of " +
                               t->type_name + " need " + (overflow ? std::string("more than 2^64") : std::to_string(expected)) +
                               " (a slice may be missing or duplicated)");
}

// Label: how messages name entry `index` of the checkpoint. Never its name: names come from the
// (decrypted) file, and messages carry no plaintext.
std::string Label(size_t index) { return "parameter #" + std::to_string(index); }

Status FinishEntry(size_t index, CheckpointEntry* e) {
  const std::string label = Label(index);
  if (e->kind == CheckpointEntryKind::kTensor) return FinishTensor(label, e->message_offset, &e->tensor);
  for (CheckpointTensor& t : e->map_tensors) MSCRYPT_RETURN_IF_ERROR(FinishTensor(label, e->message_offset, &t));
  return Status::Ok();
}

// StartOrJoin starts a new entry from `v` or appends it as a slice to `e`.
Status AddToEntry(size_t index, const RawValue& v, bool join, CheckpointEntry* e) {
  const std::string label = Label(index);
  const bool map = v.kind == CheckpointEntryKind::kMapTensor;
  if (!join) {
    e->name = std::string(v.tag);
    e->kind = v.kind;
    e->message_count = 0;
    if (map) {
      e->map_tensors.assign(v.map.size(), CheckpointTensor());
      for (size_t i = 0; i < v.map.size(); ++i) MSCRYPT_RETURN_IF_ERROR(StartTensor(v.map[i], label, true, &e->map_tensors[i]));
    } else {
      MSCRYPT_RETURN_IF_ERROR(StartTensor(v.tensor, label, false, &e->tensor));
    }
  } else {
    if (v.kind != e->kind) {
      return Malformed(v.offset, "slices of " + label + " mix tensor and maptensor");
    }
    if (map && v.map.size() != e->map_tensors.size()) {
      return Malformed(v.offset, "map slices of " + label + " have different tensor counts");
    }
  }
  e->message_count++;
  if (map) {
    for (size_t i = 0; i < v.map.size(); ++i) MSCRYPT_RETURN_IF_ERROR(AddSlice(v.map[i], label, true, &e->map_tensors[i]));
    return Status::Ok();
  }
  return AddSlice(v.tensor, label, false, &e->tensor);
}

}  // namespace

StatusOr<CheckpointIndex> ParseCheckpoint(ByteView plaintext, const CheckpointParseOptions& options) {
  CheckpointIndex index;
  uint64_t size = plaintext.size;
  static constexpr char kCrcMagic[] = "crc_num";
  if (size >= kCheckpointCrcTrailerSize &&
      std::memcmp(plaintext.data + size - kCheckpointCrcTrailerSize, kCrcMagic, 7) == 0) {
    const uint8_t* crc = plaintext.data + size - 10;
    uint64_t stored = 0;
    bool too_big = false;
    for (int i = 0; i < 10; ++i) {
      if (stored >> 56) too_big = true;
      stored = (stored << 8) | crc[i];
    }
    size -= kCheckpointCrcTrailerSize;
    index.has_crc_trailer = true;
    index.stored_crc = stored;
    if (options.crc_check) {
      const uint32_t actual = CheckpointCrc32(ByteView(plaintext.data, static_cast<size_t>(size)));
      if (too_big || stored != actual) {
        return Status(StatusCode::kMalformed, "crc check failed: the crc_num trailer does not match the CRC-32 of the "
                                              "checkpoint (the file is damaged or was modified)");
      }
      index.crc_verified = true;
    }
  }
  index.payload_size = size;

  Cursor c{plaintext.data, 0, size};
  CheckpointEntry current;
  bool have_current = false;
  RawValue v;
  while (!c.done()) {
    const uint64_t at = c.pos;
    uint32_t field = 0;
    uint32_t wt = 0;
    MSCRYPT_RETURN_IF_ERROR(c.Tag(&field, &wt));
    if (field != 1) {
      MSCRYPT_RETURN_IF_ERROR(c.Skip(wt, at));
      continue;
    }
    if (wt != internal::wire::kLengthDelimited) return WrongWireType(at, "Checkpoint.value", wt);
    uint64_t len = 0;
    MSCRYPT_RETURN_IF_ERROR(c.Length(&len, "Checkpoint.value"));
    v = RawValue();
    MSCRYPT_RETURN_IF_ERROR(ParseValue(c.Sub(len), &v));
    c.pos += len;
    const bool join = have_current && v.tag == current.name;
    if (have_current && !join) {
      MSCRYPT_RETURN_IF_ERROR(FinishEntry(index.entries.size(), &current));
      index.entries.push_back(std::move(current));
      current = CheckpointEntry();
    }
    if (!join) current.message_offset = at;
    MSCRYPT_RETURN_IF_ERROR(AddToEntry(index.entries.size(), v, join, &current));
    have_current = true;
  }
  if (have_current) {
    MSCRYPT_RETURN_IF_ERROR(FinishEntry(index.entries.size(), &current));
    index.entries.push_back(std::move(current));
  }
  return index;
}

Status GatherTensorBytes(ByteView plaintext, const CheckpointTensor& tensor, MutableByteView out) {
  if (out.size != tensor.size_in_bytes) {
    return InvalidArgumentError("output size " + std::to_string(out.size) + " != tensor size " +
                                std::to_string(tensor.size_in_bytes));
  }
  uint64_t pos = 0;
  for (const ByteRange& r : tensor.slices) {
    if (r.offset > plaintext.size || r.size > plaintext.size - r.offset) {
      return InvalidArgumentError("slice outside the plaintext (index from another buffer?)");
    }
    if (r.size > 0) std::memcpy(out.data + pos, plaintext.data + r.offset, static_cast<size_t>(r.size));
    pos += r.size;
  }
  return Status::Ok();
}

Status JoinSlicesInPlace(MutableByteView plaintext, CheckpointTensor* tensor) {
  if (tensor->contiguous()) return Status::Ok();
  uint64_t end = 0;
  for (const ByteRange& r : tensor->slices) {
    if (r.offset > plaintext.size || r.size > plaintext.size - r.offset || r.offset < end) {
      return InvalidArgumentError("slices outside the plaintext or out of order (index from another buffer?)");
    }
    end = r.offset + r.size;
  }
  const ByteRange first = tensor->slices.front();
  uint64_t dst = first.offset + first.size;
  for (size_t i = 1; i < tensor->slices.size(); ++i) {
    const ByteRange& r = tensor->slices[i];
    // dst <= r.offset: each slice moves down over the header of its own message.
    if (r.size > 0) std::memmove(plaintext.data + dst, plaintext.data + r.offset, static_cast<size_t>(r.size));
    dst += r.size;
  }
  tensor->slices.assign(1, ByteRange{first.offset, dst - first.offset});
  return Status::Ok();
}

StatusOr<CheckpointFile> ReadCheckpointFile(const std::string& path, const SecretBytes* key, Mode mode,
                                            const CheckpointReadOptions& options) {
  PayloadReadOptions read;
  read.key = key;
  read.mode = mode;
  read.container = options.container;
  read.container.seal_role = SealRole::kCheckpoint;
  MSCRYPT_ASSIGN_OR_RETURN(Payload payload, ReadPayloadFile(path, read));
  CheckpointParseOptions parse;
  parse.crc_check = options.crc_check;
  // On a parse failure `payload` wipes the plaintext as it goes out of scope.
  StatusOr<CheckpointIndex> index = ParseCheckpoint(payload.bytes(), parse);
  if (!index.ok()) return payload.ParseFailed(index.status());
  CheckpointFile file;
  file.index = std::move(*index);
  file.plaintext = payload.TakeBuffer();
  return file;
}

}  // namespace mscrypt
