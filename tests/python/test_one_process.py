"""The Python module and the C library in one process (issue 13): `_mscrypt` links the package's
libmscrypt.so, so loading that library again through ctypes (as a C consumer or a plugin would)
finds the same copy: MindIR's generated protobuf descriptors are registered once, and both
surfaces work side by side on the same files."""

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import mscrypt

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "mindspore"
SCRIPT = r"""
import ctypes, sys
import mscrypt
from mscrypt import _native_lib
model = mscrypt.load_mindir(sys.argv[1])                       # registers mind_ir.proto via Python
lib = ctypes.CDLL(_native_lib)                                 # the same library, through ctypes
lib.mscrypt_mindir_open.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_int,
                                    ctypes.c_char_p, ctypes.c_void_p]
m = ctypes.c_void_p()
status = lib.mscrypt_mindir_open(ctypes.byref(m), None, 0, sys.argv[1].encode(), None)
lib.mscrypt_mindir_num_parameters.restype = ctypes.c_size_t
lib.mscrypt_mindir_num_parameters.argtypes = [ctypes.c_void_p]
lib.mscrypt_mindir_free.argtypes = [ctypes.c_void_p]
print(status, lib.mscrypt_mindir_num_parameters(m), len(model.parameters))
lib.mscrypt_mindir_free(m)
"""


def test_module_and_c_library_share_one_copy(tmp_path):
    libdir = subprocess.check_output([sys.executable, "-m", "mscrypt", "--libdir"], text=True).strip()
    lib = os.path.join(libdir, "libmscrypt.so.0")
    script = SCRIPT.replace("from mscrypt import _native_lib\n", f"_native_lib = {lib!r}\n")
    r = subprocess.run([sys.executable, "-c", script, str(GOLDEN / "ext_plain" / "net_graph.mindir")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    status, c_count, py_count = (int(x) for x in r.stdout.split())
    assert status == 0 and c_count == py_count > 0
    # The module really uses that library (not a static copy of its own).
    maps = subprocess.run([sys.executable, "-c", "import mscrypt, os; print(open(f'/proc/{os.getpid()}/maps').read())"],
                          capture_output=True, text=True, check=True).stdout
    assert "libmscrypt.so" in maps
