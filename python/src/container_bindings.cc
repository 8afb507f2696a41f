// Container functions: encrypt/decrypt of bytes and files, verify, inspect, is_cipher_file.
// Outputs are allocated once at their exact size and filled with the GIL released.
#include <pybind11/pybind11.h>

#include <array>
#include <cstring>
#include <optional>

#include "bindings.h"
#include "mscrypt/keys.h"
#include "mscrypt/raw.h"
#include "mscrypt/seal.h"

namespace mscrypt::python {

namespace {

// NewBytes allocates an uninitialised bytes object that C++ fills before Python sees it.
py::bytes NewBytes(size_t size, uint8_t** data) {
  PyObject* obj = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
  if (obj == nullptr) throw py::error_already_set();
  *data = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(obj));
  return py::reinterpret_steal<py::bytes>(obj);
}

// DecryptedBytes: an mscrypt.PlaintextBytes of the plaintext size `size_of` reports, filled by `fill`, both
// run without the GIL (the size comes first so the bytes are allocated once, exactly).
template <typename SizeFn, typename FillFn>
py::bytes DecryptedBytes(SizeFn size_of, FillFn fill) {
  StatusOr<uint64_t> size = Status(StatusCode::kInternal, "unset");
  {
    py::gil_scoped_release release;
    size = size_of();
  }
  if (!size.ok()) ThrowIfError(size.status());
  uint8_t* out = nullptr;
  py::bytes result = NewPlaintextBytes(static_cast<size_t>(*size), &out);
  Status s;
  {
    py::gil_scoped_release release;
    s = fill(MutableByteView(out, static_cast<size_t>(*size)));
  }
  ThrowIfError(s);
  return result;
}

py::bytes EncryptBytes(const py::handle& data, const py::handle& key, const py::handle& mode, const py::handle& threads) {
  ReadOnlyBuffer in(data, "data");
  SecretBytes k = KeyFromPython(key);
  const Mode m = mode.is_none() ? Mode::kAesGcm : ModeFromPython(mode);  // None: MindSpore's default
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
  const std::optional<Mode> named = OptionalModeFromPython(mode);
  const Options options = MakeOptions(threads, legacy);
  StatusOr<Mode> resolved = ResolveMode(named, in.view(), options.format);
  if (!resolved.ok()) ThrowIfError(resolved.status());
  const Mode m = *resolved;
  size_t written = 0;
  return DecryptedBytes([&] { return DecryptedSize(in.view(), k, m, options); },
                        [&](MutableByteView out) { return DecryptInto(in.view(), k, m, out, &written, options); });
}

void FileToFile(bool encrypt, const py::handle& src, const py::handle& dst, const py::handle& key,
                const py::handle& mode, const py::handle& threads, const py::handle& legacy,
                const py::handle& in_place, const py::handle& seal) {
  const std::string s = PathFromPython(src, "src");
  const std::string d = PathFromPython(dst, "dst");
  SecretBytes k = KeyFromPython(key);
  Options options = MakeOptions(threads, legacy);
  options.in_place = BoolFromPython(in_place, "in_place");
  ApplySeal(&options, seal, encrypt);
  // Encryption has no data to detect from: None means AES-GCM, MindSpore's default.
  Mode m = Mode::kAesGcm;
  if (encrypt) {
    if (!mode.is_none()) m = ModeFromPython(mode);
  } else {
    StatusOr<Mode> resolved = ResolveFileMode(OptionalModeFromPython(mode), s, options.format);
    if (!resolved.ok()) ThrowIfError(resolved.status());
    m = *resolved;
  }
  Status status;
  {
    py::gil_scoped_release release;
    status = encrypt ? EncryptFileToFile(s, d, k, m, options) : DecryptFileToFile(s, d, k, m, options);
  }
  ThrowIfError(status);
}

// Seal roles by name, as Python spells them.
SealRole SealRoleFromPython(const py::handle& role) {
  if (!py::isinstance<py::str>(role)) {
    ThrowArgumentTypeError("role must be a str (\"checkpoint\", \"mindir\", \"weights\" or \"other\"), not " + TypeName(role));
  }
  const std::string r = role.cast<std::string>();
  if (r == "checkpoint") return SealRole::kCheckpoint;
  if (r == "mindir") return SealRole::kMindIR;
  if (r == "weights") return SealRole::kWeightFile;
  if (r == "other") return SealRole::kOther;
  RaiseAs("InvalidArgumentError", InvalidArgumentError("role must be \"checkpoint\", \"mindir\", \"weights\" or \"other\""));
}

const char* SealRoleName(SealRole role) {
  switch (role) {
    case SealRole::kCheckpoint: return "checkpoint";
    case SealRole::kMindIR: return "mindir";
    case SealRole::kWeightFile: return "weights";
    case SealRole::kOther: break;
  }
  return "other";
}

std::vector<std::string> MembersFromPython(const py::handle& members) {
  std::vector<std::string> out;
  if (py::isinstance<py::str>(members) || !py::isinstance<py::iterable>(members)) {
    ThrowArgumentTypeError("weight_files must be a sequence of paths, not " + TypeName(members));
  }
  for (const py::handle& m : members) out.push_back(PathFromPython(m, "weight_files[i]"));
  return out;
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

// Plaintext: decrypted bytes in a self-wiping buffer, handed to Python without a copy. It exports
// a writable, contiguous buffer (format "B"), so memoryview, numpy.frombuffer and runtimes that
// wrap memory (ov.Tensor(..., shared_memory=True)) use it in place; every exporter holds a
// reference, so the memory outlives them. wipe() zeroes it now; the allocation is wiped again and
// freed when the last reference goes.
struct PyPlaintext {
  PlaintextBuffer buffer;
};

// ProgressFromPython: a Python callable as Options::progress. It runs on the calling thread with
// the GIL taken back; the first exception it raises is kept and re-raised after the call.
struct PythonProgress {
  explicit PythonProgress(py::object f) : fn(std::move(f)) {}
  py::object fn;
  py::object error_type, error_value, error_trace;
  void Install(Options* options) {
    if (fn.is_none()) return;
    if (!PyCallable_Check(fn.ptr())) ThrowArgumentTypeError("progress must be callable or None, not " + TypeName(fn));
    options->progress = [this](uint64_t done, uint64_t total) {
      py::gil_scoped_acquire gil;
      if (error_type) return;
      try {
        fn(done, total);
      } catch (py::error_already_set& e) {
        error_type = e.type();
        error_value = e.value();
        error_trace = e.trace();
      }
    };
  }
  void RethrowIfFailed() {
    if (!error_type) return;
    PyErr_Restore(error_type.release().ptr(), error_value.release().ptr(), error_trace.release().ptr());
    throw py::error_already_set();
  }
};

PyPlaintext DecryptToMemory(const py::handle& data, const py::handle& key, const py::handle& mode,
                            const py::handle& threads, const py::object& progress) {
  ReadOnlyBuffer in(data, "data");
  SecretBytes k = KeyFromPython(key);
  Options options = MakeOptions(threads, py::bool_(false));
  StatusOr<Mode> m = ResolveMode(OptionalModeFromPython(mode), in.view(), options.format);
  if (!m.ok()) ThrowIfError(m.status());
  PythonProgress report(progress);
  report.Install(&options);
  StatusOr<PlaintextBuffer> plain = Status(StatusCode::kInternal, "unset");
  {
    py::gil_scoped_release release;
    plain = Decrypt(in.view(), k, *m, options);
  }
  report.RethrowIfFailed();
  if (!plain.ok()) ThrowIfError(plain.status());
  return PyPlaintext{std::move(plain).value()};
}

PyPlaintext DecryptFileToMemory(const py::handle& path, const py::handle& key, const py::handle& mode,
                                const py::handle& threads, const py::object& progress, const py::handle& seal) {
  const std::string p = PathFromPython(path);
  SecretBytes k = KeyFromPython(key);
  Options options = MakeOptions(threads, py::bool_(false));
  ApplySeal(&options, seal, false);
  PythonProgress report(progress);
  report.Install(&options);
  StatusOr<PlaintextBuffer> plain = Status(StatusCode::kInternal, "unset");
  const std::optional<Mode> named = OptionalModeFromPython(mode);  // with the GIL
  {
    py::gil_scoped_release release;
    StatusOr<Mode> m = ResolveFileMode(named, p, options.format);
    plain = m.ok() ? DecryptFile(p, k, *m, options) : StatusOr<PlaintextBuffer>(m.status());
  }
  report.RethrowIfFailed();
  if (!plain.ok()) ThrowIfError(plain.status());
  return PyPlaintext{std::move(plain).value()};
}

// WritableBuffer: a writable, C-contiguous buffer argument (numpy array, bytearray, memoryview of
// runtime-owned memory) held for the duration of a call.
class WritableBuffer {
 public:
  WritableBuffer(const py::handle& obj, const char* arg_name) {
    if (PyObject_GetBuffer(obj.ptr(), &view_, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) != 0) {
      PyErr_Clear();
      ThrowArgumentTypeError(std::string(arg_name) + " must be a writable, C-contiguous buffer, not " + TypeName(obj));
    }
  }
  ~WritableBuffer() { PyBuffer_Release(&view_); }
  WritableBuffer(const WritableBuffer&) = delete;
  WritableBuffer& operator=(const WritableBuffer&) = delete;
  MutableByteView view() { return MutableByteView(static_cast<uint8_t*>(view_.buf), static_cast<size_t>(view_.len)); }

 private:
  Py_buffer view_{};
};

uint64_t DecryptedFileSizePy(const py::handle& path, const py::handle& key, const py::handle& mode,
                             const py::handle& threads) {
  const std::string p = PathFromPython(path);
  SecretBytes k = KeyFromPython(key);
  const Options options = MakeOptions(threads, py::bool_(false));
  StatusOr<uint64_t> size = Status(StatusCode::kInternal, "unset");
  const std::optional<Mode> named = OptionalModeFromPython(mode);  // with the GIL
  {
    py::gil_scoped_release release;
    StatusOr<Mode> m = ResolveFileMode(named, p, options.format);
    size = m.ok() ? DecryptedFileSize(p, k, *m, options) : StatusOr<uint64_t>(m.status());
  }
  if (!size.ok()) ThrowIfError(size.status());
  return *size;
}

size_t DecryptFileIntoPy(const py::handle& path, const py::handle& key, const py::handle& out,
                         const py::handle& mode, const py::handle& threads, const py::handle& seal) {
  const std::string p = PathFromPython(path);
  SecretBytes k = KeyFromPython(key);
  WritableBuffer buffer(out, "out");
  Options options = MakeOptions(threads, py::bool_(false));
  ApplySeal(&options, seal, false);
  size_t written = 0;
  Status s;
  const std::optional<Mode> named = OptionalModeFromPython(mode);  // with the GIL
  {
    py::gil_scoped_release release;
    StatusOr<Mode> m = ResolveFileMode(named, p, options.format);
    s = m.ok() ? DecryptFileInto(p, k, *m, buffer.view(), &written, options) : m.status();
  }
  ThrowIfError(s);
  return written;
}

py::bytes DecryptFileToBytes(const py::handle& path, const py::handle& key, const py::handle& mode,
                             const py::handle& threads, const py::handle& seal) {
  const std::string p = PathFromPython(path);
  SecretBytes k = KeyFromPython(key);
  Options options = MakeOptions(threads, py::bool_(false));
  ApplySeal(&options, seal, false);
  StatusOr<Mode> m = ResolveFileMode(OptionalModeFromPython(mode), p, options.format);
  if (!m.ok()) ThrowIfError(m.status());
  size_t written = 0;
  return DecryptedBytes([&] { return DecryptedFileSize(p, k, *m, options); },
                        [&](MutableByteView out) { return DecryptFileInto(p, k, *m, out, &written, options); });
}

// IvFromPython: the raw format's IV, exactly 16 bytes-like bytes (not secret, but never echoed).
std::array<uint8_t, kRawIvSize> IvFromPython(const py::handle& iv) {
  if (iv.is_none()) ThrowArgumentTypeError("iv is required for format=\"raw\" (16 bytes)");
  if (PyUnicode_Check(iv.ptr()) || !PyObject_CheckBuffer(iv.ptr())) {
    ThrowArgumentTypeError("iv must be bytes-like (16 bytes), not " + TypeName(iv));
  }
  ReadOnlyBuffer buf(iv, "iv");
  if (buf.view().size != kRawIvSize) {
    RaiseAs("InvalidArgumentError", InvalidArgumentError("iv must be 16 bytes, got " + std::to_string(buf.view().size)));
  }
  std::array<uint8_t, kRawIvSize> out{};
  std::memcpy(out.data(), buf.view().data, kRawIvSize);
  return out;
}

py::bytes RawBytes(bool encrypt, const py::handle& data, const py::handle& key, const py::handle& iv) {
  ReadOnlyBuffer in(data, "data");
  SecretBytes k = KeyFromPython(key);
  const std::array<uint8_t, kRawIvSize> v = IvFromPython(iv);
  if (encrypt) {
    StatusOr<Buffer> out = Status(StatusCode::kInternal, "unset");
    {
      py::gil_scoped_release release;
      out = RawEncrypt(in.view(), k, v.data());
    }
    if (!out.ok()) ThrowIfError(out.status());
    return py::bytes(reinterpret_cast<const char*>(out->data()), out->size());
  }
  StatusOr<PlaintextBuffer> out = Status(StatusCode::kInternal, "unset");
  {
    py::gil_scoped_release release;
    out = RawDecrypt(in.view(), k, v.data());
  }
  if (!out.ok()) ThrowIfError(out.status());
  return PlaintextBytesFrom(out->view());
}

void RawFile(bool encrypt, const py::handle& src, const py::handle& dst, const py::handle& key, const py::handle& iv,
             const py::handle& threads, const py::handle& in_place) {
  const std::string s = PathFromPython(src, "src");
  const std::string d = PathFromPython(dst, "dst");
  SecretBytes k = KeyFromPython(key);
  const std::array<uint8_t, kRawIvSize> v = IvFromPython(iv);
  Options options = MakeOptions(threads, py::bool_(false));
  options.in_place = BoolFromPython(in_place, "in_place");
  Status status;
  {
    py::gil_scoped_release release;
    status = encrypt ? RawEncryptFileToFile(s, d, k, v.data(), options) : RawDecryptFileToFile(s, d, k, v.data(), options);
  }
  ThrowIfError(status);
}

}  // namespace

void RegisterContainer(py::module_& m) {
  m.def("generate_key", [](const py::handle& size) -> py::bytearray {
    const int64_t n = IntFromPython(size, "size");
    if (n != 16 && n != 24 && n != 32) {
      RaiseAs("InvalidArgumentError", InvalidArgumentError("size must be 16, 24 or 32 (bytes; SM4-CBC takes 16)"));
    }
    StatusOr<SecretBytes> key = GenerateKey(static_cast<size_t>(n));
    if (!key.ok()) ThrowIfError(key.status());
    // A bytearray, so the caller can wipe it (key[:] = bytes(len(key))).
    return py::bytearray(reinterpret_cast<const char*>(key->UnsafeBytes()), key->size());
  }, py::arg("size") = 32);
  m.def("raw_encrypt", [](const py::handle& data, const py::handle& key, const py::handle& iv) {
    return RawBytes(true, data, key, iv);
  }, py::arg("data"), py::arg("key"), py::arg("iv"));
  m.def("raw_decrypt", [](const py::handle& data, const py::handle& key, const py::handle& iv) {
    return RawBytes(false, data, key, iv);
  }, py::arg("data"), py::arg("key"), py::arg("iv"));
  m.def("raw_encrypt_file", [](const py::handle& src, const py::handle& dst, const py::handle& key, const py::handle& iv,
                               const py::handle& threads, const py::handle& in_place) {
    RawFile(true, src, dst, key, iv, threads, in_place);
  }, py::arg("src"), py::arg("dst"), py::arg("key"), py::arg("iv"), py::arg("threads") = 0, py::arg("in_place") = false);
  m.def("raw_decrypt_file", [](const py::handle& src, const py::handle& dst, const py::handle& key, const py::handle& iv,
                               const py::handle& threads, const py::handle& in_place) {
    RawFile(false, src, dst, key, iv, threads, in_place);
  }, py::arg("src"), py::arg("dst"), py::arg("key"), py::arg("iv"), py::arg("threads") = 0, py::arg("in_place") = false);
  // For adapters handing plaintext to a runtime that takes bytes only (see mscrypt.onnxruntime).
  m.def("decrypt_file_to_bytes", &DecryptFileToBytes, py::arg("path"), py::arg("key"), py::arg("mode") = py::none(),
        py::arg("threads") = 0, py::arg("seal") = py::none());
  // Wipes a bytes object an adapter made and never handed out; refused if anything else holds it.
  m.def("_wipe_private_bytes", [](const py::handle& b) {
    if (!PyBytes_Check(b.ptr())) ThrowArgumentTypeError("expected bytes, not " + TypeName(b));
    if (Py_REFCNT(b.ptr()) > 3) {  // the caller's name, this argument, and pybind11's handle
      RaiseAs("InvalidArgumentError", InvalidArgumentError("the bytes object is shared; not wiped"));
    }
    Wipe(PyBytes_AS_STRING(b.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(b.ptr())));
  }, py::arg("b"));
  m.def("decrypted_file_size", &DecryptedFileSizePy, py::arg("path"), py::arg("key"), py::arg("mode") = py::none(),
        py::arg("threads") = 0);
  m.def("decrypt_file_into", &DecryptFileIntoPy, py::arg("path"), py::arg("key"), py::arg("out"),
        py::arg("mode") = py::none(), py::arg("threads") = 0, py::arg("seal") = py::none());
  py::class_<PyPlaintext>(m, "Plaintext", py::buffer_protocol(),
                          "Decrypted bytes in memory that wipe themselves (see mscrypt.Plaintext).")
      .def_buffer([](PyPlaintext& p) -> py::buffer_info {
        static uint8_t empty = 0;  // a valid pointer for a zero-length export
        uint8_t* data = p.buffer.size() > 0 ? p.buffer.data() : &empty;
        return py::buffer_info(data, 1, py::format_descriptor<uint8_t>::format(), 1,
                               {static_cast<py::ssize_t>(p.buffer.size())}, {py::ssize_t{1}}, /*readonly=*/false);
      })
      .def("__len__", [](const PyPlaintext& p) { return p.buffer.size(); })
      .def("wipe", [](PyPlaintext& p) { Wipe(p.buffer.data(), p.buffer.size()); },
           "Zero the bytes now (views see zeros); the memory stays valid until the last reference goes.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyPlaintext& p, const py::object&, const py::object&, const py::object&) {
        Wipe(p.buffer.data(), p.buffer.size());
        return false;
      })
      .def("__repr__", [](const PyPlaintext& p) {
        return "<mscrypt.Plaintext of " + std::to_string(p.buffer.size()) + " bytes>";  // never the bytes
      });
  m.def("decrypt_to_memory", &DecryptToMemory, py::arg("data"), py::arg("key"), py::arg("mode") = py::none(),
        py::arg("threads") = 0, py::arg("progress") = py::none());
  m.def("decrypt_file_to_memory", &DecryptFileToMemory, py::arg("path"), py::arg("key"), py::arg("mode") = py::none(),
        py::arg("threads") = 0, py::arg("progress") = py::none(), py::arg("seal") = py::none());
  m.def("encrypt", &EncryptBytes, py::arg("data"), py::arg("key"), py::arg("mode") = py::none(),
        py::arg("threads") = 0);
  m.def("decrypt", &DecryptBytes, py::arg("data"), py::arg("key"), py::arg("mode") = py::none(),
        py::arg("threads") = 0, py::arg("legacy") = false);
  m.def("encrypt_file", [](const py::handle& src, const py::handle& dst, const py::handle& key,
                           const py::handle& mode, const py::handle& threads, const py::handle& in_place,
                           const py::handle& seal) {
          FileToFile(true, src, dst, key, mode, threads, py::bool_(false), in_place, seal);
        },
        py::arg("src"), py::arg("dst"), py::arg("key"), py::arg("mode") = py::none(), py::arg("threads") = 0,
        py::arg("in_place") = false, py::arg("seal") = py::none());
  m.def("decrypt_file", [](const py::handle& src, const py::handle& dst, const py::handle& key,
                           const py::handle& mode, const py::handle& threads, const py::handle& legacy,
                           const py::handle& in_place, const py::handle& seal) {
          FileToFile(false, src, dst, key, mode, threads, legacy, in_place, seal);
        },
        py::arg("src"), py::arg("dst"), py::arg("key"), py::arg("mode") = py::none(), py::arg("threads") = 0,
        py::arg("legacy") = false, py::arg("in_place") = false, py::arg("seal") = py::none());
  m.def("verify_file", [](const py::handle& path, const py::handle& key, const py::handle& mode, const py::handle& threads,
                          const py::handle& legacy, const py::handle& seal) {
          const std::string p = PathFromPython(path);
          SecretBytes k = KeyFromPython(key);
          Options options = MakeOptions(threads, legacy);
          ApplySeal(&options, seal, false);
          StatusOr<Mode> md = ResolveFileMode(OptionalModeFromPython(mode), p, options.format);
          if (!md.ok()) ThrowIfError(md.status());
          Status s;
          {
            py::gil_scoped_release release;
            s = VerifyFile(p, k, *md, options);
          }
          ThrowIfError(s);
        },
        py::arg("path"), py::arg("key"), py::arg("mode") = py::none(), py::arg("threads") = 0, py::arg("legacy") = false,
        py::arg("seal") = py::none());
  m.def("is_cipher_file", [](const py::handle& path) {
          StatusOr<bool> r = IsEncryptedFile(PathFromPython(path));
          if (!r.ok()) ThrowIfError(r.status());
          return *r;
        },
        py::arg("path"));
  m.def("inspect_file", [](const py::handle& path, const py::handle& legacy) {
          const std::string p = PathFromPython(path);
          const Format format = BoolFromPython(legacy, "legacy") ? Format::kLegacy : Format::kCurrent;
          StatusOr<ContainerInfo> info = Status(StatusCode::kInternal, "unset");
          {
            py::gil_scoped_release release;
            info = InspectFile(p, format);
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
  m.def("reencrypt_file", [](const py::handle& path, const py::handle& old_key, const py::handle& new_key,
                             const py::handle& mode, const py::handle& new_mode, const py::handle& threads,
                             const py::handle& seal) {
          const std::string p = PathFromPython(path);
          SecretBytes old_k = KeyFromPython(old_key, "old_key");
          SecretBytes new_k = KeyFromPython(new_key, "new_key");
          Options options = MakeOptions(threads, py::bool_(false));
          ApplySeal(&options, seal, true);  // True: seal the result (a sealed file is sealed again anyway)
          const std::optional<Mode> named = OptionalModeFromPython(mode);
          const std::optional<Mode> target = OptionalModeFromPython(new_mode, "new_mode");
          Status s;
          {
            py::gil_scoped_release release;
            StatusOr<Mode> m = ResolveFileMode(named, p, Format::kCurrent);
            s = m.ok() ? ReencryptFile(p, old_k, *m, new_k, target.value_or(*m), options) : m.status();
          }
          ThrowIfError(s);
        },
        py::arg("path"), py::arg("old_key"), py::arg("new_key"), py::arg("mode") = py::none(),
        py::arg("new_mode") = py::none(), py::arg("threads") = 0, py::arg("seal") = py::none());
  m.def("seal_file", [](const py::handle& path, const py::handle& key, const py::handle& mode, const py::handle& role,
                        const py::handle& members, const py::handle& threads) {
          const std::string p = PathFromPython(path);
          SecretBytes k = KeyFromPython(key);
          Options options = MakeOptions(threads, py::bool_(false));
          options.seal_role = SealRoleFromPython(role);
          options.seal_members = MembersFromPython(members);
          const std::optional<Mode> named = OptionalModeFromPython(mode);
          Status s;
          {
            py::gil_scoped_release release;
            StatusOr<Mode> m = ResolveFileMode(named, p, Format::kCurrent);
            s = m.ok() ? SealFile(p, k, *m, options) : m.status();
          }
          ThrowIfError(s);
        },
        py::arg("path"), py::arg("key"), py::arg("mode") = py::none(), py::arg("role") = "other",
        py::arg("weight_files") = py::tuple(), py::arg("threads") = 0);
  m.def("check_seal", [](const py::handle& path, const py::handle& key, const py::handle& mode, const py::handle& role,
                         const py::handle& required) {
          const std::string p = PathFromPython(path);
          SecretBytes k = KeyFromPython(key);
          Options options;
          options.seal_check = BoolFromPython(required, "required") ? SealCheck::kRequire : SealCheck::kAuto;
          const SealRole expected = SealRoleFromPython(role);
          const std::optional<Mode> named = OptionalModeFromPython(mode);
          StatusOr<SealReport> r = Status(StatusCode::kInternal, "unset");
          {
            py::gil_scoped_release release;
            StatusOr<Mode> m = ResolveFileMode(named, p, Format::kCurrent);
            r = m.ok() ? CheckSeal(p, k, *m, expected, options) : StatusOr<SealReport>(m.status());
          }
          if (!r.ok()) ThrowIfError(r.status());
          py::dict d;
          d["sealed"] = r->sealed;
          d["role"] = SealRoleName(r->role);
          d["files"] = r->files;
          d["blocks"] = r->blocks;
          d["plaintext_size"] = r->plaintext_size;
          py::list members;
          for (const std::string& m : r->members) members.append(py::str(m));
          d["weight_files"] = members;
          return d;
        },
        py::arg("path"), py::arg("key"), py::arg("mode") = py::none(), py::arg("role") = "other",
        py::arg("required") = true);
}

}  // namespace mscrypt::python
