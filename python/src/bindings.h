// Shared helpers for the pybind11 bindings: argument conversion and the one Status -> exception
// choke point. Bindings convert arguments, release the GIL around the core call, and raise.
#ifndef MSCRYPT_PYTHON_BINDINGS_H_
#define MSCRYPT_PYTHON_BINDINGS_H_

#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "mscrypt/container.h"
#include "mscrypt/secret_bytes.h"
#include "mscrypt/status.h"

namespace mscrypt::python {

namespace py = pybind11;

// ThrowIfError raises the mscrypt exception class registered for status.code().
void ThrowIfError(const Status& status);

// KeyFromPython copies a bytes-like key (bytes, bytearray, memoryview) into SecretBytes.
// str and other types raise TypeError; the key never appears in any message.
SecretBytes KeyFromPython(const py::handle& key, const char* arg_name = "key");

// ModeFromPython parses "AES-GCM" / "AES-CBC" / "SM4-CBC" (ValueError otherwise).
Mode ModeFromPython(const py::handle& mode, const char* arg_name = "mode");
// OptionalModeFromPython: like ModeFromPython, with None meaning "detect it from the data".
std::optional<Mode> OptionalModeFromPython(const py::handle& mode, const char* arg_name = "mode");

// ReadOnlyBuffer: a bytes-like argument held for the duration of a call.
class ReadOnlyBuffer {
 public:
  ReadOnlyBuffer(const py::handle& obj, const char* arg_name);
  ~ReadOnlyBuffer();
  ReadOnlyBuffer(const ReadOnlyBuffer&) = delete;
  ReadOnlyBuffer& operator=(const ReadOnlyBuffer&) = delete;
  ByteView view() const { return ByteView(view_.buf, static_cast<size_t>(view_.len)); }

 private:
  Py_buffer view_{};
};

// PathFromPython accepts str or os.PathLike.
std::string PathFromPython(const py::handle& path, const char* arg_name = "path");

// Strict scalar arguments: ArgumentTypeError naming the parameter and the expected type, never
// the value (it may be a key or plaintext passed in the wrong position).
int64_t IntFromPython(const py::handle& value, const char* arg_name);
bool BoolFromPython(const py::handle& value, const char* arg_name);
[[noreturn]] void ThrowArgumentTypeError(const std::string& message);
[[noreturn]] void RaiseAs(const char* class_name, const Status& status);
// TypeName: the type's name only, for messages.
std::string TypeName(const py::handle& obj);

// MakeOptions: threads (int >= 0) and legacy (bool) as container Options.
Options MakeOptions(const py::handle& threads, const py::handle& legacy);
// ApplySeal: Python's `seal` argument (docs/format.md §11.3). Readers: None checks a seal when there
// is one, True requires it, False ignores it. Writers: True writes one (None and False do not).
void ApplySeal(Options* options, const py::handle& seal, bool writer);

// NewPlaintextBytes: an uninitialised mscrypt.PlaintextBytes (a bytes wiped when freed,
// plaintext_bytes.cc) that C++ fills before Python sees it; PlaintextBytesFrom copies into one.
py::bytes NewPlaintextBytes(size_t size, uint8_t** data);
py::bytes PlaintextBytesFrom(ByteView plain);

// Registration hooks of the other binding files.
void RegisterPlaintextBytes(py::module_& m);
void RegisterContainer(py::module_& m);
void RegisterKeys(py::module_& m);
void RegisterCheckpoint(py::module_& m);
void RegisterMindir(py::module_& m);

}  // namespace mscrypt::python

#endif  // MSCRYPT_PYTHON_BINDINGS_H_
