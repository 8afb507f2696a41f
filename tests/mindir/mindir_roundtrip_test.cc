// Export/load round trips: embedded and external layouts in every mode and key length, MindSpore's
// exact external layout (compared with the golden files), a parameter larger than one 64 MiB
// block, several weight files, and custom encryption functions.
#include <sys/stat.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "mindir/graph_impl.h"
#include "mindir_test_util.h"
#include "mscrypt/serialization.h"

namespace mscrypt::mindir_test {
namespace {

struct ModeKey {
  Mode mode;
  size_t key_len;
};

std::vector<ModeKey> AllModeKeys() {
  std::vector<ModeKey> v = {{Mode::kAesGcm, 16}, {Mode::kAesGcm, 24}, {Mode::kAesGcm, 32},
                            {Mode::kAesCbc, 16}, {Mode::kAesCbc, 24}, {Mode::kAesCbc, 32}};
  if (IsModeAvailable(Mode::kSm4Cbc)) v.push_back({Mode::kSm4Cbc, 16});
  return v;
}

Graph LoadGoldenPlain() {
  StatusOr<Graph> g = LoadMindIR(Golden("mindir_plain.mindir"));
  EXPECT_OK(g);
  return g.ok() ? *g : Graph();
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<uint64_t> BlockSizes(const std::string& path) {
  StatusOr<ContainerInfo> info = InspectFile(path);
  EXPECT_OK(info);
  std::vector<uint64_t> sizes;
  if (info.ok()) {
    for (const BlockInfo& b : info->blocks) sizes.push_back(b.size);
  }
  return sizes;
}

TEST(MindIRRoundTrip, EmbeddedEveryModeAndKeyLength) {
  const Graph g = LoadGoldenPlain();
  const std::vector<uint8_t> plain = ReadFileOrDie(Golden("mindir_plain.mindir"));
  TempDir dir;
  for (const ModeKey& mk : AllModeKeys()) {
    SCOPED_TRACE(std::string(ModeName(mk.mode)) + " " + std::to_string(mk.key_len));
    const std::vector<uint8_t> k = KeyOfLength(mk.key_len);
    SecretBytes key = Secret(k);
    MindIRExportOptions eo;
    eo.key = &key;
    eo.mode = mk.mode;
    StatusOr<MindIRExportResult> r = ExportMindIR(g, dir / "model", eo);  // ".mindir" appended
    ASSERT_OK(r);
    EXPECT_EQ(r->graph_file, dir / "model.mindir");
    EXPECT_TRUE(r->weight_files.empty());
    // The file is Encrypt(the model MindSpore wrote), byte for byte after decryption.
    auto dec = DecryptFile(r->graph_file, key, mk.mode);
    ASSERT_OK(dec);
    EXPECT_EQ(ToVec(*dec), plain);
    Graph back;
    ASSERT_OK(Serialization::Load(r->graph_file, kMindIR, &back, Key(reinterpret_cast<const char*>(k.data()), k.size()),
                                  ModeName(mk.mode)));
    CheckTinyNet(back);
  }
  // Plain export.
  StatusOr<MindIRExportResult> r = ExportMindIR(g, dir / "plain.mindir");
  ASSERT_OK(r);
  EXPECT_EQ(r->graph_file, dir / "plain.mindir");
  EXPECT_EQ(ReadFileOrDie(r->graph_file), plain);
}

TEST(MindIRRoundTrip, ExternalMatchesMindSporeByteForByte) {
  // Exporting the golden external model again yields MindSpore's graph file and data file.
  StatusOr<Graph> g = LoadMindIR(Golden("ext_plain/net_graph.mindir"));
  ASSERT_OK(g);
  TempDir dir;
  MindIRExportOptions eo;
  eo.layout = MindIRWeightLayout::kExternal;
  StatusOr<MindIRExportResult> r = ExportMindIR(*g, dir / "net", eo);
  ASSERT_OK(r);
  EXPECT_EQ(r->graph_file, dir / "net_graph.mindir");
  ASSERT_EQ(r->weight_files.size(), 1u);
  EXPECT_EQ(r->weight_files[0], dir / "net_variables/data_0");
  EXPECT_EQ(ReadFileOrDie(r->graph_file), ReadFileOrDie(Golden("ext_plain/net_graph.mindir")));
  EXPECT_EQ(ReadFileOrDie(r->weight_files[0]), ReadFileOrDie(Golden("ext_plain/net_variables/data_0")));

  // From the embedded golden model: same data file (sorted by name: bias at 64, weight at 128).
  TempDir dir2;
  StatusOr<MindIRExportResult> r2 = ExportMindIR(LoadGoldenPlain(), dir2 / "net.mindir", eo);
  ASSERT_OK(r2);
  EXPECT_EQ(r2->graph_file, dir2 / "net_graph.mindir");
  EXPECT_EQ(ReadFileOrDie(r2->weight_files[0]), ReadFileOrDie(Golden("ext_plain/net_variables/data_0")));
  StatusOr<Graph> back = LoadMindIR(r2->graph_file);
  ASSERT_OK(back);
  CheckTinyNet(*back);
}

TEST(MindIRRoundTrip, ExternalEncryptedLikeMindSpore) {
  const Graph g = LoadGoldenPlain();
  for (const ModeKey& mk : AllModeKeys()) {
    SCOPED_TRACE(std::string(ModeName(mk.mode)) + " " + std::to_string(mk.key_len));
    TempDir dir;
    const std::vector<uint8_t> k = KeyOfLength(mk.key_len);
    SecretBytes key = Secret(k);
    MindIRExportOptions eo;
    eo.key = &key;
    eo.mode = mk.mode;
    eo.layout = MindIRWeightLayout::kExternal;
    StatusOr<MindIRExportResult> r = ExportMindIR(g, dir / "net", eo);
    ASSERT_OK(r);
    // Header segment + one segment per padded parameter, 64 plaintext bytes each: 112-byte blocks
    // in every mode, as in the golden files.
    EXPECT_EQ(BlockSizes(r->weight_files[0]), (std::vector<uint64_t>{112, 112, 112}));
    auto data = DecryptFile(r->weight_files[0], key, mk.mode);
    ASSERT_OK(data);
    EXPECT_EQ(ToVec(*data), ReadFileOrDie(Golden("ext_plain/net_variables/data_0")));
    MindIRLoadOptions lo;
    lo.key = &key;
    lo.mode = mk.mode;
    StatusOr<Graph> back = LoadMindIR(r->graph_file, lo);
    ASSERT_OK(back);
    CheckTinyNet(*back);
    EXPECT_TRUE(back->has_external_data());
  }
}

TEST(MindIRRoundTrip, AutoLayoutFollowsTheThreshold) {
  const Graph g = LoadGoldenPlain();
  TempDir dir;
  MindIRExportOptions eo;
  eo.external_threshold_bytes = 59;  // the model has 60 parameter bytes
  StatusOr<MindIRExportResult> r = ExportMindIR(g, dir / "a", eo);
  ASSERT_OK(r);
  EXPECT_EQ(r->weight_files.size(), 1u);
  eo.external_threshold_bytes = 60;
  r = ExportMindIR(g, dir / "b", eo);
  ASSERT_OK(r);
  EXPECT_TRUE(r->weight_files.empty());
  EXPECT_EQ(r->graph_file, dir / "b.mindir");
}

TEST(MindIRRoundTrip, ParameterLargerThanOneBlock) {
  // 70 MiB + 13 bytes of uint8 (not a multiple of 64: the padded tail shares the last block),
  // and a small float parameter sorted before it.
  const size_t big = (size_t{70} << 20) + 13;
  const std::vector<uint8_t> big_bytes = PseudoRandom(big, 7);
  const std::vector<uint8_t> small = PseudoRandom(40, 8);
  const std::vector<uint8_t> model_bytes =
      Serialize(MakeModel({{"z.big", 2, {static_cast<int64_t>(big)}, big_bytes}, {"a.small", 1, {2, 5}, small}}));
  StatusOr<Graph> g = ParseMindIR(ByteView(model_bytes));
  ASSERT_OK(g);
  const std::vector<uint8_t> k = KeyOfLength(32);
  SecretBytes key = Secret(k);
  for (Mode mode : {Mode::kAesGcm, Mode::kAesCbc}) {
    SCOPED_TRACE(ModeName(mode));
    TempDir dir;
    MindIRExportOptions eo;
    eo.key = &key;
    eo.mode = mode;
    eo.threads = 2;
    eo.layout = MindIRWeightLayout::kExternal;
    StatusOr<MindIRExportResult> r = ExportMindIR(*g, dir / "big", eo);
    ASSERT_OK(r);
    // Blocks: header, small (64), big: 64 MiB + (6 MiB + 13 padded to 64).
    const uint64_t tail = (size_t{6} << 20) + 64;
    const uint64_t overhead = mode == Mode::kAesGcm ? 48 : 32;
    const uint64_t pad_block = mode == Mode::kAesGcm ? 0 : 16;  // CBC: a multiple of 16 gets a full pad block
    EXPECT_EQ(BlockSizes(r->weight_files[0]),
              (std::vector<uint64_t>{64 + overhead + pad_block, 64 + overhead + pad_block,
                                     kMaxBlockPlaintextSize + overhead + pad_block, tail + overhead + pad_block}));
    MindIRLoadOptions lo;
    lo.key = &key;
    lo.mode = mode;
    lo.container.threads = 2;
    StatusOr<Graph> back = LoadMindIR(r->graph_file, lo);
    ASSERT_OK(back);
    const MindIRParameter* p = back->FindParameter("z.big");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->data.size, big);
    EXPECT_EQ(std::memcmp(p->data.data, big_bytes.data(), big), 0);
    EXPECT_EQ(p->external->offset, 128u);
    EXPECT_EQ(ToVec(back->FindParameter("a.small")->data), small);
    // And back to a single embedded file (graph > 64 MiB: several container blocks).
    MindIRExportOptions emb;
    emb.key = &key;
    emb.mode = mode;
    emb.layout = MindIRWeightLayout::kEmbedded;
    StatusOr<MindIRExportResult> r2 = ExportMindIR(*back, dir / "big_embedded", emb);
    ASSERT_OK(r2);
    EXPECT_EQ(BlockSizes(r2->graph_file).size(), 2u);
    StatusOr<Graph> back2 = LoadMindIR(r2->graph_file, lo);
    ASSERT_OK(back2);
    EXPECT_EQ(ToVec(back2->SerializeModel().value()), model_bytes);
  }
}

TEST(MindIRRoundTrip, SeveralWeightFiles) {
  std::vector<ParamSpec> specs;
  for (int i = 0; i < 5; ++i) {
    specs.push_back({"p" + std::to_string(i), 6, {25}, PseudoRandom(100, static_cast<uint64_t>(i))});
  }
  const std::vector<uint8_t> model_bytes = Serialize(MakeModel(specs));
  StatusOr<Graph> g = ParseMindIR(ByteView(model_bytes));
  ASSERT_OK(g);
  TempDir dir;
  const std::vector<uint8_t> k = KeyOfLength(16);
  SecretBytes key = Secret(k);
  MindIRExportOptions eo;
  eo.key = &key;
  eo.layout = MindIRWeightLayout::kExternal;
  eo.weight_file_split_bytes = 64 + 2 * 128;  // two 100-byte parameters (padded to 128) per file
  StatusOr<MindIRExportResult> r = ExportMindIR(*g, dir / "m", eo);
  ASSERT_OK(r);
  ASSERT_EQ(r->weight_files.size(), 3u);
  EXPECT_TRUE(Exists(dir / "m_variables/data_2"));
  MindIRLoadOptions lo;
  lo.key = &key;
  StatusOr<Graph> back = LoadMindIR(r->graph_file, lo);
  ASSERT_OK(back);
  for (const ParamSpec& s : specs) {
    const MindIRParameter* p = back->FindParameter(s.name);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(ToVec(p->data), s.bytes);
  }
  EXPECT_EQ(back->FindParameter("p4")->external->location, "m_variables/data_2");
  EXPECT_EQ(back->FindParameter("p4")->external->offset, 64u);
  // The embedded form of the reloaded model is the original model.
  EXPECT_EQ(ToVec(back->SerializeModel(true).value()), model_bytes);
}

TEST(MindIRRoundTrip, CustomEncryptionEverywhere) {
  // A custom function (XOR with the key, which contains a zero byte) for the graph and, going
  // beyond MindSpore, for whole weight files too.
  const std::vector<uint8_t> k = FromHex("010200030405060708090a0b0c0d0e0f");
  auto xor_with_key = [k](ByteView in) -> StatusOr<Buffer> {
    MSCRYPT_ASSIGN_OR_RETURN(Buffer out, Buffer::Allocate(in.size));
    for (size_t i = 0; i < in.size; ++i) out.data()[i] = in.data[i] ^ k[i % k.size()];
    return out;
  };
  const Graph g = LoadGoldenPlain();
  for (MindIRWeightLayout layout : {MindIRWeightLayout::kEmbedded, MindIRWeightLayout::kExternal}) {
    TempDir dir;
    MindIRExportOptions eo;
    eo.custom_encrypt = xor_with_key;
    eo.layout = layout;
    StatusOr<MindIRExportResult> r = ExportMindIR(g, dir / "c", eo);
    ASSERT_OK(r);
    std::vector<uint8_t> file = ReadFileOrDie(r->graph_file);
    StatusOr<Buffer> graph_plain = xor_with_key(ByteView(file));
    ASSERT_OK(graph_plain);
    MindIRLoadOptions lo;
    lo.weights_dir = dir.path();
    lo.read_weight_file = [&](const std::string& path) -> StatusOr<PlaintextBuffer> {
      const std::vector<uint8_t> bytes = ReadFileOrDie(path);
      MSCRYPT_ASSIGN_OR_RETURN(Buffer plain, xor_with_key(ByteView(bytes)));
      MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer out, PlaintextBuffer::Allocate(plain.size()));
      std::memcpy(out.data(), plain.data(), plain.size());
      return out;
    };
    StatusOr<Graph> back = ParseMindIR(graph_plain->view(), lo);
    ASSERT_OK(back);
    CheckTinyNet(*back);
    EXPECT_EQ(back->has_external_data(), layout == MindIRWeightLayout::kExternal);
  }
}

TEST(MindIRRoundTrip, ConcurrentReadersOfOneGraph) {
  const Graph g = LoadGoldenPlain();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto b = g.SerializeModel();
        if (!b.ok() || b->size() != 3836) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace mscrypt::mindir_test
