// Seals (docs/format.md §11): every attack the container cannot see, on GCM and CBC, gets its own
// error naming the first offending block; the pending-seal protocol survives every crash state.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "mscrypt/container.h"
#include "mscrypt/seal.h"
#include "test_util.h"
#include "vector_file.h"

namespace mscrypt::testing {
namespace {

class Seal : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    if (!IsModeAvailable(GetParam())) GTEST_SKIP() << "mode not in this OpenSSL";
  }
  Mode mode() const { return GetParam(); }
  SecretBytes key() const { return MakeKey(KeyBytes(16)); }
  // A container of `n` blocks (concatenated Encrypt outputs, docs/format.md §2.4), blocks kept apart.
  std::vector<std::vector<uint8_t>> Blocks(size_t n, uint64_t seed) const {
    std::vector<std::vector<uint8_t>> out;
    for (size_t i = 0; i < n; ++i) {
      out.push_back(ToVec(Value(Encrypt(ByteView(PseudoRandom(1000 + i, seed + i)), key(), mode()))));
    }
    return out;
  }
  static std::vector<uint8_t> Join(const std::vector<std::vector<uint8_t>>& blocks) {
    std::vector<uint8_t> out;
    for (const auto& b : blocks) out.insert(out.end(), b.begin(), b.end());
    return out;
  }
  // Seals `blocks` as dir/f, then writes `attacked` over it and returns the check's status.
  Status Attack(const std::vector<std::vector<uint8_t>>& blocks, const std::vector<std::vector<uint8_t>>& attacked) {
    WriteFileOrDie(dir_ / "f", Join(blocks));
    Status s = SealFile(dir_ / "f", key(), mode());
    if (!s.ok()) return s;
    WriteFileOrDie(dir_ / "f", Join(attacked));
    return CheckSeal(dir_ / "f", key(), mode(), SealRole::kOther).status();
  }
  static void ExpectSealError(const Status& s, const std::string& words, int64_t block) {
    EXPECT_EQ(s.code(), StatusCode::kSealMismatch) << s.ToString();
    EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
    EXPECT_EQ(s.block_index(), block) << s.message();
  }
  TempDir dir_;
};

TEST_P(Seal, WritersSealAndReadersCheck) {
  const std::vector<uint8_t> pt = PseudoRandom(5000, 1);
  WriteFileOrDie(dir_ / "plain", pt);
  Options o;
  o.write_seal = true;
  ASSERT_OK(EncryptFileToFile(dir_ / "plain", dir_ / "enc", key(), mode(), o));
  ASSERT_TRUE(FileExists(dir_ / "enc.msseal"));
  EXPECT_FALSE(FileExists(dir_ / "enc.msseal.next"));
  const SealReport r = Value(CheckSeal(dir_ / "enc", key(), mode(), SealRole::kOther));
  EXPECT_TRUE(r.sealed);
  EXPECT_EQ(r.blocks, 1u);
  EXPECT_EQ(r.plaintext_size, pt.size());
  EXPECT_EQ(ToVec(Value(DecryptFile(dir_ / "enc", key(), mode()))), pt);
  // Every other writer too.
  ASSERT_OK(EncryptToFile(ByteView(pt), dir_ / "enc2", key(), mode(), o));
  EXPECT_TRUE(Value(CheckSeal(dir_ / "enc2", key(), mode(), SealRole::kOther)).sealed);
  auto w = Value(EncryptingFileWriter::Create(dir_ / "enc3", key(), mode(), o));
  ASSERT_OK(w->Write(ByteView(pt)));
  ASSERT_OK(w->Commit());
  EXPECT_TRUE(Value(CheckSeal(dir_ / "enc3", key(), mode(), SealRole::kOther)).sealed);
  // Without a seal nothing is checked; kRequire then fails.
  ASSERT_OK(EncryptToFile(ByteView(pt), dir_ / "bare", key(), mode()));
  EXPECT_FALSE(Value(CheckSeal(dir_ / "bare", key(), mode(), SealRole::kOther)).sealed);
  Options require;
  require.seal_check = SealCheck::kRequire;
  EXPECT_STATUS(DecryptFile(dir_ / "bare", key(), mode(), require).status(), StatusCode::kSealMismatch);
  EXPECT_EQ(ToVec(Value(DecryptFile(dir_ / "enc", key(), mode(), require))), pt);
}

TEST_P(Seal, EachAttackHasItsOwnErrorNamingTheFirstBlock) {
  const auto b = Blocks(4, 10);
  const auto other = Blocks(2, 99);  // another file under the same key
  ExpectSealError(Attack(b, {b[0], b[1], b[2]}), "truncated at a block boundary", 3);
  ExpectSealError(Attack(b, {}), "truncated at a block boundary", 0);
  ExpectSealError(Attack(b, {b[0], b[2], b[3]}), "block 1 of 'f' is missing", 1);
  ExpectSealError(Attack(b, {b[0], b[1], b[2], b[3], other[0]}), "extra block", 4);
  ExpectSealError(Attack(b, {b[0], b[2], b[1], b[3]}), "out of order", 1);
  ExpectSealError(Attack(b, {b[0], b[1], b[1], b[2], b[3]}), "duplicates block 1", 2);
  ExpectSealError(Attack(b, {b[0], b[1], other[1], b[3]}), "spliced", 2);
  ExpectSealError(Attack(b, other), "belongs to another file", -1);
  ASSERT_OK(Attack(b, b));
  // Without the seal (or told to skip it) the same attacks pass, as in MindSpore.
  WriteFileOrDie(dir_ / "f", Join({b[0], b[2]}));
  Options skip;
  skip.seal_check = SealCheck::kSkip;
  ASSERT_OK(VerifyFile(dir_ / "f", key(), mode(), skip));
  EXPECT_STATUS(VerifyFile(dir_ / "f", key(), mode()), StatusCode::kSealMismatch);
}

TEST_P(Seal, TamperedForeignOrWrongKeySealsAreNotGenuine) {
  const auto b = Blocks(3, 20);
  WriteFileOrDie(dir_ / "f", Join(b));
  ASSERT_OK(SealFile(dir_ / "f", key(), mode()));
  std::vector<uint8_t> seal = ReadFileOrDie(dir_ / "f.msseal");
  for (size_t at : {size_t{7}, size_t{20}, seal.size() / 2, seal.size() - 1}) {
    std::vector<uint8_t> t = seal;
    t[at] ^= 1;
    WriteFileOrDie(dir_ / "f.msseal", t);
    const Status s = CheckSeal(dir_ / "f", key(), mode(), SealRole::kOther).status();
    EXPECT_EQ(s.code(), StatusCode::kSealMismatch) << at;
    EXPECT_NE(s.message().find("altered, or it was made with another key"), std::string::npos) << s.message();
  }
  WriteFileOrDie(dir_ / "f.msseal", seal);
  const Status wrong = CheckSeal(dir_ / "f", MakeKey(KeyBytes(16, 7)), mode(), SealRole::kOther).status();
  EXPECT_EQ(wrong.code(), StatusCode::kSealMismatch);
  std::vector<uint8_t> v2 = seal;
  v2[6] = 2;
  WriteFileOrDie(dir_ / "f.msseal", v2);
  EXPECT_STATUS(CheckSeal(dir_ / "f", key(), mode(), SealRole::kOther).status(), StatusCode::kUnsupported);
  WriteFileOrDie(dir_ / "f.msseal", std::vector<uint8_t>(seal.begin(), seal.begin() + 20));
  EXPECT_STATUS(CheckSeal(dir_ / "f", key(), mode(), SealRole::kOther).status(), StatusCode::kSealMismatch);
  WriteFileOrDie(dir_ / "f.msseal", std::vector<uint8_t>(100, 0));
  EXPECT_STATUS(CheckSeal(dir_ / "f", key(), mode(), SealRole::kOther).status(), StatusCode::kSealMismatch);
}

TEST_P(Seal, RolesAndMembers) {
  const auto b = Blocks(2, 30);
  ::mkdir((dir_ / "net_variables").c_str(), 0755);
  WriteFileOrDie(dir_ / "net.mindir", Join(b));
  WriteFileOrDie(dir_ / "net_variables/data_0", Join(Blocks(2, 40)));
  Options o;
  o.seal_role = SealRole::kMindIR;
  o.seal_members = {"net_variables/data_0"};
  ASSERT_OK(SealFile(dir_ / "net.mindir", key(), mode(), o));
  const SealReport r = Value(CheckSeal(dir_ / "net.mindir", key(), mode(), SealRole::kMindIR));
  EXPECT_EQ(r.files, 2u);
  EXPECT_EQ(r.members, std::vector<std::string>{"net_variables/data_0"});
  ExpectSealError(CheckSeal(dir_ / "net.mindir", key(), mode(), SealRole::kCheckpoint).status(), "not a checkpoint", -1);
  // A weight file swapped for another under the same key, or removed.
  WriteFileOrDie(dir_ / "net_variables/data_0", Join(Blocks(2, 41)));
  ExpectSealError(CheckSeal(dir_ / "net.mindir", key(), mode(), SealRole::kMindIR).status(), "belongs to another file", -1);
  ::unlink((dir_ / "net_variables/data_0").c_str());
  ExpectSealError(CheckSeal(dir_ / "net.mindir", key(), mode(), SealRole::kMindIR).status(), "which is missing", -1);
  Options bad;
  bad.seal_members = {"../escape"};
  EXPECT_STATUS(SealFile(dir_ / "net.mindir", key(), mode(), bad), StatusCode::kInvalidArgument);
  // SealFile verifies first: a file that does not decrypt is not sealed. (Cut inside its last
  // block: a CBC ciphertext bit flip would keep a valid padding once in 256 runs.)
  std::vector<uint8_t> broken = Join(b);
  broken.resize(broken.size() - 16);
  WriteFileOrDie(dir_ / "broken", broken);
  EXPECT_FALSE(SealFile(dir_ / "broken", key(), mode()).ok());
  EXPECT_FALSE(FileExists(dir_ / "broken.msseal"));
}

// The crash states of docs/format.md §11.4, made by hand.
TEST_P(Seal, EveryCrashStateOfThePendingProtocolVerifies) {
  const auto old_blocks = Blocks(2, 50), new_blocks = Blocks(3, 60);
  WriteFileOrDie(dir_ / "f", Join(new_blocks));
  ASSERT_OK(SealFile(dir_ / "f", key(), mode()));
  const std::vector<uint8_t> new_seal = ReadFileOrDie(dir_ / "f.msseal");
  WriteFileOrDie(dir_ / "f", Join(old_blocks));
  ASSERT_OK(SealFile(dir_ / "f", key(), mode()));
  const std::vector<uint8_t> old_seal = ReadFileOrDie(dir_ / "f.msseal");
  // Crash after step 2: old file, old seal, pending new seal.
  WriteFileOrDie(dir_ / "f.msseal.next", new_seal);
  EXPECT_EQ(Value(CheckSeal(dir_ / "f", key(), mode(), SealRole::kOther)).blocks, 2u);
  // Crash after step 3: new file, old seal, pending new seal.
  WriteFileOrDie(dir_ / "f", Join(new_blocks));
  EXPECT_EQ(Value(CheckSeal(dir_ / "f", key(), mode(), SealRole::kOther)).blocks, 3u);
  // Without the pending seal, the stale seal is reported.
  ::unlink((dir_ / "f.msseal.next").c_str());
  EXPECT_STATUS(CheckSeal(dir_ / "f", key(), mode(), SealRole::kOther).status(), StatusCode::kSealMismatch);
  // A writer replaces a stale pending seal and leaves none.
  WriteFileOrDie(dir_ / "f.msseal.next", old_seal);
  Options o;
  o.write_seal = true;
  ASSERT_OK(EncryptToFile(ByteView(PseudoRandom(10, 3)), dir_ / "f", key(), mode(), o));
  EXPECT_TRUE(Value(CheckSeal(dir_ / "f", key(), mode(), SealRole::kOther)).sealed);
  EXPECT_EQ(dir_.Entries(), (std::vector<std::string>{"f", "f.msseal"}));
}

TEST_P(Seal, ReencryptingASealedFileSealsItUnderTheNewKey) {
  WriteFileOrDie(dir_ / "f", Join(Blocks(2, 70)));
  ASSERT_OK(SealFile(dir_ / "f", key(), mode()));
  const SecretBytes new_key = MakeKey(KeyBytes(16, 9));
  ASSERT_OK(ReencryptFile(dir_ / "f", key(), mode(), new_key, mode()));
  const SealReport r = Value(CheckSeal(dir_ / "f", new_key, mode(), SealRole::kOther));
  EXPECT_TRUE(r.sealed);
  EXPECT_EQ(r.blocks, 1u);
  EXPECT_EQ(dir_.Entries(), (std::vector<std::string>{"f", "f.msseal"}));
}

INSTANTIATE_TEST_SUITE_P(Modes, Seal, ::testing::ValuesIn(AllModes()),
                         [](const ::testing::TestParamInfo<Mode>& i) { return ModeTestName(i.param); });

// The vectors were sealed by pyca/cryptography from the spec (tests/vectors/gen/gen_seal_vectors.py):
// mscrypt must write the same bytes, and accept them.
TEST(SealVectors, MatchThePycaVectors) {
  const size_t n = ForEachVector(VectorFilePath("seal_vectors.txt"), [](VectorRecord& r) {
    const Mode mode = Value(ParseMode(r.Get("MODE")));
    const SecretBytes key = MakeKey(r.GetBytes("KEY"));
    const std::vector<uint8_t> ct = r.GetBytes("CT"), pt = r.GetBytes("PT"), seal = r.GetBytes("SEAL");
    const std::string file = r.Get("FILE");
    const SealRole role = static_cast<SealRole>(r.GetInt("ROLE"));
    r.Get("NAME");
    if (!IsModeAvailable(mode)) return;
    TempDir dir;
    WriteFileOrDie(dir / file, ct);
    Options o;
    o.seal_role = role;
    ASSERT_OK(SealFile(dir / file, key, mode, o));
    EXPECT_EQ(ToHex(ReadFileOrDie(dir / (file + ".msseal"))), ToHex(seal));
    const SealReport report = Value(CheckSeal(dir / file, key, mode, role));
    EXPECT_EQ(report.plaintext_size, pt.size());
    EXPECT_EQ(report.blocks, 1u);
  });
  EXPECT_EQ(n, 4u);
}

// Over 64 MiB: a two-block file written by mscrypt, cut at the block boundary.
TEST(SealLarge, TruncationAtThe64MiBBoundaryOfAGcmFile) {
  TempDir dir;
  const SecretBytes key = MakeKey(KeyBytes(32));
  const std::vector<uint8_t> pt = PseudoRandom((size_t{64} << 20) + 100, 5);
  Options o;
  o.write_seal = true;
  ASSERT_OK(EncryptToFile(ByteView(pt), dir / "big", key, Mode::kAesGcm, o));
  std::vector<uint8_t> file = ReadFileOrDie(dir / "big");
  file.resize((size_t{64} << 20) + 48);
  WriteFileOrDie(dir / "big", file);
  const Status s = DecryptFile(dir / "big", key, Mode::kAesGcm).status();
  EXPECT_EQ(s.code(), StatusCode::kSealMismatch);
  EXPECT_NE(s.message().find("ends after 1 of the 2 blocks"), std::string::npos) << s.message();
  EXPECT_EQ(s.block_index(), 1);
  EXPECT_EQ(s.byte_offset(), (int64_t{64} << 20) + 48);
}

}  // namespace
}  // namespace mscrypt::testing
