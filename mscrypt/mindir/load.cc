// Loading MindIR files and buffers through the payload seam (payload.h): key-less detection of
// encrypted input, decryption with the caller's options, and the 2 GiB protobuf limit checked
// from the block headers before anything large is allocated.
#include "mindir/graph_impl.h"
#include "mscrypt/payload.h"

namespace mscrypt {

using mindir_internal::ModelTooLargeError;
using mindir_internal::ParsePlaintextModel;

namespace {

PayloadReadOptions ReadOptions(const MindIRLoadOptions& options) {
  PayloadReadOptions read;
  read.key = options.key;
  read.mode = options.mode;
  read.container = options.container;
  read.container.seal_role = SealRole::kMindIR;
  read.check_size = [](uint64_t min_size) {
    return min_size > kMindIRMaxModelSize ? ModelTooLargeError(min_size, false) : Status::Ok();
  };
  return read;
}

StatusOr<Graph> Parse(Payload payload, const MindIRLoadOptions& options) {
  StatusOr<Graph> graph = ParsePlaintextModel(payload.bytes(), options);
  if (!graph.ok()) return payload.ParseFailed(graph.status());
  return graph;
}

}  // namespace

StatusOr<Graph> LoadMindIR(const std::string& path, const MindIRLoadOptions& options) {
  MSCRYPT_ASSIGN_OR_RETURN(Payload payload, ReadPayloadFile(path, ReadOptions(options)));
  MindIRLoadOptions opts = options;
  if (opts.weights_dir.empty()) opts.weights_dir = DirName(path);
  return Parse(std::move(payload), opts);
}

StatusOr<Graph> LoadMindIRFromBuffer(ByteView data, const MindIRLoadOptions& options) {
  MSCRYPT_ASSIGN_OR_RETURN(Payload payload, ReadPayload(data, ReadOptions(options)));
  return Parse(std::move(payload), options);
}

}  // namespace mscrypt
