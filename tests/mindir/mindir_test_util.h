// Helpers for the MindIR tests: status assertions, file I/O, temporary directories, the golden
// files' keys and expected weights, and small models built with the generated mind_ir classes.
#ifndef MSCRYPT_TESTS_MINDIR_MINDIR_TEST_UTIL_H_
#define MSCRYPT_TESTS_MINDIR_MINDIR_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mind_ir.pb.h"
#include "test_util.h"
#include "mscrypt/container.h"
#include "mscrypt/mindir.h"
#include "mscrypt/status.h"

namespace mscrypt::mindir_test {

// StatusIs: code matches and, if `needle` is non-empty, the message contains it.
::testing::AssertionResult StatusIs(const Status& s, StatusCode code, const std::string& needle = "");
template <typename T>
::testing::AssertionResult StatusIs(const StatusOr<T>& s, StatusCode code, const std::string& needle = "") {
  if (s.ok()) return ::testing::AssertionFailure() << "expected " << StatusCodeName(code) << ", got a value";
  return StatusIs(s.status(), code, needle);
}

// EXPECT_OK / ASSERT_OK come from test_util.h.

std::string Golden(const std::string& name);  // path inside tests/golden/mindspore
// Shared helpers of every C++ suite (tests/cc/test_util.h).
using ::mscrypt::testing::FromHex;
using ::mscrypt::testing::PseudoRandom;
using ::mscrypt::testing::TempDir;
using ::mscrypt::testing::ToVec;
using ::mscrypt::testing::ReadFileOrDie;
using ::mscrypt::testing::WriteFileOrDie;

// KeyOfLength: bytes(range(n)), the goldens' keys.
std::vector<uint8_t> KeyOfLength(size_t n);
inline SecretBytes Secret(const std::vector<uint8_t>& k) { return SecretBytes(k.data(), k.size()); }

// Expected TinyNet weights (manifest.json): dense.weight (3,4) float32, dense.bias (3,) float32.
extern const char kWeightHex[];
extern const char kBiasHex[];

// CheckTinyNet: the golden TinyNet's parameters, inputs and outputs.
void CheckTinyNet(const Graph& g);

// MakeModel: a ModelProto with graph "g" whose parameters are (name, data_type, dims, bytes);
// names are stored as "g:<name>" with ref_key <name>, plus one input and one output.
struct ParamSpec {
  std::string name;
  int32_t data_type;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
};
mind_ir::ModelProto MakeModel(const std::vector<ParamSpec>& params);
std::vector<uint8_t> Serialize(const google::protobuf::Message& m);

}  // namespace mscrypt::mindir_test

#endif  // MSCRYPT_TESTS_MINDIR_MINDIR_TEST_UTIL_H_
