// MindIR models: load (decrypt + parse) and export (serialize + encrypt) MindSpore .mindir files,
// including the external-weight layout used for large models.
//
// Format reference: docs/payloads.md §3.1 (schema), docs/payloads.md §3 (export/load), docs/payloads.md §3.3 (external
// weight files). A MindIR file is a serialized mind_ir.ModelProto, either plain or passed whole
// through the block container (container.h). Large models keep their weights outside the
// ModelProto: `<prefix>_graph.mindir` holds the graph, whose parameters carry external_data
// {location, offset, length} pointing into `<prefix>_variables/data_N`, found relative to the graph
// file's directory and encrypted with the same key and mode.
//
// Threading: a Graph is immutable after loading; any number of threads may read it at once.
// Every function here may be called concurrently.
//
// Failure: functions return a non-OK Status and produce nothing: no Graph, and for exports no
// file at any destination that did not exist before (each file is written to a temporary name
// and renamed into place on success). Messages name files and parameters, never key bytes or
// weights.
#ifndef MSCRYPT_MINDIR_H_
#define MSCRYPT_MINDIR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mscrypt/bytes.h"
#include "mscrypt/container.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt {

// MindIRDataType: values of mind_ir.TensorProto.data_type (MindSpore's numbering, pinned).
// The field is an int32 on the wire, so unknown values can occur and are kept as they are.
enum class MindIRDataType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,   // FLOAT
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,   // DOUBLE (float64)
  kUInt32 = 12,
  kUInt64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBFloat16 = 16,
  kFloat64 = 17,  // FLOAT64 (same element type as kDouble)
  kQInt4x2 = 18,  // two signed 4-bit values per byte
};

// MindIRDataTypeName returns "float32", "uint8", ..., "bfloat16", "qint4x2", or "unknown" for a
// value outside the table. Never null.
const char* MindIRDataTypeName(int32_t data_type);

// MindIRElementSize returns the bytes per element of `data_type`, or 0 when elements have no
// fixed byte size (UNDEFINED, STRING, QINT4X2, unknown values).
size_t MindIRElementSize(int32_t data_type);

// MindIRTensorSpec: the name, element type and shape of a graph input or output. Shapes may hold
// -1 for dynamic dimensions.
struct MindIRTensorSpec {
  std::string name;
  int32_t data_type = 0;  // from the first tensor of the ValueInfoProto; 0 if it has none
  std::vector<int64_t> shape;
};

// MindIRExternalData: where a parameter's bytes were stored in an external weight file.
struct MindIRExternalData {
  std::string location;  // relative to the graph file's directory, e.g. "net_variables/data_0"
  uint64_t offset = 0;   // plaintext offset in that file
  uint64_t length = 0;   // payload bytes (without alignment padding)
};

// MindIRParameter: one weight of the graph.
struct MindIRParameter {
  // name: as stored, "<graph name>:<ref_key>" for MindSpore exports.
  std::string name;
  // ref_key: MindSpore's short parameter name (e.g. "dense.weight"); empty if absent.
  std::string ref_key;
  int32_t data_type = 0;
  std::vector<int64_t> shape;
  // has_data: false when the TensorProto carries neither raw_data nor external_data.
  bool has_data = false;
  // data: the little-endian element bytes in C order. Points into memory owned by the Graph and
  // stays valid, unchanged, for as long as any copy of that Graph exists.
  ByteView data;
  // external: set when the bytes came from an external weight file.
  std::optional<MindIRExternalData> external;
};

// Graph: a loaded MindIR model. Cheap to copy (copies share the immutable model). A
// default-constructed Graph is null (empty() is true) and every accessor returns empty values.
class Graph {
 public:
  struct Impl;  // defined in mscrypt/mindir/ (keeps protobuf out of this header)

  Graph() = default;
  explicit Graph(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  bool empty() const { return impl_ == nullptr; }
  bool operator==(std::nullptr_t) const { return impl_ == nullptr; }
  bool operator!=(std::nullptr_t) const { return impl_ != nullptr; }

  // name: GraphProto.name of the main graph (contains MindSpore's per-export counters).
  const std::string& name() const;
  // Model metadata from the ModelProto (empty / 0 when absent).
  const std::string& producer_name() const;
  const std::string& model_version() const;
  const std::string& ir_version() const;
  int64_t mind_ir_version() const;
  // parameters: in the order of GraphProto.parameter.
  const std::vector<MindIRParameter>& parameters() const;
  // FindParameter: by stored name or, failing that, by ref_key; nullptr if absent.
  const MindIRParameter* FindParameter(const std::string& name) const;
  const std::vector<MindIRTensorSpec>& inputs() const;
  const std::vector<MindIRTensorSpec>& outputs() const;
  // parameter_bytes: sum of all parameters' data sizes.
  uint64_t parameter_bytes() const;
  // has_external_data: true when any parameter was loaded from an external weight file.
  bool has_external_data() const;

  // SerializeModel returns the plaintext serialized ModelProto. With inline_external == false
  // it is the model exactly as loaded (external parameters keep their external_data; for a file
  // written by MindSpore the bytes equal the decrypted file). With inline_external == true every
  // external parameter carries its bytes in raw_data instead, giving a self-contained model;
  // that fails with kInvalidArgument if the result would reach protobuf's 2 GiB message limit.
  StatusOr<PlaintextBuffer> SerializeModel(bool inline_external = false) const;

  const std::shared_ptr<const Impl>& impl() const { return impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// kMindIRMaxModelSize: protobuf cannot parse or write a message of 2 GiB or more, and MindSpore
// parses the decrypted ModelProto with an int32 length: a (decrypted) graph file must be smaller.
inline constexpr uint64_t kMindIRMaxModelSize = (uint64_t{1} << 31) - 1;

// MindIRWeightFileReader: returns the plaintext of the weight file at `path` (an absolute or
// graph-relative path already joined with the graph's directory). Used by custom decryption.
using MindIRWeightFileReader = std::function<StatusOr<PlaintextBuffer>(const std::string& path)>;

struct MindIRLoadOptions {
  // key: nullptr for a plain model. The pointee must outlive the call.
  const SecretBytes* key = nullptr;
  Mode mode = Mode::kAesGcm;
  // container: decryption options for the graph and its weight files: threads (0 = one per core;
  // weight files are decrypted block-parallel like MindSpore's parallel_num), progress, and the
  // legacy format (MindSpore 1.3-1.6 containers).
  Options container;
  // weights_dir: the directory external_data locations are relative to. LoadMindIR() uses the
  // graph file's directory when this is empty; buffer loads need it set if the model has
  // external weights (otherwise they fail with kInvalidArgument).
  std::string weights_dir;
  // read_weight_file: when set, replaces the default weight-file reading (decrypt with key/mode,
  // or read a plain file). The returned plaintext is checked like any other.
  MindIRWeightFileReader read_weight_file;
};

// LoadMindIR reads and, when options.key is set, decrypts the MindIR file `path`, parses the
// ModelProto and resolves external weights. Errors:
//   * no key and the file starts with any block magic (AES-GCM, AES-CBC or SM4-CBC):
//     kKeyRequired;
//   * key given: the container's errors (kNotEncrypted, kWrongMode, kAuthenticationFailed, ...);
//   * a decrypted model of 2 GiB or more: kUnsupported;
//   * bytes that are not a ModelProto with a graph, or inconsistent parameters: kMalformed, with
//     the hint of what decryption proved (Payload::ParseFailed);
//   * weight files: kIoError if missing, container errors if they do not decrypt, kMalformed for
//     a bad header (byte 0 must be 1, little-endian) or an out-of-bounds offset/length.
StatusOr<Graph> LoadMindIR(const std::string& path, const MindIRLoadOptions& options = {});

// LoadMindIRFromBuffer: like LoadMindIR for a file's bytes held in memory (encrypted when
// options.key is set, plain otherwise).
StatusOr<Graph> LoadMindIRFromBuffer(ByteView data, const MindIRLoadOptions& options = {});

// ParseMindIR parses already-decrypted ModelProto bytes (for example the output of a custom
// decryption function) without looking for a container magic; external weights are resolved as
// in LoadMindIR (options.key / mode / read_weight_file / weights_dir apply to them).
StatusOr<Graph> ParseMindIR(ByteView plaintext, const MindIRLoadOptions& options = {});

// MindIRWeightLayout: where export puts the parameters.
enum class MindIRWeightLayout : int {
  kAuto = 0,      // external when the parameters exceed external_threshold_bytes (MindSpore: 1 GiB)
  kEmbedded = 1,  // raw_data inside the ModelProto: one file "<name>.mindir"
  kExternal = 2,  // "<prefix>_graph.mindir" + "<prefix>_variables/data_N"
};

// MindIRCustomEncrypt: a user encryption function (MindSpore's callable enc_mode). Its return
// value is written to the file as-is.
using MindIRCustomEncrypt = std::function<StatusOr<Buffer>(ByteView plaintext)>;

struct MindIRExportOptions {
  // key: nullptr writes plain files. The pointee must outlive the call.
  const SecretBytes* key = nullptr;
  Mode mode = Mode::kAesGcm;
  int threads = 0;
  MindIRWeightLayout layout = MindIRWeightLayout::kAuto;
  // external_threshold_bytes: kAuto switches to the external layout above this many parameter
  // bytes (MindSpore's TOTAL_SAVE, 1 GiB).
  uint64_t external_threshold_bytes = uint64_t{1} << 30;
  // weight_file_split_bytes: a new data_N file starts when the current one would grow past this
  // many plaintext bytes (MindSpore's PARAMETER_SPLIT_SIZE, 1 TiB). A single parameter larger
  // than this still goes into one file.
  uint64_t weight_file_split_bytes = uint64_t{1} << 40;
  // custom_encrypt: when set, used instead of key/mode. Every file (graph and each whole weight
  // file) is passed through it. MindSpore cannot export or load external weights with a custom
  // function; mscrypt can, but only mscrypt (with the matching custom decryption) reads them.
  MindIRCustomEncrypt custom_encrypt;
  // seal: also write "<graph file>.msseal" covering the graph file and every weight file
  // (docs/format.md §11). Needs key (not custom_encrypt).
  bool seal = false;
};

struct MindIRExportResult {
  std::string graph_file;                 // the .mindir written
  std::vector<std::string> weight_files;  // data_N files (external layout only)
};

// ExportMindIR writes `graph` with all its parameter bytes (wherever they were loaded from).
//   * Embedded: file = file_name + ".mindir" unless it already ends in ".mindir"; its content is
//     Encrypt(serialized ModelProto) (or the plain ModelProto without a key). kInvalidArgument if
//     the ModelProto would reach 2 GiB (use kExternal).
//   * External, as MindSpore's _split_save: prefix = base name of file_name without ".mindir";
//     writes <dir>/<prefix>_variables/data_N (directory created if missing) and then
//     <dir>/<prefix>_graph.mindir. Each data file's plaintext is a 64-byte header (byte 0 = 1,
//     little-endian) followed by the payloads in ref_key order, each padded with zeros to a
//     multiple of 64; encrypted the way MindSpore does it: Encrypt(header) followed by
//     Encrypt(padded payload) per parameter (64 MiB blocks within a payload). external_data
//     offsets are plaintext offsets (the first is 64). Other files already in the variables
//     directory are left alone (MindSpore deletes the directory first); the weight files are
//     written before the graph file, each atomically, so a failure part-way can leave new
//     weight files next to an old graph file, never a partially written file.
StatusOr<MindIRExportResult> ExportMindIR(const Graph& graph, const std::string& file_name,
                                          const MindIRExportOptions& options = {});

}  // namespace mscrypt

#endif  // MSCRYPT_MINDIR_H_
