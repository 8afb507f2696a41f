// Checkpoint functions (mscrypt/checkpoint.h): argument conversion, GIL release and error mapping.
//
// Loading: the whole plaintext is read (or decrypted in parallel) into ONE buffer and parsed with
// the GIL released; the buffer then becomes a writeable 1-D uint8 numpy array that owns it, and
// every tensor is a view of that array (no copy). Tensors written in several slices (> 512 MiB)
// are first made contiguous inside the buffer (JoinSlicesInPlace, GIL released), so they are views
// too and no second buffer is needed; only multi-slice MapTensor parts get their own arrays. The
// Python layer
// (mscrypt/_checkpoint.py) reinterprets each uint8 view with the right dtype and shape.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "mscrypt/checkpoint.h"

namespace mscrypt::python {

namespace {

py::tuple Shape(const std::vector<int64_t>& shape) {
  py::tuple t(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) t[i] = py::int_(shape[i]);
  return t;
}

// Pending gathers: multi-slice tensors copied into their own arrays once the GIL is released.
struct Gather {
  const CheckpointTensor* tensor;
  uint8_t* out;
};

// TensorBytes: a uint8 array with the tensor's bytes: a view of `base` when the tensor is one
// range, else a new array filled later (recorded in `gathers`, which must then be non-null).
py::array TensorBytes(const CheckpointTensor& t, const py::array& base, std::vector<Gather>* gathers) {
  const auto n = static_cast<py::ssize_t>(t.size_in_bytes);
  if (t.contiguous()) {
    if (n == 0) return py::array_t<uint8_t>(0);
    auto* data = static_cast<uint8_t*>(const_cast<void*>(base.data())) + t.data_offset();
    return py::array(py::dtype::of<uint8_t>(), {n}, {py::ssize_t{1}}, data, base);
  }
  py::array_t<uint8_t> out(n);
  gathers->push_back(Gather{&t, out.mutable_data()});
  return out;
}

py::tuple TensorTuple(const CheckpointTensor& t, const py::array& base, std::vector<Gather>* gathers) {
  return py::make_tuple(t.type_name, TensorTypeName(t.type), Shape(t.shape), TensorBytes(t, base, gathers));
}

// LoadCheckpoint returns (entries, has_crc_trailer). Each entry is
//   (name, "tensor", (type_name, canonical_type, shape, uint8 array))  or
//   (name, "map", [(type_name, canonical_type, shape, uint8 array), ...]).
// `select`, if not None, is called with each name and entries for which it is false are skipped
// before any array is made for them.
py::tuple LoadCheckpoint(const py::handle& path, const py::handle& key, const py::handle& mode, const py::handle& crc_check,
                         const py::handle& threads, const py::object& select, const py::handle& seal) {
  const std::string p = PathFromPython(path, "ckpt_file_name");
  std::optional<SecretBytes> k;
  Mode m = Mode::kAesGcm;
  if (!key.is_none()) {
    k.emplace(KeyFromPython(key, "dec_key"));
    m = ModeFromPython(mode, "dec_mode");
  } else if (!py::isinstance<py::str>(mode)) {
    ThrowArgumentTypeError("dec_mode must be a str such as \"AES-GCM\", not " + TypeName(mode));
  }
  CheckpointReadOptions options;
  options.container = MakeOptions(threads, py::bool_(false));
  ApplySeal(&options.container, seal, false);
  options.crc_check = BoolFromPython(crc_check, "crc_check");

  StatusOr<CheckpointFile> file = Status(StatusCode::kInternal, "unset");
  {
    py::gil_scoped_release release;
    file = ReadCheckpointFile(p, k ? &*k : nullptr, m, options);
  }
  if (!file.ok()) ThrowIfError(file.status());

  // Hand the plaintext to numpy: the capsule owns the Buffer, the base array views it.
  auto owned = std::make_unique<CheckpointFile>(std::move(file).value());
  CheckpointFile* f = owned.get();
  py::capsule owner(owned.release(), [](void* ptr) { delete static_cast<CheckpointFile*>(ptr); });
  py::array base = f->plaintext.size() == 0
                       ? py::array(py::array_t<uint8_t>(0))
                       : py::array(py::dtype::of<uint8_t>(), {static_cast<py::ssize_t>(f->plaintext.size())},
                                   {py::ssize_t{1}}, f->plaintext.data(), owner);

  // Pass 1 (GIL held): choose entries; allocate arrays for multi-slice map tensors.
  std::vector<CheckpointEntry*> chosen;
  std::vector<py::str> names;
  for (CheckpointEntry& e : f->index.entries) {
    py::str name(e.name);
    if (!select.is_none() && !py::cast<bool>(select(name))) continue;
    chosen.push_back(&e);
    names.push_back(std::move(name));
  }
  std::vector<Gather> gathers;
  std::vector<std::vector<py::array>> map_arrays(chosen.size());
  bool any_join = false;
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (chosen[i]->kind == CheckpointEntryKind::kTensor) {
      any_join = any_join || !chosen[i]->tensor.contiguous();
    } else {
      for (const CheckpointTensor& t : chosen[i]->map_tensors) map_arrays[i].push_back(TensorBytes(t, base, &gathers));
    }
  }
  // Pass 2 (GIL released): join sliced tensors in place (no second buffer) and gather map slices.
  if (any_join || !gathers.empty()) {
    Status s;
    {
      py::gil_scoped_release release;
      for (CheckpointEntry* e : chosen) {
        if (e->kind != CheckpointEntryKind::kTensor || e->tensor.contiguous()) continue;
        s = JoinSlicesInPlace(f->plaintext.mutable_view(), &e->tensor);
        if (!s.ok()) break;
      }
      for (const Gather& g : gathers) {
        if (!s.ok()) break;
        s = GatherTensorBytes(f->plaintext.view(), *g.tensor,
                              MutableByteView(g.out, static_cast<size_t>(g.tensor->size_in_bytes)));
      }
    }
    ThrowIfError(s);
  }
  // Pass 3 (GIL held): the result, every tensor a view of `base`.
  py::list entries;
  for (size_t i = 0; i < chosen.size(); ++i) {
    const CheckpointEntry& e = *chosen[i];
    if (e.kind == CheckpointEntryKind::kTensor) {
      entries.append(py::make_tuple(names[i], "tensor", TensorTuple(e.tensor, base, nullptr)));
    } else {
      py::list parts;
      for (size_t k = 0; k < e.map_tensors.size(); ++k) {
        const CheckpointTensor& t = e.map_tensors[k];
        parts.append(py::make_tuple(t.type_name, TensorTypeName(t.type), Shape(t.shape), map_arrays[i][k]));
      }
      entries.append(py::make_tuple(names[i], "map", parts));
    }
  }
  return py::make_tuple(entries, f->index.has_crc_trailer);
}

// SaveCheckpoint writes `entries`, a sequence of (name, tensor_type, dims, bytes-like data).
void SaveCheckpoint(const py::handle& path, const py::handle& entries, const py::handle& key, const py::handle& mode,
                    const py::handle& crc_check, const py::handle& threads, const py::handle& slice_size,
                    const py::handle& seal) {
  const std::string p = PathFromPython(path, "ckpt_file_name");
  std::optional<SecretBytes> k;
  Mode m = Mode::kAesGcm;
  if (!key.is_none()) {
    k.emplace(KeyFromPython(key, "enc_key"));
    m = ModeFromPython(mode, "enc_mode");
  } else if (!py::isinstance<py::str>(mode)) {
    ThrowArgumentTypeError("enc_mode must be a str such as \"AES-GCM\", not " + TypeName(mode));
  }
  CheckpointWriteOptions options;
  options.container = MakeOptions(threads, py::bool_(false));
  ApplySeal(&options.container, seal, true);
  options.crc_check = BoolFromPython(crc_check, "crc_check");
  const int64_t slice = IntFromPython(slice_size, "slice_size");
  if (slice <= 0) RaiseAs("InvalidArgumentError", InvalidArgumentError("slice_size must be positive"));
  options.slice_size = static_cast<uint64_t>(slice);

  struct Item {
    std::string name;
    TensorType type;
    std::vector<int64_t> dims;
    std::unique_ptr<ReadOnlyBuffer> data;
  };
  std::vector<Item> items;
  if (!py::isinstance<py::sequence>(entries)) ThrowArgumentTypeError("entries must be a sequence, not " + TypeName(entries));
  items.reserve(py::len(entries));
  for (const py::handle& h : py::reinterpret_borrow<py::sequence>(entries)) {
    auto t = h.cast<py::tuple>();
    if (t.size() != 4) throw py::value_error("internal: checkpoint entry must be (name, type, dims, data)");
    Item item;
    item.name = t[0].cast<std::string>();
    const std::string type_name = t[1].cast<std::string>();
    const std::optional<TensorType> type = ParseTensorType(type_name);
    if (!type) throw py::value_error("unknown tensor_type '" + type_name + "'");
    item.type = *type;
    item.dims = t[2].cast<std::vector<int64_t>>();
    item.data = std::make_unique<ReadOnlyBuffer>(t[3], "data");
    items.push_back(std::move(item));
  }

  Status s;
  {
    py::gil_scoped_release release;
    StatusOr<std::unique_ptr<CheckpointWriter>> w = CheckpointWriter::Create(p, k ? &*k : nullptr, m, options);
    if (!w.ok()) {
      s = w.status();
    } else {
      for (const Item& item : items) {
        s = (*w)->AddTensor(item.name, item.type, item.dims, item.data->view());
        if (!s.ok()) break;
      }
      if (s.ok()) s = (*w)->Commit();
    }
  }
  ThrowIfError(s);
}

}  // namespace

void RegisterCheckpoint(py::module_& m) {
  m.def("checkpoint_load", &LoadCheckpoint, py::arg("path"), py::arg("key"), py::arg("mode"), py::arg("crc_check"),
        py::arg("threads"), py::arg("select"), py::arg("seal") = py::none());
  m.def("checkpoint_save", &SaveCheckpoint, py::arg("path"), py::arg("entries"), py::arg("key"), py::arg("mode"),
        py::arg("crc_check"), py::arg("threads"), py::arg("slice_size") = kCheckpointSliceSizeInBytes,
        py::arg("seal") = py::none());
  m.attr("CHECKPOINT_SLICE_SIZE") = py::int_(kCheckpointSliceSizeInBytes);
}

}  // namespace mscrypt::python
