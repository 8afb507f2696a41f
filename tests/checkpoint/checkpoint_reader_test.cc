// ParseCheckpoint on hand-built wire bytes: accepted encodings, strictness, slicing, crc trailer.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "checkpoint/wire.h"
#include "checkpoint_test_util.h"
#include "mscrypt/checkpoint.h"

namespace mscrypt {
namespace {

using ckpt_test::Contents;
using ckpt_test::Pattern;
using ckpt_test::View;
namespace wire = internal::wire;

std::string Hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string Len(uint32_t field, const std::string& body) {
  std::string out;
  wire::AppendTag(field, wire::kLengthDelimited, &out);
  wire::AppendVarint(body.size(), &out);
  return out + body;
}
std::string Var(uint32_t field, uint64_t v) {
  std::string out;
  wire::AppendTag(field, wire::kVarint, &out);
  wire::AppendVarint(v, &out);
  return out;
}

// Message: one Checkpoint message holding one Value with a TensorProto.
std::string TensorBody(const std::vector<int64_t>& dims, const std::string& type, const std::string& content) {
  std::string t;
  for (int64_t d : dims) t += Var(1, static_cast<uint64_t>(d));
  return t + Len(2, type) + Len(3, content);
}
std::string Message(const std::string& tag, const std::vector<int64_t>& dims, const std::string& type,
                    const std::string& content) {
  return Len(1, Len(1, tag) + Len(2, TensorBody(dims, type, content)));
}

StatusOr<CheckpointIndex> Parse(const std::string& s, bool crc = false) {
  CheckpointParseOptions o;
  o.crc_check = crc;
  return ParseCheckpoint(View(s), o);
}

TEST(CheckpointReader, EmptyInputHasNoEntries) {
  auto r = Parse("");
  CK_ASSERT_OK(r);
  EXPECT_TRUE(r->entries.empty());
}

TEST(CheckpointReader, MindSporeEmptyTensorMessage) {
  // From tests/golden/mindspore/README.md: async save of a float32 tensor of shape (0,).
  const std::string m = Hex("0a180a07656d7074795f30120d08001207466c6f617433321a00");
  auto r = Parse(m);
  CK_ASSERT_OK(r);
  ASSERT_EQ(r->entries.size(), 1u);
  const CheckpointEntry& e = r->entries[0];
  EXPECT_EQ(e.name, "empty_0");
  EXPECT_EQ(e.tensor.type, TensorType::kFloat32);
  EXPECT_EQ(e.tensor.dims, std::vector<int64_t>{0});
  EXPECT_EQ(e.tensor.shape, std::vector<int64_t>{0});  // not the MindSpore "scalar" reading
  EXPECT_EQ(e.tensor.size_in_bytes, 0u);
}

TEST(CheckpointReader, ValuesAndShapes) {
  const std::string f32 = Pattern(24);
  const std::string s = Message("w", {2, 3}, "Float32", f32) + Message("scalar", {}, "Int64", Pattern(8)) +
                        Message("legacy_scalar", {0}, "Float32", Pattern(4)) + Message("u", {3}, "Uint8", "abc");
  auto r = Parse(s);
  CK_ASSERT_OK(r);
  ASSERT_EQ(r->entries.size(), 4u);
  EXPECT_EQ(r->entries[0].tensor.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(r->entries[0].tensor.contiguous());
  EXPECT_EQ(s.substr(r->entries[0].tensor.data_offset(), 24), f32);
  EXPECT_TRUE(r->entries[1].tensor.shape.empty());
  EXPECT_TRUE(r->entries[2].tensor.shape.empty());
  EXPECT_EQ(r->entries[3].tensor.type, TensorType::kUInt8);
  EXPECT_EQ(r->entries[3].tensor.type_name, "Uint8");
}

TEST(CheckpointReader, PackedDims) {
  std::string packed;
  wire::AppendVarint(2, &packed);
  wire::AppendVarint(300, &packed);
  const std::string t = Len(1, packed) + Len(2, "Int8") + Len(3, std::string(600, 'x'));
  auto r = Parse(Len(1, Len(1, "p") + Len(2, t)));
  CK_ASSERT_OK(r);
  EXPECT_EQ(r->entries[0].tensor.dims, (std::vector<int64_t>{2, 300}));
}

TEST(CheckpointReader, UnknownFieldsAreSkippedAtEveryLevel) {
  std::string fixed64;
  wire::AppendTag(9, wire::kFixed64, &fixed64);
  fixed64 += std::string(8, '\x01');
  std::string fixed32;
  wire::AppendTag(10, wire::kFixed32, &fixed32);
  fixed32 += std::string(4, '\x02');
  const std::string junk = Var(7, 123456789) + fixed64 + fixed32 + Len(11, "\x0a\x05nested");
  const std::string t = junk + TensorBody({2}, "Int16", "abcd") + junk;
  const std::string v = junk + Len(1, "n") + junk + Len(2, t) + junk;
  auto r = Parse(junk + Len(1, v) + junk);
  CK_ASSERT_OK(r);
  ASSERT_EQ(r->entries.size(), 1u);
  EXPECT_EQ(r->entries[0].tensor.dims, std::vector<int64_t>{2});
}

TEST(CheckpointReader, SlicesAreJoined) {
  const std::string a = Pattern(10, 1), b = Pattern(10, 2), c = Pattern(4, 3);
  const std::string s = Message("w", {6}, "Float32", a + b.substr(0, 2)) + Message("w", {6}, "Float32", b.substr(2) + c) +
                        Message("x", {1}, "Int8", "z") + Message("w", {1}, "Int8", "q");
  auto r = Parse(s);
  CK_ASSERT_OK(r);
  ASSERT_EQ(r->entries.size(), 3u);  // non-consecutive repeats stay separate entries
  const CheckpointTensor& t = r->entries[0].tensor;
  EXPECT_EQ(r->entries[0].message_count, 2u);
  EXPECT_FALSE(t.contiguous());
  EXPECT_EQ(t.size_in_bytes, 24u);
  EXPECT_EQ(Contents(s, t), a + b + c);
  EXPECT_EQ(r->entries[2].name, "w");

  // Joining in place: the tensor becomes one range, the other entries keep their bytes.
  std::string buf = s;
  CheckpointIndex index = std::move(r).value();
  CK_ASSERT_OK(JoinSlicesInPlace(MutableByteView(reinterpret_cast<uint8_t*>(buf.data()), buf.size()),
                                 &index.entries[0].tensor));
  ASSERT_TRUE(index.entries[0].tensor.contiguous());
  EXPECT_EQ(buf.substr(index.entries[0].tensor.data_offset(), 24), a + b + c);
  EXPECT_EQ(Contents(buf, index.entries[1].tensor), "z");
  EXPECT_EQ(Contents(buf, index.entries[2].tensor), "q");
  CheckpointTensor bogus = index.entries[1].tensor;
  bogus.slices = {ByteRange{10, 2}, ByteRange{5, 2}};  // out of order
  CK_EXPECT_CODE(JoinSlicesInPlace(MutableByteView(reinterpret_cast<uint8_t*>(buf.data()), buf.size()), &bogus),
                 StatusCode::kInvalidArgument);
}

TEST(CheckpointReader, DuplicatedSliceIsRefusedBySizeCheck) {
  // MindSpore concatenates consecutive same-tag messages and crashes on the size mismatch; we
  // report it (tests/golden/mindspore/README.md "Consecutive duplicate tags").
  const std::string m = Message("w", {2}, "Float32", Pattern(8));
  auto r = Parse(m + m);
  CK_EXPECT_CODE(r, StatusCode::kMalformed);
  EXPECT_NE(r.status().message().find("missing or duplicated"), std::string::npos) << r.status().message();
}

TEST(CheckpointReader, SlicesMustAgree) {
  CK_EXPECT_CODE(Parse(Message("w", {2}, "Int8", "a") + Message("w", {3}, "Int8", "b")), StatusCode::kMalformed);
  CK_EXPECT_CODE(Parse(Message("w", {2}, "Int8", "a") + Message("w", {2}, "UInt8", "b")), StatusCode::kMalformed);
}

TEST(CheckpointReader, SizeMismatch) {
  auto r = Parse(Message("w", {2, 3}, "Float32", Pattern(23)));
  CK_EXPECT_CODE(r, StatusCode::kMalformed);
  CK_EXPECT_CODE(Parse(Message("s", {0}, "str", "abc")), StatusCode::kMalformed);
  // dims whose product overflows
  CK_EXPECT_CODE(Parse(Message("w", {int64_t{1} << 40, int64_t{1} << 40}, "Float32", "")), StatusCode::kMalformed);
}

TEST(CheckpointReader, AllTypes) {
  const struct { const char* name; size_t size; } types[] = {
      {"Int8", 1}, {"UInt8", 1}, {"Int16", 2}, {"UInt16", 2}, {"Int32", 4}, {"UInt32", 4}, {"Int64", 8},
      {"UInt64", 8}, {"Float16", 2}, {"Float32", 4}, {"Float64", 8}, {"Bool", 1}, {"BFloat16", 2}, {"Int4", 1},
      {"Uint16", 2}, {"Uint32", 4}, {"Uint64", 8}};
  for (const auto& t : types) {
    auto r = Parse(Message("t", {3}, t.name, Pattern(3 * t.size)));
    CK_EXPECT_OK(r) << t.name;
  }
  auto s = Parse(Message("s", {0}, "str", std::string("h\0\0\0i\0\0\0", 8)));
  CK_ASSERT_OK(s);
  EXPECT_EQ(s->entries[0].tensor.type, TensorType::kString);
  EXPECT_TRUE(s->entries[0].tensor.shape.empty());
}

TEST(CheckpointReader, UnknownTensorType) {
  CK_EXPECT_CODE(Parse(Message("w", {1}, "Complex64", Pattern(8))), StatusCode::kUnsupported);
  CK_EXPECT_CODE(Parse(Message("w", {1}, "float32", Pattern(4))), StatusCode::kUnsupported);  // numpy names: maps only
}

TEST(CheckpointReader, MissingRequiredFields) {
  CK_EXPECT_CODE(Parse(Len(1, Len(2, TensorBody({1}, "Int8", "a")))), StatusCode::kMalformed);           // no tag
  CK_EXPECT_CODE(Parse(Len(1, Len(1, "w"))), StatusCode::kMalformed);                                     // no tensor
  CK_EXPECT_CODE(Parse(Len(1, Len(1, "w") + Len(2, Var(1, 1) + Len(3, "a")))), StatusCode::kMalformed);   // no type
  CK_EXPECT_CODE(Parse(Len(1, Len(1, "w") + Len(2, Var(1, 1) + Len(2, "Int8")))), StatusCode::kMalformed);  // no content
}

TEST(CheckpointReader, StrictWireErrors) {
  const std::string good = Message("w", {2}, "Int8", "ab");
  // Truncated at every position: never a crash, always kMalformed.
  for (size_t n = 1; n < good.size(); ++n) {
    CK_EXPECT_CODE(Parse(good.substr(0, n)), StatusCode::kMalformed) << n;
  }
  // Length field larger than what remains.
  auto r = Parse(Hex("0affffffff0f") + "abc");
  CK_EXPECT_CODE(r, StatusCode::kMalformed);
  EXPECT_NE(r.status().message().find("checkpoint byte 1"), std::string::npos) << r.status().message();
  // Varints: 11 bytes; 10th byte > 1.
  CK_EXPECT_CODE(Parse(Hex("08ffffffffffffffffffff01")), StatusCode::kMalformed);
  CK_EXPECT_CODE(Parse(Hex("08ffffffffffffffffff02")), StatusCode::kMalformed);
  // Field number 0, group wire types, wrong wire type for value.
  CK_EXPECT_CODE(Parse(Hex("0000")), StatusCode::kMalformed);
  CK_EXPECT_CODE(Parse(Hex("1b1c")), StatusCode::kMalformed);
  CK_EXPECT_CODE(Parse(Hex("0801")), StatusCode::kMalformed);
  // Negative dim (int64 -1 is a 10-byte varint).
  CK_EXPECT_CODE(Parse(Message("w", {-1}, "Int8", "")), StatusCode::kMalformed);
  // Too many dims.
  CK_EXPECT_CODE(Parse(Message("w", std::vector<int64_t>(65, 1), "Int8", "a")), StatusCode::kMalformed);
  // Tag that is not UTF-8.
  CK_EXPECT_CODE(Parse(Message("\xff\xfe", {1}, "Int8", "a")), StatusCode::kMalformed);
  // Two tensors in one Value.
  CK_EXPECT_CODE(Parse(Len(1, Len(1, "w") + Len(2, TensorBody({1}, "Int8", "a")) + Len(2, TensorBody({1}, "Int8", "a")))),
                 StatusCode::kMalformed);
}

TEST(CheckpointReader, RandomMutationsNeverCrash) {
  const std::string good = Message("weight", {2, 2}, "Float32", Pattern(16)) + Message("b", {}, "Int64", Pattern(8)) +
                           Message("b2", {1}, "BFloat16", Pattern(2));
  uint32_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    std::string m = good;
    const int flips = 1 + i % 4;
    for (int k = 0; k < flips; ++k) {
      x = x * 1664525u + 1013904223u;
      m[(x >> 8) % m.size()] = static_cast<char>(x >> 24);
    }
    auto r = Parse(m);  // any outcome but a crash or sanitizer report
    if (r.ok()) {
      for (const CheckpointEntry& e : r->entries) {
        if (e.kind == CheckpointEntryKind::kTensor) {
          EXPECT_LE(e.tensor.size_in_bytes, m.size());
        }
      }
    }
  }
}

TEST(CheckpointReader, CrcTrailer) {
  const std::string payload = Message("w", {2}, "Int16", "abcd");
  const uint32_t crc = CheckpointCrc32(View(payload));
  std::string trailer = "crc_num";
  for (int i = 9; i >= 0; --i) trailer.push_back(static_cast<char>(i < 4 ? (crc >> (8 * i)) & 0xFF : 0));
  // (the loop above writes the 10-byte big-endian value)
  const std::string file = payload + trailer;
  auto r = Parse(file, true);
  CK_ASSERT_OK(r);
  EXPECT_TRUE(r->has_crc_trailer);
  EXPECT_TRUE(r->crc_verified);
  EXPECT_EQ(r->stored_crc, crc);
  EXPECT_EQ(r->payload_size, payload.size());
  ASSERT_EQ(r->entries.size(), 1u);

  std::string tampered = file;
  tampered[payload.size() - 1] ^= 1;
  CK_EXPECT_CODE(Parse(tampered, true), StatusCode::kMalformed);
  CK_EXPECT_OK(Parse(tampered, false));  // stripped but not verified, as MindSpore
  std::string bad_crc = file;
  bad_crc.back() ^= 1;
  auto b = Parse(bad_crc, true);
  CK_EXPECT_CODE(b, StatusCode::kMalformed);
  EXPECT_NE(b.status().message().find("crc"), std::string::npos);

  auto none = Parse(payload, true);
  CK_ASSERT_OK(none);
  EXPECT_FALSE(none->has_crc_trailer);
  EXPECT_FALSE(none->crc_verified);
}

TEST(CheckpointReader, Crc32MatchesZlib) {
  EXPECT_EQ(CheckpointCrc32(View(std::string("123456789"))), 0xCBF43926u);
  EXPECT_EQ(CheckpointCrc32(View(std::string("56789")), CheckpointCrc32(View(std::string("1234")))), 0xCBF43926u);
  EXPECT_EQ(CheckpointCrc32(ByteView(), 0x1234u), 0x1234u);
}

TEST(CheckpointReader, GatherChecksSize) {
  auto r = Parse(Message("w", {2}, "Int8", "ab"));
  CK_ASSERT_OK(r);
  uint8_t out[3];
  CK_EXPECT_CODE(GatherTensorBytes(ByteView(), r->entries[0].tensor, MutableByteView(out, 3)), StatusCode::kInvalidArgument);
}

TEST(TensorType, NamesRoundTrip) {
  for (int i = 0; i <= 14; ++i) {
    const TensorType t = static_cast<TensorType>(i);
    EXPECT_EQ(ParseTensorType(TensorTypeName(t)), t);
    EXPECT_GT(TensorTypeElementSize(t), 0u);
  }
  EXPECT_EQ(ParseTensorType("Uint8"), TensorType::kUInt8);
  EXPECT_EQ(ParseTensorType("float32"), std::nullopt);
  EXPECT_EQ(ParseTensorType("float32", true), TensorType::kFloat32);
  EXPECT_EQ(TensorTypeElementSize(TensorType::kInt4), 1u);
  EXPECT_STREQ(TensorTypeName(TensorType::kString), "str");
}

}  // namespace
}  // namespace mscrypt
