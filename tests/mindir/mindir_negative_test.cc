// Failures that must be clear errors, never crashes: corrupt graphs (truncated, random bytes,
// random bytes that decrypt fine), inconsistent parameters, broken external weight files, and
// models at protobuf's 2 GiB limit.
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "internal/format/layout.h"
#include "mindir/graph_impl.h"
#include "mindir_test_util.h"
#include "mscrypt/serialization.h"

namespace mscrypt::mindir_test {
namespace {

bool IsParseFailureOrOk(const StatusOr<Graph>& g) {
  return g.ok() || g.status().code() == StatusCode::kMalformed;
}

TEST(MindIRNegative, EveryTruncationOfTheGoldenModel) {
  const std::vector<uint8_t> plain = ReadFileOrDie(Golden("mindir_plain.mindir"));
  for (size_t n = 0; n < plain.size(); ++n) {
    StatusOr<Graph> g = ParseMindIR(ByteView(plain.data(), n));
    ASSERT_TRUE(IsParseFailureOrOk(g)) << n << ": " << g.status().ToString();
  }
  EXPECT_TRUE(StatusIs(ParseMindIR(ByteView(plain.data(), 0)), StatusCode::kMalformed, "empty"));
  EXPECT_TRUE(StatusIs(ParseMindIR(ByteView(plain.data(), plain.size() / 2)), StatusCode::kMalformed));
}

TEST(MindIRNegative, RandomBytesAndBitFlips) {
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    const std::vector<uint8_t> junk = PseudoRandom(1 + seed % 300, seed);
    ASSERT_TRUE(IsParseFailureOrOk(ParseMindIR(ByteView(junk)))) << seed;
  }
  std::vector<uint8_t> plain = ReadFileOrDie(Golden("mindir_plain.mindir"));
  for (size_t i = 0; i < plain.size(); i += 7) {
    std::vector<uint8_t> flipped = plain;
    flipped[i] ^= static_cast<uint8_t>(1u << (i % 8));
    ASSERT_TRUE(IsParseFailureOrOk(ParseMindIR(ByteView(flipped)))) << i;
  }
}

TEST(MindIRNegative, RandomPlaintextThatDecryptsFine) {
  // A correctly encrypted file whose plaintext is not a ModelProto: a parse error, not a crash.
  const std::vector<uint8_t> k = KeyOfLength(16);
  SecretBytes key = Secret(k);
  for (Mode mode : {Mode::kAesGcm, Mode::kAesCbc}) {
    const std::vector<uint8_t> junk = PseudoRandom(4096, 99);
    StatusOr<Buffer> enc = Encrypt(ByteView(junk), key, mode);
    ASSERT_OK(enc);
    MindIRLoadOptions o;
    o.key = &key;
    o.mode = mode;
    EXPECT_TRUE(StatusIs(LoadMindIRFromBuffer(enc->view(), o), StatusCode::kMalformed, "not a MindIR model"));
    // A valid protobuf without a graph.
    mind_ir::ModelProto no_graph;
    no_graph.set_producer_name("x");
    const std::vector<uint8_t> ng = Serialize(no_graph);
    enc = Encrypt(ByteView(ng), key, mode);
    ASSERT_OK(enc);
    EXPECT_TRUE(StatusIs(LoadMindIRFromBuffer(enc->view(), o), StatusCode::kMalformed, "no graph"));
  }
}

TEST(MindIRNegative, EmptyFiles) {
  TempDir dir;
  WriteFileOrDie(dir / "empty.mindir", {});
  Graph g;
  EXPECT_TRUE(StatusIs(Serialization::Load(dir / "empty.mindir", kMindIR, &g), StatusCode::kMalformed));
  const std::vector<uint8_t> k = KeyOfLength(16);
  EXPECT_TRUE(StatusIs(
      Serialization::Load(dir / "empty.mindir", kMindIR, &g, Key(reinterpret_cast<const char*>(k.data()), 16)),
      StatusCode::kMalformed));
  EXPECT_TRUE(StatusIs(Serialization::Load(dir / "missing.mindir", kMindIR, &g), StatusCode::kIoError));
}

TEST(MindIRNegative, TruncatedEncryptedFile) {
  std::vector<uint8_t> bytes = ReadFileOrDie(Golden("mindir_aes_gcm_128.mindir"));
  bytes.resize(bytes.size() - 10);
  const std::vector<uint8_t> k = KeyOfLength(16);
  Graph g;
  EXPECT_TRUE(StatusIs(
      Serialization::Load(bytes.data(), bytes.size(), kMindIR, &g, Key(reinterpret_cast<const char*>(k.data()), 16)),
      StatusCode::kTruncated));
}

std::vector<uint8_t> Model(const std::function<void(mind_ir::ModelProto*)>& edit) {
  mind_ir::ModelProto m = MakeModel({{"w", 1, {2, 2}, PseudoRandom(16, 1)}});
  edit(&m);
  return Serialize(m);
}

TEST(MindIRNegative, InconsistentParameters) {
  const std::vector<uint8_t> ok = Model([](mind_ir::ModelProto*) {});
  EXPECT_OK(ParseMindIR(ByteView(ok)));
  auto param = [](mind_ir::ModelProto* m) { return m->mutable_graph()->mutable_parameter(0); };
  struct Case {
    const char* what;
    std::function<void(mind_ir::ModelProto*)> edit;
    const char* needle;
  };
  const Case cases[] = {
      {"short raw_data", [&](mind_ir::ModelProto* m) { param(m)->mutable_raw_data()->resize(15); }, "raw_data holds 15"},
      {"negative dim", [&](mind_ir::ModelProto* m) { param(m)->set_dims(0, -2); }, "negative"},
      {"overflowing dims",
       [&](mind_ir::ModelProto* m) {
         param(m)->set_dims(0, INT64_MAX);
         param(m)->set_dims(1, INT64_MAX);
       },
       "overflow"},
      {"huge element count", [&](mind_ir::ModelProto* m) { param(m)->set_dims(0, INT64_MAX / 2); }, "elements need"},
      {"duplicate name", [&](mind_ir::ModelProto* m) { *m->mutable_graph()->add_parameter() = *param(m); }, "twice"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const std::vector<uint8_t> bytes = Model(c.edit);
    EXPECT_TRUE(StatusIs(ParseMindIR(ByteView(bytes)), StatusCode::kMalformed, c.needle));
  }
  // A parameter without any data is allowed (has_data false), as are unknown data types.
  const std::vector<uint8_t> nodata = Model([&](mind_ir::ModelProto* m) {
    param(m)->clear_raw_data();
    param(m)->set_data_type(250);
  });
  StatusOr<Graph> g = ParseMindIR(ByteView(nodata));
  ASSERT_OK(g);
  EXPECT_FALSE(g->parameters()[0].has_data);
  EXPECT_STREQ(MindIRDataTypeName(250), "unknown");
}

// ExternalModel: the golden external graph with parameter 0's external_data edited, written into
// a copy of the golden directory.
std::string ExternalModel(const TempDir& dir, const std::function<void(mind_ir::TensorProto::ExternalDataProto*)>& edit) {
  const std::vector<uint8_t> original = ReadFileOrDie(Golden("ext_plain/net_graph.mindir"));
  mind_ir::ModelProto m;
  EXPECT_TRUE(m.ParseFromArray(original.data(), static_cast<int>(original.size())));
  edit(m.mutable_graph()->mutable_parameter(0)->mutable_external_data());
  ::mkdir((dir / "net_variables").c_str(), 0700);
  WriteFileOrDie(dir / "net_variables/data_0", ReadFileOrDie(Golden("ext_plain/net_variables/data_0")));
  WriteFileOrDie(dir / "net_graph.mindir", Serialize(m));
  return dir / "net_graph.mindir";
}

TEST(MindIRNegative, ExternalDataOutOfBoundsOrEscaping) {
  using Ext = mind_ir::TensorProto::ExternalDataProto;
  struct Case {
    const char* what;
    std::function<void(Ext*)> edit;
    StatusCode code;
    const char* needle;
  };
  const Case cases[] = {
      {"offset past end", [](Ext* e) { e->set_offset(190); }, StatusCode::kMalformed, "outside"},
      {"offset + length overflows", [](Ext* e) { e->set_offset(INT64_MAX - 10); }, StatusCode::kMalformed, "outside"},
      {"negative offset", [](Ext* e) { e->set_offset(-1); }, StatusCode::kMalformed, "negative"},
      {"negative length", [](Ext* e) { e->set_length(-48); }, StatusCode::kMalformed, "negative"},
      {"length disagrees with dims", [](Ext* e) { e->set_length(44); }, StatusCode::kMalformed, "elements need"},
      {"absolute location", [](Ext* e) { e->set_location("/etc/passwd"); }, StatusCode::kMalformed, "absolute"},
      {"escaping location", [](Ext* e) { e->set_location("../net_variables/data_0"); }, StatusCode::kMalformed, ".."},
      {"empty location", [](Ext* e) { e->set_location(""); }, StatusCode::kMalformed, "empty"},
      {"missing data file", [](Ext* e) { e->set_location("net_variables/data_7"); }, StatusCode::kIoError,
       "the weight file of parameter #0"},
      {"location with a newline", [](Ext* e) { e->set_location("net_variables/data_7\nmscrypt: error: x"); },
       StatusCode::kIoError, "the weight file of parameter #0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    TempDir dir;
    const std::string path = ExternalModel(dir, c.edit);
    Graph g;
    const Status s = Serialization::Load(path, kMindIR, &g);
    EXPECT_TRUE(StatusIs(s, c.code, c.needle));
    EXPECT_TRUE(g.empty());
    // Locations and parameter names are model plaintext: never in a message.
    for (const char* plaintext : {"data_7", "passwd", "../net", "dense", "TinyNet"}) {
      if (std::string(c.needle).find(plaintext) == std::string::npos) {
        EXPECT_EQ(s.Describe().find(plaintext), std::string::npos) << plaintext << " in: " << s.Describe();
      }
    }
  }
}

TEST(MindIRNegative, WeightFileHeaderAndSize) {
  TempDir dir;
  const std::string path = ExternalModel(dir, [](mind_ir::TensorProto::ExternalDataProto*) {});
  Graph g;
  ASSERT_OK(Serialization::Load(path, kMindIR, &g));
  std::vector<uint8_t> data = ReadFileOrDie(dir / "net_variables/data_0");
  data[0] = 0;  // big-endian exporter
  WriteFileOrDie(dir / "net_variables/data_0", data);
  EXPECT_TRUE(StatusIs(Serialization::Load(path, kMindIR, &g), StatusCode::kMalformed, "big-endian"));
  data[0] = 7;
  WriteFileOrDie(dir / "net_variables/data_0", data);
  EXPECT_TRUE(StatusIs(Serialization::Load(path, kMindIR, &g), StatusCode::kMalformed, "byte 0 is 7"));
  WriteFileOrDie(dir / "net_variables/data_0", std::vector<uint8_t>(10, 1));
  EXPECT_TRUE(StatusIs(Serialization::Load(path, kMindIR, &g), StatusCode::kMalformed, "64-byte"));
  // Encrypted weight file next to a plain graph, loaded without a key.
  WriteFileOrDie(dir / "net_variables/data_0", ReadFileOrDie(Golden("ext_aes_gcm_128/net_variables/data_0")));
  EXPECT_TRUE(StatusIs(Serialization::Load(path, kMindIR, &g), StatusCode::kKeyRequired, "is encrypted"));
}

TEST(MindIRNegative, EncryptedWeightFileProblems) {
  // Copy the encrypted golden export, then break its data file in different ways.
  const std::vector<uint8_t> k = KeyOfLength(16);
  const Key key(reinterpret_cast<const char*>(k.data()), 16);
  auto setup = [](const TempDir& dir) {
    ::mkdir((dir / "net_variables").c_str(), 0700);
    WriteFileOrDie(dir / "net_graph.mindir", ReadFileOrDie(Golden("ext_aes_gcm_128/net_graph.mindir")));
    WriteFileOrDie(dir / "net_variables/data_0", ReadFileOrDie(Golden("ext_aes_gcm_128/net_variables/data_0")));
  };
  {
    TempDir dir;
    setup(dir);
    ::unlink((dir / "net_variables/data_0").c_str());
    Graph g;
    const Status s = Serialization::Load(dir / "net_graph.mindir", kMindIR, &g, key);
    EXPECT_TRUE(StatusIs(s, StatusCode::kIoError, "the weight file of parameter #0"));
    EXPECT_EQ(s.message().find("net_variables"), std::string::npos) << s.message();
    EXPECT_EQ(s.os_error(), ENOENT);
  }
  {
    TempDir dir;
    setup(dir);
    std::vector<uint8_t> data = ReadFileOrDie(dir / "net_variables/data_0");
    data[200] ^= 1;  // inside the second parameter segment
    WriteFileOrDie(dir / "net_variables/data_0", data);
    Graph g;
    EXPECT_TRUE(StatusIs(Serialization::Load(dir / "net_graph.mindir", kMindIR, &g, key),
                         StatusCode::kAuthenticationFailed, "weight file"));
  }
  {
    // A weight file encrypted with another key than the graph.
    TempDir dir;
    setup(dir);
    const std::vector<uint8_t> other = KeyOfLength(32);
    SecretBytes other_key = Secret(other);
    StatusOr<Buffer> data = Encrypt(ByteView(ReadFileOrDie(Golden("ext_plain/net_variables/data_0"))), other_key, Mode::kAesGcm);
    ASSERT_OK(data);
    WriteFileOrDie(dir / "net_variables/data_0", ToVec(*data));
    Graph g;
    EXPECT_TRUE(StatusIs(Serialization::Load(dir / "net_graph.mindir", kMindIR, &g, key),
                         StatusCode::kAuthenticationFailed));
  }
  {
    // Truncated to the header segment: decrypts, but the parameters lie outside.
    TempDir dir;
    setup(dir);
    std::vector<uint8_t> data = ReadFileOrDie(dir / "net_variables/data_0");
    data.resize(112);
    WriteFileOrDie(dir / "net_variables/data_0", data);
    Graph g;
    EXPECT_TRUE(
        StatusIs(Serialization::Load(dir / "net_graph.mindir", kMindIR, &g, key), StatusCode::kMalformed, "outside"));
  }
}

// Sparse files stand in for models at the 2 GiB protobuf limit without using the disk space.
TEST(MindIRNegative, PlainModelOf2GiBIsRefusedBeforeReading) {
  TempDir dir;
  const std::string path = dir / "huge.mindir";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(kMindIRMaxModelSize + 1)), 0);
  ::close(fd);
  Graph g;
  EXPECT_TRUE(StatusIs(Serialization::Load(path, kMindIR, &g), StatusCode::kUnsupported, "2 GiB"));
}

TEST(MindIRNegative, EncryptedModelOf2GiBIsRefusedBeforeDecrypting) {
  // 33 GCM block headers claiming 64 MiB each (2 GiB + 64 MiB of plaintext) with sparse bodies.
  TempDir dir;
  const std::string path = dir / "huge.mindir";
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  const uint64_t block = internal::kMaxHeaderSize + kMaxBlockPlaintextSize;
  for (uint64_t i = 0; i < 33; ++i) {
    uint8_t h[internal::kMaxHeaderSize] = {0};
    internal::StoreLe32(h, internal::Spec(Mode::kAesGcm).magic);
    internal::StoreLe32(h + 20, static_cast<uint32_t>(24 + kMaxBlockPlaintextSize));
    internal::StoreLe32(h + 24, 16);
    internal::StoreLe32(h + 44, static_cast<uint32_t>(kMaxBlockPlaintextSize));
    ASSERT_EQ(::pwrite(fd, h, sizeof(h), static_cast<off_t>(i * block)), static_cast<ssize_t>(sizeof(h)));
  }
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(33 * block)), 0);
  ::close(fd);
  const std::vector<uint8_t> k = KeyOfLength(16);
  Graph g;
  EXPECT_TRUE(StatusIs(Serialization::Load(path, kMindIR, &g, Key(reinterpret_cast<const char*>(k.data()), 16)),
                       StatusCode::kUnsupported, "2 GiB"));
}

TEST(MindIRNegative, ExportRefusals) {
  StatusOr<Graph> g = LoadMindIR(Golden("mindir_plain.mindir"));
  ASSERT_OK(g);
  TempDir dir;
  EXPECT_TRUE(StatusIs(ExportMindIR(Graph(), dir / "x"), StatusCode::kInvalidArgument, "null"));
  const std::vector<uint8_t> k15 = KeyOfLength(15);
  SecretBytes bad = Secret(k15);
  MindIRExportOptions eo;
  eo.key = &bad;
  EXPECT_TRUE(StatusIs(ExportMindIR(*g, dir / "x", eo), StatusCode::kInvalidArgument));
  const std::vector<uint8_t> k24 = KeyOfLength(24);
  SecretBytes sm4_24 = Secret(k24);
  eo.key = &sm4_24;
  eo.mode = Mode::kSm4Cbc;
  if (IsModeAvailable(Mode::kSm4Cbc)) {
    EXPECT_TRUE(StatusIs(ExportMindIR(*g, dir / "x", eo), StatusCode::kInvalidArgument));
  }
  // Nothing was left behind.
  EXPECT_NE(::access((dir / "x.mindir").c_str(), F_OK), 0);
  // A destination directory that cannot be created.
  WriteFileOrDie(dir / "file", {1});
  EXPECT_TRUE(StatusIs(ExportMindIR(*g, dir / "file/sub/x"), StatusCode::kIoError));
}

}  // namespace
}  // namespace mscrypt::mindir_test
