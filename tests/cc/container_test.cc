// Buffer-to-buffer API: Encrypt / EncryptInto / Decrypt / DecryptInto / DecryptedSize / Verify,
// size formulas (docs/format.md §2.5) and argument validation.
#include <gtest/gtest.h>

#include <algorithm>

#include "internal/format/layout.h"
#include "mscrypt/container.h"
#include "test_util.h"

namespace mscrypt::testing {
namespace {

class RoundTrip : public ::testing::TestWithParam<std::tuple<Mode, size_t>> {};

TEST_P(RoundTrip, EncryptThenDecrypt) {
  const auto [mode, len] = GetParam();
  for (size_t klen : {16, 24, 32}) {
    if (mode == Mode::kSm4Cbc && klen != 16) continue;
    const auto kb = KeyBytes(klen);
    const SecretBytes key = MakeKey(kb);
    const auto pt = PseudoRandom(len, len + klen);
    StatusOr<Buffer> ct = Encrypt(pt, key, mode);
    ASSERT_OK(ct);
    EXPECT_EQ(ct->size(), Value(EncryptedSize(mode, len)));
    if (len > 0) {
      EXPECT_EQ(DetectMode(ct->view()), mode);
    }
    auto back = Decrypt(ct->view(), key, mode);
    ASSERT_OK(back);
    EXPECT_EQ(ToVec(*back), pt);
    EXPECT_OK(Verify(ct->view(), key, mode));
    StatusOr<uint64_t> size = DecryptedSize(ct->view(), key, mode);
    ASSERT_OK(size);
    EXPECT_EQ(*size, len);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, RoundTrip,
    ::testing::Combine(::testing::Values(Mode::kAesGcm, Mode::kAesCbc, Mode::kSm4Cbc),
                       ::testing::Values(size_t{0}, size_t{1}, size_t{9}, size_t{15}, size_t{16}, size_t{17},
                                         size_t{31}, size_t{32}, size_t{33}, size_t{1000}, size_t{65536})),
    [](const ::testing::TestParamInfo<RoundTrip::ParamType>& info) {
      return ModeTestName(std::get<0>(info.param)) + "_" + std::to_string(std::get<1>(info.param));
    });

TEST(Container, EmptyPlaintextGivesEmptyContainer) {
  for (Mode mode : AllModes()) {
    StatusOr<Buffer> ct = Encrypt(ByteView(), MakeKey(KeyBytes(16)), mode);
    ASSERT_OK(ct);
    EXPECT_EQ(ct->size(), 0u);
    // Spec 1.2: 0 bytes decrypt to 0 bytes under any key (a known limitation, pinned).
    auto back = Decrypt(ByteView(), MakeKey(KeyBytes(16, 0x33)), mode);
    ASSERT_OK(back);
    EXPECT_EQ(back->size(), 0u);
    EXPECT_OK(Verify(ByteView(), MakeKey(KeyBytes(16, 0x44)), mode));
  }
}

TEST(Container, EveryEncryptionUsesAFreshIv) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  const auto pt = Bytes("same plaintext, same key");
  for (Mode mode : AllModes()) {
    StatusOr<Buffer> a = Encrypt(pt, key, mode);
    StatusOr<Buffer> b = Encrypt(pt, key, mode);
    ASSERT_OK(a);
    ASSERT_OK(b);
    const size_t iv_at = mode == Mode::kAesGcm ? 28 : 12;
    EXPECT_NE(ToHex(a->data() + iv_at, 16), ToHex(b->data() + iv_at, 16));
    EXPECT_NE(ToHex(ToVec(*a)), ToHex(ToVec(*b)));
  }
}

TEST(Container, OutputHasTheSpecLayout) {
  const SecretBytes key = MakeKey(KeyBytes(32));
  const auto pt = PseudoRandom(1000, 1);
  StatusOr<Buffer> g = Encrypt(pt, key, Mode::kAesGcm);
  ASSERT_OK(g);
  const std::vector<uint8_t> gv = ToVec(*g);
  EXPECT_EQ(ToHex(gv.data(), 4), "d85e3a7f");
  EXPECT_EQ(GetLe32(gv, 20), 24 + 1000);
  EXPECT_EQ(GetLe32(gv, 24), 16);
  EXPECT_EQ(GetLe32(gv, 44), 1000);
  StatusOr<Buffer> c = Encrypt(pt, key, Mode::kAesCbc);
  ASSERT_OK(c);
  const std::vector<uint8_t> cv = ToVec(*c);
  EXPECT_EQ(ToHex(cv.data(), 4), "d95e3a7f");
  EXPECT_EQ(GetLe32(cv, 4), 24 + 1008);
  EXPECT_EQ(GetLe32(cv, 8), 16);
  EXPECT_EQ(GetLe32(cv, 28), 1008);
}

// Spec 1.6 table, F2 columns.
TEST(EncryptedSize, SpecTable) {
  struct Row {
    uint64_t n, gcm, cbc;
  };
  const Row rows[] = {
      {0, 0, 0},
      {1, 49, 48},
      {9, 57, 48},
      {16, 64, 64},
      {1000, 1048, 1040},
      {67108864, 67108912, 67108912},
      {67108865, 67108961, 67108960},
      {100000001, 100000097, 100000096},
      {1073741824, 1073742592, 1073742592},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(Value(EncryptedSize(Mode::kAesGcm, r.n)), r.gcm) << r.n;
    EXPECT_EQ(Value(EncryptedSize(Mode::kAesCbc, r.n)), r.cbc) << r.n;
    EXPECT_EQ(Value(EncryptedSize(Mode::kSm4Cbc, r.n)), r.cbc) << r.n;
  }
}

TEST(EncryptedSize, MatchesTheFormulaForManySizes) {
  const uint64_t M = kMaxBlockPlaintextSize;
  for (uint64_t n : {uint64_t{2}, uint64_t{17}, uint64_t{4095}, M - 1, M + 17, 2 * M, 2 * M + 17, 5 * M + 3}) {
    const uint64_t nb = (n + M - 1) / M;
    EXPECT_EQ(Value(EncryptedSize(Mode::kAesGcm, n)), n + 48 * nb) << n;
    uint64_t cbc = 0;
    for (uint64_t left = n; left > 0;) {
      const uint64_t b = std::min(left, M);
      cbc += 32 + 16 * (b / 16 + 1);
      left -= b;
    }
    EXPECT_EQ(Value(EncryptedSize(Mode::kAesCbc, n)), cbc) << n;
  }
  EXPECT_STATUS(EncryptedSize(Mode::kAesGcm, UINT64_MAX), StatusCode::kInvalidArgument);
}

TEST(Container, ActualOutputSizesForTableRows) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  for (Mode mode : AllModes()) {
    for (size_t n : {0, 1, 9, 16, 1000}) {
      StatusOr<Buffer> ct = Encrypt(PseudoRandom(n, 5), key, mode);
      ASSERT_OK(ct);
      EXPECT_EQ(ct->size(), Value(EncryptedSize(mode, n)));
    }
  }
}

// ---- EncryptInto / DecryptInto ------------------------------------------------------------------

TEST(EncryptInto, ExactBufferAndTooSmallBuffer) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  const auto pt = PseudoRandom(100, 2);
  for (Mode mode : AllModes()) {
    const size_t need = static_cast<size_t>(Value(EncryptedSize(mode, pt.size())));
    std::vector<uint8_t> out(need + 10, 0xCD);
    size_t written = 12345;
    ASSERT_OK(EncryptInto(pt, key, mode, MutableByteView(out), &written));
    EXPECT_EQ(written, need);
    EXPECT_EQ(out[need], 0xCD);  // nothing past the container
    auto back = Decrypt(ByteView(out.data(), written), key, mode);
    ASSERT_OK(back);
    EXPECT_EQ(ToVec(*back), pt);

    std::vector<uint8_t> small(need - 1, 0xCD);
    written = 12345;
    Status s = EncryptInto(pt, key, mode, MutableByteView(small), &written);
    EXPECT_STATUS(s, StatusCode::kBufferTooSmall);
    EXPECT_NE(s.message().find(std::to_string(need)), std::string::npos) << s.message();
    EXPECT_EQ(written, 0u);
    EXPECT_EQ(small, std::vector<uint8_t>(need - 1, 0xCD)) << "nothing may be written";
  }
}

TEST(DecryptInto, ExactLargerAndTooSmall) {
  const SecretBytes key = MakeKey(KeyBytes(24));
  const auto pt = PseudoRandom(77, 4);
  for (Mode mode : {Mode::kAesGcm, Mode::kAesCbc}) {
    StatusOr<Buffer> ct = Encrypt(pt, key, mode);
    ASSERT_OK(ct);
    std::vector<uint8_t> out(100, 0xCD);
    size_t n = 0;
    ASSERT_OK(DecryptInto(ct->view(), key, mode, MutableByteView(out), &n));
    EXPECT_EQ(n, 77u);
    EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 77), pt);
    EXPECT_EQ(out[77], 0xCD);

    std::vector<uint8_t> small(76, 0xCD);
    n = 999;
    Status s = DecryptInto(ct->view(), key, mode, MutableByteView(small), &n);
    EXPECT_STATUS(s, StatusCode::kBufferTooSmall);
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(small, std::vector<uint8_t>(76, 0xCD)) << "nothing may be written";
  }
}

TEST(DecryptInto, AuthenticationFailureWipesOutput) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  // Three blocks (three Encrypt calls, docs/format.md §2.4); the last one is tampered, so blocks 0 and 1
  // decrypt into `out` first and must be wiped afterwards.
  std::vector<uint8_t> pt;
  std::vector<uint8_t> ct;
  for (size_t n : {40, 50, 60}) {
    auto p = PseudoRandom(n, n);
    StatusOr<Buffer> c = Encrypt(p, key, Mode::kAesGcm);
    ASSERT_OK(c);
    pt.insert(pt.end(), p.begin(), p.end());
    auto cv = ToVec(*c);
    ct.insert(ct.end(), cv.begin(), cv.end());
  }
  ct[ct.size() - 1] ^= 1;
  for (int threads : {1, 2}) {
    Options o;
    o.threads = threads;
    std::vector<uint8_t> out(200, 0xCD);
    size_t n = 7;
    Status s = DecryptInto(ct, key, Mode::kAesGcm, MutableByteView(out), &n, o);
    EXPECT_TRUE(StatusAt(s, StatusCode::kAuthenticationFailed, 2, 88 + 98));
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 150), std::vector<uint8_t>(150, 0))
        << "threads=" << threads;
  }
}

// container.h: "On any failure `out` is wiped" -- also when the failure is found before any
// block is decrypted (structure, wrong CBC key in the size pass, bad arguments); only
// kBufferTooSmall leaves `out` untouched. Regression test for a core fix: these early failures
// used to return with the caller's buffer as it was.
TEST(DecryptInto, EarlyFailuresWipeOutputToo) {
  const auto kb = KeyBytes(16);
  const SecretBytes key = MakeKey(kb);
  StatusOr<Buffer> gcm = Encrypt(PseudoRandom(64, 1), key, Mode::kAesGcm);
  StatusOr<Buffer> cbc = Encrypt(PseudoRandom(64, 2), key, Mode::kAesCbc);
  ASSERT_OK(gcm);
  ASSERT_OK(cbc);
  auto truncated = ToVec(*gcm);
  truncated.pop_back();
  const auto wrong_iv_for_padding = SealWithIv(Mode::kAesCbc, kb, std::vector<uint8_t>(16, 3), PseudoRandom(64, 2));
  Options bad_threads;
  bad_threads.threads = -3;
  struct Case {
    const char* name;
    std::vector<uint8_t> ct;
    Mode mode;
    const SecretBytes* key;
    Options options;
    StatusCode code;
  };
  const SecretBytes wrong = MakeKey(KeyBytes(16, 5));
  const Case cases[] = {
      {"truncated", truncated, Mode::kAesGcm, &key, {}, StatusCode::kTruncated},
      {"wrong mode", ToVec(*gcm), Mode::kAesCbc, &key, {}, StatusCode::kWrongMode},
      {"not encrypted", Bytes("plain text, not a container"), Mode::kAesGcm, &key, {}, StatusCode::kNotEncrypted},
      {"cbc wrong key", wrong_iv_for_padding, Mode::kAesCbc, &wrong, {}, StatusCode::kAuthenticationFailed},
      {"bad options", ToVec(*gcm), Mode::kAesGcm, &key, bad_threads, StatusCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> out(200, 0xCD);
    size_t n = 7;
    EXPECT_STATUS(DecryptInto(c.ct, *c.key, c.mode, MutableByteView(out), &n, c.options), c.code) << c.name;
    EXPECT_EQ(n, 0u) << c.name;
    EXPECT_EQ(out, std::vector<uint8_t>(200, 0)) << c.name;
  }
}

TEST(DecryptedSize, ExactForCbcWithKey) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  for (size_t n : {1, 15, 16, 17, 32}) {
    for (Mode mode : AllModes()) {
      StatusOr<Buffer> ct = Encrypt(PseudoRandom(n, 1), key, mode);
      ASSERT_OK(ct);
      StatusOr<uint64_t> size = DecryptedSize(ct->view(), key, mode);
      ASSERT_OK(size);
      EXPECT_EQ(*size, n);
    }
  }
}

// ---- Argument validation -----------------------------------------------------------------------

TEST(Arguments, KeySizes) {
  const auto pt = Bytes("abc");
  for (Mode mode : AllModes()) {
    for (size_t klen : {0, 1, 8, 15, 17, 23, 25, 31, 33, 64}) {
      const auto kb = KeyBytes(klen);
      StatusOr<Buffer> ct = Encrypt(pt, MakeKey(kb), mode);
      EXPECT_STATUS(ct, StatusCode::kInvalidArgument) << klen;
      if (!ct.ok() && klen >= 4) {
        EXPECT_TRUE(MessageIsSafe(ct.status(), kb));
      }
      EXPECT_STATUS(Decrypt(pt, MakeKey(kb), mode), StatusCode::kInvalidArgument);
    }
  }
  for (size_t klen : {24, 32}) {
    EXPECT_STATUS(Encrypt(pt, MakeKey(KeyBytes(klen)), Mode::kSm4Cbc), StatusCode::kInvalidArgument);
    EXPECT_OK(Encrypt(pt, MakeKey(KeyBytes(klen)), Mode::kAesCbc));
  }
  EXPECT_OK(ValidateKeySize(Mode::kSm4Cbc, 16));
  EXPECT_STATUS(ValidateKeySize(Mode::kSm4Cbc, 32), StatusCode::kInvalidArgument);
}

TEST(Arguments, BadOptionsAndModes) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  const auto pt = Bytes("abc");
  Options neg;
  neg.threads = -1;
  EXPECT_STATUS(Encrypt(pt, key, Mode::kAesGcm, neg), StatusCode::kInvalidArgument);
  StatusOr<Buffer> ct = Encrypt(pt, key, Mode::kAesGcm);
  ASSERT_OK(ct);
  EXPECT_STATUS(Decrypt(ct->view(), key, Mode::kAesGcm, neg), StatusCode::kInvalidArgument);
  Options bad_format;
  bad_format.format = static_cast<Format>(9);
  EXPECT_STATUS(Decrypt(ct->view(), key, Mode::kAesGcm, bad_format), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Encrypt(pt, key, static_cast<Mode>(7)), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Decrypt(ct->view(), key, static_cast<Mode>(-1)), StatusCode::kInvalidArgument);
}

TEST(Modes, ParseAndName) {
  EXPECT_EQ(Value(ParseMode("AES-GCM")), Mode::kAesGcm);
  EXPECT_EQ(Value(ParseMode("AES-CBC")), Mode::kAesCbc);
  EXPECT_EQ(Value(ParseMode("SM4-CBC")), Mode::kSm4Cbc);
  for (const char* bad : {"aes-gcm", "AES-GCM ", "", "XYZ-GCM", "AES_GCM", "SM4-GCM", "AES-CTR"}) {
    EXPECT_STATUS(ParseMode(bad), StatusCode::kInvalidArgument) << bad;
  }
  // A key passed as the mode by mistake is not echoed.
  const std::string keyish = "0123456789abcdef0123456789abcdef";
  StatusOr<Mode> m = ParseMode(keyish);
  ASSERT_STATUS(m, StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message().find(keyish), std::string::npos) << m.status().message();
  EXPECT_STREQ(ModeName(Mode::kAesGcm), "AES-GCM");
  EXPECT_STREQ(ModeName(Mode::kAesCbc), "AES-CBC");
  EXPECT_STREQ(ModeName(Mode::kSm4Cbc), "SM4-CBC");
  for (Mode mode : AllModes()) EXPECT_TRUE(IsModeAvailable(mode)) << ModeName(mode);
  // Pinned numbers (shared with the C API).
  EXPECT_EQ(static_cast<int>(Mode::kAesGcm), 0);
  EXPECT_EQ(static_cast<int>(Mode::kAesCbc), 1);
  EXPECT_EQ(static_cast<int>(Mode::kSm4Cbc), 2);
}

}  // namespace
}  // namespace mscrypt::testing
