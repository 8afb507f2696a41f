// Parsing a plaintext ModelProto into a Graph: validation of parameters, resolution of external
// weight files (docs/payloads.md §3.3), and serialization back to bytes.
#include <climits>
#include <cstring>
#include <limits>
#include <mutex>
#include <set>
#include <utility>

#include "mindir/graph_impl.h"
#include "mscrypt/payload.h"

namespace mscrypt {

using mindir_internal::Annotate;

namespace mindir_internal {

namespace pb = google::protobuf;

RawDataWiper::~RawDataWiper() {
  if (!model_->has_graph()) return;
  mind_ir::GraphProto* g = model_->mutable_graph();
  for (int i = 0; i < g->parameter_size(); ++i) {
    std::string* raw = g->mutable_parameter(i)->mutable_raw_data();
    Wipe(&(*raw)[0], raw->size());
  }
}

void CopyFieldsExcept(const pb::Message& from, pb::Message* to, int skip_field) {
  const pb::Reflection* rf = from.GetReflection();
  const pb::Reflection* rt = to->GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  rf->ListFields(from, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    if (f->number() == skip_field) continue;
    if (f->is_repeated()) {
      const int n = rf->FieldSize(from, f);
      for (int i = 0; i < n; ++i) {
        switch (f->cpp_type()) {
          case pb::FieldDescriptor::CPPTYPE_INT32: rt->AddInt32(to, f, rf->GetRepeatedInt32(from, f, i)); break;
          case pb::FieldDescriptor::CPPTYPE_INT64: rt->AddInt64(to, f, rf->GetRepeatedInt64(from, f, i)); break;
          case pb::FieldDescriptor::CPPTYPE_UINT32: rt->AddUInt32(to, f, rf->GetRepeatedUInt32(from, f, i)); break;
          case pb::FieldDescriptor::CPPTYPE_UINT64: rt->AddUInt64(to, f, rf->GetRepeatedUInt64(from, f, i)); break;
          case pb::FieldDescriptor::CPPTYPE_DOUBLE: rt->AddDouble(to, f, rf->GetRepeatedDouble(from, f, i)); break;
          case pb::FieldDescriptor::CPPTYPE_FLOAT: rt->AddFloat(to, f, rf->GetRepeatedFloat(from, f, i)); break;
          case pb::FieldDescriptor::CPPTYPE_BOOL: rt->AddBool(to, f, rf->GetRepeatedBool(from, f, i)); break;
          case pb::FieldDescriptor::CPPTYPE_ENUM: rt->AddEnumValue(to, f, rf->GetRepeatedEnumValue(from, f, i)); break;
          case pb::FieldDescriptor::CPPTYPE_STRING: rt->AddString(to, f, rf->GetRepeatedString(from, f, i)); break;
          case pb::FieldDescriptor::CPPTYPE_MESSAGE: rt->AddMessage(to, f)->CopyFrom(rf->GetRepeatedMessage(from, f, i)); break;
        }
      }
      continue;
    }
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32: rt->SetInt32(to, f, rf->GetInt32(from, f)); break;
      case pb::FieldDescriptor::CPPTYPE_INT64: rt->SetInt64(to, f, rf->GetInt64(from, f)); break;
      case pb::FieldDescriptor::CPPTYPE_UINT32: rt->SetUInt32(to, f, rf->GetUInt32(from, f)); break;
      case pb::FieldDescriptor::CPPTYPE_UINT64: rt->SetUInt64(to, f, rf->GetUInt64(from, f)); break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE: rt->SetDouble(to, f, rf->GetDouble(from, f)); break;
      case pb::FieldDescriptor::CPPTYPE_FLOAT: rt->SetFloat(to, f, rf->GetFloat(from, f)); break;
      case pb::FieldDescriptor::CPPTYPE_BOOL: rt->SetBool(to, f, rf->GetBool(from, f)); break;
      case pb::FieldDescriptor::CPPTYPE_ENUM: rt->SetEnumValue(to, f, rf->GetEnumValue(from, f)); break;
      case pb::FieldDescriptor::CPPTYPE_STRING: rt->SetString(to, f, rf->GetString(from, f)); break;
      case pb::FieldDescriptor::CPPTYPE_MESSAGE: rt->MutableMessage(to, f)->CopyFrom(rf->GetMessage(from, f)); break;
    }
  }
  rt->MutableUnknownFields(to)->MergeFrom(rf->GetUnknownFields(from));
}

bool CheckedElementCount(const pb::RepeatedField<int64_t>& dims, uint64_t* count) {
  uint64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return false;
    const uint64_t u = static_cast<uint64_t>(d);
    if (u != 0 && n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / u) return false;
    n *= u;
  }
  *count = n;
  return true;
}

std::optional<uint64_t> ExpectedDataSize(int32_t data_type, uint64_t count) {
  const size_t element = MindIRElementSize(data_type);
  if (element == 0) return std::nullopt;
  if (count > std::numeric_limits<uint64_t>::max() / element) return std::nullopt;
  return count * element;
}

Status ValidateLocation(const std::string& location) {
  if (location.empty()) return Status(StatusCode::kMalformed, "external_data.location is empty");
  if (location.find('\0') != std::string::npos) {
    return Status(StatusCode::kMalformed, "external_data.location contains a NUL byte");
  }
  if (location[0] == '/') {
    return Status(StatusCode::kMalformed,
                  "external_data.location is absolute; it must be relative to the graph file's directory");
  }
  size_t start = 0;
  while (start <= location.size()) {
    size_t end = location.find('/', start);
    if (end == std::string::npos) end = location.size();
    if (location.compare(start, end - start, "..") == 0) {
      return Status(StatusCode::kMalformed, "external_data.location leaves the graph file's directory ('..')");
    }
    start = end + 1;
  }
  return Status::Ok();
}

std::string JoinPath(const std::string& dir, const std::string& rel) {
  if (dir.empty()) return rel;
  if (dir.back() == '/') return dir + rel;
  return dir + "/" + rel;
}

Status ModelTooLargeError(uint64_t size, bool exporting) {
  const std::string what = "the ModelProto is " + std::to_string(size) +
                           " bytes; protobuf (and MindSpore) cannot handle a message of 2 GiB or more";
  if (exporting) {
    return InvalidArgumentError(what + "; export with the external weight layout instead");
  }
  return Status(StatusCode::kUnsupported, what);
}

Status Annotate(const Status& status, const std::string& prefix) {
  if (status.ok()) return status;
  Status s = status;  // keeps position, hints and OS error
  s.WithMessage(prefix + status.message());
  return s;
}

}  // namespace mindir_internal

// ---- Data types ---------------------------------------------------------------------------

const char* MindIRDataTypeName(int32_t data_type) {
  switch (static_cast<MindIRDataType>(data_type)) {
    case MindIRDataType::kUndefined: return "undefined";
    case MindIRDataType::kFloat32: return "float32";
    case MindIRDataType::kUInt8: return "uint8";
    case MindIRDataType::kInt8: return "int8";
    case MindIRDataType::kUInt16: return "uint16";
    case MindIRDataType::kInt16: return "int16";
    case MindIRDataType::kInt32: return "int32";
    case MindIRDataType::kInt64: return "int64";
    case MindIRDataType::kString: return "string";
    case MindIRDataType::kBool: return "bool";
    case MindIRDataType::kFloat16: return "float16";
    case MindIRDataType::kDouble: return "float64";
    case MindIRDataType::kUInt32: return "uint32";
    case MindIRDataType::kUInt64: return "uint64";
    case MindIRDataType::kComplex64: return "complex64";
    case MindIRDataType::kComplex128: return "complex128";
    case MindIRDataType::kBFloat16: return "bfloat16";
    case MindIRDataType::kFloat64: return "float64";
    case MindIRDataType::kQInt4x2: return "qint4x2";
  }
  return "unknown";
}

size_t MindIRElementSize(int32_t data_type) {
  switch (static_cast<MindIRDataType>(data_type)) {
    case MindIRDataType::kUInt8:
    case MindIRDataType::kInt8:
    case MindIRDataType::kBool:
      return 1;
    case MindIRDataType::kUInt16:
    case MindIRDataType::kInt16:
    case MindIRDataType::kFloat16:
    case MindIRDataType::kBFloat16:
      return 2;
    case MindIRDataType::kFloat32:
    case MindIRDataType::kInt32:
    case MindIRDataType::kUInt32:
      return 4;
    case MindIRDataType::kInt64:
    case MindIRDataType::kUInt64:
    case MindIRDataType::kDouble:
    case MindIRDataType::kFloat64:
    case MindIRDataType::kComplex64:
      return 8;
    case MindIRDataType::kComplex128:
      return 16;
    case MindIRDataType::kUndefined:
    case MindIRDataType::kString:
    case MindIRDataType::kQInt4x2:
      break;
  }
  return 0;
}

// ---- Graph accessors ----------------------------------------------------------------------

namespace {

const std::string& EmptyString() {
  static const std::string* empty = new std::string();
  return *empty;
}
template <typename T>
const std::vector<T>& EmptyVector() {
  static const std::vector<T>* empty = new std::vector<T>();
  return *empty;
}

}  // namespace

Graph::Impl::~Impl() { mindir_internal::RawDataWiper wipe(&model); }

const std::string& Graph::name() const { return impl_ ? impl_->model.graph().name() : EmptyString(); }
const std::string& Graph::producer_name() const { return impl_ ? impl_->model.producer_name() : EmptyString(); }
const std::string& Graph::model_version() const { return impl_ ? impl_->model.model_version() : EmptyString(); }
const std::string& Graph::ir_version() const { return impl_ ? impl_->model.ir_version() : EmptyString(); }
int64_t Graph::mind_ir_version() const { return impl_ ? impl_->model.mind_ir_version() : 0; }
const std::vector<MindIRParameter>& Graph::parameters() const {
  return impl_ ? impl_->parameters : EmptyVector<MindIRParameter>();
}
const std::vector<MindIRTensorSpec>& Graph::inputs() const {
  return impl_ ? impl_->inputs : EmptyVector<MindIRTensorSpec>();
}
const std::vector<MindIRTensorSpec>& Graph::outputs() const {
  return impl_ ? impl_->outputs : EmptyVector<MindIRTensorSpec>();
}
uint64_t Graph::parameter_bytes() const { return impl_ ? impl_->parameter_bytes : 0; }
bool Graph::has_external_data() const { return impl_ ? impl_->has_external : false; }

const MindIRParameter* Graph::FindParameter(const std::string& name) const {
  if (!impl_) return nullptr;
  for (const MindIRParameter& p : impl_->parameters) {
    if (p.name == name) return &p;
  }
  for (const MindIRParameter& p : impl_->parameters) {
    if (!p.ref_key.empty() && p.ref_key == name) return &p;
  }
  return nullptr;
}

// ---- Parsing ------------------------------------------------------------------------------

namespace mindir_internal {
namespace {

MindIRTensorSpec SpecOf(const mind_ir::ValueInfoProto& v) {
  MindIRTensorSpec spec;
  spec.name = v.name();
  if (v.tensor_size() > 0) {
    spec.data_type = v.tensor(0).data_type();
    spec.shape.assign(v.tensor(0).dims().begin(), v.tensor(0).dims().end());
  }
  return spec;
}

Status Malformed(const std::string& what) { return Status(StatusCode::kMalformed, what); }

// ReadWeightFile: the plaintext of one weight file, through the caller's reader or the payload
// seam (same key, mode and options as the graph; an encrypted file without a key is kKeyRequired).
StatusOr<PlaintextBuffer> ReadWeightFile(const std::string& path, const MindIRLoadOptions& options) {
  if (options.read_weight_file) return options.read_weight_file(path);
  PayloadReadOptions read;
  read.key = options.key;
  read.mode = options.mode;
  read.container = options.container;
  read.container.seal_role = SealRole::kWeightFile;
  // Weight files are covered by the model's seal (checked with the model); one of their own is
  // checked when present but never required.
  if (read.container.seal_check == SealCheck::kRequire) read.container.seal_check = SealCheck::kAuto;
  MSCRYPT_ASSIGN_OR_RETURN(Payload payload, ReadPayloadFile(path, read));
  return payload.TakeBuffer();
}

// WithoutPath: `s` with every mention of the weight file's path replaced by `name` (the path is
// built from the model's plaintext), keeping code, hints and errno.
Status WithoutPath(const Status& s, const std::string& path, const std::string& name) {
  std::string message = s.message();
  const std::string quoted = "'" + path + "'";
  for (size_t at = message.find(quoted); at != std::string::npos; at = message.find(quoted, at + name.size())) {
    message.replace(at, quoted.size(), name);
  }
  for (size_t at = message.find(path); !path.empty() && at != std::string::npos; at = message.find(path, at + name.size())) {
    message.replace(at, path.size(), name);
  }
  if (message.find(name) == std::string::npos) message = name + ": " + message;
  Status out = s;
  out.WithMessage(message).WithOsError(s.os_error(), std::string());
  return out;
}

// CheckWeightFileHeader: docs/payloads.md §3.3, byte 0 is 1 when the exporting host was little-endian.
Status CheckWeightFileHeader(const PlaintextBuffer& plain) {
  if (plain.size() < kMindIRWeightHeaderSize) {
    return Malformed("it holds " + std::to_string(plain.size()) +
                     " plaintext bytes, less than the 64-byte weight file header");
  }
  if (plain.data()[0] == 0) {
    return Malformed("its header says it was written on a big-endian host; mscrypt reads "
                     "little-endian weights only (MindSpore: \"The byte order of export MindIr device "
                     "and load MindIr device is not same!\")");
  }
  if (plain.data()[0] != 1) {
    return Malformed("header byte 0 is " + std::to_string(plain.data()[0]) +
                     ", must be 1 (not a MindIR weight file?)");
  }
  return Status::Ok();
}

// CheckDataSize: a type with a fixed element size must have exactly count * size bytes.
Status CheckDataSize(int32_t data_type, uint64_t count, uint64_t actual, const std::string& what) {
  const size_t element = MindIRElementSize(data_type);
  if (element == 0) return Status::Ok();
  const std::string elements = std::to_string(count) + " " + MindIRDataTypeName(data_type) + " elements need ";
  const std::optional<uint64_t> expected = ExpectedDataSize(data_type, count);
  if (!expected) return Malformed(what + std::to_string(actual) + " bytes, but " + elements + "more than 2^64");
  if (*expected != actual) {
    return Malformed(what + std::to_string(actual) + " bytes, but " + elements + std::to_string(*expected));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Graph> ParsePlaintextModel(ByteView plaintext, const MindIRLoadOptions& options) {
  if (plaintext.size > kMindIRMaxModelSize) return ModelTooLargeError(plaintext.size, false);
  auto impl = std::make_shared<Graph::Impl>();
  if (plaintext.size == 0) {
    return Malformed("the model is empty (0 bytes), not a MindIR ModelProto");
  }
  if (!impl->model.ParseFromArray(plaintext.data, static_cast<int>(plaintext.size))) {
    return Malformed("the data is not a MindIR model: protobuf parsing of the ModelProto failed");
  }
  if (!impl->model.has_graph()) {
    return Malformed("the ModelProto has no graph (field 7): not a MindIR model");
  }
  const mind_ir::GraphProto& g = impl->model.graph();
  for (const mind_ir::ValueInfoProto& v : g.input()) impl->inputs.push_back(SpecOf(v));
  for (const mind_ir::ValueInfoProto& v : g.output()) impl->outputs.push_back(SpecOf(v));

  // First pass: everything that needs no weight file.
  std::set<std::string> names;
  std::map<std::string, std::vector<int>> by_location;  // location -> parameter indexes
  impl->parameters.reserve(static_cast<size_t>(g.parameter_size()));
  for (int i = 0; i < g.parameter_size(); ++i) {
    const mind_ir::TensorProto& t = g.parameter(i);
    // Parameters are named by index: names come from the (decrypted) model, and messages carry no
    // plaintext (docs/payloads.md §1).
    const std::string where = "parameter #" + std::to_string(i) + ": ";
    if (!names.insert(t.name()).second) return Malformed(where + "the name appears twice");
    MindIRParameter p;
    p.name = t.name();
    p.ref_key = t.ref_key();
    p.data_type = t.data_type();
    uint64_t count = 0;
    if (!CheckedElementCount(t.dims(), &count)) {
      return Malformed(where + "dims contain a negative value or their product overflows");
    }
    p.shape.assign(t.dims().begin(), t.dims().end());
    if (t.has_external_data()) {
      const auto& e = t.external_data();
      MSCRYPT_RETURN_IF_ERROR(Annotate(ValidateLocation(e.location()), where));
      if (e.offset() < 0 || e.length() < 0) {
        return Malformed(where + "external_data offset " + std::to_string(e.offset()) + " / length " +
                         std::to_string(e.length()) + " is negative");
      }
      MSCRYPT_RETURN_IF_ERROR(CheckDataSize(t.data_type(), count, static_cast<uint64_t>(e.length()),
                                            where + "external_data.length is "));
      MindIRExternalData ext;
      ext.location = e.location();
      ext.offset = static_cast<uint64_t>(e.offset());
      ext.length = static_cast<uint64_t>(e.length());
      p.external = std::move(ext);
      p.has_data = true;
      by_location[e.location()].push_back(i);
      impl->has_external = true;
    } else if (t.has_raw_data()) {
      MSCRYPT_RETURN_IF_ERROR(CheckDataSize(t.data_type(), count, t.raw_data().size(), where + "raw_data holds "));
      p.data = ByteView(t.raw_data().data(), t.raw_data().size());
      p.has_data = true;
      impl->parameter_bytes += t.raw_data().size();
    }
    impl->parameters.push_back(std::move(p));
  }

  // Second pass: weight files, each read (and decrypted) once.
  if (!by_location.empty() && options.weights_dir.empty() && !options.read_weight_file) {
    return InvalidArgumentError(
        "the model keeps its weights in external files, which are found relative to the graph file's "
        "directory; load it from its file, or set weights_dir");
  }
  for (const auto& [location, indexes] : by_location) {
    const std::string path = JoinPath(options.weights_dir, location);
    // The file is named by the first parameter that uses it: its location is model plaintext.
    const std::string file = "the weight file of parameter #" + std::to_string(indexes.front());
    MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer plain, [&]() -> StatusOr<PlaintextBuffer> {
      StatusOr<PlaintextBuffer> r = ReadWeightFile(path, options);
      if (!r.ok()) return WithoutPath(r.status(), path, file);
      return r;
    }());
    MSCRYPT_RETURN_IF_ERROR(Annotate(CheckWeightFileHeader(plain), file + ": "));
    for (int i : indexes) {
      MindIRParameter& p = impl->parameters[static_cast<size_t>(i)];
      const MindIRExternalData& e = *p.external;
      if (e.offset > plain.size() || e.length > plain.size() - e.offset) {
        return Malformed("parameter #" + std::to_string(i) + ": external data [" + std::to_string(e.offset) + ", +" +
                         std::to_string(e.length) + ") lies outside its weight file, which holds " +
                         std::to_string(plain.size()) + " plaintext bytes");
      }
      p.data = ByteView(plain.data() + e.offset, static_cast<size_t>(e.length));
      impl->parameter_bytes += e.length;
    }
    impl->weight_files.emplace(location, std::move(plain));
  }
  return Graph(std::shared_ptr<const Graph::Impl>(std::move(impl)));
}

StatusOr<PlaintextBuffer> SerializeMessage(const google::protobuf::Message& msg, bool exporting) {
  const size_t size = msg.ByteSizeLong();
  if (size > kMindIRMaxModelSize) return ModelTooLargeError(size, exporting);
  MSCRYPT_ASSIGN_OR_RETURN(PlaintextBuffer buf, PlaintextBuffer::Allocate(size));
  if (size > 0 && !msg.SerializeToArray(buf.data(), static_cast<int>(size))) {
    return InternalError("protobuf failed to serialize the ModelProto");
  }
  return buf;
}

StatusOr<PlaintextBuffer> SerializeGraph(const Graph& graph, bool inline_external, bool exporting) {
  if (graph.empty()) return InvalidArgumentError("the graph is null (nothing was loaded)");
  const Graph::Impl& impl = *graph.impl();
  if (!inline_external || !impl.has_external) {
    // ByteSizeLong() updates cached sizes inside the shared message: serialize one at a time.
    static std::mutex mu;
    std::lock_guard<std::mutex> lock(mu);
    return SerializeMessage(impl.model, exporting);
  }
  mind_ir::ModelProto out;
  RawDataWiper wiper(&out);
  BuildModelWithParameters(graph, &out, [](const MindIRParameter& p, mind_ir::TensorProto* t) {
    t->clear_external_data();
    t->set_raw_data(p.data.data, p.data.size);
  });
  return SerializeMessage(out, exporting);
}

void BuildModelWithParameters(
    const Graph& graph, mind_ir::ModelProto* out,
    const std::function<void(const MindIRParameter&, mind_ir::TensorProto*)>& rewrite) {
  const Graph::Impl& impl = *graph.impl();
  constexpr int kModelGraphField = mind_ir::ModelProto::kGraphFieldNumber;
  constexpr int kGraphParameterField = mind_ir::GraphProto::kParameterFieldNumber;
  constexpr int kTensorRawDataField = mind_ir::TensorProto::kRawDataFieldNumber;
  CopyFieldsExcept(impl.model, out, kModelGraphField);
  mind_ir::GraphProto* g = out->mutable_graph();
  CopyFieldsExcept(impl.model.graph(), g, kGraphParameterField);
  const auto& params = impl.model.graph().parameter();
  for (int i = 0; i < params.size(); ++i) {
    mind_ir::TensorProto* t = g->add_parameter();
    const MindIRParameter& p = impl.parameters[static_cast<size_t>(i)];
    if (p.has_data) {
      CopyFieldsExcept(params.Get(i), t, kTensorRawDataField);  // raw_data is rewritten anyway
      rewrite(p, t);
    } else {
      t->CopyFrom(params.Get(i));
    }
  }
}

}  // namespace mindir_internal

StatusOr<PlaintextBuffer> Graph::SerializeModel(bool inline_external) const {
  return mindir_internal::SerializeGraph(*this, inline_external, false);
}

StatusOr<Graph> ParseMindIR(ByteView plaintext, const MindIRLoadOptions& options) {
  return mindir_internal::ParsePlaintextModel(plaintext, options);
}

}  // namespace mscrypt
