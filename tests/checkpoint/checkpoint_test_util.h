// Helpers for the checkpoint tests: status assertions, temporary files, keys.
#ifndef MSCRYPT_TESTS_CHECKPOINT_CHECKPOINT_TEST_UTIL_H_
#define MSCRYPT_TESTS_CHECKPOINT_CHECKPOINT_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mscrypt/checkpoint.h"
#include "test_util.h"
#include "mscrypt/status.h"

namespace mscrypt::ckpt_test {

inline ::testing::AssertionResult Ok(const Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << s.ToString();
}
template <typename T>
::testing::AssertionResult Ok(const StatusOr<T>& s) { return Ok(s.status()); }
inline ::testing::AssertionResult Is(const Status& s, StatusCode code) {
  if (s.code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << StatusCodeName(code) << ", got " << s.ToString();
}
template <typename T>
::testing::AssertionResult Is(const StatusOr<T>& s, StatusCode code) {
  if (s.ok()) return ::testing::AssertionFailure() << "expected " << StatusCodeName(code) << ", got a value";
  return Is(s.status(), code);
}

#define CK_EXPECT_OK(e) EXPECT_TRUE(::mscrypt::ckpt_test::Ok(e))
#define CK_ASSERT_OK(e) ASSERT_TRUE(::mscrypt::ckpt_test::Ok(e))
#define CK_EXPECT_CODE(e, c) EXPECT_TRUE(::mscrypt::ckpt_test::Is((e), (c)))

using ::mscrypt::testing::TempDir;  // tests/cc/test_util.h, shared by every C++ suite

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}
inline ByteView View(const std::string& s) { return ByteView(s.data(), s.size()); }

inline SecretBytes TestKey(size_t n = 16) {
  std::vector<uint8_t> k(n);
  for (size_t i = 0; i < n; ++i) k[i] = static_cast<uint8_t>(i);
  return SecretBytes(k.data(), k.size());
}

// Pattern: deterministic bytes.
inline std::string Pattern(size_t n, uint32_t seed = 1) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

// Tensor: what a test writes.
struct Tensor {
  std::string name;
  TensorType type;
  std::vector<int64_t> dims;
  std::string data;
};

inline Status WriteCheckpoint(const std::string& path, const std::vector<Tensor>& tensors, const SecretBytes* key,
                              Mode mode, const CheckpointWriteOptions& options = {}) {
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointWriter> w, CheckpointWriter::Create(path, key, mode, options));
  for (const Tensor& t : tensors) MSCRYPT_RETURN_IF_ERROR(w->AddTensor(t.name, t.type, t.dims, View(t.data)));
  return w->Commit();
}

// Contents: the joined bytes of a tensor.
inline std::string Contents(const PlaintextBuffer& plaintext, const CheckpointTensor& t) {
  std::string out(static_cast<size_t>(t.size_in_bytes), '\0');
  Status s = GatherTensorBytes(plaintext.view(), t, MutableByteView(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}
inline std::string Contents(const std::string& plaintext, const CheckpointTensor& t) {
  std::string out(static_cast<size_t>(t.size_in_bytes), '\0');
  Status s = GatherTensorBytes(View(plaintext), t, MutableByteView(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

}  // namespace mscrypt::ckpt_test

#endif  // MSCRYPT_TESTS_CHECKPOINT_CHECKPOINT_TEST_UTIL_H_
