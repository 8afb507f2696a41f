// Cross-implementation vectors (tests/vectors/files/, provenance in tests/vectors/README.md) and
// the vector-file reader itself.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <set>

#include "mscrypt/container.h"
#include "test_util.h"
#include "vector_checks.h"
#include "vector_file.h"

namespace mscrypt::testing {
namespace {

// ---- The reader -------------------------------------------------------------------------------

TEST(VectorReader, ParsesRecordsAndComments) {
  std::vector<VectorRecord> recs;
  std::string error;
  ASSERT_TRUE(ParseVectors("# c\nNAME = a\nPT =\nCT = 00ff\n\n\nNAME = b\nKEY=0102\n", "t", &recs, &error))
      << error;
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].Get("NAME"), "a");
  EXPECT_TRUE(recs[0].GetBytes("PT").empty());
  EXPECT_EQ(recs[0].GetBytes("CT"), (std::vector<uint8_t>{0x00, 0xff}));
  EXPECT_TRUE(recs[0].Unconsumed().empty());
  EXPECT_EQ(recs[1].line(), 7);
  EXPECT_EQ(recs[1].Unconsumed(), (std::vector<std::string>{"KEY", "NAME"}));
}

TEST(VectorReader, RejectsUnknownAttribute) {
  std::vector<VectorRecord> recs;
  std::string error;
  EXPECT_FALSE(ParseVectors("NAME = a\nTAG = 00\n", "t", &recs, &error));
  EXPECT_NE(error.find("unknown attribute 'TAG'"), std::string::npos) << error;
  EXPECT_NE(error.find("t:2"), std::string::npos) << error;
}

TEST(VectorReader, RejectsDuplicateAttributeAndGarbageLine) {
  std::vector<VectorRecord> recs;
  std::string error;
  EXPECT_FALSE(ParseVectors("NAME = a\nNAME = b\n", "t", &recs, &error));
  EXPECT_NE(error.find("duplicate"), std::string::npos) << error;
  recs.clear();
  EXPECT_FALSE(ParseVectors("NAME = a\nthis is not an attribute\n", "t", &recs, &error));
}

TEST(VectorReader, UnconsumedAttributeFailsTheRecord) {
  TempDir dir;
  const std::string path = dir.File("v.txt");
  WriteFileOrDie(path, Bytes("NAME = x\nMODE = AES-GCM\n"));
  EXPECT_NONFATAL_FAILURE(ForEachVector(path, [](VectorRecord&) {}),
                          "attribute MODE was not consumed");
}

TEST(VectorReader, MissingFileFails) {
  EXPECT_NONFATAL_FAILURE(ForEachVector("/nonexistent/vectors.txt", [](VectorRecord&) {}),
                          "cannot open vector file");
}

// ---- Spec section 1.9 -------------------------------------------------------------------------

TEST(SpecVectors, AllDecryptAndReencryptExactly) {
  std::set<std::string> seen;
  const size_t n = ForEachVector(VectorFilePath("mindspore_spec_vectors.txt"), [&](VectorRecord& r) {
    seen.insert(r.Get("MODE") + "/" + r.Get("FORMAT") + "/" + std::to_string(r.GetBytes("PT").size()));
    CheckContainerVector(r);
  });
  // 7 vectors with the 32-byte plaintext and 3 with the 9-byte one (docs/format.md §2.6).
  EXPECT_EQ(n, 10u);
  for (const char* want : {"AES-GCM/current/32", "AES-CBC/current/32", "SM4-CBC/current/32",
                           "AES-GCM/legacy/32", "AES-CBC/legacy/32", "AES-GCM/current/9",
                           "AES-CBC/current/9", "SM4-CBC/current/9"}) {
    EXPECT_EQ(seen.count(want), 1u) << want;
  }
}

// One spec vector written into the test itself, so an accidental edit of the file (or of the
// generator) cannot silently change what "the spec" means.
TEST(SpecVectors, GcmVectorPinnedInSource) {
  const auto ct = FromHex(
      "d85e3a7f1a8737a1bdf68e3762df6da3b7a54b173800000010000000101112131415161718191a1b1c1d1e1f"
      "20000000573f883a06e25d315b9570aa19f227c2556c2ea027815e41f8aab79c7ace20d2");
  const auto key = Bytes("0123456789ABCDEF");
  const auto iv = FromHex("101112131415161718191a1b1c1d1e1f");
  const auto pt = Bytes("MindSpore checkpoint test vector");
  EXPECT_EQ(ToHex(SealWithIv(Mode::kAesGcm, key, iv, pt)), ToHex(ct));
  auto out = Decrypt(ct, MakeKey(key), Mode::kAesGcm);
  ASSERT_OK(out);
  EXPECT_EQ(ToVec(*out), pt);
}

// ---- Negative and limitation vectors -----------------------------------------------------------

TEST(NegativeVectors, EachFailsWithTheStatedCode) {
  std::set<std::string> results;
  const size_t n = ForEachVector(VectorFilePath("negative_vectors.txt"), [&](VectorRecord& r) {
    results.insert(r.Has("RESULT") ? r.Get("RESULT") : "");
    CheckContainerVector(r);
  });
  EXPECT_GE(n, 30u);
  for (const char* code : {"OK", "AUTHENTICATION_FAILED", "WRONG_MODE", "NOT_ENCRYPTED", "TRUNCATED",
                           "MALFORMED"}) {
    EXPECT_EQ(results.count(code), 1u) << code;
  }
}

// ---- pyca-generated (independent encoder) ------------------------------------------------------

TEST(PycaVectors, AllModesKeyLengthsAndSizesDecrypt) {
  std::set<std::string> combos;
  const size_t n = ForEachVector(VectorFilePath("pyca_generated.txt"), [&](VectorRecord& r) {
    combos.insert(r.Get("MODE") + "/" + std::to_string(r.GetBytes("KEY").size()));
    CheckContainerVector(r);
  });
  EXPECT_EQ(n, 7u * 5u + 7u);  // 7 mode/key combos x sizes {1,15,16,17,1000}, plus 7 multi-block
  EXPECT_EQ(combos.size(), 7u);
}

}  // namespace
}  // namespace mscrypt::testing
