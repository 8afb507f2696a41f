// mscrypt_vector_check FILE...: runs CheckContainerVector on every record of the given vector
// files. ctest uses it for vectors produced at test time by tests/vectors/gen/ (the 65536-byte
// pyca vectors are too big to commit).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vector_checks.h"
#include "vector_file.h"

namespace {
std::vector<std::string>* g_files = nullptr;

TEST(VectorFiles, AllRecordsPass) {
  ASSERT_FALSE(g_files->empty()) << "usage: mscrypt_vector_check FILE...";
  for (const std::string& f : *g_files) {
    SCOPED_TRACE(f);
    const size_t n = mscrypt::testing::ForEachVector(f, mscrypt::testing::CheckContainerVector);
    EXPECT_GT(n, 0u) << f << " holds no records";
  }
}
}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::vector<std::string> files(argv + 1, argv + argc);
  g_files = &files;
  return RUN_ALL_TESTS();
}
