// internal/crypto/block_cipher: one block with OpenSSL (docs/format.md §2.3).
#include "internal/crypto/block_cipher.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "internal/format/layout.h"
#include "test_util.h"

namespace mscrypt::internal {
namespace {

using ::mscrypt::testing::AllModes;
using ::mscrypt::testing::Bytes;
using ::mscrypt::testing::FromHex;
using ::mscrypt::testing::KeyBytes;
using ::mscrypt::testing::MakeKey;
using ::mscrypt::testing::PseudoRandom;
using ::mscrypt::testing::ToHex;

const std::vector<uint8_t> kIv = FromHex("101112131415161718191a1b1c1d1e1f");

struct Sealed {
  std::vector<uint8_t> ct;
  std::vector<uint8_t> tag;
};

Sealed Seal(Mode mode, const SecretBytes& key, const std::vector<uint8_t>& iv, const std::vector<uint8_t>& pt) {
  Sealed s;
  s.ct.resize(CipherLenFor(mode, pt.size()));
  s.tag.resize(16);
  EXPECT_OK(SealBlock(*SpecOf(mode), key, iv.data(), pt.data(), pt.size(), s.ct.data(), s.tag.data()));
  return s;
}

Status Open(Mode mode, Format format, const SecretBytes& key, const std::vector<uint8_t>& iv, const Sealed& s,
            std::vector<uint8_t>* pt) {
  pt->assign(s.ct.size(), 0xAA);
  size_t n = 0;
  Status st = OpenBlock(*SpecOf(mode), format, key, iv.data(), s.tag.data(), s.ct.data(), s.ct.size(), pt->data(), &n);
  if (st.ok()) pt->resize(n);
  return st;
}

TEST(BlockCipher, RoundTripEveryModeKeySizeAndLength) {
  for (Mode mode : AllModes()) {
    for (size_t klen : {16, 24, 32}) {
      if (mode == Mode::kSm4Cbc && klen != 16) continue;
      const SecretBytes key = MakeKey(KeyBytes(klen));
      for (size_t len = 1; len <= 49; ++len) {
        const auto pt = PseudoRandom(len, len);
        Sealed s = Seal(mode, key, kIv, pt);
        EXPECT_EQ(s.ct.size(), SpecOf(mode)->padded ? (len / 16 + 1) * 16 : len);
        std::vector<uint8_t> back;
        ASSERT_OK(Open(mode, Format::kCurrent, key, kIv, s, &back));
        EXPECT_EQ(back, pt) << ModeName(mode) << " klen=" << klen << " len=" << len;
      }
    }
  }
}

TEST(BlockCipher, SealIsDeterministicForAFixedIv) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  const auto pt = Bytes("MindSpore");
  for (Mode mode : AllModes()) {
    Sealed a = Seal(mode, key, kIv, pt);
    Sealed b = Seal(mode, key, kIv, pt);
    EXPECT_EQ(a.ct, b.ct);
    if (mode == Mode::kAesGcm) {
      EXPECT_EQ(a.tag, b.tag);
    }
  }
}

// Spec 1.4: the GCM nonce is iv[0..11]; iv[12..15] is stored but never used.
TEST(BlockCipher, GcmNonceIsFirstTwelveIvBytes) {
  const SecretBytes key = MakeKey(Bytes("0123456789ABCDEF"));
  const auto pt = Bytes("MindSpore checkpoint test vector");
  Sealed s = Seal(Mode::kAesGcm, key, kIv, pt);
  // Same ciphertext and tag whatever iv[12..15] holds.
  auto iv2 = kIv;
  iv2[12] ^= 0xFF;
  iv2[15] ^= 0x5A;
  Sealed s2 = Seal(Mode::kAesGcm, key, iv2, pt);
  EXPECT_EQ(s.ct, s2.ct);
  EXPECT_EQ(s.tag, s2.tag);
  std::vector<uint8_t> back;
  for (int i = 12; i < 16; ++i) {
    auto iv = kIv;
    iv[static_cast<size_t>(i)] ^= 0x01;
    EXPECT_OK(Open(Mode::kAesGcm, Format::kCurrent, key, iv, s, &back)) << "iv byte " << i;
    EXPECT_EQ(back, pt);
  }
  for (int i = 0; i < 12; ++i) {
    auto iv = kIv;
    iv[static_cast<size_t>(i)] ^= 0x01;
    EXPECT_STATUS(Open(Mode::kAesGcm, Format::kCurrent, key, iv, s, &back), StatusCode::kAuthenticationFailed)
        << "iv byte " << i;
  }
  // The docs/format.md §2.6 ciphertext and tag.
  EXPECT_EQ(ToHex(s.tag), "1a8737a1bdf68e3762df6da3b7a54b17");
  EXPECT_EQ(ToHex(s.ct), "573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2");
}

// Spec 1.4: legacy GCM is CTR from inc32(J0); its bytes equal the current GCM ciphertext.
TEST(BlockCipher, LegacyGcmIsUnauthenticatedCtr) {
  const SecretBytes key = MakeKey(KeyBytes(24));
  const auto pt = PseudoRandom(100, 3);
  Sealed s = Seal(Mode::kAesGcm, key, kIv, pt);
  std::vector<uint8_t> back;
  ASSERT_OK(Open(Mode::kAesGcm, Format::kLegacy, key, kIv, s, &back));
  EXPECT_EQ(back, pt);
  // No tag: any tag, a flipped ciphertext bit, even a wrong key "succeed".
  s.tag.assign(16, 0);
  s.ct[7] ^= 0x10;
  ASSERT_OK(Open(Mode::kAesGcm, Format::kLegacy, key, kIv, s, &back));
  EXPECT_EQ(back[7], pt[7] ^ 0x10);
  EXPECT_OK(Open(Mode::kAesGcm, Format::kLegacy, MakeKey(KeyBytes(24, 1)), kIv, s, &back));
}

TEST(BlockCipher, FailedOpenWipesOutput) {
  const SecretBytes key = MakeKey(KeyBytes(16));
  const auto pt = PseudoRandom(64, 9);
  // GCM: a bad tag leaves all cipher_len output bytes zeroed.
  Sealed g = Seal(Mode::kAesGcm, key, kIv, pt);
  g.tag[0] ^= 1;
  std::vector<uint8_t> out;
  EXPECT_STATUS(Open(Mode::kAesGcm, Format::kCurrent, key, kIv, g, &out), StatusCode::kAuthenticationFailed);
  EXPECT_EQ(out, std::vector<uint8_t>(64, 0));
  // CBC with a bad pad: what OpenSSL emitted (all but the held-back last block) is zeroed and
  // no plaintext byte survives.
  Sealed c = Seal(Mode::kAesCbc, key, kIv, pt);
  c.ct[c.ct.size() - 1] ^= 0x80;
  EXPECT_STATUS(Open(Mode::kAesCbc, Format::kCurrent, key, kIv, c, &out), StatusCode::kAuthenticationFailed);
  ASSERT_EQ(out.size(), 80u);
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 64), std::vector<uint8_t>(64, 0));
}

TEST(BlockCipher, CbcPaddingLengthMatchesPkcs7) {
  for (Mode mode : {Mode::kAesCbc, Mode::kSm4Cbc}) {
    const SecretBytes key = MakeKey(KeyBytes(16));
    for (size_t len = 0; len <= 40; ++len) {
      const auto pt = PseudoRandom(len, 77);
      Sealed s = Seal(mode, key, kIv, pt);
      const uint8_t* prev = s.ct.size() == 16 ? kIv.data() : s.ct.data() + s.ct.size() - 32;
      size_t pad = 0;
      ASSERT_OK(CbcPaddingLength(*SpecOf(mode), key, prev, s.ct.data() + s.ct.size() - 16, &pad));
      EXPECT_EQ(pad, 16 - len % 16) << len;
    }
  }
}

TEST(BlockCipher, CbcPaddingLengthRejectsWrongKey) {
  const auto pt = Bytes("MindSpore checkpoint test vector");
  Sealed s = Seal(Mode::kAesCbc, MakeKey(Bytes("0123456789ABCDEF")), kIv, pt);
  size_t pad = 0;
  EXPECT_STATUS(CbcPaddingLength(*SpecOf(Mode::kAesCbc), MakeKey(KeyBytes(16)), s.ct.data() + 16, s.ct.data() + 32, &pad),
                StatusCode::kAuthenticationFailed);
}

TEST(BlockCipher, BadKeyLengthIsInvalidArgument) {
  const auto pt = Bytes("x");
  uint8_t out[32];
  uint8_t tag[16];
  for (size_t klen : {0, 1, 15, 17, 31, 33, 64}) {
    const SecretBytes key = MakeKey(std::vector<uint8_t>(klen, 7));
    EXPECT_STATUS(SealBlock(*SpecOf(Mode::kAesGcm), key, kIv.data(), pt.data(), 1, out, tag), StatusCode::kInvalidArgument);
  }
  EXPECT_STATUS(SealBlock(*SpecOf(Mode::kSm4Cbc), MakeKey(KeyBytes(24)), kIv.data(), pt.data(), 1, out, tag),
                StatusCode::kInvalidArgument);
}

TEST(BlockCipher, RandomBytesAreNotConstant) {
  uint8_t a[16];
  uint8_t b[16];
  ASSERT_OK(RandomBytes(a, 16));
  ASSERT_OK(RandomBytes(b, 16));
  EXPECT_NE(ToHex(a, 16), ToHex(b, 16));
}

}  // namespace
}  // namespace mscrypt::internal
