// Keyless inspection: Inspect / InspectFile / DetectMode / IsEncryptedFile (docs/format.md §2.5, docs/format.md §3, docs/format.md §5).
#include <gtest/gtest.h>

#include "mscrypt/container.h"
#include "test_util.h"

namespace mscrypt::testing {
namespace {

const std::vector<uint8_t> kIv = FromHex("101112131415161718191a1b1c1d1e1f");

std::vector<uint8_t> Blocks(Mode mode, const std::vector<size_t>& sizes) {
  std::vector<uint8_t> out;
  for (size_t n : sizes) {
    auto b = SealWithIv(mode, KeyBytes(16), kIv, PseudoRandom(n, n));
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

TEST(Inspect, GcmBlocksHaveExactPlaintextSizes) {
  const auto ct = Blocks(Mode::kAesGcm, {1, 100, 16});
  StatusOr<ContainerInfo> info = Inspect(ct);
  ASSERT_OK(info);
  EXPECT_EQ(info->mode, Mode::kAesGcm);
  EXPECT_EQ(info->format, Format::kCurrent);
  EXPECT_EQ(info->container_size, ct.size());
  ASSERT_EQ(info->blocks.size(), 3u);
  const uint64_t offsets[] = {0, 49, 49 + 148};
  const uint64_t sizes[] = {49, 148, 64};
  const uint64_t pts[] = {1, 100, 16};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(info->blocks[i].offset, offsets[i]);
    EXPECT_EQ(info->blocks[i].size, sizes[i]);
    EXPECT_EQ(info->blocks[i].ciphertext_size, pts[i]);
    EXPECT_EQ(info->blocks[i].plaintext_size_min, pts[i]);
    EXPECT_EQ(info->blocks[i].plaintext_size_max, pts[i]);
  }
  EXPECT_TRUE(info->plaintext_size_exact());
  EXPECT_EQ(info->plaintext_size_min, 117u);
}

TEST(Inspect, CbcPlaintextRangesAreFifteenWide) {
  for (Mode mode : {Mode::kAesCbc, Mode::kSm4Cbc}) {
    const auto ct = Blocks(mode, {9, 32, 1000});
    StatusOr<ContainerInfo> info = Inspect(ct);
    ASSERT_OK(info);
    EXPECT_EQ(info->mode, mode);
    ASSERT_EQ(info->blocks.size(), 3u);
    const uint64_t cts[] = {16, 48, 1008};
    uint64_t offset = 0;
    for (size_t i = 0; i < 3; ++i) {
      const BlockInfo& b = info->blocks[i];
      EXPECT_EQ(b.offset, offset);
      EXPECT_EQ(b.ciphertext_size, cts[i]);
      EXPECT_EQ(b.size, 32 + cts[i]);
      EXPECT_EQ(b.plaintext_size_min, cts[i] - 16);
      EXPECT_EQ(b.plaintext_size_max, cts[i] - 1);
      EXPECT_EQ(b.plaintext_size_max - b.plaintext_size_min, 15u);
      offset += b.size;
    }
    EXPECT_FALSE(info->plaintext_size_exact());
    EXPECT_EQ(info->plaintext_size_min, 0u + 32 + 992);
    EXPECT_EQ(info->plaintext_size_max, 15u + 47 + 1007);
    // The real sizes (9 + 32 + 1000) lie inside the range.
    EXPECT_LE(info->plaintext_size_min, 1041u);
    EXPECT_GE(info->plaintext_size_max, 1041u);
  }
}

TEST(Inspect, EmptyInput) {
  StatusOr<ContainerInfo> info = Inspect(ByteView());
  ASSERT_OK(info);
  EXPECT_FALSE(info->mode.has_value());
  EXPECT_TRUE(info->blocks.empty());
  EXPECT_EQ(info->container_size, 0u);
  EXPECT_EQ(info->plaintext_size_max, 0u);
}

TEST(Inspect, Rejections) {
  auto gcm = Blocks(Mode::kAesGcm, {10});
  auto cbc = Blocks(Mode::kAesCbc, {10});
  auto mixed = gcm;
  mixed.insert(mixed.end(), cbc.begin(), cbc.end());
  EXPECT_TRUE(StatusAt(Inspect(mixed).status(), StatusCode::kMalformed, 1, static_cast<int64_t>(gcm.size())));
  EXPECT_STATUS(Inspect(Bytes("just some text")).status(), StatusCode::kNotEncrypted);
  EXPECT_TRUE(StatusAt(Inspect(ByteView(gcm.data(), gcm.size() - 1)).status(), StatusCode::kTruncated, 0, 0));
  auto bad = cbc;
  PutLe32(bad, 8, 15);  // iv_len
  EXPECT_TRUE(StatusAt(Inspect(bad).status(), StatusCode::kMalformed, 0, 0));
}

TEST(Inspect, LegacyContainers) {
  const auto key = Bytes("0123456789ABCDEF");
  const auto pt32 = Bytes("MindSpore checkpoint test vector");
  const auto gcm = SealLegacyWithIv(Mode::kAesGcm, key, kIv, pt32);   // ciphertext 32
  const auto gcm9 = SealLegacyWithIv(Mode::kAesGcm, key, kIv, Bytes("MindSpore"));  // 9
  const auto cbc = SealLegacyWithIv(Mode::kAesCbc, key, kIv, pt32);   // ciphertext 48
  auto all = gcm;
  all.insert(all.end(), gcm9.begin(), gcm9.end());
  all.insert(all.end(), cbc.begin(), cbc.end());
  StatusOr<ContainerInfo> info = Inspect(all, Format::kLegacy);
  ASSERT_OK(info);
  EXPECT_FALSE(info->mode.has_value()) << "legacy GCM and CBC share a magic";
  EXPECT_EQ(info->format, Format::kLegacy);
  ASSERT_EQ(info->blocks.size(), 3u);
  // Could be GCM (exact) or CBC (1-16 bytes of padding): the range covers both.
  EXPECT_EQ(info->blocks[0].size, 64u);
  EXPECT_EQ(info->blocks[0].plaintext_size_min, 16u);
  EXPECT_EQ(info->blocks[0].plaintext_size_max, 32u);
  // A length that is not a multiple of 16 can only be GCM: exact.
  EXPECT_EQ(info->blocks[1].plaintext_size_min, 9u);
  EXPECT_EQ(info->blocks[1].plaintext_size_max, 9u);
  EXPECT_EQ(info->blocks[2].plaintext_size_min, 32u);
  EXPECT_EQ(info->blocks[2].plaintext_size_max, 48u);
  // Current-format files under the legacy reader and vice versa.
  EXPECT_STATUS(Inspect(Blocks(Mode::kAesCbc, {5}), Format::kLegacy).status(), StatusCode::kWrongMode);
  EXPECT_STATUS(Inspect(Blocks(Mode::kAesGcm, {5}), Format::kLegacy).status(), StatusCode::kMalformed);
  EXPECT_STATUS(Inspect(gcm).status(), StatusCode::kMalformed);
}

TEST(Inspect, FileMatchesBuffer) {
  TempDir dir;
  const auto ct = Blocks(Mode::kSm4Cbc, {1, 2, 3});
  WriteFileOrDie(dir.File("c"), ct);
  StatusOr<ContainerInfo> a = Inspect(ct);
  StatusOr<ContainerInfo> b = InspectFile(dir.File("c"));
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(b->mode, Mode::kSm4Cbc);
  ASSERT_EQ(a->blocks.size(), b->blocks.size());
  for (size_t i = 0; i < a->blocks.size(); ++i) {
    EXPECT_EQ(a->blocks[i].offset, b->blocks[i].offset);
    EXPECT_EQ(a->blocks[i].size, b->blocks[i].size);
  }
  EXPECT_EQ(b->container_size, ct.size());
}

TEST(DetectMode, AllThreeMagics) {
  EXPECT_EQ(DetectMode(FromHex("d85e3a7f")), Mode::kAesGcm);
  EXPECT_EQ(DetectMode(FromHex("d95e3a7f00")), Mode::kAesCbc);
  EXPECT_EQ(DetectMode(FromHex("da5e3a7f")), Mode::kSm4Cbc);  // unlike MindSpore's IsCipherFile
  EXPECT_FALSE(DetectMode(FromHex("db5e3a7f")).has_value());
  EXPECT_FALSE(DetectMode(FromHex("7f3a5ed8")).has_value());  // big-endian is not the magic
  EXPECT_FALSE(DetectMode(FromHex("d85e3a")).has_value());
  EXPECT_FALSE(DetectMode(ByteView()).has_value());
  // A legacy file starts with the GCM magic.
  EXPECT_EQ(DetectMode(SealLegacyWithIv(Mode::kAesCbc, KeyBytes(16), kIv, Bytes("x"))), Mode::kAesGcm);
}

TEST(IsEncryptedFile, MagicsPlainShortAndEmpty) {
  TempDir dir;
  for (Mode mode : AllModes()) {
    WriteFileOrDie(dir.File("c"), Blocks(mode, {3}));
    StatusOr<bool> r = IsEncryptedFile(dir.File("c"));
    ASSERT_OK(r);
    EXPECT_TRUE(*r) << ModeName(mode);
  }
  for (const std::string& plain : {std::string("plain text"), std::string("\xd8\x5e\x3a"), std::string()}) {
    WriteFileOrDie(dir.File("p"), Bytes(plain));
    StatusOr<bool> r = IsEncryptedFile(dir.File("p"));
    ASSERT_OK(r);
    EXPECT_FALSE(*r) << plain.size();
  }
}

}  // namespace
}  // namespace mscrypt::testing
