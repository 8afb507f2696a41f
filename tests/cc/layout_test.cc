// internal/format/layout: constants, header encoding and the per-field reader checks (docs/format.md §2.2, docs/format.md §4).
#include "internal/format/layout.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstring>

#include "test_util.h"

namespace mscrypt::internal {
namespace {

using ::mscrypt::testing::FromHex;
using ::mscrypt::testing::GetLe32;
using ::mscrypt::testing::PutLe32;
using ::mscrypt::testing::StatusAt;
using ::mscrypt::testing::ToHex;

// The mode table against the byte layout of docs/format.md §2.1 and §2.3, written out by hand.
TEST(ModeTable, MatchesTheFormatSpec) {
  EXPECT_EQ(Spec(Mode::kAesGcm).header_size(), 48u);
  EXPECT_EQ(Spec(Mode::kAesGcm).iv_offset(), 28u);
  EXPECT_EQ(Spec(Mode::kAesGcm).tag_offset(), 4u);
  EXPECT_EQ(Spec(Mode::kAesGcm).nonce_size, 12u);
  EXPECT_TRUE(Spec(Mode::kAesGcm).authenticated);
  EXPECT_FALSE(Spec(Mode::kAesGcm).padded);
  for (Mode m : {Mode::kAesCbc, Mode::kSm4Cbc}) {
    EXPECT_EQ(Spec(m).header_size(), 32u);
    EXPECT_EQ(Spec(m).iv_offset(), 12u);
    EXPECT_EQ(Spec(m).tag_size, 0u);
    EXPECT_FALSE(Spec(m).authenticated);
    EXPECT_TRUE(Spec(m).padded);
  }
  EXPECT_EQ(kMaxHeaderSize, Spec(Mode::kAesGcm).header_size());
  for (size_t i = 0; i < kModeCount; ++i) {
    EXPECT_EQ(static_cast<size_t>(kModeSpecs[i].mode), i);
    EXPECT_EQ(ParseMode(kModeSpecs[i].name).value(), kModeSpecs[i].mode);
    EXPECT_EQ(HeaderSize(kModeSpecs[i].mode, Format::kCurrent), kModeSpecs[i].header_size());
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(kModeSpecs[i].key_sizes[k] != 0, kModeSpecs[i].openssl_cipher[k] != nullptr) << i << " " << k;
    }
  }
  EXPECT_EQ(SpecOf(static_cast<Mode>(3)), nullptr);
  EXPECT_EQ(SpecOf(static_cast<Mode>(-1)), nullptr);
}

TEST(Layout, MagicBytesOnDisk) {
  uint8_t b[4];
  StoreLe32(b, Spec(Mode::kAesGcm).magic);
  EXPECT_EQ(ToHex(b, 4), "d85e3a7f");
  StoreLe32(b, Spec(Mode::kAesCbc).magic);
  EXPECT_EQ(ToHex(b, 4), "d95e3a7f");
  StoreLe32(b, Spec(Mode::kSm4Cbc).magic);
  EXPECT_EQ(ToHex(b, 4), "da5e3a7f");
  for (Mode m : ::mscrypt::testing::AllModes()) EXPECT_EQ(ModeOfMagic(SpecOf(m)->magic), m);
  EXPECT_FALSE(ModeOfMagic(0x7F3A5EDB).has_value());
  EXPECT_FALSE(ModeOfMagic(0).has_value());
}

TEST(Layout, HeaderAndCipherSizes) {
  EXPECT_EQ(HeaderSize(Mode::kAesGcm, Format::kCurrent), 48u);
  EXPECT_EQ(HeaderSize(Mode::kAesCbc, Format::kCurrent), 32u);
  EXPECT_EQ(HeaderSize(Mode::kSm4Cbc, Format::kCurrent), 32u);
  EXPECT_EQ(HeaderSize(Mode::kAesGcm, Format::kLegacy), 32u);  // legacy GCM has no tag
  EXPECT_EQ(HeaderSize(Mode::kAesCbc, Format::kLegacy), 32u);
  const std::pair<uint64_t, uint64_t> cbc[] = {{0, 16}, {1, 16}, {15, 16}, {16, 32}, {17, 32}, {9, 16},
                                               {1000, 1008}, {kMaxBlockPlaintextSize, kMaxBlockPlaintextSize + 16}};
  for (auto [pt, ct] : cbc) {
    EXPECT_EQ(CipherLenFor(Mode::kAesCbc, pt), ct) << pt;
    EXPECT_EQ(CipherLenFor(Mode::kSm4Cbc, pt), ct) << pt;
    EXPECT_EQ(CipherLenFor(Mode::kAesGcm, pt), pt) << pt;
    EXPECT_EQ(EncodedBlockSize(Mode::kAesCbc, pt), 32 + ct);
    EXPECT_EQ(EncodedBlockSize(Mode::kAesGcm, pt), 48 + pt);
  }
  // A full 64 MiB block is 64 MiB + 48 in every mode (docs/format.md §2.5).
  for (Mode m : ::mscrypt::testing::AllModes()) {
    EXPECT_EQ(EncodedBlockSize(m, kMaxBlockPlaintextSize), 67108912u);
  }
}

TEST(Layout, WriteBlockHeaderGcmFields) {
  const auto iv = FromHex("101112131415161718191a1b1c1d1e1f");
  std::vector<uint8_t> h(48, 0xEE);
  WriteBlockHeader(Mode::kAesGcm, iv.data(), 32, h.data());
  EXPECT_EQ(ToHex(h.data(), 4), "d85e3a7f");
  EXPECT_EQ(ToHex(h.data() + 4, 16), std::string(32, 'e'));  // tag left for the caller
  EXPECT_EQ(GetLe32(h, 20), 24 + 32);
  EXPECT_EQ(GetLe32(h, 24), 16);
  EXPECT_EQ(ToHex(h.data() + 28, 16), ToHex(iv));
  EXPECT_EQ(GetLe32(h, 44), 32);
}

TEST(Layout, WriteBlockHeaderCbcFields) {
  const auto iv = FromHex("101112131415161718191a1b1c1d1e1f");
  for (Mode m : {Mode::kAesCbc, Mode::kSm4Cbc}) {
    std::vector<uint8_t> h(32, 0);
    WriteBlockHeader(m, iv.data(), 48, h.data());
    EXPECT_EQ(GetLe32(h, 0), static_cast<int32_t>(SpecOf(m)->magic));
    EXPECT_EQ(GetLe32(h, 4), 72);
    EXPECT_EQ(GetLe32(h, 8), 16);
    EXPECT_EQ(ToHex(h.data() + 12, 16), ToHex(iv));
    EXPECT_EQ(GetLe32(h, 28), 48);
  }
}

// A well-formed header with `cipher_len`; no ciphertext bytes are needed to parse it.
std::vector<uint8_t> Header(Mode mode, int32_t cipher_len) {
  std::vector<uint8_t> h(HeaderSize(mode, Format::kCurrent));
  uint8_t iv[16] = {1, 2, 3};
  WriteBlockHeader(mode, iv, static_cast<size_t>(cipher_len), h.data());
  return h;
}

size_t Field(Mode mode, const char* name) {
  const size_t base = mode == Mode::kAesGcm ? 20 : 4;
  if (std::strcmp(name, "block_len") == 0) return base;
  if (std::strcmp(name, "iv_len") == 0) return base + 4;
  return base + 24;  // cipher_len
}

Status Parse(const std::vector<uint8_t>& h, Mode mode, uint64_t remaining, Format format = Format::kCurrent,
             BlockFrame* frame_out = nullptr) {
  BlockFrame frame;
  Status s = ParseBlockFrame(h.data(), h.size(), remaining, mode, format, 3, 1000, &frame);
  if (frame_out != nullptr) *frame_out = frame;
  return s;
}

TEST(ParseBlockFrame, WellFormed) {
  BlockFrame f;
  auto gcm = Header(Mode::kAesGcm, 32);
  ASSERT_OK(Parse(gcm, Mode::kAesGcm, 80, Format::kCurrent, &f));
  EXPECT_EQ(f.header_size, 48u);
  EXPECT_EQ(f.cipher_len, 32u);
  EXPECT_EQ(f.iv_offset, 28u);
  EXPECT_EQ(f.tag_offset, std::optional<size_t>(4));
  EXPECT_EQ(f.total_size(), 80u);
  auto cbc = Header(Mode::kSm4Cbc, 48);
  ASSERT_OK(Parse(cbc, Mode::kSm4Cbc, 80, Format::kCurrent, &f));
  EXPECT_EQ(f.header_size, 32u);
  EXPECT_EQ(f.iv_offset, 12u);
  EXPECT_FALSE(f.tag_offset.has_value());
}

struct FieldCase {
  const char* field;
  int32_t value;
  bool fix_block_len;  // keep block_len consistent so only `field` is wrong
};

TEST(ParseBlockFrame, BadLengthFieldsAreMalformedWithPosition) {
  const FieldCase cases[] = {
      {"iv_len", 0, false},          {"iv_len", 12, false},      {"iv_len", 15, false},
      {"iv_len", 17, false},         {"iv_len", -16, false},     {"iv_len", INT32_MAX, false},
      {"cipher_len", 0, true},       {"cipher_len", -1, true},   {"cipher_len", INT32_MIN, false},
      {"cipher_len", INT32_MAX, false},
      {"cipher_len", static_cast<int32_t>(kMaxCipherLen) + 1, true},
      {"block_len", -1, false},      {"block_len", 0, false},    {"block_len", 24 + 31, false},
      {"block_len", 24 + 33, false}, {"block_len", INT32_MAX, false}, {"block_len", INT32_MIN, false},
  };
  for (Mode mode : ::mscrypt::testing::AllModes()) {
    for (const FieldCase& c : cases) {
      SCOPED_TRACE(std::string(ModeName(mode)) + " " + c.field + "=" + std::to_string(c.value));
      auto h = Header(mode, 32);
      PutLe32(h, Field(mode, c.field), c.value);
      if (c.fix_block_len) PutLe32(h, Field(mode, "block_len"), static_cast<int32_t>(24 + static_cast<int64_t>(c.value)));
      Status s = Parse(h, mode, uint64_t{1} << 40);
      EXPECT_TRUE(StatusAt(s, StatusCode::kMalformed, 3, 1000));
      EXPECT_NE(s.message().find(c.field), std::string::npos) << s.message();
      EXPECT_NE(s.message().find("block 3 at byte 1000"), std::string::npos) << s.message();
    }
  }
}

TEST(ParseBlockFrame, CbcCipherLenNotMultipleOf16IsMalformed) {
  for (Mode mode : {Mode::kAesCbc, Mode::kSm4Cbc}) {
    for (int32_t cl : {1, 15, 17, 33, 47}) {
      auto h = Header(mode, 48);
      PutLe32(h, Field(mode, "cipher_len"), cl);
      PutLe32(h, Field(mode, "block_len"), 24 + cl);
      Status s = Parse(h, mode, 1 << 20);
      EXPECT_TRUE(StatusAt(s, StatusCode::kMalformed, 3, 1000)) << cl;
      EXPECT_NE(s.message().find("multiple of"), std::string::npos) << s.message();
    }
  }
  // GCM has no such constraint.
  auto h = Header(Mode::kAesGcm, 17);
  EXPECT_OK(Parse(h, Mode::kAesGcm, 48 + 17));
}

TEST(ParseBlockFrame, CipherLenCapBoundary) {
  // 64 MiB + 50 is MindSpore's decrypt buffer (docs/format.md §2.6, §6): accepted; one more refused.
  const auto cap = static_cast<int32_t>(kMaxCipherLen);
  EXPECT_OK(Parse(Header(Mode::kAesGcm, cap), Mode::kAesGcm, uint64_t{48} + cap));
  EXPECT_TRUE(StatusAt(Parse(Header(Mode::kAesGcm, cap + 1), Mode::kAesGcm, uint64_t{1} << 40),
                       StatusCode::kMalformed, 3, 1000));
  // CBC: the largest multiple of 16 under the cap is 64 MiB + 48 (a full block's ciphertext).
  EXPECT_OK(Parse(Header(Mode::kAesCbc, cap - 2), Mode::kAesCbc, uint64_t{32} + cap - 2));
  EXPECT_TRUE(StatusAt(Parse(Header(Mode::kAesCbc, cap + 14), Mode::kAesCbc, uint64_t{1} << 40),
                       StatusCode::kMalformed, 3, 1000));
  // Legacy blocks were up to 512 MiB (docs/format.md §1): cap 512 MiB + 16.
  const auto legacy_cap = static_cast<int32_t>(kLegacyMaxCipherLen);
  auto legacy = Header(Mode::kAesCbc, legacy_cap);
  StoreLe32(legacy.data(), kLegacyMagic);
  EXPECT_OK(Parse(legacy, Mode::kAesCbc, uint64_t{32} + legacy_cap, Format::kLegacy));
  PutLe32(legacy, 28, legacy_cap + 16);
  PutLe32(legacy, 4, 24 + legacy_cap + 16);
  EXPECT_TRUE(StatusAt(Parse(legacy, Mode::kAesCbc, uint64_t{1} << 40, Format::kLegacy), StatusCode::kMalformed, 3, 1000));
}

TEST(ParseBlockFrame, TruncationIsReportedBeforeTheBodyIsRead) {
  // Header claims 64 MiB of ciphertext but only 100 bytes remain: kTruncated, not an allocation.
  auto h = Header(Mode::kAesGcm, 64 << 20);
  EXPECT_TRUE(StatusAt(Parse(h, Mode::kAesGcm, 100), StatusCode::kTruncated, 3, 1000));
  // Header itself cut short.
  std::vector<uint8_t> cut(h.begin(), h.begin() + 47);
  EXPECT_TRUE(StatusAt(Parse(cut, Mode::kAesGcm, 47), StatusCode::kTruncated, 3, 1000));
  std::vector<uint8_t> magic_only(h.begin(), h.begin() + 3);
  EXPECT_TRUE(StatusAt(Parse(magic_only, Mode::kAesGcm, 3), StatusCode::kTruncated, 3, 1000));
}

TEST(ParseBlockFrame, MagicChecks) {
  BlockFrame f;
  auto cbc = Header(Mode::kAesCbc, 48);
  // At block 0 a different mode's magic is kWrongMode, an unknown magic kNotEncrypted...
  EXPECT_STATUS(ParseBlockFrame(cbc.data(), cbc.size(), 80, Mode::kAesGcm, Format::kCurrent, 0, 0, &f),
                StatusCode::kWrongMode);
  std::vector<uint8_t> plain(48, 'x');
  EXPECT_STATUS(ParseBlockFrame(plain.data(), plain.size(), 80, Mode::kAesGcm, Format::kCurrent, 0, 0, &f),
                StatusCode::kNotEncrypted);
  // ...and later in the container both are structural damage with a position.
  EXPECT_TRUE(StatusAt(ParseBlockFrame(cbc.data(), cbc.size(), 80, Mode::kAesGcm, Format::kCurrent, 2, 500, &f),
                       StatusCode::kMalformed, 2, 500));
  EXPECT_TRUE(StatusAt(ParseBlockFrame(plain.data(), plain.size(), 80, Mode::kAesGcm, Format::kCurrent, 2, 500, &f),
                       StatusCode::kMalformed, 2, 500));
}

TEST(ParseAnyBlockFrame, TakesTheModeFromTheMagic) {
  for (Mode m : ::mscrypt::testing::AllModes()) {
    auto h = Header(m, 32);
    BlockFrame f;
    std::optional<Mode> mode;
    ASSERT_OK(ParseAnyBlockFrame(h.data(), h.size(), h.size() + 32, Format::kCurrent, 0, 0, &f, &mode));
    EXPECT_EQ(mode, m);
    EXPECT_EQ(f.cipher_len, 32u);
  }
}

}  // namespace
}  // namespace mscrypt::internal
