// Checkpoints written by real MindSpore 2.7.1 (tests/golden/mindspore/, see its README.md):
// mscrypt reads them with the right values, and rewriting their entries with CheckpointWriter
// reproduces MindSpore's bytes exactly (plain, and plain + crc_num trailer).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint_test_util.h"
#include "mscrypt/checkpoint.h"

namespace mscrypt {
namespace {

using ckpt_test::Contents;
using ckpt_test::ReadFile;
using ckpt_test::TempDir;

const std::string kDir = MSCRYPT_GOLDEN_DIR;

std::string Golden(const std::string& name) { return kDir + "/" + name; }

std::string Hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

SecretBytes GoldenKey(size_t n) {
  std::vector<uint8_t> k(n);
  for (size_t i = 0; i < n; ++i) k[i] = static_cast<uint8_t>(i);
  return SecretBytes(k.data(), n);
}

class CheckpointGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(Golden("ckpt_plain.ckpt"))) GTEST_SKIP() << "no golden files in " << kDir;
  }
};

// Expected: (tag, tensor_type, dims, content hex) from the README table.
struct Expected {
  const char* tag;
  const char* type;
  std::vector<int64_t> dims;
  const char* hex;
};
const std::vector<Expected>& Table() {
  static const std::vector<Expected> t = {
      {"w_f32", "Float32", {2, 3}, "000080bf000000bf000000000000003f0000803f0000c03f"},
      {"w_f16", "Float16", {3}, "003e00c00034"},
      {"w_bf16", "BFloat16", {3}, "803f20c04040"},
      {"w_f64", "Float64", {2}, "9a9999999999b93f9c7500883ce437fe"},
      {"w_i8", "Int8", {3}, "80007f"},
      {"w_i16", "Int16", {3}, "00800200ff7f"},
      {"w_i32", "Int32", {2, 1}, "ffffffffffffff7f"},
      {"w_i64", "Int64", {2, 2}, "0100000000000000feffffffffffffff03000000000000000000000000010000"},
      {"w_u8", "UInt8", {3}, "0001ff"},
      {"w_u16", "UInt16", {2}, "ffff0100"},
      {"w_u32", "UInt32", {1}, "ffffffff"},
      {"w_u64", "UInt64", {2}, "ffffffffffffffff0500000000000000"},
      {"w_bool", "Bool", {3}, "010001"},
      {"scalar_f32", "Float32", {}, "00005040"},
      {"epoch_num", "Int64", {}, "0700000000000000"},
      {"lr", "Float32", {}, "0000003e"},
      {"flag", "Bool", {}, "01"},
      {"note", "str", {0}, "68000000e90000006c0000006c0000006f00000020000000ac2000001ed10100"},
  };
  return t;
}

void ExpectTable(const CheckpointFile& f) {
  const auto& table = Table();
  ASSERT_EQ(f.index.entries.size(), table.size());
  for (size_t i = 0; i < table.size(); ++i) {
    const CheckpointEntry& e = f.index.entries[i];
    EXPECT_EQ(e.name, table[i].tag);
    EXPECT_EQ(e.tensor.type_name, table[i].type);
    EXPECT_EQ(e.tensor.dims, table[i].dims) << e.name;
    EXPECT_EQ(Contents(f.plaintext, e.tensor), Hex(table[i].hex)) << e.name;
  }
}

TEST_F(CheckpointGolden, PlainFileValues) {
  auto f = ReadCheckpointFile(Golden("ckpt_plain.ckpt"), nullptr, Mode::kAesGcm);
  CK_ASSERT_OK(f);
  ExpectTable(*f);
  EXPECT_FALSE(f->index.has_crc_trailer);
}

TEST_F(CheckpointGolden, CrcFileVerifies) {
  CheckpointReadOptions o;
  o.crc_check = true;
  auto f = ReadCheckpointFile(Golden("ckpt_plain_crc.ckpt"), nullptr, Mode::kAesGcm, o);
  CK_ASSERT_OK(f);
  EXPECT_TRUE(f->index.crc_verified);
  EXPECT_EQ(f->index.stored_crc, 0x4C299EEBu);
  ExpectTable(*f);
}

TEST_F(CheckpointGolden, EncryptedFilesAllModes) {
  const struct { const char* file; Mode mode; size_t key; } cases[] = {
      {"ckpt_aes_gcm_128.ckpt", Mode::kAesGcm, 16}, {"ckpt_aes_gcm_192.ckpt", Mode::kAesGcm, 24},
      {"ckpt_aes_gcm_256.ckpt", Mode::kAesGcm, 32}, {"ckpt_aes_cbc_128.ckpt", Mode::kAesCbc, 16},
      {"ckpt_aes_cbc_192.ckpt", Mode::kAesCbc, 24}, {"ckpt_aes_cbc_256.ckpt", Mode::kAesCbc, 32},
      {"ckpt_sm4_cbc_128.ckpt", Mode::kSm4Cbc, 16}};
  const std::string plain = ReadFile(Golden("ckpt_plain.ckpt"));
  for (const auto& c : cases) {
    if (!IsModeAvailable(c.mode)) continue;
    SecretBytes key = GoldenKey(c.key);
    auto f = ReadCheckpointFile(Golden(c.file), &key, c.mode);
    CK_ASSERT_OK(f) << c.file;
    ExpectTable(*f);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->plaintext.data()), f->plaintext.size()), plain);
    auto nokey = ReadCheckpointFile(Golden(c.file), nullptr, c.mode);
    CK_EXPECT_CODE(nokey, StatusCode::kKeyRequired);
  }
}

TEST_F(CheckpointGolden, AsyncSaveWithEmptyTensors) {
  SecretBytes key = GoldenKey(16);
  auto f = ReadCheckpointFile(Golden("ckpt_aes_gcm_128_async.ckpt"), &key, Mode::kAesGcm);
  CK_ASSERT_OK(f);
  ASSERT_EQ(f->index.entries.size(), 20u);
  bool saw0 = false, saw2x0 = false;
  for (const CheckpointEntry& e : f->index.entries) {
    if (e.name == "empty_0") {
      saw0 = true;
      EXPECT_EQ(e.tensor.shape, std::vector<int64_t>{0});
    }
    if (e.name == "empty_2x0") {
      saw2x0 = true;
      EXPECT_EQ(e.tensor.shape, (std::vector<int64_t>{2, 0}));
    }
  }
  EXPECT_TRUE(saw0 && saw2x0);
}

TEST_F(CheckpointGolden, EncryptedWithCrcTrailerIsUnreadable) {
  SecretBytes key = GoldenKey(16);
  EXPECT_FALSE(ReadCheckpointFile(Golden("ckpt_aes_gcm_128_crc_broken.ckpt"), &key, Mode::kAesGcm).ok());
}

TEST_F(CheckpointGolden, OnlyEmptyIsAnEmptyCheckpoint) {
  SecretBytes key = GoldenKey(16);
  auto f = ReadCheckpointFile(Golden("ckpt_aes_gcm_128_only_empty.ckpt"), &key, Mode::kAesGcm);
  CK_ASSERT_OK(f);
  EXPECT_TRUE(f->index.entries.empty());
}

TEST_F(CheckpointGolden, RewritingReproducesMindSporeBytes) {
  for (bool crc : {false, true}) {
    const std::string name = crc ? "ckpt_plain_crc.ckpt" : "ckpt_plain.ckpt";
    auto f = ReadCheckpointFile(Golden(name), nullptr, Mode::kAesGcm);
    CK_ASSERT_OK(f);
    TempDir dir;
    CheckpointWriteOptions o;
    o.crc_check = crc;
    auto w = CheckpointWriter::Create(dir.File("out.ckpt"), nullptr, Mode::kAesGcm, o);
    CK_ASSERT_OK(w);
    for (const CheckpointEntry& e : f->index.entries) {
      const std::string data = Contents(f->plaintext, e.tensor);
      CK_ASSERT_OK((*w)->AddTensor(e.name, e.tensor.type, e.tensor.dims, ckpt_test::View(data)));
    }
    CK_ASSERT_OK((*w)->Commit());
    EXPECT_EQ(ReadFile(dir.File("out.ckpt")), ReadFile(Golden(name))) << name;
  }
}

}  // namespace
}  // namespace mscrypt
