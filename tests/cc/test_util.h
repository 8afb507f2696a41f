// Shared helpers for the mscrypt GoogleTest suite: status assertions, hex, keys, deterministic
// data, temporary directories and fixed-IV container construction.
#ifndef MSCRYPT_TESTS_CC_TEST_UTIL_H_
#define MSCRYPT_TESTS_CC_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mscrypt/bytes.h"
#include "mscrypt/container.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt::testing {

// ---- Status assertions (no gmock here: AssertionResult predicates) ---------------------------

::testing::AssertionResult IsOk(const Status& s);
template <typename T>
::testing::AssertionResult IsOk(const StatusOr<T>& s) { return IsOk(s.status()); }
::testing::AssertionResult StatusIs(const Status& s, StatusCode code);
template <typename T>
::testing::AssertionResult StatusIs(const StatusOr<T>& s, StatusCode code) {
  if (s.ok()) return ::testing::AssertionFailure() << "expected " << StatusCodeName(code) << ", got a value";
  return StatusIs(s.status(), code);
}
// Value: the value of a StatusOr temporary (a test failure and T{} if it holds an error).
template <typename T>
T Value(StatusOr<T> s) {
  if (!s.ok()) {
    ADD_FAILURE() << "expected a value, got " << s.status().ToString();
    return T{};
  }
  return std::move(s).value();
}
// StatusAt: code plus the block position carried by the status.
::testing::AssertionResult StatusAt(const Status& s, StatusCode code, int64_t block_index,
                                    int64_t byte_offset);

#define EXPECT_OK(expr) EXPECT_TRUE(::mscrypt::testing::IsOk(expr))
#define ASSERT_OK(expr) ASSERT_TRUE(::mscrypt::testing::IsOk(expr))
#define EXPECT_STATUS(expr, code) EXPECT_TRUE(::mscrypt::testing::StatusIs((expr), (code)))
#define ASSERT_STATUS(expr, code) ASSERT_TRUE(::mscrypt::testing::StatusIs((expr), (code)))

// MessageIsUseful: non-empty, and none of the key's bytes appear in it, neither raw nor as hex
// (lower or upper case), nor as a C-escaped byte string.
::testing::AssertionResult MessageIsSafe(const Status& s, const std::vector<uint8_t>& key);

// ---- Bytes -----------------------------------------------------------------------------------

std::vector<uint8_t> FromHex(const std::string& hex);
std::string ToHex(const uint8_t* data, size_t size);
inline std::string ToHex(const std::vector<uint8_t>& v) { return ToHex(v.data(), v.size()); }
inline std::vector<uint8_t> ToVec(ByteView v) { return std::vector<uint8_t>(v.data, v.data + v.size); }
std::vector<uint8_t> ToVec(const Buffer& b);
std::vector<uint8_t> ToVec(const PlaintextBuffer& b);
inline std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// Deterministic pseudo-random bytes (splitmix64), fast enough for 128 MiB buffers.
std::vector<uint8_t> PseudoRandom(size_t size, uint64_t seed);
// A key of `size` bytes with a distinctive, non-ASCII pattern (so leaks are easy to spot).
std::vector<uint8_t> KeyBytes(size_t size, uint8_t salt = 0);
inline SecretBytes MakeKey(const std::vector<uint8_t>& k) { return SecretBytes(k.data(), k.size()); }

const std::vector<Mode>& AllModes();
std::string ModeTestName(Mode mode);  // "AesGcm", for parameterised test names

// ---- Fixed-IV containers ---------------------------------------------------------------------

// SealWithIv builds one current-format block with the given IV using internal::SealBlock and
// internal::WriteBlockHeader (the same primitives the library's writer uses), so tests can
// reproduce exact bytes.
std::vector<uint8_t> SealWithIv(Mode mode, const std::vector<uint8_t>& key, const std::vector<uint8_t>& iv,
                                const std::vector<uint8_t>& plaintext);
// SealLegacyWithIv builds one legacy (MindSpore 1.3-1.6) block: CBC-shaped header with the GCM
// magic, no tag; GCM is the CTR keystream (the F2 GCM ciphertext bytes, docs/format.md §2.3).
std::vector<uint8_t> SealLegacyWithIv(Mode mode, const std::vector<uint8_t>& key,
                                      const std::vector<uint8_t>& iv, const std::vector<uint8_t>& plaintext);

void PutLe32(std::vector<uint8_t>& v, size_t offset, int32_t value);
int32_t GetLe32(const std::vector<uint8_t>& v, size_t offset);

// ---- Files -----------------------------------------------------------------------------------

// TempDir: a fresh directory under the gtest temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  std::string operator/(const std::string& name) const { return File(name); }
  // Entries() lists the directory's entries (names only, sorted), including dot files.
  std::vector<std::string> Entries() const;

 private:
  std::string path_;
};

void WriteFileOrDie(const std::string& path, const std::vector<uint8_t>& data);
std::vector<uint8_t> ReadFileOrDie(const std::string& path);
bool FileExists(const std::string& path);

// Path of a committed vector file (tests/vectors/files/<name>).
std::string VectorFilePath(const std::string& name);

}  // namespace mscrypt::testing

#endif  // MSCRYPT_TESTS_CC_TEST_UTIL_H_
