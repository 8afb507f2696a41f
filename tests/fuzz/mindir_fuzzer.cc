// mindir_fuzzer: arbitrary bytes through the MindIR loader (mindir.h): ParseMindIR and
// LoadMindIRFromBuffer, plain or through the container with a fixed key. Must never crash,
// over-read or allocate out of proportion to the input (sizes derived from dims x data_type are
// only ever compared, never allocated), and:
//   * no failure is kInternal;
//   * keyless: input starting with a block magic => kInvalidArgument, otherwise
//     LoadMindIRFromBuffer and ParseMindIR agree;
//   * keyed: LoadMindIRFromBuffer succeeds iff Decrypt succeeds and ParseMindIR accepts the
//     plaintext;
//   * on success: unique parameter names found by FindParameter; data of a fixed-size type is
//     exactly prod(dims) * element size; external data is exactly external.length bytes;
//     parameter_bytes is the sum; has_external_data matches; SerializeModel() parses back to the
//     same parameters, and SerializeModel(true) to a self-contained model with the same bytes.
//
// Input: one parameter byte, then the model (or container) bytes.
//   bits 0-1  path: 0 ParseMindIR, 1 LoadMindIRFromBuffer without key, 2-3 with key
//   bits 2-3  mode: 0 AES-GCM, 1 AES-CBC, 2 SM4-CBC, 3 AES-GCM
//   bits 4-5  key (fuzz_params.h FixedKey: 00..0f, 00..17, 00..1f, ASCII) - the golden files'
//   bit  6    threads: 1 or 2
//   bit  7    external weights: weights_dir "w" and a reader that serves a synthetic weight file
//             for locations ending in "data_0" (64-byte header + 4096 bytes), a 32-byte file
//             (shorter than the header) for "short", and kIoError for anything else.
// gen_model_corpus.py writes seeds with this encoding; keep the two in sync.
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fuzz_params.h"
#include "mscrypt/mindir.h"

using namespace mscrypt;

namespace {

constexpr size_t kWeightHeader = 64;
constexpr size_t kWeightPayload = 4096;

bool EndsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

StatusOr<PlaintextBuffer> SyntheticWeightFile(const std::string& path) {
  size_t size;
  if (EndsWith(path, "data_0")) {
    size = kWeightHeader + kWeightPayload;
  } else if (EndsWith(path, "short")) {
    size = 32;
  } else {
    return Status(StatusCode::kIoError, "no such weight file");
  }
  MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer b, PlaintextBuffer::Allocate(size));
  for (size_t i = 0; i < size; ++i) b.data()[i] = static_cast<uint8_t>(i * 31 + 7);
  b.data()[0] = 1;  // little-endian header
  return b;
}

bool PlausibleLoadFailure(StatusCode c) { return mscrypt_fuzz::StatusCodeIsPlausible(c); }

struct ParamSnapshot {
  std::string name;
  int32_t data_type;
  std::vector<int64_t> shape;
  bool has_data;
  std::vector<uint8_t> bytes;
};

std::vector<ParamSnapshot> Snapshot(const Graph& g) {
  std::vector<ParamSnapshot> out;
  for (const MindIRParameter& p : g.parameters()) {
    out.push_back({p.name, p.data_type, p.shape, p.has_data,
                   std::vector<uint8_t>(p.data.data, p.data.data + p.data.size)});
  }
  return out;
}

void CheckGraph(const Graph& g, bool weights_allowed, const MindIRLoadOptions& options) {
  FUZZ_CHECK(!g.empty() && g != nullptr);
  std::set<std::string> names;
  uint64_t total = 0;
  bool any_external = false;
  for (const MindIRParameter& p : g.parameters()) {
    FUZZ_CHECK(names.insert(p.name).second);
    FUZZ_CHECK(g.FindParameter(p.name) == &p);
    for (int64_t d : p.shape) FUZZ_CHECK(d >= 0);
    if (!p.has_data) {
      FUZZ_CHECK(p.data.size == 0 && !p.external.has_value());
      continue;
    }
    if (p.external) {
      any_external = true;
      FUZZ_CHECK(p.data.size == p.external->length);
      FUZZ_CHECK(p.external->offset + p.external->length <= kWeightHeader + kWeightPayload);
      FUZZ_CHECK(!p.external->location.empty() && p.external->location[0] != '/');
    }
    FUZZ_CHECK(p.data.size == 0 || p.data.data != nullptr);
    const size_t esize = MindIRElementSize(p.data_type);
    if (esize != 0) {
      unsigned __int128 expected = esize;
      for (int64_t d : p.shape) {
        expected *= static_cast<uint64_t>(d);
        if (expected > (static_cast<unsigned __int128>(1) << 64)) expected = (static_cast<unsigned __int128>(1) << 64) + 1;
      }
      FUZZ_CHECK(expected == p.data.size);
    }
    total += p.data.size;
  }
  FUZZ_CHECK(total == g.parameter_bytes());
  FUZZ_CHECK(any_external == g.has_external_data());
  if (any_external) FUZZ_CHECK(weights_allowed);
  // Accessors never crash on what was loaded.
  (void)g.name(), (void)g.producer_name(), (void)g.model_version(), (void)g.ir_version();
  (void)g.mind_ir_version(), (void)g.inputs(), (void)g.outputs();

  const std::vector<ParamSnapshot> before = Snapshot(g);
  // As loaded: parses back (with the same weight source) to the same parameters.
  auto ser = g.SerializeModel(false);
  FUZZ_CHECK(ser.ok());
  MindIRLoadOptions plain_opts;
  plain_opts.weights_dir = options.weights_dir;
  plain_opts.read_weight_file = options.read_weight_file;
  StatusOr<Graph> again = ParseMindIR(ser->view(), plain_opts);
  FUZZ_CHECK(again.ok());
  const std::vector<ParamSnapshot> after = Snapshot(*again);
  FUZZ_CHECK(after.size() == before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    FUZZ_CHECK(after[i].name == before[i].name && after[i].data_type == before[i].data_type);
    FUZZ_CHECK(after[i].shape == before[i].shape && after[i].has_data == before[i].has_data);
    FUZZ_CHECK(after[i].bytes == before[i].bytes);
  }
  // Inlined: self-contained, same bytes, no weight reader needed.
  auto inl = g.SerializeModel(true);
  FUZZ_CHECK(inl.ok());
  StatusOr<Graph> self = ParseMindIR(inl->view());
  FUZZ_CHECK(self.ok());
  FUZZ_CHECK(!self->has_external_data());
  const std::vector<ParamSnapshot> inlined = Snapshot(*self);
  FUZZ_CHECK(inlined.size() == before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    FUZZ_CHECK(inlined[i].name == before[i].name && inlined[i].bytes == before[i].bytes);
    FUZZ_CHECK(inlined[i].has_data == before[i].has_data);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t p = data[0];
  const ByteView model(data + 1, size - 1);
  static const Mode kModes[4] = {Mode::kAesGcm, Mode::kAesCbc, Mode::kSm4Cbc, Mode::kAesGcm};
  const int path = p & 3;
  const SecretBytes key = mscrypt_fuzz::FixedKey((p >> 4) & 3);
  const bool weights = (p >> 7) & 1;

  MindIRLoadOptions o;
  o.mode = kModes[(p >> 2) & 3];
  o.container.threads = (p >> 6) & 1 ? 2 : 1;
  if (weights) {
    o.weights_dir = "w";
    o.read_weight_file = SyntheticWeightFile;
  }

  StatusOr<Graph> g = Status(StatusCode::kInternal, "unset");
  if (path == 0) {
    g = ParseMindIR(model, o);
  } else if (path == 1) {
    g = LoadMindIRFromBuffer(model, o);
    if (DetectMode(model)) {
      FUZZ_CHECK(g.status().code() == StatusCode::kKeyRequired);
    } else {
      StatusOr<Graph> direct = ParseMindIR(model, o);
      FUZZ_CHECK(direct.ok() == g.ok());
      if (!g.ok()) FUZZ_CHECK(direct.status().code() == g.status().code());
    }
  } else {
    o.key = &key;
    g = LoadMindIRFromBuffer(model, o);
    Options co;
    co.threads = o.container.threads;
    auto plain = Decrypt(model, key, o.mode, co);
    if (!plain.ok()) {
      FUZZ_CHECK(!g.ok() && g.status().code() == plain.status().code());
    } else {
      StatusOr<Graph> direct = ParseMindIR(plain->view(), o);
      FUZZ_CHECK(direct.ok() == g.ok());
    }
  }
  if (!g.ok()) {
    FUZZ_CHECK(PlausibleLoadFailure(g.status().code()));
    if (path != 2 && path != 3 && !weights) {
      // A plaintext model with no weight reader can only be malformed, too large, or refer to
      // external weights it cannot resolve (or be encrypted, on the keyless buffer path).
      const StatusCode c = g.status().code();
      FUZZ_CHECK(c == StatusCode::kMalformed || c == StatusCode::kUnsupported || c == StatusCode::kInvalidArgument ||
                 c == StatusCode::kKeyRequired);
    }
    return 0;
  }
  CheckGraph(*g, weights, o);
  return 0;
}
