// PYBIND11_MODULE(_mscrypt): conversions, GIL release and the single Status -> exception mapping.
// The public facade is python/mscrypt/__init__.py; exception classes live in mscrypt/_errors.py.
#include <pybind11/pybind11.h>

#include <cstring>

#include "bindings.h"

namespace mscrypt::python {

namespace {

const char* ExceptionClassName(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument: return "InvalidArgumentError";
    case StatusCode::kNotEncrypted: return "NotEncryptedError";
    case StatusCode::kWrongMode: return "WrongModeError";
    case StatusCode::kMalformed: return "MalformedError";
    case StatusCode::kTruncated: return "TruncatedError";
    case StatusCode::kAuthenticationFailed: return "AuthenticationError";
    case StatusCode::kUnsupported: return "UnsupportedError";
    case StatusCode::kIoError: return "FileError";
    case StatusCode::kBufferTooSmall: return "InvalidArgumentError";
    case StatusCode::kFailedPrecondition: return "Error";
    case StatusCode::kResourceExhausted: return "OutOfMemoryError";
    case StatusCode::kInternal: return "InternalError";
    case StatusCode::kKeyRequired: return "KeyRequiredError";
    case StatusCode::kWrongPassphrase: return "WrongPassphraseError";
    case StatusCode::kSealMismatch: return "SealError";
    case StatusCode::kOk: break;
  }
  return "Error";
}

}  // namespace

std::string TypeName(const py::handle& obj) { return std::string(Py_TYPE(obj.ptr())->tp_name); }

// RaiseAs raises the mscrypt._errors class `class_name` for `status`, with its code and, when
// the error concerns one block, its position.
[[noreturn]] void RaiseAs(const char* class_name, const Status& status) {
  py::gil_scoped_acquire gil;
  py::object cls = py::module_::import("mscrypt._errors").attr(class_name);
  py::object exc = cls(py::str(status.Describe()));
  exc.attr("code") = static_cast<int>(status.code());
  exc.attr("hints") = status.hints();
  if (status.code() == StatusCode::kIoError) {  // FileError is an OSError: errno and filename too
    if (status.os_error() != 0) {
      exc.attr("errno") = status.os_error();
      exc.attr("strerror") = py::str(std::strerror(status.os_error()));
    }
    if (!status.path().empty()) exc.attr("filename") = py::str(status.path());
  }
  if (status.block_index() >= 0) {
    exc.attr("block_index") = status.block_index();
    exc.attr("byte_offset") = status.byte_offset();
  }
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}

void ThrowIfError(const Status& status) {
  if (!status.ok()) RaiseAs(ExceptionClassName(status.code()), status);
}

ReadOnlyBuffer::ReadOnlyBuffer(const py::handle& obj, const char* arg_name) {
  if (PyUnicode_Check(obj.ptr())) {
    ThrowArgumentTypeError(std::string(arg_name) + " must be bytes-like (bytes, bytearray, memoryview), not str");
  }
  if (PyObject_GetBuffer(obj.ptr(), &view_, PyBUF_C_CONTIGUOUS) != 0) {
    PyErr_Clear();
    ThrowArgumentTypeError(std::string(arg_name) + " must be a C-contiguous bytes-like object, not " +
                           (PyObject_CheckBuffer(obj.ptr()) ? "a non-contiguous " : "") + TypeName(obj));
  }
}

ReadOnlyBuffer::~ReadOnlyBuffer() { PyBuffer_Release(&view_); }

// ThrowArgumentTypeError raises mscrypt.ArgumentTypeError: a TypeError that is also a ValueError,
// as MindSpore raises ValueError for a key of the wrong type.
[[noreturn]] void ThrowArgumentTypeError(const std::string& message) {
  RaiseAs("ArgumentTypeError", InvalidArgumentError(message));
}

SecretBytes KeyFromPython(const py::handle& key, const char* arg_name) {
  if (key.is_none()) ThrowArgumentTypeError(std::string(arg_name) + " is required (bytes-like)");
  if (PyUnicode_Check(key.ptr()) || !PyObject_CheckBuffer(key.ptr())) {
    ThrowArgumentTypeError(std::string(arg_name) + " must be bytes-like (bytes, bytearray, memoryview), not " +
                           std::string(py::str(py::type::handle_of(key).attr("__name__"))));
  }
  ReadOnlyBuffer buf(key, arg_name);
  return SecretBytes(buf.view().data, buf.view().size);
}

Mode ModeFromPython(const py::handle& mode, const char* arg_name) {
  if (!py::isinstance<py::str>(mode)) {
    ThrowArgumentTypeError(std::string(arg_name) + " must be a str such as \"AES-GCM\", not " + TypeName(mode));
  }
  StatusOr<Mode> m = ParseMode(mode.cast<std::string>());
  if (!m.ok()) ThrowIfError(m.status());
  return *m;
}

std::optional<Mode> OptionalModeFromPython(const py::handle& mode, const char* arg_name) {
  if (mode.is_none()) return std::nullopt;
  return ModeFromPython(mode, arg_name);
}

std::string PathFromPython(const py::handle& path, const char* arg_name) {
  py::object fspath = py::module_::import("os").attr("fspath");
  py::object p;
  try {
    p = fspath(path);
  } catch (py::error_already_set&) {
    ThrowArgumentTypeError(std::string(arg_name) + " must be a str or os.PathLike, not " + TypeName(path));
  }
  if (!py::isinstance<py::str>(p)) ThrowArgumentTypeError(std::string(arg_name) + " must be a str path, not " + TypeName(p));
  std::string out;
  try {
    out = p.cast<std::string>();
  } catch (const py::cast_error&) {
    RaiseAs("InvalidArgumentError", InvalidArgumentError(std::string(arg_name) + " is not encodable as a file name"));
  }
  if (out.find('\0') != std::string::npos) {
    RaiseAs("InvalidArgumentError", InvalidArgumentError(std::string(arg_name) + " contains a NUL character"));
  }
  if (out.empty()) RaiseAs("InvalidArgumentError", InvalidArgumentError(std::string(arg_name) + " is empty"));
  return out;
}

int64_t IntFromPython(const py::handle& value, const char* arg_name) {
  // bool is an int subclass in Python; a flag passed where a count belongs is refused.
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr())) {
    ThrowArgumentTypeError(std::string(arg_name) + " must be an int, not " + TypeName(value));
  }
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0) RaiseAs("InvalidArgumentError", InvalidArgumentError(std::string(arg_name) + " is out of range"));
  return static_cast<int64_t>(v);
}

bool BoolFromPython(const py::handle& value, const char* arg_name) {
  if (!PyBool_Check(value.ptr())) ThrowArgumentTypeError(std::string(arg_name) + " must be a bool, not " + TypeName(value));
  return value.ptr() == Py_True;
}

Options MakeOptions(const py::handle& threads, const py::handle& legacy) {
  const int64_t n = IntFromPython(threads, "threads");
  if (n < 0 || n > 1 << 20) {
    RaiseAs("InvalidArgumentError", InvalidArgumentError("threads must be 0 (all cores) or a positive count"));
  }
  Options o;
  o.threads = static_cast<int>(n);
  o.format = BoolFromPython(legacy, "legacy") ? Format::kLegacy : Format::kCurrent;
  return o;
}

void ApplySeal(Options* options, const py::handle& seal, bool writer) {
  if (seal.is_none()) return;
  const bool on = BoolFromPython(seal, "seal");
  if (writer) {
    options->write_seal = on;
  } else {
    options->seal_check = on ? SealCheck::kRequire : SealCheck::kSkip;
  }
}

#ifndef MSCRYPT_WITH_CHECKPOINT
void RegisterCheckpoint(py::module_&) {}
#endif
#ifndef MSCRYPT_WITH_MINDIR
void RegisterMindir(py::module_&) {}
#endif

}  // namespace mscrypt::python

PYBIND11_MODULE(_mscrypt, m) {
  m.doc() = "Native core of mscrypt (private; use the mscrypt package).";
  mscrypt::python::RegisterPlaintextBytes(m);
  mscrypt::python::RegisterContainer(m);
  mscrypt::python::RegisterKeys(m);
  mscrypt::python::RegisterCheckpoint(m);
  mscrypt::python::RegisterMindir(m);
  // Test hook: bytes wiped so far (tests show that released plaintext is wiped).
  m.def("_wiped_bytes_for_testing", &mscrypt::WipedBytesForTesting);
}
