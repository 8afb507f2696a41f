// MindIR files written by real MindSpore 2.7.1 (tests/golden/mindspore/README.md): every mode and
// key length, the callable XOR export, and the external-weight exports.
#include <cstddef>
#include <cstring>
#include <new>

#include "mindir/graph_impl.h"
#include "mindir_test_util.h"
#include "mscrypt/serialization.h"

namespace mscrypt::mindir_test {
namespace {

struct GoldenCase {
  const char* file;
  const char* mode;
  size_t key_len;
};

const GoldenCase kEncryptedGoldens[] = {
    {"mindir_aes_gcm_128.mindir", "AES-GCM", 16}, {"mindir_aes_gcm_192.mindir", "AES-GCM", 24},
    {"mindir_aes_gcm_256.mindir", "AES-GCM", 32}, {"mindir_aes_cbc_128.mindir", "AES-CBC", 16},
    {"mindir_aes_cbc_192.mindir", "AES-CBC", 24}, {"mindir_aes_cbc_256.mindir", "AES-CBC", 32},
    {"mindir_sm4_cbc_128.mindir", "SM4-CBC", 16},
};

TEST(MindIRGolden, PlainParseSerializeIsByteExact) {
  for (const char* name : {"mindir_plain.mindir", "ext_plain/net_graph.mindir"}) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> original = ReadFileOrDie(Golden(name));
    // The generated classes alone: parse + serialize reproduces MindSpore's bytes.
    mind_ir::ModelProto m;
    ASSERT_TRUE(m.ParseFromArray(original.data(), static_cast<int>(original.size())));
    EXPECT_EQ(Serialize(m), original);
    // And through the library.
    MindIRLoadOptions o;
    o.weights_dir = Golden("ext_plain");
    StatusOr<Graph> g = ParseMindIR(ByteView(original), o);
    ASSERT_OK(g);
    auto again = g->SerializeModel();
    ASSERT_OK(again);
    EXPECT_EQ(ToVec(*again), original);
  }
}

TEST(MindIRGolden, UnknownFieldsSurvive) {
  // Fields this schema does not declare (numbers MindSpore might add later) are kept.
  const std::vector<uint8_t> original = ReadFileOrDie(Golden("mindir_plain.mindir"));
  mind_ir::ModelProto m;
  ASSERT_TRUE(m.ParseFromArray(original.data(), static_cast<int>(original.size())));
  m.mutable_unknown_fields()->AddVarint(99, 12345);
  m.mutable_graph()->mutable_parameter(0)->mutable_unknown_fields()->AddLengthDelimited(40, "future");
  const std::vector<uint8_t> with_unknown = Serialize(m);
  StatusOr<Graph> g = ParseMindIR(ByteView(with_unknown));
  ASSERT_OK(g);
  EXPECT_EQ(ToVec(g->SerializeModel().value()), with_unknown);
  CheckTinyNet(*g);
}

TEST(MindIRGolden, PlainLoads) {
  Graph g;
  ASSERT_OK(Serialization::Load(Golden("mindir_plain.mindir"), ModelType::kMindIR, &g));
  CheckTinyNet(g);
  EXPECT_FALSE(g.has_external_data());
  EXPECT_FALSE(g.parameters()[0].external.has_value());
}

TEST(MindIRGolden, EveryModeAndKeyLength) {
  const std::vector<uint8_t> plain = ReadFileOrDie(Golden("mindir_plain.mindir"));
  for (const GoldenCase& c : kEncryptedGoldens) {
    SCOPED_TRACE(c.file);
    if (std::strcmp(c.mode, "SM4-CBC") == 0 && !IsModeAvailable(Mode::kSm4Cbc)) continue;
    const std::vector<uint8_t> k = KeyOfLength(c.key_len);
    Graph g;
    ASSERT_OK(Serialization::Load(Golden(c.file), ModelType::kMindIR, &g,
                                  Key(reinterpret_cast<const char*>(k.data()), k.size()), c.mode));
    CheckTinyNet(g);
    EXPECT_EQ(ToVec(g.SerializeModel().value()), plain);

    // The buffer overload agrees.
    const std::vector<uint8_t> bytes = ReadFileOrDie(Golden(c.file));
    Graph gb;
    ASSERT_OK(Serialization::Load(bytes.data(), bytes.size(), ModelType::kMindIR, &gb,
                                  Key(reinterpret_cast<const char*>(k.data()), k.size()), c.mode));
    CheckTinyNet(gb);
  }
}

TEST(MindIRGolden, DefaultModeIsAesGcm) {
  const std::vector<uint8_t> k = KeyOfLength(16);
  Graph g;
  ASSERT_OK(Serialization::Load(Golden("mindir_aes_gcm_128.mindir"), ModelType::kMindIR, &g,
                                Key(reinterpret_cast<const char*>(k.data()), k.size())));
  CheckTinyNet(g);
}

TEST(MindIRGolden, CallableXorFileIsTheCallableOutput) {
  // MindSpore wrote exactly enc_func(model, key) = model XOR 0x5A; decrypting with the inverse
  // function and parsing the result gives the model.
  std::vector<uint8_t> data = ReadFileOrDie(Golden("mindir_custom_xor5a.mindir"));
  for (uint8_t& b : data) b ^= 0x5A;
  EXPECT_EQ(data, ReadFileOrDie(Golden("mindir_plain.mindir")));
  StatusOr<Graph> g = ParseMindIR(ByteView(data));
  ASSERT_OK(g);
  CheckTinyNet(*g);
}

TEST(MindIRGolden, ExternalPlain) {
  Graph g;
  ASSERT_OK(Serialization::Load(Golden("ext_plain/net_graph.mindir"), ModelType::kMindIR, &g));
  CheckTinyNet(g);
  EXPECT_TRUE(g.has_external_data());
  const MindIRParameter* w = g.FindParameter("dense.weight");
  const MindIRParameter* b = g.FindParameter("dense.bias");
  ASSERT_TRUE(w->external && b->external);
  EXPECT_EQ(w->external->location, "net_variables/data_0");
  EXPECT_EQ(w->external->offset, 128u);
  EXPECT_EQ(w->external->length, 48u);
  EXPECT_EQ(b->external->offset, 64u);
  EXPECT_EQ(b->external->length, 12u);
  // serialize() without inlining is the graph file as MindSpore wrote it.
  EXPECT_EQ(ToVec(g.SerializeModel().value()), ReadFileOrDie(Golden("ext_plain/net_graph.mindir")));
  // Inlined: a self-contained model with the same weights and no external_data.
  auto inlined = g.SerializeModel(true);
  ASSERT_OK(inlined);
  StatusOr<Graph> g2 = ParseMindIR(inlined->view());
  ASSERT_OK(g2);
  CheckTinyNet(*g2);
  EXPECT_FALSE(g2->has_external_data());
}

TEST(MindIRGolden, ExternalAesGcm128) {
  const std::vector<uint8_t> k = KeyOfLength(16);
  for (int threads : {1, 2, 0}) {
    SecretBytes key = Secret(k);
    MindIRLoadOptions o;
    o.key = &key;
    o.container.threads = threads;
    StatusOr<Graph> g = LoadMindIR(Golden("ext_aes_gcm_128/net_graph.mindir"), o);
    ASSERT_OK(g);
    CheckTinyNet(*g);
    EXPECT_TRUE(g->has_external_data());
    // serialize() is the decrypted graph file.
    auto plain = Decrypt(ByteView(ReadFileOrDie(Golden("ext_aes_gcm_128/net_graph.mindir"))), key, Mode::kAesGcm);
    ASSERT_OK(plain);
    EXPECT_EQ(ToVec(g->SerializeModel().value()), ToVec(*plain));
  }
  Graph g;
  ASSERT_OK(Serialization::Load(Golden("ext_aes_gcm_128/net_graph.mindir"), ModelType::kMindIR, &g,
                                Key(reinterpret_cast<const char*>(k.data()), k.size()), "AES-GCM"));
  CheckTinyNet(g);
}

TEST(MindIRGolden, EncryptedWithoutKeyIsRefusedClearly) {
  for (const char* name : {"mindir_aes_gcm_128.mindir", "mindir_aes_cbc_128.mindir", "mindir_sm4_cbc_128.mindir",
                           "ext_aes_gcm_128/net_graph.mindir"}) {
    SCOPED_TRACE(name);
    Graph g;
    EXPECT_TRUE(StatusIs(Serialization::Load(Golden(name), ModelType::kMindIR, &g), StatusCode::kKeyRequired,
                         "is encrypted"));
    EXPECT_TRUE(g.empty());
    const std::vector<uint8_t> bytes = ReadFileOrDie(Golden(name));
    EXPECT_TRUE(StatusIs(Serialization::Load(bytes.data(), bytes.size(), ModelType::kMindIR, &g),
                         StatusCode::kKeyRequired, "is encrypted"));
  }
}

TEST(MindIRGolden, WrongKeyAndWrongMode) {
  const std::vector<uint8_t> wrong(16, 0x77);
  const Key wrong_key(reinterpret_cast<const char*>(wrong.data()), wrong.size());
  Graph g;
  EXPECT_TRUE(StatusIs(Serialization::Load(Golden("mindir_aes_gcm_128.mindir"), kMindIR, &g, wrong_key, "AES-GCM"),
                       StatusCode::kAuthenticationFailed));
  const Status cbc = Serialization::Load(Golden("mindir_aes_cbc_128.mindir"), kMindIR, &g, wrong_key, "AES-CBC");
  EXPECT_TRUE(cbc.code() == StatusCode::kAuthenticationFailed || cbc.code() == StatusCode::kMalformed)
      << cbc.ToString();
  const std::vector<uint8_t> k = KeyOfLength(16);
  const Key right(reinterpret_cast<const char*>(k.data()), k.size());
  EXPECT_TRUE(StatusIs(Serialization::Load(Golden("mindir_aes_gcm_128.mindir"), kMindIR, &g, right, "AES-CBC"),
                       StatusCode::kWrongMode));
  EXPECT_TRUE(StatusIs(Serialization::Load(Golden("mindir_aes_gcm_128.mindir"), kMindIR, &g, right, "aes-gcm"),
                       StatusCode::kInvalidArgument));
  EXPECT_TRUE(StatusIs(Serialization::Load(Golden("mindir_plain.mindir"), kMindIR, &g, right, "AES-GCM"),
                       StatusCode::kNotEncrypted));
  // Weight file with the wrong key: the graph is fine, data_0 is not.
  EXPECT_TRUE(StatusIs(Serialization::Load(Golden("ext_aes_gcm_128/net_graph.mindir"), kMindIR, &g, wrong_key),
                       StatusCode::kAuthenticationFailed));
  EXPECT_TRUE(g.empty());
}

TEST(MindIRGolden, KeyAccepts32BytesAndRefusesMore) {
  const std::vector<uint8_t> k33 = KeyOfLength(33);
  const Key big(reinterpret_cast<const char*>(k33.data()), k33.size());
  EXPECT_TRUE(big.oversized());
  EXPECT_EQ(big.len, 0u);
  Graph g;
  EXPECT_TRUE(StatusIs(Serialization::Load(Golden("mindir_aes_gcm_256.mindir"), kMindIR, &g, big),
                       StatusCode::kInvalidArgument, "longer than 32"));
  const Key k32(reinterpret_cast<const char*>(k33.data()), 32);
  EXPECT_FALSE(k32.oversized());
  EXPECT_EQ(k32.len, 32u);
  ASSERT_OK(Serialization::Load(Golden("mindir_aes_gcm_256.mindir"), kMindIR, &g, k32));
  CheckTinyNet(g);
  // Copies carry the bytes.
  Key copy = k32;
  EXPECT_EQ(copy.len, 32u);
  EXPECT_EQ(std::memcmp(copy.key, k33.data(), 32), 0);
}

TEST(MindIRGolden, KeyWipesItsBytes) {
  alignas(Key) unsigned char storage[sizeof(Key)];
  const std::vector<uint8_t> k = KeyOfLength(32);
  Key* key = new (storage) Key(reinterpret_cast<const char*>(k.data()), k.size());
  const size_t off = static_cast<size_t>(reinterpret_cast<unsigned char*>(key->key) - storage);
  ASSERT_EQ(std::memcmp(storage + off, k.data(), k.size()), 0);
  key->~Key();
  unsigned char zeros[Key::max_key_len] = {0};
  EXPECT_EQ(std::memcmp(storage + off, zeros, sizeof(zeros)), 0);
}

TEST(MindIRGolden, OtherModelTypesAndNullGraph) {
  Graph g;
  EXPECT_TRUE(StatusIs(Serialization::Load(Golden("mindir_plain.mindir"), kONNX, &g), StatusCode::kUnsupported));
  EXPECT_TRUE(StatusIs(Serialization::Load(Golden("mindir_plain.mindir"), kMindIR, static_cast<Graph*>(nullptr)),
                       StatusCode::kInvalidArgument));
  std::vector<Graph> graphs;
  ASSERT_OK(Serialization::Load(std::vector<std::string>{Golden("mindir_plain.mindir"), Golden("ext_plain/net_graph.mindir")},
                                kMindIR, &graphs));
  ASSERT_EQ(graphs.size(), 2u);
  CheckTinyNet(graphs[1]);
}

TEST(MindIRGolden, ExternalFromBufferNeedsADirectory) {
  const std::vector<uint8_t> bytes = ReadFileOrDie(Golden("ext_plain/net_graph.mindir"));
  Graph g;
  EXPECT_TRUE(StatusIs(Serialization::Load(bytes.data(), bytes.size(), kMindIR, &g), StatusCode::kInvalidArgument,
                       "weights_dir"));
  MindIRLoadOptions o;
  o.weights_dir = Golden("ext_plain");
  StatusOr<Graph> ok = LoadMindIRFromBuffer(ByteView(bytes), o);
  ASSERT_OK(ok);
  CheckTinyNet(*ok);
}

}  // namespace
}  // namespace mscrypt::mindir_test
