"""An encrypted MindIR model built by MindSpore Lite 2.0 from memory that mscrypt decrypted.

MindSpore Lite 2.0.0's Python package exists for CPython 3.7 only, where the mscrypt Python
package is not built; so this demo reaches mscrypt through its C API (libmscrypt.so, with ctypes),
as any C or C++ runtime would. Lite 2.0's Python `Model` has no build-from-memory method, but its
binding does (`build_from_buff`, the C++ `Model::Build(const void*, size_t, ...)`); it is handed a
capsule pointing at mscrypt's buffer, so the plaintext model is never copied into Python objects.
Lite parses the model during the build, so the buffer is wiped and freed right after it.

    MSCRYPT_KEY_HEX=... python3.7 examples/mindspore_lite_demo.py net.mindir.enc \\
        --lib "$(python3 -m mscrypt --libdir)/libmscrypt.so" [--input x.npy --output y.npy]

The key comes from the environment variable named by --key-env (default MSCRYPT_KEY_HEX), never
from the command line; the mode is read from the file. Tested by tests/interop/test_lite_interop.py
(Lite 2.0.0 in a Python 3.7 venv, scripts/setup-lite-venv.sh).
"""
import argparse
import ctypes
import sys

import numpy as np
import mindspore_lite as mslite
from mindspore_lite.lib import _c_lite_wrapper


def load_mscrypt(path):
    lib = ctypes.CDLL(path)
    p = ctypes.c_void_p
    lib.mscrypt_key_from_env.argtypes = [ctypes.POINTER(p), ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint)]
    lib.mscrypt_file_mode.argtypes = [ctypes.POINTER(ctypes.c_int), ctypes.c_char_p]
    lib.mscrypt_decrypt_file_alloc.argtypes = [p, ctypes.POINTER(p), ctypes.c_int, ctypes.c_char_p, p]
    lib.mscrypt_buffer_data.argtypes = [p]
    lib.mscrypt_buffer_data.restype = p
    lib.mscrypt_buffer_len.argtypes = [p]
    lib.mscrypt_buffer_len.restype = ctypes.c_size_t
    lib.mscrypt_buffer_free.argtypes = [p]
    lib.mscrypt_key_free.argtypes = [p]
    lib.mscrypt_last_error.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.mscrypt_last_error.restype = ctypes.c_size_t
    return lib


def check(lib, status, what):
    if status != 0:
        msg = ctypes.create_string_buffer(2048)
        lib.mscrypt_last_error(msg, len(msg))
        sys.exit("mscrypt: %s: %s" % (what, msg.value.decode()))  # messages never hold key bytes


def decrypt_to_buffer(lib, path, key_env):
    """The decrypted model as an mscrypt_buffer (free it with mscrypt_buffer_free, which wipes)."""
    key, buf, mode = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_int()
    check(lib, lib.mscrypt_key_from_env(ctypes.byref(key), key_env.encode(), None), "key")
    try:
        check(lib, lib.mscrypt_file_mode(ctypes.byref(mode), path.encode()), "mode")
        check(lib, lib.mscrypt_decrypt_file_alloc(key, ctypes.byref(buf), mode.value, path.encode(), None), "decrypt")
    finally:
        lib.mscrypt_key_free(key)
    return buf


def build_from_memory(lib, buf, context):
    """A Lite model built from the bytes of `buf`, through a capsule (no copy in Python)."""
    new_capsule = ctypes.pythonapi.PyCapsule_New
    new_capsule.restype = ctypes.py_object
    new_capsule.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    capsule = new_capsule(lib.mscrypt_buffer_data(buf), None, None)
    model = mslite.Model()
    status = model._model.build_from_buff(capsule, lib.mscrypt_buffer_len(buf), _c_lite_wrapper.ModelType.kMindIR,
                                          context._context._inner_context)
    if not status.IsOk():
        sys.exit("MindSpore Lite could not build the model: %s" % status.ToString())
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="an encrypted MindIR file (any mode; the file names it)")
    ap.add_argument("--lib", required=True, help="path of libmscrypt.so")
    ap.add_argument("--key-env", default="MSCRYPT_KEY_HEX", help="environment variable with the hex key")
    ap.add_argument("--input", help=".npy file for the first input (default: inputs are listed only)")
    ap.add_argument("--output", help=".npy file for the first output")
    args = ap.parse_args()
    lib = load_mscrypt(args.lib)
    context = mslite.Context()
    context.target = ["cpu"]
    buf = decrypt_to_buffer(lib, args.model, args.key_env)
    try:
        model = build_from_memory(lib, buf, context)
    finally:
        lib.mscrypt_buffer_free(buf)  # wiped: Lite holds its own parsed copy
    inputs = model.get_inputs()
    print("inputs:", [(t.name, t.shape) for t in inputs])
    if args.input:
        inputs[0].set_data_from_numpy(np.load(args.input))
        outputs = model.predict(inputs)
        if args.output:
            np.save(args.output, outputs[0].get_data_to_numpy())


if __name__ == "__main__":
    main()
