// Real 64-128 MiB buffers at the block boundaries (docs/format.md §2.4, docs/format.md §2.5): SegmentMinusOne,
// ExactlyOneSegment, SegmentPlusOne and two segments plus 17, in every mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <unistd.h>

#include "mscrypt/container.h"
#include "test_util.h"

namespace mscrypt::testing {
namespace {

constexpr size_t M = kMaxBlockPlaintextSize;

// One plaintext shared by every test (the largest size; smaller sizes are prefixes).
const std::vector<uint8_t>& BigPlaintext() {
  static const std::vector<uint8_t> kPt = PseudoRandom(2 * M + 17, 0xB16);
  return kPt;
}

std::vector<uint64_t> SplitSizes(uint64_t n) {
  std::vector<uint64_t> s(n / M, M);
  if (n % M) s.push_back(n % M);
  return s;
}

bool PrefixEquals(const PlaintextBuffer& b, size_t n) {
  return b.size() == n && std::memcmp(b.data(), BigPlaintext().data(), n) == 0;
}

class BlockBoundary : public ::testing::TestWithParam<std::tuple<Mode, size_t>> {};

TEST_P(BlockBoundary, RoundTripSplitAndThreads) {
  const auto [mode, n] = GetParam();
  const SecretBytes key = MakeKey(KeyBytes(16));
  const ByteView pt(BigPlaintext().data(), n);
  Options two;
  two.threads = 2;
  StatusOr<Buffer> ct = Encrypt(pt, key, mode, two);
  ASSERT_OK(ct);
  EXPECT_EQ(ct->size(), Value(EncryptedSize(mode, n)));

  StatusOr<ContainerInfo> info = Inspect(ct->view());
  ASSERT_OK(info);
  const std::vector<uint64_t> split = SplitSizes(n);
  ASSERT_EQ(info->blocks.size(), split.size());
  uint64_t offset = 0;
  for (size_t i = 0; i < split.size(); ++i) {
    const BlockInfo& b = info->blocks[i];
    EXPECT_EQ(b.offset, offset);
    EXPECT_EQ(b.ciphertext_size, mode == Mode::kAesGcm ? split[i] : (split[i] / 16 + 1) * 16);
    EXPECT_LE(b.plaintext_size_min, split[i]);
    EXPECT_GE(b.plaintext_size_max, split[i]);
    offset += b.size;
  }
  // A full 64 MiB block is 64 MiB + 48 bytes in every mode (docs/format.md §2.5).
  if (n >= M) {
    EXPECT_EQ(info->blocks[0].size, uint64_t{67108912});
  }

  for (int threads : {1, 2}) {
    Options o;
    o.threads = threads;
    auto back = Decrypt(ct->view(), key, mode, o);
    ASSERT_OK(back);
    EXPECT_TRUE(PrefixEquals(*back, n)) << "threads=" << threads;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, BlockBoundary,
    ::testing::Combine(::testing::Values(Mode::kAesGcm, Mode::kAesCbc, Mode::kSm4Cbc),
                       ::testing::Values(M - 1, M, M + 1, 2 * M + 17)),
    [](const ::testing::TestParamInfo<BlockBoundary::ParamType>& info) {
      const size_t n = std::get<1>(info.param);
      const char* name = n == M - 1 ? "SegmentMinusOne" : n == M ? "ExactlyOneSegment" : n == M + 1 ? "SegmentPlusOne"
                                                                                                   : "TwoSegmentsPlus17";
      return ModeTestName(std::get<0>(info.param)) + "_" + name;
    });

// Spec 1.6 worked example: 128 MiB + 17 in GCM is blocks of 67 108 912, 67 108 912 and 65 bytes;
// 100 000 001 bytes encrypt to 100 000 097 (GCM).
TEST(LargeSizes, SpecWorkedExamples) {
  const SecretBytes key = MakeKey(KeyBytes(32));
  Options o;
  o.threads = 2;
  StatusOr<Buffer> ct = Encrypt(ByteView(BigPlaintext().data(), 2 * M + 17), key, Mode::kAesGcm, o);
  ASSERT_OK(ct);
  StatusOr<ContainerInfo> info = Inspect(ct->view());
  ASSERT_OK(info);
  ASSERT_EQ(info->blocks.size(), 3u);
  EXPECT_EQ(info->blocks[0].size, 67108912u);
  EXPECT_EQ(info->blocks[1].size, 67108912u);
  EXPECT_EQ(info->blocks[2].size, 65u);
  ct = Encrypt(ByteView(BigPlaintext().data(), 100000001), key, Mode::kAesGcm, o);
  ASSERT_OK(ct);
  EXPECT_EQ(ct->size(), 100000097u);
}

// Every file path at 128 MiB + 17 (AES-GCM; the buffer test above covers the other modes), and
// the EncryptingFileWriter fed odd-sized pieces that straddle the 64 MiB boundary.
TEST(LargeSizes, FilePathsAcrossBlockBoundaries) {
  TempDir dir;
  const SecretBytes key = MakeKey(KeyBytes(16));
  const size_t n = 2 * M + 17;
  const ByteView pt(BigPlaintext().data(), n);
  Options o;
  o.threads = 2;
  ASSERT_OK(EncryptToFile(pt, dir.File("a"), key, Mode::kAesGcm, o));
  std::vector<uint8_t> a = ReadFileOrDie(dir.File("a"));
  EXPECT_EQ(a.size(), Value(EncryptedSize(Mode::kAesGcm, n)));
  a.clear();
  a.shrink_to_fit();

  ASSERT_OK(EncryptFileToFile(dir.File("a"), dir.File("aa"), key, Mode::kAesCbc, o));  // ciphertext as data
  ASSERT_OK(DecryptFileToFile(dir.File("aa"), dir.File("a2"), key, Mode::kAesCbc, o));
  ::unlink(dir.File("aa").c_str());

  for (int threads : {1, 2}) {
    Options t;
    t.threads = threads;
    auto back = DecryptFile(dir.File("a2"), key, Mode::kAesGcm, t);
    ASSERT_OK(back);
    EXPECT_TRUE(PrefixEquals(*back, n)) << threads;
  }
  ASSERT_OK(DecryptFileToFile(dir.File("a"), dir.File("plain"), key, Mode::kAesGcm, o));
  const std::vector<uint8_t> plain = ReadFileOrDie(dir.File("plain"));
  EXPECT_TRUE(plain.size() == n && std::memcmp(plain.data(), pt.data, n) == 0);
  ::unlink(dir.File("a2").c_str());
  ::unlink(dir.File("plain").c_str());

  // Writer: pieces of 1, 7, 4093, 1 MiB + 3 and 9 MiB - 1 bytes, cycling, so that writes cross
  // both block boundaries at odd offsets.
  const size_t pieces[] = {1, 7, 4093, (1 << 20) + 3, (9 << 20) - 1};
  for (Mode mode : {Mode::kAesGcm, Mode::kSm4Cbc}) {
    StatusOr<std::unique_ptr<EncryptingFileWriter>> w = EncryptingFileWriter::Create(dir.File("w"), key, mode, o);
    ASSERT_OK(w);
    size_t pos = 0;
    for (size_t i = 0; pos < n; ++i) {
      const size_t len = std::min(pieces[i % 5], n - pos);
      ASSERT_OK((*w)->Write(ByteView(pt.data + pos, len)));
      pos += len;
    }
    EXPECT_EQ((*w)->plaintext_bytes_written(), n);
    ASSERT_OK((*w)->Commit());
    StatusOr<ContainerInfo> info = InspectFile(dir.File("w"));
    ASSERT_OK(info);
    ASSERT_EQ(info->blocks.size(), 3u);
    EXPECT_EQ(info->blocks[0].size, 67108912u);
    EXPECT_EQ(info->blocks[1].size, 67108912u);
    auto back = DecryptFile(dir.File("w"), key, mode, o);
    ASSERT_OK(back);
    EXPECT_TRUE(PrefixEquals(*back, n)) << ModeName(mode);
  }
}

// EncryptStreamToFile over exactly one block and one block + 1 (the reader's EOF edge).
TEST(LargeSizes, StreamAtTheBlockBoundary) {
  TempDir dir;
  const SecretBytes key = MakeKey(KeyBytes(16));
  for (size_t n : {M, M + 1}) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(BigPlaintext().data()), n));
    ASSERT_OK(EncryptStreamToFile(in, dir.File("s"), key, Mode::kAesCbc));
    StatusOr<ContainerInfo> info = InspectFile(dir.File("s"));
    ASSERT_OK(info);
    EXPECT_EQ(info->blocks.size(), n == M ? 1u : 2u);
    auto back = DecryptFile(dir.File("s"), key, Mode::kAesCbc);
    ASSERT_OK(back);
    EXPECT_TRUE(PrefixEquals(*back, n));
  }
}

}  // namespace
}  // namespace mscrypt::testing
