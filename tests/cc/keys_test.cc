// Key generation (keys.h): sizes, randomness that is not repeated, and key files that are private,
// complete and never replace an existing file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <set>
#include <string>

#include "mscrypt/keys.h"
#include "test_util.h"

namespace mscrypt::testing {
namespace {

TEST(Keys, GenerateKeySizesAndUniqueness) {
  std::set<std::vector<uint8_t>> seen;
  for (size_t size : {1, 16, 24, 32, 1024}) {
    SecretBytes k = Value(GenerateKey(size));
    ASSERT_EQ(k.size(), size);
    seen.insert(std::vector<uint8_t>(k.UnsafeBytes(), k.UnsafeBytes() + k.size()));
  }
  for (int i = 0; i < 100; ++i) {
    SecretBytes k = Value(GenerateKey(32));
    EXPECT_TRUE(seen.insert(std::vector<uint8_t>(k.UnsafeBytes(), k.UnsafeBytes() + 32)).second);
  }
  EXPECT_STATUS(GenerateKey(0), StatusCode::kInvalidArgument);
  EXPECT_STATUS(GenerateKey(1025), StatusCode::kInvalidArgument);
  // The generated key works: it encrypts and decrypts.
  SecretBytes k = Value(GenerateKey(32));
  const std::vector<uint8_t> pt = Bytes("generated keys are ordinary keys");
  EXPECT_EQ(ToVec(Value(Decrypt(Value(Encrypt(ByteView(pt), k, Mode::kAesGcm)).view(), k, Mode::kAesGcm))), pt);
}

TEST(Keys, KeyFilesArePrivateCompleteAndNeverReplaced) {
  TempDir dir;
  ASSERT_OK(WriteNewKeyFile(dir.File("raw.key"), 32, false));
  ASSERT_OK(WriteNewKeyFile(dir.File("hex.key"), 16, true));
  struct stat st;
  ASSERT_EQ(::stat(dir.File("raw.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(ReadFileOrDie(dir.File("raw.key")).size(), 32u);
  const std::vector<uint8_t> hex = ReadFileOrDie(dir.File("hex.key"));
  ASSERT_EQ(hex.size(), 33u);
  EXPECT_EQ(hex.back(), '\n');
  EXPECT_EQ(FromHex(std::string(hex.begin(), hex.end() - 1)).size(), 16u);
  const std::vector<uint8_t> before = ReadFileOrDie(dir.File("raw.key"));
  const Status again = WriteNewKeyFile(dir.File("raw.key"), 32, false);
  EXPECT_STATUS(again, StatusCode::kIoError);
  EXPECT_EQ(again.os_error(), EEXIST);
  EXPECT_EQ(ReadFileOrDie(dir.File("raw.key")), before);
  EXPECT_STATUS(WriteNewKeyFile(dir.File("bad.key"), 0, false), StatusCode::kInvalidArgument);
  EXPECT_EQ(dir.Entries(), (std::vector<std::string>{"hex.key", "raw.key"}));
}

}  // namespace
}  // namespace mscrypt::testing
