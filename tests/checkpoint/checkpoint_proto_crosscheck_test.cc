// Independent-implementation check: protobuf's generated classes (proto/checkpoint.proto) parse
// what the hand-written writer produces, and the hand-written reader parses what protobuf
// serializes, including map tensors, packed dims and field orders protobuf may emit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checkpoint.pb.h"
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

std::vector<Tensor> ManyTensors() {
  std::vector<Tensor> out;
  uint32_t seed = 1;
  for (int t = 0; t <= 14; ++t) {
    const TensorType type = static_cast<TensorType>(t);
    const size_t es = TensorTypeElementSize(type);
    if (type == TensorType::kString) {
      out.push_back({"s" + std::to_string(t), type, {0}, Pattern(4 * 7, seed++)});
      continue;
    }
    out.push_back({"t" + std::to_string(t) + ".w", type, {3, 1, 2}, Pattern(6 * es, seed++)});
    out.push_back({"t" + std::to_string(t) + ".scalar", type, {}, Pattern(es, seed++)});
    out.push_back({"t" + std::to_string(t) + ".empty", type, {0, 4}, ""});
  }
  out.push_back({"long_dims", TensorType::kInt8, {1, 1, 1, 1, 1, 1, 1, 1, 1, 200}, Pattern(200, 99)});
  out.push_back({"big_dim", TensorType::kInt8, {300}, Pattern(300, 98)});  // multi-byte varints
  out.push_back({std::string(200, 'n') + "\xc3\xa9", TensorType::kInt8, {1}, "x"});
  return out;
}

TEST(CheckpointProtoCrossCheck, ProtobufParsesWhatWeWrite) {
  TempDir dir;
  CheckpointWriteOptions o;
  o.slice_size = 5;  // force several messages for the larger tensors
  const auto tensors = ManyTensors();
  CK_ASSERT_OK(WriteCheckpoint(dir.File("a.ckpt"), tensors, nullptr, Mode::kAesGcm, o));
  const std::string bytes = ReadFile(dir.File("a.ckpt"));
  mscrypt::ckpt::Checkpoint cp;
  ASSERT_TRUE(cp.ParseFromString(bytes));
  // Rebuild by MindSpore's reassembly rule: consecutive same-tag entries are concatenated.
  size_t i = 0;
  for (const Tensor& t : tensors) {
    std::string joined;
    int n = 0;
    while (i < static_cast<size_t>(cp.value_size()) && cp.value(static_cast<int>(i)).tag() == t.name) {
      const auto& v = cp.value(static_cast<int>(i));
      ASSERT_TRUE(v.has_tensor());
      EXPECT_EQ(v.tensor().tensor_type(), TensorTypeName(t.type));
      EXPECT_EQ(std::vector<int64_t>(v.tensor().dims().begin(), v.tensor().dims().end()), t.dims);
      joined += v.tensor().tensor_content();
      ++i;
      ++n;
    }
    EXPECT_GE(n, 1) << t.name;
    EXPECT_EQ(joined, t.data) << t.name;
  }
  EXPECT_EQ(i, static_cast<size_t>(cp.value_size()));
}

TEST(CheckpointProtoCrossCheck, EachMessageIsByteIdenticalToProtobuf) {
  for (const Tensor& t : ManyTensors()) {
    mscrypt::ckpt::Checkpoint cp;
    auto* v = cp.add_value();
    v->set_tag(t.name);
    auto* tp = v->mutable_tensor();
    for (int64_t d : t.dims) tp->add_dims(d);
    tp->set_tensor_type(TensorTypeName(t.type));
    tp->set_tensor_content(t.data);
    std::string ours;
    EncodeCheckpointMessageHeader(t.name, TensorTypeName(t.type), t.dims, t.data.size(), &ours);
    ours += t.data;
    EXPECT_EQ(ours, cp.SerializeAsString()) << t.name;
  }
}

TEST(CheckpointProtoCrossCheck, WeParseWhatProtobufWrites) {
  const auto tensors = ManyTensors();
  std::string file;
  for (const Tensor& t : tensors) {
    // Split every tensor into up to 3 slices the way MindSpore's byte path does.
    const size_t step = t.data.size() > 6 ? t.data.size() / 3 + 1 : t.data.size() + 1;
    size_t off = 0;
    do {
      mscrypt::ckpt::Checkpoint cp;
      auto* v = cp.add_value();
      v->set_tag(t.name);
      auto* tp = v->mutable_tensor();
      for (int64_t d : t.dims) tp->add_dims(d);
      tp->set_tensor_type(TensorTypeName(t.type));
      tp->set_tensor_content(t.data.substr(off, step));
      file += cp.SerializeAsString();
      off += step;
    } while (off < t.data.size());
  }
  auto r = ParseCheckpoint(View(file));
  CK_ASSERT_OK(r);
  ASSERT_EQ(r->entries.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(r->entries[i].name, tensors[i].name);
    EXPECT_EQ(r->entries[i].tensor.type, tensors[i].type);
    EXPECT_EQ(r->entries[i].tensor.dims, tensors[i].dims);
    EXPECT_EQ(Contents(file, r->entries[i].tensor), tensors[i].data);
  }
}

TEST(CheckpointProtoCrossCheck, OneCheckpointMessageWithManyValues) {
  // Protobuf merges concatenated messages, so one message with N values is the same checkpoint.
  mscrypt::ckpt::Checkpoint cp;
  for (int i = 0; i < 3; ++i) {
    auto* v = cp.add_value();
    v->set_tag("p" + std::to_string(i));
    v->mutable_tensor()->add_dims(2);
    v->mutable_tensor()->set_tensor_type("Int16");
    v->mutable_tensor()->set_tensor_content(Pattern(4, i));
  }
  const std::string bytes = cp.SerializeAsString();
  auto r = ParseCheckpoint(View(bytes));
  CK_ASSERT_OK(r);
  ASSERT_EQ(r->entries.size(), 3u);
  EXPECT_EQ(Contents(bytes, r->entries[2].tensor), Pattern(4, 2));
}

TEST(CheckpointProtoCrossCheck, MapTensorSlicesAreJoinedAlongAxisZero) {
  // MindSpore _write_mapparameter: numpy dtype names, several messages per MapParameter.
  std::string file;
  std::string keys, values, status;
  for (int slice = 0; slice < 2; ++slice) {
    const int rows = slice == 0 ? 3 : 2;
    mscrypt::ckpt::Checkpoint cp;
    auto* v = cp.add_value();
    v->set_tag("emb");
    auto* m = v->mutable_maptensor();
    auto add = [&](const std::vector<int64_t>& dims, const char* type, const std::string& data) {
      auto* t = m->add_tensor();
      for (int64_t d : dims) t->add_dims(d);
      t->set_tensor_type(type);
      t->set_tensor_content(data);
    };
    const std::string k = Pattern(rows * 4, 10 + slice), val = Pattern(rows * 2 * 4, 20 + slice),
                      st = Pattern(rows * 4, 30 + slice);
    add({rows}, "int32", k);
    add({rows, 2}, "float32", val);
    add({rows}, "int32", st);
    keys += k;
    values += val;
    status += st;
    file += cp.SerializeAsString();
  }
  auto r = ParseCheckpoint(View(file));
  CK_ASSERT_OK(r);
  ASSERT_EQ(r->entries.size(), 1u);
  const CheckpointEntry& e = r->entries[0];
  EXPECT_EQ(e.kind, CheckpointEntryKind::kMapTensor);
  ASSERT_EQ(e.map_tensors.size(), 3u);
  EXPECT_EQ(e.map_tensors[0].dims, std::vector<int64_t>{5});
  EXPECT_EQ(e.map_tensors[1].dims, (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(e.map_tensors[1].type, TensorType::kFloat32);
  EXPECT_EQ(Contents(file, e.map_tensors[0]), keys);
  EXPECT_EQ(Contents(file, e.map_tensors[1]), values);
  EXPECT_EQ(Contents(file, e.map_tensors[2]), status);
}

TEST(CheckpointProtoCrossCheck, EncryptedFileDecryptsToProtobufParsablePayload) {
  TempDir dir;
  SecretBytes key = TestKey(16);
  const auto tensors = ManyTensors();
  CK_ASSERT_OK(WriteCheckpoint(dir.File("e.ckpt"), tensors, &key, Mode::kAesGcm));
  auto plain = DecryptFile(dir.File("e.ckpt"), key, Mode::kAesGcm);
  CK_ASSERT_OK(plain);
  mscrypt::ckpt::Checkpoint cp;
  ASSERT_TRUE(cp.ParseFromArray(plain->data(), static_cast<int>(plain->size())));
  EXPECT_EQ(cp.value_size(), static_cast<int>(tensors.size()));
}

}  // namespace
}  // namespace mscrypt
