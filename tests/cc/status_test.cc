#include "mscrypt/status.h"

#include <gtest/gtest.h>

#include <set>

#include "test_util.h"

namespace mscrypt::testing {
namespace {

TEST(Status, CodesArePinned) {
  EXPECT_EQ(static_cast<int>(StatusCode::kOk), 0);
  EXPECT_EQ(static_cast<int>(StatusCode::kInvalidArgument), 1);
  EXPECT_EQ(static_cast<int>(StatusCode::kNotEncrypted), 2);
  EXPECT_EQ(static_cast<int>(StatusCode::kWrongMode), 3);
  EXPECT_EQ(static_cast<int>(StatusCode::kMalformed), 4);
  EXPECT_EQ(static_cast<int>(StatusCode::kTruncated), 5);
  EXPECT_EQ(static_cast<int>(StatusCode::kAuthenticationFailed), 6);
  EXPECT_EQ(static_cast<int>(StatusCode::kUnsupported), 7);
  EXPECT_EQ(static_cast<int>(StatusCode::kIoError), 8);
  EXPECT_EQ(static_cast<int>(StatusCode::kBufferTooSmall), 9);
  EXPECT_EQ(static_cast<int>(StatusCode::kResourceExhausted), 10);
  EXPECT_EQ(static_cast<int>(StatusCode::kFailedPrecondition), 11);
  EXPECT_EQ(static_cast<int>(StatusCode::kInternal), 12);
}

TEST(Status, NamesAreDistinctAndNonEmpty) {
  std::set<std::string> names;
  for (int c = 0; c <= 12; ++c) {
    const std::string name = StatusCodeName(static_cast<StatusCode>(c));
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown status") << c;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 13u);
}

TEST(Status, ToStringAndPosition) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "ok");
  EXPECT_EQ(ok.block_index(), -1);
  Status s(StatusCode::kTruncated, "block 2 at byte 99: short");
  s.WithPosition(2, 99);
  EXPECT_EQ(s.ToString(), "truncated: block 2 at byte 99: short");
  EXPECT_EQ(s.block_index(), 2);
  EXPECT_EQ(s.byte_offset(), 99);
}

TEST(StatusOr, ValueAndError) {
  StatusOr<int> v(5);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 5);
  StatusOr<int> e(Status(StatusCode::kIoError, "x"));
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kIoError);
  // An OK status cannot make an empty StatusOr.
  StatusOr<int> bogus{Status()};
  EXPECT_STATUS(bogus, StatusCode::kInternal);
  StatusOr<std::string> moved(std::string("abc"));
  StatusOr<std::string> to(std::move(moved));
  EXPECT_EQ(*to, "abc");
  EXPECT_DEATH_IF_SUPPORTED((void)e.value(), "StatusOr::value");
}

}  // namespace
}  // namespace mscrypt::testing
