// MindIR bindings: load (file, or plaintext from a custom decrypt function), export, and the
// Graph object. Parameter bytes are exposed as read-only uint8 numpy arrays that view the Graph's
// memory (no copy); mscrypt/_mindir.py gives them their dtype and shape.
//
// User callables (custom encrypt/decrypt functions) run with the GIL re-acquired inside the core
// call; a Python exception they raise stops the core call with a Status and is then re-raised
// unchanged, so the core never sees a C++ exception.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <optional>

#include "bindings.h"
#include "mscrypt/mindir.h"

namespace mscrypt::python {

namespace {

// PendingPythonError carries an exception raised by a user callable across the core call.
struct PendingPythonError {
  std::optional<py::error_already_set> error;
  void RethrowIfSet() {
    if (error) {
      py::error_already_set e = std::move(*error);
      error.reset();
      throw e;
    }
  }
};

// BufferFromPython copies a bytes-like callable result into a Buffer, or a PlaintextBuffer when
// it is plaintext (GIL held).
template <typename BufferT>
StatusOr<BufferT> BufferFromPython(const py::object& obj, const char* what) {
  if (PyUnicode_Check(obj.ptr()) || PyObject_CheckBuffer(obj.ptr()) == 0) {
    const std::string msg = std::string(what) + " must return bytes-like data, not " +
                            std::string(Py_TYPE(obj.ptr())->tp_name);
    PyErr_SetString(PyExc_TypeError, msg.c_str());
    throw py::error_already_set();
  }
  ReadOnlyBuffer buf(obj, what);
  MSCRYPT_ASSIGN_OR_RETURN(BufferT out, BufferT::Allocate(buf.view().size));
  if (buf.view().size > 0) std::memcpy(out.data(), buf.view().data, buf.view().size);
  return out;
}

// CallPython runs `fn` with the GIL; Python exceptions are parked in *pending.
template <typename BufferT, typename Fn>
StatusOr<BufferT> CallPython(PendingPythonError* pending, const char* what, Fn fn) {
  py::gil_scoped_acquire gil;
  try {
    return BufferFromPython<BufferT>(fn(), what);
  } catch (py::error_already_set& e) {
    pending->error = std::move(e);
  } catch (py::builtin_exception& e) {
    e.set_error();
    pending->error = py::error_already_set();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    pending->error = py::error_already_set();
  }
  return Status(StatusCode::kFailedPrecondition, std::string(what) + " raised an exception");
}

// Text: a model string as str. Model strings are bytes on the wire and need not be UTF-8; bytes
// that are not decode with surrogateescape, so loading never fails on a name and the str still
// round-trips to the original bytes (os.fsencode-style).
py::str Text(const std::string& s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape");
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

py::tuple Shape(const std::vector<int64_t>& dims) {
  py::tuple t(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) t[i] = dims[i];
  return t;
}

py::list Specs(const std::vector<MindIRTensorSpec>& specs) {
  py::list out;
  for (const MindIRTensorSpec& s : specs) out.append(py::make_tuple(Text(s.name), s.data_type, Shape(s.shape)));
  return out;
}

// ParameterTuples: (name, ref_key, data_type, shape, data or None, external or None) per
// parameter; data is a read-only uint8 array whose base keeps the Graph alive.
py::list ParameterTuples(const Graph& graph) {
  py::capsule owner(new Graph(graph), [](void* p) { delete static_cast<Graph*>(p); });
  py::list out;
  for (const MindIRParameter& p : graph.parameters()) {
    py::object data = py::none();
    if (p.has_data) {
      py::array_t<uint8_t> arr({static_cast<py::ssize_t>(p.data.size)}, {static_cast<py::ssize_t>(1)},
                               p.data.data, owner);
      py::setattr(arr.attr("flags"), "writeable", py::bool_(false));
      data = std::move(arr);
    }
    py::object ext = py::none();
    if (p.external) ext = py::make_tuple(Text(p.external->location), p.external->offset, p.external->length);
    out.append(py::make_tuple(Text(p.name), Text(p.ref_key), p.data_type, Shape(p.shape), data, ext));
  }
  return out;
}

Graph LoadFile(const py::handle& path, const py::handle& key, const py::handle& mode, const py::handle& threads,
               const py::handle& seal) {
  const std::string p = PathFromPython(path, "file_name");
  std::optional<SecretBytes> secret;
  MindIRLoadOptions options;
  if (!key.is_none()) {
    secret.emplace(KeyFromPython(key, "dec_key"));
    options.key = &*secret;
    options.mode = ModeFromPython(mode, "dec_mode");
  }
  options.container = MakeOptions(threads, py::bool_(false));
  ApplySeal(&options.container, seal, false);
  StatusOr<Graph> g = Status(StatusCode::kInternal, "unset");
  {
    py::gil_scoped_release release;
    g = LoadMindIR(p, options);
  }
  if (!g.ok()) ThrowIfError(g.status());
  return *g;
}

// ParsePlaintext: ModelProto bytes (e.g. from a custom decrypt function). weights_dir / reader
// resolve external weights: reader(path) -> bytes is called once per weight file.
Graph ParsePlaintext(const py::handle& data, const py::object& weights_dir, const py::object& reader, const py::handle& threads) {
  ReadOnlyBuffer in(data, "model");
  MindIRLoadOptions options;
  options.container = MakeOptions(threads, py::bool_(false));
  if (!weights_dir.is_none()) options.weights_dir = PathFromPython(weights_dir, "weights_dir");
  PendingPythonError pending;
  if (!reader.is_none()) {
    options.read_weight_file = [&pending, &reader](const std::string& path) {
      return CallPython<PlaintextBuffer>(&pending, "the decrypt function", [&] { return reader(path); });
    };
  }
  StatusOr<Graph> g = Status(StatusCode::kInternal, "unset");
  {
    py::gil_scoped_release release;
    g = ParseMindIR(in.view(), options);
  }
  pending.RethrowIfSet();
  if (!g.ok()) ThrowIfError(g.status());
  return *g;
}

py::tuple Export(const py::handle& graph_arg, const py::handle& file_name, const py::handle& key, const py::handle& mode,
                 const py::object& encrypt_func, const py::handle& threads, const py::handle& layout,
                 const py::handle& seal) {
  if (!py::isinstance<Graph>(graph_arg)) ThrowArgumentTypeError("graph must be a MindIRGraph, not " + TypeName(graph_arg));
  const Graph& graph = graph_arg.cast<const Graph&>();
  const std::string path = PathFromPython(file_name, "file_name");
  MindIRExportOptions options;
  options.threads = MakeOptions(threads, py::bool_(false)).threads;
  options.seal = !seal.is_none() && BoolFromPython(seal, "seal");
  const int64_t layout_value = IntFromPython(layout, "layout");
  if (layout_value < 0 || layout_value > 2) {
    RaiseAs("InvalidArgumentError", InvalidArgumentError("layout must be 0 (auto), 1 (embedded) or 2 (external)"));
  }
  options.layout = static_cast<MindIRWeightLayout>(layout_value);
  std::optional<SecretBytes> secret;
  PendingPythonError pending;
  if (!encrypt_func.is_none()) {
    options.custom_encrypt = [&pending, &encrypt_func](ByteView plain) {
      return CallPython<Buffer>(&pending, "the encrypt function", [&] {
        return encrypt_func(py::bytes(reinterpret_cast<const char*>(plain.data), plain.size));
      });
    };
  } else if (!key.is_none()) {
    secret.emplace(KeyFromPython(key, "enc_key"));
    options.key = &*secret;
    options.mode = ModeFromPython(mode, "enc_mode");
  }
  StatusOr<MindIRExportResult> r = Status(StatusCode::kInternal, "unset");
  {
    py::gil_scoped_release release;
    r = ExportMindIR(graph, path, options);
  }
  pending.RethrowIfSet();
  if (!r.ok()) ThrowIfError(r.status());
  return py::make_tuple(r->graph_file, r->weight_files);
}

}  // namespace

void RegisterMindir(py::module_& m) {
  py::class_<Graph>(m, "MindIRGraph", "A loaded MindIR model (immutable; see mscrypt.MindIR).")
      .def_property_readonly("name", [](const Graph& g) { return Text(g.name()); })
      .def_property_readonly("producer_name", [](const Graph& g) { return Text(g.producer_name()); })
      .def_property_readonly("model_version", [](const Graph& g) { return Text(g.model_version()); })
      .def_property_readonly("ir_version", [](const Graph& g) { return Text(g.ir_version()); })
      .def_property_readonly("mind_ir_version", &Graph::mind_ir_version)
      .def_property_readonly("parameter_bytes", &Graph::parameter_bytes)
      .def_property_readonly("has_external_data", &Graph::has_external_data)
      .def_property_readonly("inputs", [](const Graph& g) { return Specs(g.inputs()); })
      .def_property_readonly("outputs", [](const Graph& g) { return Specs(g.outputs()); })
      .def("parameters", &ParameterTuples)
      .def("serialize",
           [](const Graph& g, const py::handle& inline_external) {
             const bool inline_ = BoolFromPython(inline_external, "inline_external");
             StatusOr<PlaintextBuffer> b = Status(StatusCode::kInternal, "unset");
             {
               py::gil_scoped_release release;
               b = g.SerializeModel(inline_);
             }
             if (!b.ok()) ThrowIfError(b.status());
             return PlaintextBytesFrom(b->view());
           },
           py::arg("inline_external") = false);
  m.def("mindir_load", &LoadFile, py::arg("file_name"), py::arg("dec_key"), py::arg("dec_mode") = "AES-GCM",
        py::arg("threads") = 0, py::arg("seal") = py::none());
  m.def("mindir_parse", &ParsePlaintext, py::arg("model"), py::arg("weights_dir") = py::none(),
        py::arg("read_weight_file") = py::none(), py::arg("threads") = 0);
  m.def("mindir_export", &Export, py::arg("graph"), py::arg("file_name"), py::arg("enc_key"),
        py::arg("enc_mode") = "AES-GCM", py::arg("encrypt_func") = py::none(), py::arg("threads") = 0,
        py::arg("layout") = 0, py::arg("seal") = py::none());
  m.def("mindir_max_model_size", [] { return kMindIRMaxModelSize; });
}

}  // namespace mscrypt::python
