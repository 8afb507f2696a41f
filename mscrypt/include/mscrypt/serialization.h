// MindSpore-style C++ API: mscrypt::Serialization::Load(file, ModelType::kMindIR, &graph, key, mode).
//
// Mirrors MindSpore's include/api/serialization.h and include/api/types.h (docs/mindspore-format.md
// docs/payloads.md §3.5) so code written against MindSpore's Serialization::Load compiles against mscrypt with a
// namespace change. Differences, all deliberate:
//   * Key accepts 32-byte keys (AES-256), which MindSpore's cloud/litert constructors reject.
//   * Key wipes its bytes when destroyed.
//   * Failures return a Status with a specific code and message instead of a generic failure; an
//     encrypted file loaded without a key fails with kKeyRequired for all three modes
//     (MindSpore's IsCipherFile misses SM4-CBC).
// The Graph type is mscrypt's (mindir.h): it exposes the model's parameters and signature rather
// than an executable graph.
#ifndef MSCRYPT_SERIALIZATION_H_
#define MSCRYPT_SERIALIZATION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mscrypt/mindir.h"
#include "mscrypt/status.h"

namespace mscrypt {

// ModelType: MindSpore's enum (same values). Only kMindIR is supported by Serialization::Load.
enum ModelType : uint32_t {
  kMindIR = 0,
  kAIR = 1,
  kOM = 2,
  kONNX = 3,
  kMindIR_Lite = 4,
  kDataFlow = 5,
  kUnknownType = 0xFFFFFFFF
};

// kDecModeAesGcm: the default dec_mode, as in MindSpore.
inline constexpr char kDecModeAesGcm[] = "AES-GCM";

// Key: a decryption key of up to max_key_len (32) bytes, laid out like MindSpore's struct
// (public `len` and `key` members, so existing code that fills them keeps working). The bytes are
// wiped (mscrypt::Wipe) in the destructor and when overwritten by assignment. Copying a Key
// copies the key bytes (each copy wipes its own storage).
struct Key {
  static constexpr size_t max_key_len = 32;
  size_t len = 0;
  unsigned char key[max_key_len] = {0};

  Key() = default;
  // Key copies `key_len` bytes from `dec_key`. key_len > 32 leaves the Key empty and marks it
  // oversized, so Serialization::Load reports kInvalidArgument instead of "pass the key".
  Key(const char* dec_key, size_t key_len);
  Key(const Key& other);
  Key& operator=(const Key& other);
  ~Key();

  // oversized: the constructor was given more than 32 bytes.
  bool oversized() const { return oversized_; }

 private:
  bool oversized_ = false;
};

class Serialization {
 public:
  // Load reads the MindIR model `file` (with external weight files relative to its directory)
  // into *graph. dec_key.len == 0 means a plain model; otherwise the file and its weight files
  // are decrypted with dec_mode ("AES-GCM", "AES-CBC" or "SM4-CBC"). On failure *graph is left
  // null. kInvalidArgument for a null graph, a model type other than kMindIR (kUnsupported), an
  // oversized key or unknown mode; otherwise the errors of LoadMindIR (mindir.h).
  static Status Load(const std::string& file, ModelType model_type, Graph* graph,
                     const Key& dec_key = {}, const std::string& dec_mode = kDecModeAesGcm);

  // Load from memory. Models with external weights cannot be loaded from a buffer (there is no
  // directory to find them in): use LoadMindIRFromBuffer with MindIRLoadOptions::weights_dir.
  static Status Load(const void* model_data, size_t data_size, ModelType model_type, Graph* graph,
                     const Key& dec_key = {}, const std::string& dec_mode = kDecModeAesGcm);

  // Load several files with the same key; *graphs gets one Graph per file, or is left empty
  // on any failure.
  static Status Load(const std::vector<std::string>& files, ModelType model_type,
                     std::vector<Graph>* graphs, const Key& dec_key = {},
                     const std::string& dec_mode = kDecModeAesGcm);
};

}  // namespace mscrypt

#endif  // MSCRYPT_SERIALIZATION_H_
