// Graph::Impl: the parsed ModelProto plus the decrypted weight files its parameters point into.
// The only header of the MindIR layer that includes generated protobuf code.
#ifndef MSCRYPT_MINDIR_GRAPH_IMPL_H_
#define MSCRYPT_MINDIR_GRAPH_IMPL_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mind_ir.pb.h"
#include "mscrypt/bytes.h"
#include "mscrypt/mindir.h"
#include "mscrypt/status.h"

namespace mscrypt {

struct Graph::Impl {
  // Wipes the parameter bytes held in raw_data strings (weight files wipe themselves).
  ~Impl();
  mind_ir::ModelProto model;
  // Plaintext of every external weight file, by location. Parameters' data views point into
  // these buffers or into model's raw_data strings; neither changes after construction.
  std::map<std::string, PlaintextBuffer> weight_files;
  std::vector<MindIRParameter> parameters;
  std::vector<MindIRTensorSpec> inputs;
  std::vector<MindIRTensorSpec> outputs;
  uint64_t parameter_bytes = 0;
  bool has_external = false;
};

namespace mindir_internal {

// RawDataWiper wipes the raw_data (parameter bytes) of every parameter of `model` when it goes out
// of scope: protobuf's own strings are freed unwiped.
class RawDataWiper {
 public:
  explicit RawDataWiper(mind_ir::ModelProto* model) : model_(model) {}
  ~RawDataWiper();
  RawDataWiper(const RawDataWiper&) = delete;
  RawDataWiper& operator=(const RawDataWiper&) = delete;

 private:
  mind_ir::ModelProto* model_;
};

// CopyFieldsExcept copies every present field of `from` into `to` (same message type) except
// the field numbered `skip_field`, and all of from's unknown fields. Used to rewrite parameters
// without first duplicating their (possibly large) raw_data.
void CopyFieldsExcept(const google::protobuf::Message& from, google::protobuf::Message* to,
                      int skip_field);

// CheckedElementCount multiplies dims (each >= 0) without overflow; false if any is negative or
// the product exceeds 2^63 - 1.
bool CheckedElementCount(const google::protobuf::RepeatedField<int64_t>& dims, uint64_t* count);

// ExpectedDataSize: bytes for `count` elements of `data_type`, or nullopt when the type has no
// fixed element size (or the size overflows).
std::optional<uint64_t> ExpectedDataSize(int32_t data_type, uint64_t count);

// ValidateLocation: external_data.location must be a non-empty relative path without ".."
// components (it is joined with the graph's directory).
Status ValidateLocation(const std::string& location);

// JoinPath: dir + "/" + rel (dir may be empty: rel as-is).
std::string JoinPath(const std::string& dir, const std::string& rel);

// ModelTooLargeError: kUnsupported (loading) / kInvalidArgument (exporting) for a ModelProto of
// 2 GiB or more.
Status ModelTooLargeError(uint64_t size, bool exporting);

// Annotate prefixes the message of a non-OK status, keeping its code and position.
Status Annotate(const Status& status, const std::string& prefix);

// kMindIRWeightHeaderSize: the header of a weight file and the alignment of its payloads (docs/payloads.md §3.3).
inline constexpr size_t kMindIRWeightHeaderSize = 64;

// ParsePlaintextModel: parse + validate + resolve external weights. The caller adds what
// decryption proved to a failure (Payload::ParseFailed).
StatusOr<Graph> ParsePlaintextModel(ByteView plaintext, const MindIRLoadOptions& options);

// SerializeMessage: ModelProto -> Buffer, refusing 2 GiB or more.
StatusOr<PlaintextBuffer> SerializeMessage(const google::protobuf::Message& msg, bool exporting);

// SerializeGraph: the model as loaded, or with external weights inlined into raw_data.
StatusOr<PlaintextBuffer> SerializeGraph(const Graph& graph, bool inline_external, bool exporting);

// BuildModelWithParameters copies graph's ModelProto into *out without duplicating parameter
// bytes: every parameter with data is copied without raw_data and then handed to `rewrite`,
// which attaches the data (raw_data or external_data).
void BuildModelWithParameters(
    const Graph& graph, mind_ir::ModelProto* out,
    const std::function<void(const MindIRParameter&, mind_ir::TensorProto*)>& rewrite);

}  // namespace mindir_internal
}  // namespace mscrypt

#endif  // MSCRYPT_MINDIR_GRAPH_IMPL_H_
