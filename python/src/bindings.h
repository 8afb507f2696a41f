// Shared helpers for the pybind11 bindings: argument conversion and the one Status -> exception
// choke point. Bindings convert arguments, release the GIL around the core call, and raise.
#ifndef MSCRYPT_PYTHON_BINDINGS_H_
#define MSCRYPT_PYTHON_BINDINGS_H_

#include <pybind11/pybind11.h>

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

Options MakeOptions(int threads, bool legacy);

// Registration hooks of the other binding files.
void RegisterContainer(py::module_& m);
void RegisterCheckpoint(py::module_& m);
void RegisterMindir(py::module_& m);

}  // namespace mscrypt::python

#endif  // MSCRYPT_PYTHON_BINDINGS_H_
