#include "mindir_test_util.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace mscrypt::mindir_test {

::testing::AssertionResult StatusIs(const Status& s, StatusCode code, const std::string& needle) {
  if (s.code() != code) {
    return ::testing::AssertionFailure() << "expected " << StatusCodeName(code) << ", got " << s.ToString();
  }
  if (!needle.empty() && s.message().find(needle) == std::string::npos) {
    return ::testing::AssertionFailure() << "message '" << s.message() << "' lacks '" << needle << "'";
  }
  return ::testing::AssertionSuccess();
}

std::string Golden(const std::string& name) { return std::string(MSCRYPT_GOLDEN_DIR) + "/" + name; }





std::vector<uint8_t> KeyOfLength(size_t n) {
  std::vector<uint8_t> k(n);
  for (size_t i = 0; i < n; ++i) k[i] = static_cast<uint8_t>(i);
  return k;
}

const char kWeightHex[] =
    "0000c0bf0000a0bf000080bf000040bf000000bf000080be000000000000803e0000003f0000403f0000803f0000a03f";
const char kBiasHex[] = "0000003f000080be0000803f";

namespace {
bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

void CheckTinyNet(const Graph& g) {
  ASSERT_FALSE(g.empty());
  EXPECT_NE(g.name().find("TinyNet_construct"), std::string::npos) << g.name();
  EXPECT_EQ(g.producer_name(), "MindSpore");
  EXPECT_EQ(g.model_version(), "2.7.1");
  EXPECT_EQ(g.mind_ir_version(), 3);
  ASSERT_EQ(g.parameters().size(), 2u);
  const MindIRParameter* w = g.FindParameter(g.name() + ":dense.weight");
  const MindIRParameter* b = g.FindParameter("dense.bias");  // by ref_key
  ASSERT_NE(w, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(w->ref_key, "dense.weight");
  EXPECT_TRUE(EndsWith(b->name, ":dense.bias"));
  EXPECT_EQ(w->data_type, 1);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(b->shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(ToVec(w->data), FromHex(kWeightHex));
  EXPECT_EQ(ToVec(b->data), FromHex(kBiasHex));
  EXPECT_EQ(g.parameter_bytes(), 60u);
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_TRUE(EndsWith(g.inputs()[0].name, ":x"));
  EXPECT_EQ(g.inputs()[0].data_type, 1);
  EXPECT_EQ(g.inputs()[0].shape, (std::vector<int64_t>{2, 4}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0].shape, (std::vector<int64_t>{2, 3}));
}



mind_ir::ModelProto MakeModel(const std::vector<ParamSpec>& params) {
  mind_ir::ModelProto m;
  m.set_ir_version("0.1.1");
  m.set_producer_name("mscrypt-test");
  m.set_model_version("0");
  m.set_little_endian(true);
  m.set_mind_ir_version(3);
  mind_ir::GraphProto* g = m.mutable_graph();
  auto* node = g->add_node();
  node->add_input("g:x");
  node->add_output("g:y");
  node->set_op_type("REF::Identity");
  g->set_name("g");
  for (const ParamSpec& p : params) {
    mind_ir::TensorProto* t = g->add_parameter();
    for (int64_t d : p.dims) t->add_dims(d);
    t->set_data_type(p.data_type);
    t->set_name("g:" + p.name);
    t->set_raw_data(p.bytes.data(), p.bytes.size());
    t->set_ref_key(p.name);
    t->set_compression_type(0);
  }
  auto* in = g->add_input();
  in->set_name("g:x");
  in->add_tensor()->set_data_type(1);
  in->mutable_tensor(0)->add_dims(-1);
  in->mutable_tensor(0)->add_dims(4);
  auto* out = g->add_output();
  out->set_name("g:y");
  out->add_tensor()->set_data_type(1);
  out->mutable_tensor(0)->add_dims(2);
  return m;
}

std::vector<uint8_t> Serialize(const google::protobuf::Message& m) {
  std::string s;
  EXPECT_TRUE(m.SerializeToString(&s));
  return std::vector<uint8_t>(s.begin(), s.end());
}

}  // namespace mscrypt::mindir_test
