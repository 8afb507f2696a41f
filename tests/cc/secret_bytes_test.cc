#include "mscrypt/secret_bytes.h"

#include <gtest/gtest.h>

#include <cstring>

#include "test_util.h"

namespace mscrypt::testing {
namespace {

TEST(SecretBytes, HoldsACopy) {
  auto raw = KeyBytes(24);
  SecretBytes k(raw.data(), raw.size());
  raw.assign(24, 0);  // the caller wipes its copy; the secret keeps its own
  EXPECT_EQ(k.size(), 24u);
  EXPECT_FALSE(k.empty());
  EXPECT_EQ(std::memcmp(k.UnsafeBytes(), KeyBytes(24).data(), 24), 0);
}

TEST(SecretBytes, MoveLeavesSourceEmpty) {
  const auto raw = KeyBytes(16);
  SecretBytes a(raw.data(), raw.size());
  SecretBytes b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.UnsafeBytes(), nullptr);
  ASSERT_EQ(b.size(), 16u);
  EXPECT_EQ(std::memcmp(b.UnsafeBytes(), raw.data(), 16), 0);

  SecretBytes c(KeyBytes(32).data(), 32);
  c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  ASSERT_EQ(c.size(), 16u);
  EXPECT_EQ(std::memcmp(c.UnsafeBytes(), raw.data(), 16), 0);
  SecretBytes& alias = c;
  c = std::move(alias);  // self-move keeps the value
  EXPECT_EQ(c.size(), 16u);
}

TEST(SecretBytes, CloneEqualsButIsIndependent) {
  const auto raw = KeyBytes(32);
  SecretBytes a(raw.data(), raw.size());
  SecretBytes b = a.Clone();
  ASSERT_EQ(b.size(), a.size());
  EXPECT_NE(b.UnsafeBytes(), a.UnsafeBytes());
  EXPECT_EQ(std::memcmp(a.UnsafeBytes(), b.UnsafeBytes(), 32), 0);
  // A clone decrypts what the original encrypted.
  StatusOr<Buffer> ct = Encrypt(Bytes("clone"), a, Mode::kAesGcm);
  ASSERT_OK(ct);
  { SecretBytes gone = std::move(a); }
  auto pt = Decrypt(ct->view(), b, Mode::kAesGcm);
  ASSERT_OK(pt);
  EXPECT_EQ(ToVec(*pt), Bytes("clone"));
}

TEST(SecretBytes, EmptyAndZeroLength) {
  SecretBytes a;
  EXPECT_TRUE(a.empty());
  SecretBytes b("x", 0);
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.Clone().empty());
  EXPECT_STATUS(Encrypt(Bytes("x"), a, Mode::kAesGcm), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mscrypt::testing
