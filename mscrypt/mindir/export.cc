// Exporting MindIR: embedded weights (one file) or MindSpore's external layout (docs/payloads.md §3.3), with the
// weight files encrypted segment by segment exactly as MindSpore's _split_save does.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <numeric>
#include <thread>

#include "mscrypt/payload.h"
#include "mindir/graph_impl.h"

namespace mscrypt {

using mindir_internal::Annotate;
using mindir_internal::JoinPath;
using mindir_internal::kMindIRWeightHeaderSize;

namespace {

constexpr uint64_t kAlign = kMindIRWeightHeaderSize;

uint64_t PaddedSize(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// FileSink writes one output file atomically: plain bytes, container segments, or (custom
// encryption) a whole plaintext collected in memory and passed through the user function.
class FileSink {
 public:
  static StatusOr<std::unique_ptr<FileSink>> Create(const std::string& path, const MindIRExportOptions& options,
                                                    uint64_t plaintext_size) {
    const bool plaintext = options.key == nullptr && !options.custom_encrypt;
    MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<PayloadWriter> file, PayloadWriter::CreateRaw(path, plaintext));
    std::unique_ptr<FileSink> sink(new FileSink(std::move(file), options));
    if (options.custom_encrypt) {
      MSCRYPT_ASSIGN_OR_RETURN(sink->collected_, PlaintextBuffer::Allocate(static_cast<size_t>(plaintext_size)));
    }
    return sink;
  }

  // Segment writes `data` followed by `pad` zero bytes as one separately encrypted segment
  // (Encrypt(data || zeros) in MindSpore's terms: 64 MiB blocks, the last one shorter).
  Status Segment(ByteView data, size_t pad) {
    if (options_.custom_encrypt) return Collect(data, pad);
    if (options_.key == nullptr) {
      MSCRYPT_RETURN_IF_ERROR(file_->Write(data));
      return WriteZeros(pad);
    }
    // Whole 64 MiB blocks straight from the caller's memory, `threads` blocks per Encrypt call
    // (Encrypt cuts at 64 MiB, so the block sequence equals one Encrypt of the whole segment).
    const size_t batch = kMaxBlockPlaintextSize * static_cast<size_t>(std::max(1, Workers()));
    const size_t whole = data.size / kMaxBlockPlaintextSize * kMaxBlockPlaintextSize;
    for (size_t off = 0; off < whole; off += batch) {
      MSCRYPT_RETURN_IF_ERROR(EncryptAndWrite(data.subview(off, std::min(batch, whole - off))));
    }
    const size_t tail = data.size - whole;
    if (tail + pad == 0) return Status::Ok();
    // The last block holds the remainder and the padding (<= 64 MiB because 64 MiB is a multiple
    // of the 64-byte alignment).
    MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer last, PlaintextBuffer::Allocate(tail + pad));
    if (tail > 0) std::memcpy(last.data(), data.data + whole, tail);
    std::memset(last.data() + tail, 0, pad);
    return EncryptAndWrite(last.view());
  }

  Status Commit() {
    if (options_.custom_encrypt) {
      if (collected_size_ != collected_.size()) return InternalError("weight file size mismatch");
      MSCRYPT_ASSIGN_OR_RETURN(Buffer out, options_.custom_encrypt(collected_.view()));
      MSCRYPT_RETURN_IF_ERROR(file_->Write(out.view()));
    }
    return file_->Commit();
  }

 private:
  FileSink(std::unique_ptr<PayloadWriter> file, const MindIRExportOptions& options)
      : file_(std::move(file)), options_(options) {}

  int Workers() const {
    if (options_.threads > 0) return std::min(options_.threads, 64);
    return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 64u));
  }

  Status EncryptAndWrite(ByteView plain) {
    Options o;
    o.threads = options_.threads;
    MSCRYPT_ASSIGN_OR_RETURN(Buffer cipher, Encrypt(plain, *options_.key, options_.mode, o));
    return file_->Write(cipher.view());
  }

  Status WriteZeros(size_t n) {
    static const uint8_t kZeros[4096] = {0};
    while (n > 0) {
      const size_t k = std::min(n, sizeof(kZeros));
      MSCRYPT_RETURN_IF_ERROR(file_->Write(ByteView(kZeros, k)));
      n -= k;
    }
    return Status::Ok();
  }

  Status Collect(ByteView data, size_t pad) {
    if (collected_size_ + data.size + pad > collected_.size()) return InternalError("weight file size mismatch");
    if (data.size > 0) std::memcpy(collected_.data() + collected_size_, data.data, data.size);
    std::memset(collected_.data() + collected_size_ + data.size, 0, pad);
    collected_size_ += data.size + pad;
    return Status::Ok();
  }

  std::unique_ptr<PayloadWriter> file_;
  const MindIRExportOptions& options_;
  PlaintextBuffer collected_;
  size_t collected_size_ = 0;
};

// WriteWholeFile: one serialized model -> one file (Encrypt, custom function, or plain). A seal
// covers `weight_files` (relative to the graph file's directory) too.
Status WriteWholeFile(const std::string& path, const PlaintextBuffer& plain, const MindIRExportOptions& options,
                      const std::vector<std::string>& weight_files = {}) {
  if (options.key != nullptr && !options.custom_encrypt) {
    Options o;
    o.threads = options.threads;
    o.write_seal = options.seal;
    o.seal_role = SealRole::kMindIR;
    o.seal_members = weight_files;
    return EncryptToFile(plain.view(), path, *options.key, options.mode, o);
  }
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<PayloadWriter> file,
                           PayloadWriter::CreateRaw(path, /*private_contents=*/!options.custom_encrypt));
  if (options.custom_encrypt) {
    MSCRYPT_ASSIGN_OR_RETURN(Buffer out, options.custom_encrypt(plain.view()));
    MSCRYPT_RETURN_IF_ERROR(file->Write(out.view()));
  } else {
    MSCRYPT_RETURN_IF_ERROR(file->Write(plain.view()));
  }
  return file->Commit();
}

// SortKey: MindSpore orders payloads by the parameter name after its first ':'.
std::string SortKey(const std::string& name) {
  const size_t colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

struct Placement {
  size_t file = 0;
  uint64_t offset = 0;
};

StatusOr<MindIRExportResult> ExportExternal(const Graph& graph, const std::string& file_name,
                                            const MindIRExportOptions& options) {
  const std::vector<MindIRParameter>& params = graph.parameters();
  std::string prefix = BaseName(file_name);
  if (EndsWith(prefix, ".mindir")) prefix.resize(prefix.size() - 7);
  if (prefix.empty()) return InvalidArgumentError("file_name '" + file_name + "' has no base name");
  const std::string dir = DirName(file_name);
  const std::string variables = prefix + "_variables";

  // Plan: payload order, data_N boundaries and offsets, before writing anything.
  std::vector<size_t> order;
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].has_data) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return SortKey(params[a].name) < SortKey(params[b].name); });
  std::vector<Placement> placement(params.size());
  std::vector<uint64_t> file_sizes{kAlign};
  for (size_t i : order) {
    const uint64_t padded = PaddedSize(params[i].data.size);
    uint64_t& current = file_sizes.back();
    if (current > kAlign && current + padded > options.weight_file_split_bytes) file_sizes.push_back(kAlign);
    placement[i].file = file_sizes.size() - 1;
    placement[i].offset = file_sizes.back();
    file_sizes.back() += padded;
  }
  std::vector<std::string> locations;
  for (size_t n = 0; n < file_sizes.size(); ++n) locations.push_back(variables + "/data_" + std::to_string(n));

  // The graph first in memory (so a too-large graph fails before any file is written).
  mind_ir::ModelProto model;
  mindir_internal::BuildModelWithParameters(graph, &model, [&](const MindIRParameter& p, mind_ir::TensorProto* t) {
    const Placement& pl = placement[static_cast<size_t>(&p - params.data())];  // p is an element of params
    t->clear_external_data();
    auto* e = t->mutable_external_data();
    e->set_location(locations[pl.file]);
    e->set_offset(static_cast<int64_t>(pl.offset));
    e->set_length(static_cast<int64_t>(p.data.size));
  });
  MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer graph_bytes, mindir_internal::SerializeMessage(model, true));

  MSCRYPT_RETURN_IF_ERROR(CreateDirectories(JoinPath(dir, variables)));
  MindIRExportResult result;
  uint8_t header[kAlign] = {0};
  header[0] = 1;  // little-endian host (docs/payloads.md §3.3)
  for (size_t n = 0; n < file_sizes.size(); ++n) {
    const std::string path = JoinPath(dir, locations[n]);
    const std::string where = "weight file '" + path + "': ";
    std::unique_ptr<FileSink> sink;
    {
      auto created = FileSink::Create(path, options, file_sizes[n]);
      if (!created.ok()) return Annotate(created.status(), where);
      sink = std::move(created).value();
    }
    MSCRYPT_RETURN_IF_ERROR(Annotate(sink->Segment(ByteView(header, sizeof(header)), 0), where));
    for (size_t i : order) {
      if (placement[i].file != n) continue;
      const ByteView data = params[i].data;
      MSCRYPT_RETURN_IF_ERROR(Annotate(sink->Segment(data, PaddedSize(data.size) - data.size), where));
    }
    MSCRYPT_RETURN_IF_ERROR(Annotate(sink->Commit(), where));
    result.weight_files.push_back(path);
  }
  result.graph_file = JoinPath(dir, prefix + "_graph.mindir");
  MSCRYPT_RETURN_IF_ERROR(WriteWholeFile(result.graph_file, graph_bytes, options, locations));
  return result;
}

Status ValidateExportOptions(const MindIRExportOptions& options) {
  if (options.threads < 0) return InvalidArgumentError("threads must be 0 (all cores) or positive");
  if (options.key != nullptr && !options.custom_encrypt) {
    MSCRYPT_RETURN_IF_ERROR(ValidateKeySize(options.mode, options.key->size()));
    if (!IsModeAvailable(options.mode)) {
      return Status(StatusCode::kUnsupported, std::string(ModeName(options.mode)) +
                                                  " is not available in the linked OpenSSL");
    }
  }
  if (options.weight_file_split_bytes <= kAlign) {
    return InvalidArgumentError("weight_file_split_bytes must exceed the 64-byte header");
  }
  if (options.seal && (options.key == nullptr || options.custom_encrypt)) {
    return InvalidArgumentError("a seal needs enc_key with a built-in mode (not a custom encryption function)");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<MindIRExportResult> ExportMindIR(const Graph& graph, const std::string& file_name,
                                          const MindIRExportOptions& options) {
  if (graph.empty()) return InvalidArgumentError("the graph is null (nothing was loaded)");
  if (file_name.empty()) return InvalidArgumentError("file_name is empty");
  MSCRYPT_RETURN_IF_ERROR(ValidateExportOptions(options));

  bool external = options.layout == MindIRWeightLayout::kExternal;
  if (options.layout == MindIRWeightLayout::kAuto) {
    external = graph.parameter_bytes() > options.external_threshold_bytes ||
               graph.parameter_bytes() >= kMindIRMaxModelSize;
  }
  if (external) return ExportExternal(graph, file_name, options);

  MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer plain, mindir_internal::SerializeGraph(graph, true, true));
  MindIRExportResult result;
  result.graph_file = EndsWith(file_name, ".mindir") ? file_name : file_name + ".mindir";
  MSCRYPT_RETURN_IF_ERROR(CreateDirectories(DirName(result.graph_file)));
  MSCRYPT_RETURN_IF_ERROR(WriteWholeFile(result.graph_file, plain, options));
  return result;
}

}  // namespace mscrypt
