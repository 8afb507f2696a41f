// Container functions: encrypt/decrypt of bytes and files, verify, inspect, is_cipher_file.
// Outputs are allocated once at their exact size and filled with the GIL released.
#include <pybind11/pybind11.h>

#include "bindings.h"

namespace mscrypt::python {

namespace {

// NewBytes allocates an uninitialised bytes object that C++ fills before Python sees it.
py::bytes NewBytes(size_t size, uint8_t** data) {
  PyObject* obj = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
  if (obj == nullptr) throw py::error_already_set();
  *data = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(obj));
  return py::reinterpret_steal<py::bytes>(obj);
}

py::bytes EncryptBytes(const py::handle& data, const py::handle& key, const py::handle& mode, const py::handle& threads) {
  ReadOnlyBuffer in(data, "data");
  SecretBytes k = KeyFromPython(key);
  const Mode m = ModeFromPython(mode);
  const Options options = MakeOptions(threads, py::bool_(false));
  StatusOr<uint64_t> size = EncryptedSize(m, in.view().size);
  if (!size.ok()) ThrowIfError(size.status());
  uint8_t* out = nullptr;
  py::bytes result = NewBytes(static_cast<size_t>(*size), &out);
  Status s;
  {
    py::gil_scoped_release release;
    size_t written = 0;
    s = EncryptInto(in.view(), k, m, MutableByteView(out, static_cast<size_t>(*size)), &written, options);
  }
  ThrowIfError(s);
  return result;
}

py::bytes DecryptBytes(const py::handle& data, const py::handle& key, const py::handle& mode, const py::handle& threads,
                       const py::handle& legacy) {
  ReadOnlyBuffer in(data, "data");
  SecretBytes k = KeyFromPython(key);
  const Mode m = ModeFromPython(mode);
  const Options options = MakeOptions(threads, legacy);
  StatusOr<uint64_t> size = Status(StatusCode::kInternal, "unset");
  {
    py::gil_scoped_release release;
    size = DecryptedSize(in.view(), k, m, options);
  }
  if (!size.ok()) ThrowIfError(size.status());
  uint8_t* out = nullptr;
  py::bytes result = NewBytes(static_cast<size_t>(*size), &out);
  Status s;
  {
    py::gil_scoped_release release;
    size_t written = 0;
    s = DecryptInto(in.view(), k, m, MutableByteView(out, static_cast<size_t>(*size)), &written, options);
  }
  ThrowIfError(s);
  return result;
}

void FileToFile(bool encrypt, const py::handle& src, const py::handle& dst, const py::handle& key,
                const py::handle& mode, const py::handle& threads, const py::handle& legacy,
                const py::handle& in_place) {
  const std::string s = PathFromPython(src, "src");
  const std::string d = PathFromPython(dst, "dst");
  SecretBytes k = KeyFromPython(key);
  const Mode m = ModeFromPython(mode);
  Options options = MakeOptions(threads, legacy);
  options.in_place = BoolFromPython(in_place, "in_place");
  Status status;
  {
    py::gil_scoped_release release;
    status = encrypt ? EncryptFileToFile(s, d, k, m, options) : DecryptFileToFile(s, d, k, m, options);
  }
  ThrowIfError(status);
}

py::dict InfoToDict(const ContainerInfo& info) {
  py::dict d;
  d["mode"] = info.mode ? py::str(ModeName(*info.mode)) : py::object(py::none());
  d["format"] = info.format == Format::kLegacy ? "legacy" : "current";
  d["container_size"] = info.container_size;
  d["plaintext_size_min"] = info.plaintext_size_min;
  d["plaintext_size_max"] = info.plaintext_size_max;
  d["plaintext_size"] = info.plaintext_size_exact() ? py::object(py::int_(info.plaintext_size_min)) : py::object(py::none());
  py::list blocks;
  for (const BlockInfo& b : info.blocks) {
    py::dict bd;
    bd["offset"] = b.offset;
    bd["size"] = b.size;
    bd["ciphertext_size"] = b.ciphertext_size;
    bd["plaintext_size_min"] = b.plaintext_size_min;
    bd["plaintext_size_max"] = b.plaintext_size_max;
    blocks.append(bd);
  }
  d["blocks"] = blocks;
  return d;
}

}  // namespace

void RegisterContainer(py::module_& m) {
  m.def("encrypt", &EncryptBytes, py::arg("data"), py::arg("key"), py::arg("mode") = "AES-GCM",
        py::arg("threads") = 0);
  m.def("decrypt", &DecryptBytes, py::arg("data"), py::arg("key"), py::arg("mode") = "AES-GCM",
        py::arg("threads") = 0, py::arg("legacy") = false);
  m.def("encrypt_file", [](const py::handle& src, const py::handle& dst, const py::handle& key,
                           const py::handle& mode, const py::handle& threads, const py::handle& in_place) {
          FileToFile(true, src, dst, key, mode, threads, py::bool_(false), in_place);
        },
        py::arg("src"), py::arg("dst"), py::arg("key"), py::arg("mode") = "AES-GCM", py::arg("threads") = 0,
        py::arg("in_place") = false);
  m.def("decrypt_file", [](const py::handle& src, const py::handle& dst, const py::handle& key,
                           const py::handle& mode, const py::handle& threads, const py::handle& legacy,
                           const py::handle& in_place) { FileToFile(false, src, dst, key, mode, threads, legacy, in_place); },
        py::arg("src"), py::arg("dst"), py::arg("key"), py::arg("mode") = "AES-GCM", py::arg("threads") = 0,
        py::arg("legacy") = false, py::arg("in_place") = false);
  m.def("verify_file", [](const py::handle& path, const py::handle& key, const py::handle& mode, const py::handle& threads,
                          const py::handle& legacy) {
          const std::string p = PathFromPython(path);
          SecretBytes k = KeyFromPython(key);
          const Mode md = ModeFromPython(mode);
          const Options options = MakeOptions(threads, legacy);
          Status s;
          {
            py::gil_scoped_release release;
            s = VerifyFile(p, k, md, options);
          }
          ThrowIfError(s);
        },
        py::arg("path"), py::arg("key"), py::arg("mode") = "AES-GCM", py::arg("threads") = 0, py::arg("legacy") = false);
  m.def("is_cipher_file", [](const py::handle& path) {
          StatusOr<bool> r = IsEncryptedFile(PathFromPython(path));
          if (!r.ok()) ThrowIfError(r.status());
          return *r;
        },
        py::arg("path"));
  m.def("inspect_file", [](const py::handle& path, const py::handle& legacy) {
          const std::string p = PathFromPython(path);
          StatusOr<ContainerInfo> info = Status(StatusCode::kInternal, "unset");
          {
            py::gil_scoped_release release;
            info = InspectFile(p, BoolFromPython(legacy, "legacy") ? Format::kLegacy : Format::kCurrent);
          }
          if (!info.ok()) ThrowIfError(info.status());
          return InfoToDict(*info);
        },
        py::arg("path"), py::arg("legacy") = false);
  m.def("inspect_bytes", [](const py::handle& data, const py::handle& legacy) {
          ReadOnlyBuffer in(data, "data");
          StatusOr<ContainerInfo> info = Inspect(in.view(), BoolFromPython(legacy, "legacy") ? Format::kLegacy : Format::kCurrent);
          if (!info.ok()) ThrowIfError(info.status());
          return InfoToDict(*info);
        },
        py::arg("data"), py::arg("legacy") = false);
  m.def("is_mode_available", [](const py::handle& mode) { return IsModeAvailable(ModeFromPython(mode)); },
        py::arg("mode"));
}

}  // namespace mscrypt::python
