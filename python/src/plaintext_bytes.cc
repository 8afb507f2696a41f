// mscrypt.PlaintextBytes: the bytes that decrypt() returns. A subclass of bytes (isinstance(x,
// bytes), equal to and hashed like the same bytes, accepted wherever bytes are) that differs in
// where it lives: its memory comes from the core's Buffer, so it is wiped when the object is freed,
// and a large one reuses the huge-page mappings the buffer cache keeps (mscrypt/bytes.h), which
// the kernel need not zero again; a fresh bytes object of 256 MiB costs more in page faults than
// its decryption. Python cannot create one (there is no constructor); copying or pickling one
// gives plain bytes.
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstring>

#include "bindings.h"

namespace mscrypt::python {
namespace {

PyTypeObject* g_type = nullptr;

constexpr size_t kHeaderSize = offsetof(PyBytesObject, ob_sval);

// AllocationSize: the header, the bytes, and the NUL every bytes object ends with.
size_t AllocationSize(size_t n) { return kHeaderSize + n + 1; }

void Dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  const size_t n = static_cast<size_t>(Py_SIZE(self));
  Wipe(PyBytes_AS_STRING(self), n);
  // Adopted and dropped at once: freed the way Buffer::Allocate allocated it.
  (void)Buffer::Adopt(reinterpret_cast<uint8_t*>(self), AllocationSize(n));
  Py_DECREF(type);
}

PyObject* Reduce(PyObject* self, PyObject*) {
  // Pickled and copied as plain bytes: the copy is the caller's, in ordinary memory.
  return Py_BuildValue("(O(N))", reinterpret_cast<PyObject*>(&PyBytes_Type),
                       PyBytes_FromStringAndSize(PyBytes_AS_STRING(self), Py_SIZE(self)));
}

PyMethodDef g_methods[] = {
    {"__reduce__", Reduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

py::bytes NewPlaintextBytes(size_t size, uint8_t** data) {
  if (size > static_cast<size_t>(PY_SSIZE_T_MAX) - kHeaderSize - 1) {
    ThrowIfError(Status(StatusCode::kResourceExhausted, "cannot allocate " + std::to_string(size) + " bytes"));
  }
  StatusOr<Buffer> memory = Buffer::Allocate(AllocationSize(size));
  if (!memory.ok()) ThrowIfError(memory.status());
  auto* op = reinterpret_cast<PyBytesObject*>(memory->ReleaseAllocation());
  std::memset(op, 0, kHeaderSize);
  PyObject_InitVar(reinterpret_cast<PyVarObject*>(op), g_type, static_cast<Py_ssize_t>(size));  // takes a type reference
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  op->ob_shash = -1;  // "not hashed yet", as PyBytes_FromStringAndSize sets it
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  op->ob_sval[size] = '\0';
  *data = reinterpret_cast<uint8_t*>(op->ob_sval);
  return py::reinterpret_steal<py::bytes>(reinterpret_cast<PyObject*>(op));
}

py::bytes PlaintextBytesFrom(ByteView plain) {
  uint8_t* data = nullptr;
  py::bytes out = NewPlaintextBytes(plain.size, &data);
  if (plain.size != 0) std::memcpy(data, plain.data, plain.size);
  return out;
}

void RegisterPlaintextBytes(py::module_& m) {
  PyType_Slot slots[] = {
      {Py_tp_dealloc, reinterpret_cast<void*>(Dealloc)},
      {Py_tp_methods, g_methods},
      {Py_tp_doc, const_cast<char*>("Decrypted bytes, wiped when freed (see mscrypt.PlaintextBytes).")},
      {0, nullptr},
  };
  unsigned int flags = Py_TPFLAGS_DEFAULT;
#ifdef Py_TPFLAGS_DISALLOW_INSTANTIATION
  flags |= Py_TPFLAGS_DISALLOW_INSTANTIATION;
#endif
  PyType_Spec spec = {"mscrypt.PlaintextBytes", 0, 0, flags, slots};
  PyObject* type = PyType_FromSpecWithBases(&spec, reinterpret_cast<PyObject*>(&PyBytes_Type));
  if (type == nullptr) throw py::error_already_set();
  g_type = reinterpret_cast<PyTypeObject*>(type);  // the module keeps it alive
  m.add_object("PlaintextBytes", type);
  m.def("release_cached_memory", [] {
    py::gil_scoped_release release;
    return ReleaseCachedMemory();
  });
}

}  // namespace mscrypt::python
