// CheckpointWriter: plain and encrypted files, slicing, crc trailer, argument errors, atomicity.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint_test_util.h"
#include "mscrypt/checkpoint.h"

namespace mscrypt {
namespace {

using ckpt_test::Contents;
using ckpt_test::Pattern;
using ckpt_test::ReadFile;
using ckpt_test::TempDir;
using ckpt_test::Tensor;
using ckpt_test::TestKey;
using ckpt_test::View;
using ckpt_test::WriteCheckpoint;

std::vector<Tensor> SomeTensors() {
  return {
      {"w_f32", TensorType::kFloat32, {2, 3}, Pattern(24, 1)},
      {"scalar", TensorType::kFloat64, {}, Pattern(8, 2)},
      {"empty", TensorType::kInt32, {2, 0}, ""},
      {"bf16", TensorType::kBFloat16, {5}, Pattern(10, 3)},
      {"int4", TensorType::kInt4, {3}, Pattern(3, 4)},
      {"note", TensorType::kString, {0}, std::string("h\0\0\0i\0\0\0", 8)},
      {"flag", TensorType::kBool, {}, std::string("\x01", 1)},
  };
}

void ExpectSame(const std::vector<Tensor>& want, const CheckpointFile& got) {
  ASSERT_EQ(got.index.entries.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const CheckpointEntry& e = got.index.entries[i];
    EXPECT_EQ(e.name, want[i].name);
    EXPECT_EQ(e.tensor.type, want[i].type);
    EXPECT_EQ(e.tensor.dims, want[i].dims);
    EXPECT_EQ(Contents(got.plaintext, e.tensor), want[i].data) << want[i].name;
  }
}

TEST(CheckpointWriter, PlainRoundTrip) {
  TempDir dir;
  const auto tensors = SomeTensors();
  CK_ASSERT_OK(WriteCheckpoint(dir.File("a.ckpt"), tensors, nullptr, Mode::kAesGcm));
  auto f = ReadCheckpointFile(dir.File("a.ckpt"), nullptr, Mode::kAesGcm);
  CK_ASSERT_OK(f);
  ExpectSame(tensors, *f);
  EXPECT_FALSE(f->index.has_crc_trailer);
}

TEST(CheckpointWriter, EncryptedRoundTripAllModes) {
  TempDir dir;
  const auto tensors = SomeTensors();
  for (Mode mode : {Mode::kAesGcm, Mode::kAesCbc, Mode::kSm4Cbc}) {
    if (!IsModeAvailable(mode)) continue;
    SecretBytes key = TestKey(16);
    const std::string path = dir.File(std::string("e_") + ModeName(mode) + ".ckpt");
    CK_ASSERT_OK(WriteCheckpoint(path, tensors, &key, mode));
    auto f = ReadCheckpointFile(path, &key, mode);
    CK_ASSERT_OK(f);
    ExpectSame(tensors, *f);
    // The plaintext equals the plain file byte for byte (MindSpore: encrypted ckpt = container(plain)).
    CK_ASSERT_OK(WriteCheckpoint(dir.File("p.ckpt"), tensors, nullptr, mode));
    const std::string plain = ReadFile(dir.File("p.ckpt"));
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->plaintext.data()), f->plaintext.size()), plain);
    // Without a key: a clear "encrypted" error, not a parse error.
    auto nokey = ReadCheckpointFile(path, nullptr, mode);
    CK_EXPECT_CODE(nokey, StatusCode::kKeyRequired);
    EXPECT_NE(nokey.status().message().find("encrypted"), std::string::npos);
    SecretBytes wrong = TestKey(24);
    EXPECT_FALSE(ReadCheckpointFile(path, &wrong, mode).ok());
  }
}

// A wrong CBC key that passes the padding check (it happens ~1 time in 256) yields garbage, which
// the parser refuses; the message must then point at the key, not only at the parse position.
TEST(CheckpointWriter, WrongCbcKeyPassingThePaddingIsMalformedWithAKeyHint) {
  TempDir dir;
  const std::vector<Tensor> tensors = SomeTensors();
  for (Mode mode : {Mode::kAesCbc, Mode::kSm4Cbc}) {
    if (!IsModeAvailable(mode)) continue;
    SecretBytes key = TestKey(16);
    const std::string path = dir.File("cbc.ckpt");
    CK_ASSERT_OK(WriteCheckpoint(path, tensors, &key, mode));
    const std::string bytes = ReadFile(path);
    const uint64_t plain_size = DecryptedSize(View(bytes), key, mode).value();
    // Search, deterministically for this file, a wrong key whose padding check passes.
    std::vector<uint8_t> wrong_bytes(16, 0x42);
    bool found = false;
    for (int i = 0; i < (1 << 16) && !found; ++i) {
      wrong_bytes[0] = static_cast<uint8_t>(i);
      wrong_bytes[1] = static_cast<uint8_t>(i >> 8);
      found = Decrypt(View(bytes), SecretBytes(wrong_bytes.data(), wrong_bytes.size()), mode).ok();
    }
    ASSERT_TRUE(found);
    SecretBytes wrong(wrong_bytes.data(), wrong_bytes.size());
    const uint64_t wiped_before = WipedBytesForTesting();
    auto f = ReadCheckpointFile(path, &wrong, mode);
    CK_EXPECT_CODE(f, StatusCode::kMalformed);
    EXPECT_EQ(f.status().hints(), static_cast<uint32_t>(kHintUnauthenticatedMode));
    EXPECT_NE(f.status().Describe().find("is not authenticated: a wrong key can pass decryption"), std::string::npos)
        << f.status().Describe();
    // The garbage plaintext that failed to parse was wiped, all of it (it decrypts to the same
    // size as the file's plaintext).
    EXPECT_GE(WipedBytesForTesting() - wiped_before, plain_size) << "plaintext dropped unwiped";
  }
  // GCM authenticates, so a parse failure there is a real format problem: no key hint.
  SecretBytes key = TestKey(16);
  StatusOr<Buffer> garbage = Encrypt(View(std::string("\xFF\xFF not a checkpoint")), key, Mode::kAesGcm);
  ASSERT_TRUE(garbage.ok());
  ckpt_test::WriteFile(dir.File("gcm.ckpt"),
                       std::string(reinterpret_cast<const char*>(garbage->data()), garbage->size()));
  auto g = ReadCheckpointFile(dir.File("gcm.ckpt"), &key, Mode::kAesGcm);
  CK_EXPECT_CODE(g, StatusCode::kMalformed);
  EXPECT_EQ(g.status().message().find("not authenticated"), std::string::npos) << g.status().message();
}

TEST(CheckpointWriter, SlicingWithSmallSliceSize) {
  TempDir dir;
  CheckpointWriteOptions o;
  o.slice_size = 10;
  const std::vector<Tensor> tensors = {
      {"big", TensorType::kInt8, {7, 5}, Pattern(35, 9)},    // 4 slices: 10+10+10+5
      {"exact", TensorType::kInt16, {5}, Pattern(10, 8)},    // exactly one slice
      {"small", TensorType::kInt8, {3}, Pattern(3, 7)},
  };
  CK_ASSERT_OK(WriteCheckpoint(dir.File("s.ckpt"), tensors, nullptr, Mode::kAesGcm, o));
  auto f = ReadCheckpointFile(dir.File("s.ckpt"), nullptr, Mode::kAesGcm);
  CK_ASSERT_OK(f);
  ExpectSame(tensors, *f);
  EXPECT_EQ(f->index.entries[0].message_count, 4u);
  EXPECT_EQ(f->index.entries[0].tensor.slices.size(), 4u);
  EXPECT_EQ(f->index.entries[0].tensor.slices.back().size, 5u);
  EXPECT_EQ(f->index.entries[1].message_count, 1u);
  EXPECT_TRUE(f->index.entries[1].tensor.contiguous());
}

TEST(CheckpointWriter, SlicingEncryptedAcrossBlocks) {
  TempDir dir;
  CheckpointWriteOptions o;
  o.slice_size = 3 << 20;
  const std::vector<Tensor> tensors = {{"w", TensorType::kFloat32, {(int64_t{17} << 20) / 4}, Pattern(17 << 20, 5)}};
  SecretBytes key = TestKey(32);
  CK_ASSERT_OK(WriteCheckpoint(dir.File("s.ckpt"), tensors, &key, Mode::kAesGcm, o));
  auto f = ReadCheckpointFile(dir.File("s.ckpt"), &key, Mode::kAesGcm);
  CK_ASSERT_OK(f);
  ExpectSame(tensors, *f);
  EXPECT_EQ(f->index.entries[0].message_count, 6u);
}

TEST(CheckpointWriter, CrcTrailer) {
  TempDir dir;
  CheckpointWriteOptions o;
  o.crc_check = true;
  const auto tensors = SomeTensors();
  CK_ASSERT_OK(WriteCheckpoint(dir.File("c.ckpt"), tensors, nullptr, Mode::kAesGcm, o));
  const std::string bytes = ReadFile(dir.File("c.ckpt"));
  ASSERT_GT(bytes.size(), 17u);
  const std::string payload = bytes.substr(0, bytes.size() - 17);
  EXPECT_EQ(bytes.substr(bytes.size() - 17, 7), "crc_num");
  const uint32_t crc = CheckpointCrc32(View(payload));
  std::string be(10, '\0');
  for (int i = 0; i < 4; ++i) be[9 - i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  EXPECT_EQ(bytes.substr(bytes.size() - 10), be);
  CheckpointReadOptions ro;
  ro.crc_check = true;
  auto f = ReadCheckpointFile(dir.File("c.ckpt"), nullptr, Mode::kAesGcm, ro);
  CK_ASSERT_OK(f);
  EXPECT_TRUE(f->index.crc_verified);
  ExpectSame(tensors, *f);
}

TEST(CheckpointWriter, CrcWithKeyIsRefusedBeforeAnythingIsWritten) {
  TempDir dir;
  CheckpointWriteOptions o;
  o.crc_check = true;
  SecretBytes key = TestKey();
  auto w = CheckpointWriter::Create(dir.File("x.ckpt"), &key, Mode::kAesGcm, o);
  CK_EXPECT_CODE(w, StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(CheckpointWriter, ArgumentErrorsKeepWriterUsable) {
  TempDir dir;
  auto w = CheckpointWriter::Create(dir.File("a.ckpt"), nullptr, Mode::kAesGcm);
  CK_ASSERT_OK(w);
  const std::string four = Pattern(4);
  CK_EXPECT_CODE((*w)->AddTensor("x", TensorType::kFloat32, {2}, View(four)), StatusCode::kInvalidArgument);
  CK_EXPECT_CODE((*w)->AddTensor("x", TensorType::kInt8, {-4}, View(four)), StatusCode::kInvalidArgument);
  CK_EXPECT_CODE((*w)->AddTensor("\xff", TensorType::kInt8, {4}, View(four)), StatusCode::kInvalidArgument);
  CK_EXPECT_CODE((*w)->AddTensor("s", TensorType::kString, {0}, View(std::string("abc"))), StatusCode::kInvalidArgument);
  CK_EXPECT_CODE((*w)->AddTensor("x", TensorType::kInt8, std::vector<int64_t>(65, 1), View(std::string("a"))),
                 StatusCode::kInvalidArgument);
  CK_EXPECT_OK((*w)->AddTensor("x", TensorType::kFloat32, {1}, View(four)));
  EXPECT_FALSE(std::filesystem::exists(dir.File("a.ckpt")));  // not before Commit
  CK_EXPECT_OK((*w)->Commit());
  EXPECT_TRUE(std::filesystem::exists(dir.File("a.ckpt")));
  CK_EXPECT_CODE((*w)->Commit(), StatusCode::kFailedPrecondition);
}

TEST(CheckpointWriter, UncommittedWriterLeavesNothing) {
  TempDir dir;
  {
    auto w = CheckpointWriter::Create(dir.File("a.ckpt"), nullptr, Mode::kAesGcm);
    CK_ASSERT_OK(w);
    CK_ASSERT_OK((*w)->AddTensor("x", TensorType::kInt8, {1}, View(std::string("a"))));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(CheckpointWriter, BadOptions) {
  TempDir dir;
  CheckpointWriteOptions o;
  o.slice_size = 0;
  CK_EXPECT_CODE(CheckpointWriter::Create(dir.File("a.ckpt"), nullptr, Mode::kAesGcm, o), StatusCode::kInvalidArgument);
  SecretBytes short_key = TestKey(15);
  CK_EXPECT_CODE(CheckpointWriter::Create(dir.File("a.ckpt"), &short_key, Mode::kAesGcm), StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(CheckpointWriter, EmptyCheckpoint) {
  TempDir dir;
  CK_ASSERT_OK(WriteCheckpoint(dir.File("e.ckpt"), {}, nullptr, Mode::kAesGcm));
  EXPECT_EQ(std::filesystem::file_size(dir.File("e.ckpt")), 0u);
  auto f = ReadCheckpointFile(dir.File("e.ckpt"), nullptr, Mode::kAesGcm);
  CK_ASSERT_OK(f);
  EXPECT_TRUE(f->index.entries.empty());
}

TEST(CheckpointWriter, MessageHeaderEncoding) {
  // Byte-exact MindSpore message for a float32 (0,) tensor (README of the golden files).
  std::string h;
  EncodeCheckpointMessageHeader("empty_0", "Float32", {0}, 0, &h);
  EXPECT_EQ(h, std::string("\x0a\x18\x0a\x07" "empty_0" "\x12\x0d\x08\x00\x12\x07" "Float32" "\x1a\x00", 26));
}

}  // namespace
}  // namespace mscrypt
