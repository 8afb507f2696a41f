#include "vector_checks.h"

#include <gtest/gtest.h>

#include <map>

#include "mscrypt/container.h"
#include "test_util.h"

namespace mscrypt::testing {

std::optional<StatusCode> ResultCode(const std::string& name) {
  static const std::map<std::string, StatusCode> kCodes = {
      {"OK", StatusCode::kOk},
      {"INVALID_ARGUMENT", StatusCode::kInvalidArgument},
      {"NOT_ENCRYPTED", StatusCode::kNotEncrypted},
      {"WRONG_MODE", StatusCode::kWrongMode},
      {"MALFORMED", StatusCode::kMalformed},
      {"TRUNCATED", StatusCode::kTruncated},
      {"AUTHENTICATION_FAILED", StatusCode::kAuthenticationFailed},
      {"UNSUPPORTED", StatusCode::kUnsupported},
  };
  auto it = kCodes.find(name);
  if (it == kCodes.end()) return std::nullopt;
  return it->second;
}

void CheckContainerVector(VectorRecord& r) {
  StatusOr<Mode> mode = ParseMode(r.Get("MODE"));
  ASSERT_OK(mode);
  const std::string format_name = r.Get("FORMAT");
  ASSERT_TRUE(format_name == "current" || format_name == "legacy") << "FORMAT = " << format_name;
  Options options;
  options.format = format_name == "legacy" ? Format::kLegacy : Format::kCurrent;
  options.threads = 1;
  const std::vector<uint8_t> key_bytes = r.GetBytes("KEY");
  const SecretBytes key = MakeKey(key_bytes);
  const std::vector<uint8_t> ct = r.GetBytes("CT");
  const std::string result_name = r.Get("RESULT");
  const std::optional<StatusCode> expected = ResultCode(result_name);
  ASSERT_TRUE(expected.has_value()) << "unknown RESULT " << result_name;

  TempDir dir;
  const std::string path = dir.File("vector.bin");
  WriteFileOrDie(path, ct);

  if (*expected == StatusCode::kOk) {
    const std::vector<uint8_t> pt = r.GetBytes("PT");
    for (int threads : {1, 2}) {
      options.threads = threads;
      auto out = Decrypt(ct, key, *mode, options);
      ASSERT_OK(out);
      EXPECT_EQ(ToHex(ToVec(*out)), ToHex(pt)) << "threads=" << threads;
      auto from_file = DecryptFile(path, key, *mode, options);
      ASSERT_OK(from_file);
      EXPECT_EQ(ToVec(*from_file), pt);
    }
    EXPECT_OK(Verify(ct, key, *mode, options));
    StatusOr<uint64_t> size = DecryptedSize(ct, key, *mode, options);
    ASSERT_OK(size);
    EXPECT_EQ(*size, pt.size());
    if (r.Has("IV")) {
      const std::vector<uint8_t> iv = r.GetBytes("IV");
      const std::vector<uint8_t> again = options.format == Format::kLegacy
                                             ? SealLegacyWithIv(*mode, key_bytes, iv, pt)
                                             : SealWithIv(*mode, key_bytes, iv, pt);
      EXPECT_EQ(ToHex(again), ToHex(ct)) << "re-encryption with the vector's IV differs";
    }
    return;
  }

  const bool has_position = r.Has("BLOCK_INDEX");
  const int64_t block = has_position ? r.GetInt("BLOCK_INDEX") : -1;
  const int64_t offset = has_position ? r.GetInt("BYTE_OFFSET") : -1;
  auto check = [&](const Status& s, const char* what) {
    SCOPED_TRACE(what);
    EXPECT_STATUS(s, *expected);
    if (has_position) {
      EXPECT_TRUE(StatusAt(s, *expected, block, offset));
    }
    EXPECT_TRUE(MessageIsSafe(s, key_bytes));
  };
  for (int threads : {1, 2}) {
    options.threads = threads;
    check(Decrypt(ct, key, *mode, options).status(), "Decrypt");
    check(DecryptFile(path, key, *mode, options).status(), "DecryptFile");
    check(Verify(ct, key, *mode, options), "Verify");
  }
}

}  // namespace mscrypt::testing
