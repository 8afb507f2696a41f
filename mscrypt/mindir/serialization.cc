// Key and Serialization::Load: MindSpore's C++ API shape (docs/payloads.md §3.5) on top of
// LoadMindIR.
#include "mscrypt/serialization.h"


#include <cstring>

namespace mscrypt {

Key::Key(const char* dec_key, size_t key_len) {
  if (key_len > max_key_len) {
    oversized_ = true;  // MindSpore logs and leaves the key empty; Load reports it instead
    return;
  }
  if (key_len > 0 && dec_key != nullptr) std::memcpy(key, dec_key, key_len);
  len = key_len;
}

Key::Key(const Key& other) : len(other.len), oversized_(other.oversized_) {
  std::memcpy(key, other.key, max_key_len);
}

Key& Key::operator=(const Key& other) {
  if (this != &other) {
    mscrypt::Wipe(key, max_key_len);
    std::memcpy(key, other.key, max_key_len);
    len = other.len;
    oversized_ = other.oversized_;
  }
  return *this;
}

Key::~Key() {
  mscrypt::Wipe(key, max_key_len);
  len = 0;
}

namespace {

// Prepare validates the common arguments and converts key/mode. On success *options points at
// *secret when a key was given.
Status Prepare(ModelType model_type, const void* graph, const Key& dec_key, const std::string& dec_mode,
               SecretBytes* secret, MindIRLoadOptions* options) {
  if (graph == nullptr) return InvalidArgumentError("graph must not be null");
  if (model_type != kMindIR) {
    return Status(StatusCode::kUnsupported, "only ModelType::kMindIR models can be loaded (got model type " +
                                                std::to_string(static_cast<uint32_t>(model_type)) + ")");
  }
  if (dec_key.oversized() || dec_key.len > Key::max_key_len) {
    return InvalidArgumentError("dec_key is longer than 32 bytes");
  }
  if (dec_key.len == 0) return Status::Ok();
  StatusOr<Mode> mode = ParseMode(dec_mode);
  if (!mode.ok()) return mode.status();
  *secret = SecretBytes(dec_key.key, dec_key.len);
  options->key = secret;
  options->mode = *mode;
  return Status::Ok();
}

}  // namespace

Status Serialization::Load(const std::string& file, ModelType model_type, Graph* graph, const Key& dec_key,
                           const std::string& dec_mode) {
  SecretBytes secret;
  MindIRLoadOptions options;
  MSCRYPT_RETURN_IF_ERROR(Prepare(model_type, graph, dec_key, dec_mode, &secret, &options));
  *graph = Graph();
  MSCRYPT_ASSIGN_OR_RETURN(*graph, LoadMindIR(file, options));
  return Status::Ok();
}

Status Serialization::Load(const void* model_data, size_t data_size, ModelType model_type, Graph* graph,
                           const Key& dec_key, const std::string& dec_mode) {
  SecretBytes secret;
  MindIRLoadOptions options;
  MSCRYPT_RETURN_IF_ERROR(Prepare(model_type, graph, dec_key, dec_mode, &secret, &options));
  if (model_data == nullptr && data_size > 0) return InvalidArgumentError("model_data is null");
  *graph = Graph();
  MSCRYPT_ASSIGN_OR_RETURN(*graph, LoadMindIRFromBuffer(ByteView(model_data, data_size), options));
  return Status::Ok();
}

Status Serialization::Load(const std::vector<std::string>& files, ModelType model_type, std::vector<Graph>* graphs,
                           const Key& dec_key, const std::string& dec_mode) {
  SecretBytes secret;
  MindIRLoadOptions options;
  MSCRYPT_RETURN_IF_ERROR(Prepare(model_type, graphs, dec_key, dec_mode, &secret, &options));
  graphs->clear();
  std::vector<Graph> loaded;
  loaded.reserve(files.size());
  for (const std::string& file : files) {
    MSCRYPT_ASSIGN_OR_RETURN(Graph g, LoadMindIR(file, options));
    loaded.push_back(std::move(g));
  }
  *graphs = std::move(loaded);
  return Status::Ok();
}

}  // namespace mscrypt
