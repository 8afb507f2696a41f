// Key sources and key envelopes (mscrypt/keys.h, docs/format.md §9) for mscrypt._keys. Keys come
// back as bytearrays so the caller can wipe them; passphrases are copied into SecretBytes.
#include <pybind11/pybind11.h>

#include <string>

#include "bindings.h"
#include "mscrypt/keys.h"

namespace mscrypt::python {
namespace {

py::bytearray ToBytearray(const SecretBytes& secret) {
  return py::bytearray(reinterpret_cast<const char*>(secret.UnsafeBytes()), secret.size());
}

const char* EncodingName(KeyEncoding e) {
  switch (e) {
    case KeyEncoding::kHex: return "hex";
    case KeyEncoding::kEnvelope: return "envelope";
    case KeyEncoding::kRaw: break;
  }
  return "raw";
}

// (key, encoding, uppercase_hex)
py::tuple LoadedToPython(StatusOr<LoadedKey> loaded) {
  if (!loaded.ok()) ThrowIfError(loaded.status());
  return py::make_tuple(ToBytearray(loaded->key), EncodingName(loaded->encoding), loaded->uppercase_hex);
}

// SecretFromPython: a passphrase (or hex text) as str (UTF-8) or bytes-like, copied.
SecretBytes SecretFromPython(const py::handle& value, const char* arg_name) {
  if (PyUnicode_Check(value.ptr())) {
    Py_ssize_t n = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(value.ptr(), &n);
    if (utf8 == nullptr) throw py::error_already_set();
    return SecretBytes(utf8, static_cast<size_t>(n));
  }
  if (value.is_none() || !PyObject_CheckBuffer(value.ptr())) {
    ThrowArgumentTypeError(std::string(arg_name) + " must be str or bytes-like, not " + TypeName(value));
  }
  ReadOnlyBuffer buf(value, arg_name);
  return SecretBytes(buf.view().data, buf.view().size);
}

std::string StrFromPython(const py::handle& value, const char* arg_name) {
  if (!py::isinstance<py::str>(value)) ThrowArgumentTypeError(std::string(arg_name) + " must be a str, not " + TypeName(value));
  return value.cast<std::string>();
}

ScryptCost CostFromPython(const py::handle& log_n) {
  const int64_t n = IntFromPython(log_n, "scrypt_log_n");
  if (n < 0 || n > 255) RaiseAs("InvalidArgumentError", InvalidArgumentError("scrypt_log_n must be 15 to 20"));
  return ScryptCost{static_cast<uint8_t>(n), kDefaultScryptCost.r, kDefaultScryptCost.p};
}

}  // namespace

void RegisterKeys(py::module_& m) {
  m.def("key_from_hex", [](const py::handle& text, const py::handle& source) {
    SecretBytes hex = SecretFromPython(text, "hex");
    return LoadedToPython(KeyFromHex(ByteView(hex.UnsafeBytes(), hex.size()), StrFromPython(source, "source")));
  }, py::arg("text"), py::arg("source"));
  m.def("key_from_env", [](const py::handle& name) {
    return LoadedToPython(KeyFromEnvironment(StrFromPython(name, "env")));
  }, py::arg("name"));
  m.def("key_from_file", [](const py::handle& path, const py::handle& passphrase, const py::handle& allow_empty,
                            const py::handle& label) {
    const std::string p = PathFromPython(path, "file");
    const bool allow = BoolFromPython(allow_empty, "allow_empty_passphrase");
    const std::string l = StrFromPython(label, "label");
    if (passphrase.is_none()) return LoadedToPython(ReadKeyFile(p, nullptr, allow, l));
    SecretBytes pass = SecretFromPython(passphrase, "passphrase");
    StatusOr<LoadedKey> loaded = Status(StatusCode::kInternal, "unset");
    {
      py::gil_scoped_release release;  // scrypt takes about a second
      loaded = ReadKeyFile(p, &pass, allow, l);
    }
    return LoadedToPython(std::move(loaded));
  }, py::arg("path"), py::arg("passphrase"), py::arg("allow_empty"), py::arg("label"));
  m.def("passphrase_from_file", [](const py::handle& path) {
    StatusOr<SecretBytes> pass = ReadPassphraseFile(PathFromPython(path, "passphrase_file"));
    if (!pass.ok()) ThrowIfError(pass.status());
    return ToBytearray(*pass);
  }, py::arg("path"));
  m.def("passphrase_from_env", [](const py::handle& name) {
    StatusOr<SecretBytes> pass = PassphraseFromEnvironment(StrFromPython(name, "passphrase_env"));
    if (!pass.ok()) ThrowIfError(pass.status());
    return ToBytearray(*pass);
  }, py::arg("name"));
  m.def("check_key_for_mode", [](const py::handle& key, const py::handle& mode, const py::handle& source) {
    ThrowIfError(CheckKeyForMode(KeyFromPython(key), ModeFromPython(mode), StrFromPython(source, "source")));
  }, py::arg("key"), py::arg("mode"), py::arg("source"));
  m.def("key_envelope_new", [](const py::handle& path, const py::handle& key, const py::handle& passphrase,
                               const py::handle& log_n, const py::handle& allow_empty) {
    const std::string p = PathFromPython(path, "path");
    SecretBytes k = KeyFromPython(key);
    SecretBytes pass = SecretFromPython(passphrase, "passphrase");
    const ScryptCost cost = CostFromPython(log_n);
    const bool allow = BoolFromPython(allow_empty, "allow_empty_passphrase");
    Status s;
    {
      py::gil_scoped_release release;
      s = WriteKeyEnvelopeFile(p, k, pass, cost, allow);
    }
    ThrowIfError(s);
  }, py::arg("path"), py::arg("key"), py::arg("passphrase"), py::arg("scrypt_log_n"), py::arg("allow_empty"));
  m.def("key_envelope_rewrap", [](const py::handle& path, const py::handle& old_passphrase,
                                  const py::handle& new_passphrase, const py::handle& log_n,
                                  const py::handle& allow_empty) {
    const std::string p = PathFromPython(path, "path");
    SecretBytes old_pass = SecretFromPython(old_passphrase, "passphrase");
    SecretBytes new_pass = SecretFromPython(new_passphrase, "new_passphrase");
    const ScryptCost cost = CostFromPython(log_n);
    const bool allow = BoolFromPython(allow_empty, "allow_empty_passphrase");
    Status s;
    {
      py::gil_scoped_release release;
      s = RewrapKeyEnvelopeFile(p, old_pass, new_pass, cost, allow);
    }
    ThrowIfError(s);
  }, py::arg("path"), py::arg("old_passphrase"), py::arg("new_passphrase"), py::arg("scrypt_log_n"),
     py::arg("allow_empty"));
}

}  // namespace mscrypt::python
