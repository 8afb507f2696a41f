// Raw AES-CBC (raw.h): NIST SP 800-38A vectors, PKCS#7 framing, streaming across chunk
// boundaries, and the failures a reader can detect (padding, length), never a wrong IV.
#include <gtest/gtest.h>

#include "mscrypt/raw.h"
#include "test_util.h"

namespace mscrypt::testing {
namespace {

const std::vector<uint8_t> kIv = FromHex("000102030405060708090a0b0c0d0e0f");

TEST(Raw, NistCbcVectorsWithPkcs7) {
  // SP 800-38A F.2.1 / F.2.3 / F.2.5, first block: the raw format adds one padding block.
  const std::vector<uint8_t> pt = FromHex("6bc1bee22e409f96e93d7e117393172a");
  const struct {
    const char* key;
    const char* ct;
  } cases[] = {
      {"2b7e151628aed2a6abf7158809cf4f3c", "7649abac8119b246cee98e9b12e9197d"},
      {"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "4f021db243bc633d7178183a9fa071e8"},
      {"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "f58c4c04d6e5f1ba779eabfb5f7bfbd6"},
  };
  for (const auto& c : cases) {
    const SecretBytes key = MakeKey(FromHex(c.key));
    const std::vector<uint8_t> ct = ToVec(Value(RawEncrypt(ByteView(pt), key, kIv.data())));
    ASSERT_EQ(ct.size(), 32u);
    EXPECT_EQ(ToHex(ct.data(), 16), c.ct);
    EXPECT_EQ(ToVec(Value(RawDecrypt(ByteView(ct), key, kIv.data()))), pt);
  }
}

TEST(Raw, FilesStreamAcrossChunksAndMatchTheBufferPath) {
  TempDir dir;
  const SecretBytes key = MakeKey(KeyBytes(24));
  const std::vector<uint8_t> plain = PseudoRandom((size_t{16} << 20) + 12345, 5);  // > one 16 MiB chunk
  WriteFileOrDie(dir.File("p"), plain);
  ASSERT_OK(RawEncryptFileToFile(dir.File("p"), dir.File("c"), key, kIv.data()));
  const std::vector<uint8_t> ct = ReadFileOrDie(dir.File("c"));
  EXPECT_EQ(ct, ToVec(Value(RawEncrypt(ByteView(plain), key, kIv.data()))));
  EXPECT_EQ(ct.size(), (plain.size() / 16 + 1) * 16);
  ASSERT_OK(RawDecryptFileToFile(dir.File("c"), dir.File("d"), key, kIv.data()));
  EXPECT_EQ(ReadFileOrDie(dir.File("d")), plain);
  EXPECT_EQ(ToVec(Value(RawDecryptFile(dir.File("c"), key, kIv.data()))), plain);
}

TEST(Raw, DetectableFailuresAndTheUndetectableWrongIv) {
  TempDir dir;
  const SecretBytes key = MakeKey(KeyBytes(16));
  const std::vector<uint8_t> plain = PseudoRandom(100, 9);
  std::vector<uint8_t> ct = ToVec(Value(RawEncrypt(ByteView(plain), key, kIv.data())));
  // A wrong IV garbles only the first 16 bytes and passes: raw CBC cannot detect it.
  const std::vector<uint8_t> other_iv(16, 0x55);
  const std::vector<uint8_t> garbled = ToVec(Value(RawDecrypt(ByteView(ct), key, other_iv.data())));
  EXPECT_TRUE(std::equal(garbled.begin() + 16, garbled.end(), plain.begin() + 16));
  EXPECT_NE(std::vector<uint8_t>(garbled.begin(), garbled.begin() + 16), std::vector<uint8_t>(plain.begin(), plain.begin() + 16));
  EXPECT_STATUS(RawDecrypt(ByteView(ct.data(), ct.size() - 1), key, kIv.data()), StatusCode::kTruncated);
  EXPECT_STATUS(RawDecrypt(ByteView(), key, kIv.data()), StatusCode::kMalformed);
  EXPECT_STATUS(RawEncrypt(ByteView(plain), MakeKey(KeyBytes(20)), kIv.data()), StatusCode::kInvalidArgument);
  ct.back() ^= 0x01;  // scrambles the last block, whose padding is then invalid (fixed data: decided)
  const Status bad = RawDecrypt(ByteView(ct), key, kIv.data()).status();
  EXPECT_STATUS(bad, StatusCode::kAuthenticationFailed);
  EXPECT_EQ(bad.hints(), static_cast<uint32_t>(kHintUnauthenticatedMode));
  WriteFileOrDie(dir.File("c"), ct);
  WriteFileOrDie(dir.File("out"), Bytes("old"));
  EXPECT_STATUS(RawDecryptFileToFile(dir.File("c"), dir.File("out"), key, kIv.data()), StatusCode::kAuthenticationFailed);
  EXPECT_EQ(ReadFileOrDie(dir.File("out")), Bytes("old"));
  EXPECT_EQ(dir.Entries(), (std::vector<std::string>{"c", "out"}));
}

}  // namespace
}  // namespace mscrypt::testing
