"""Deterministic test data shared by both sides of the interop suite.

Imported by the pytest process (which has mscrypt) AND by ms_worker.py running in the MindSpore
venv, so it must depend on numpy alone. The two libraries never share a process: data crosses
the boundary as files on disk plus small JSON descriptions (dtype name, shape, SHA-256 of the raw
little-endian bytes).
"""

from __future__ import annotations

import hashlib
import numpy as np

# ---------------------------------------------------------------------------------------------
# Modes and keys
# ---------------------------------------------------------------------------------------------

# (mode, key length) combinations MindSpore 2.7.1 supports.
COMBOS = [
    ("AES-GCM", 16), ("AES-GCM", 24), ("AES-GCM", 32),
    ("AES-CBC", 16), ("AES-CBC", 24), ("AES-CBC", 32),
    ("SM4-CBC", 16),
]
# One large (multi-block) checkpoint per mode, with the key length rotated so every length is
# exercised by at least one large file.
BIG_COMBOS = [("AES-GCM", 32), ("AES-CBC", 24), ("SM4-CBC", 16)]

# A mode that certainly rejects a file of mode m (magic mismatch), with the same key length.
WRONG_MODE = {"AES-GCM": "AES-CBC", "AES-CBC": "AES-GCM", "SM4-CBC": "AES-CBC"}


def combo_id(mode, klen):
    return "%s-%d" % (mode, klen)


def key_for(mode, klen):
    """Deterministic key without NUL bytes (so callable dec_mode gets it whole in MindSpore)."""
    seed = {"AES-GCM": 0x11, "AES-CBC": 0x51, "SM4-CBC": 0x91}[mode]
    return bytes((seed + 3 * i) % 255 + 1 for i in range(klen))


def wrong_key_for(mode, klen):
    k = bytearray(key_for(mode, klen))
    k[0] ^= 0x80
    k[-1] ^= 0x01
    return bytes(k)


# Key for the callable (customized) enc_mode/dec_mode path. No NUL (MindSpore cuts the key handed to
# a callable dec_mode at the first NUL, see docs/compatibility.md), plus one WITH a NUL to record
# what each side does with it.
CALLABLE_KEY = bytes(range(0x21, 0x21 + 16))
CALLABLE_KEY_NUL = bytes([0x01, 0x02, 0x00]) + bytes(range(0x03, 0x10))


def xor_stream(data, key):
    """The 'customized' cipher used on both sides: XOR with the key repeated, then with 0x5A.
    Deliberately trivial: the test is about the callable plumbing, not about cryptography."""
    if not key:
        key = b"\x00"
    buf = np.frombuffer(bytes(data), dtype=np.uint8)
    k = np.frombuffer(key, dtype=np.uint8)
    reps = -(-len(buf) // len(k)) if len(buf) else 0
    ks = np.tile(k, reps)[: len(buf)]
    return ((buf ^ ks) ^ 0x5A).astype(np.uint8).tobytes()


# ---------------------------------------------------------------------------------------------
# Checkpoint contents
# ---------------------------------------------------------------------------------------------

BIG_NAME = "big_f32"
# 150 MiB of float32: 3 blocks in every mode (64 + 64 + 22 MiB of plaintext).
BIG_SHAPE = (9600, 4096)

APPEND = {"epoch_num": 7, "lr": 0.125, "flag": True, "note": "h\u00e9llo \u20ac\U0001d11e interop"}


def _rng(seed):
    return np.random.default_rng(seed)


def _bf16_exact_f32(n, seed):
    """float32 values that are exactly representable in bfloat16 (low 16 bits zero)."""
    r = _rng(seed).integers(-2000, 2000, size=n).astype(np.float32) / 8.0
    bits = r.view(np.uint32) & np.uint32(0xFFFF0000)
    return bits.view(np.float32)


def ckpt_tensors():
    """[(name, numpy array, tensor_type)] for the small part of every checkpoint, in save order.

    BFloat16 entries are given as float32 arrays holding bf16-exact values; each side converts
    (MindSpore: Tensor(x, ms.bfloat16); mscrypt: x.astype(ml_dtypes.bfloat16)).
    """
    r = _rng(20250711)
    out = [
        ("w_f32", (r.standard_normal((17, 33)) * 3).astype(np.float32), "Float32"),
        ("w_f16", (r.standard_normal((5, 7)) * 10).astype(np.float16), "Float16"),
        ("w_bf16", _bf16_exact_f32(40, 7).reshape(4, 10), "BFloat16"),
        ("w_f64", r.standard_normal(9).astype(np.float64) * 1e10, "Float64"),
        ("w_i8", np.array([-128, -1, 0, 1, 127] * 3, dtype=np.int8).reshape(3, 5), "Int8"),
        ("w_i16", r.integers(-32768, 32767, size=(2, 3, 4), dtype=np.int16), "Int16"),
        ("w_i32", r.integers(-2**31, 2**31 - 1, size=(6,), dtype=np.int32), "Int32"),
        ("w_i64", np.array([[1, -2], [3, 2**40], [-(2**62), 2**63 - 1]], dtype=np.int64), "Int64"),
        ("w_u8", np.arange(256, dtype=np.uint8).reshape(16, 16), "UInt8"),
        ("w_bool", np.array([[True, False, True], [False, False, True]]), "Bool"),
        ("scalar_f32", np.array(3.25, dtype=np.float32), "Float32"),
        ("scalar_i32", np.array(-9, dtype=np.int32), "Int32"),
    ]
    return out


def big_tensor():
    """The 150 MiB float32 tensor (deterministic, ~0.5 s to generate)."""
    return _rng(424242).standard_normal(BIG_SHAPE, dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# Canonical descriptions (what crosses the process boundary)
# ---------------------------------------------------------------------------------------------

_NP_TO_TYPE = {
    "bool": "Bool", "int8": "Int8", "uint8": "UInt8", "int16": "Int16", "uint16": "UInt16",
    "int32": "Int32", "uint32": "UInt32", "int64": "Int64", "uint64": "UInt64",
    "float16": "Float16", "float32": "Float32", "float64": "Float64", "bfloat16": "BFloat16",
}


def sha256_of(buf):
    h = hashlib.sha256()
    mv = memoryview(buf).cast("B")
    step = 1 << 26
    for i in range(0, len(mv), step):
        h.update(mv[i:i + step])
    return h.hexdigest()


def describe_array(arr, tensor_type=None):
    """{type, shape, nbytes, sha256} of an array's raw little-endian C-order bytes."""
    a = np.asarray(arr)
    if tensor_type is None:
        tensor_type = _NP_TO_TYPE.get(a.dtype.name, a.dtype.name)
    shape = list(a.shape)  # before ascontiguousarray, which turns 0-d into shape (1,)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    a = np.ascontiguousarray(a).reshape(-1)
    raw = a.view(np.uint8) if a.size else b""
    return {"type": tensor_type, "shape": shape, "nbytes": int(a.nbytes),
            "sha256": sha256_of(raw)}


def bf16_bytes_of_exact_f32(f32):
    return (np.ascontiguousarray(f32, dtype=np.float32).view(np.uint32) >> 16).astype("<u2")


def expected_tensor_desc(name, arr, ttype):
    if ttype == "BFloat16":
        d = describe_array(bf16_bytes_of_exact_f32(arr))
        d["type"] = "BFloat16"
        return d
    return describe_array(arr, ttype)


def expected_append_desc():
    return {
        "epoch_num": describe_array(np.array(APPEND["epoch_num"], dtype=np.int64)),
        "lr": describe_array(np.array(APPEND["lr"], dtype=np.float32)),
        "flag": describe_array(np.array(APPEND["flag"], dtype=np.bool_)),
        "note": {"type": "str", "value": APPEND["note"]},
    }


def expected_ckpt(big=False):
    """Ordered {name: description} of what a load must return."""
    out = {}
    for name, arr, ttype in ckpt_tensors():
        out[name] = expected_tensor_desc(name, arr, ttype)
    if big:
        out[BIG_NAME] = describe_array(big_tensor())
    out.update(expected_append_desc())
    return out


# ---------------------------------------------------------------------------------------------
# The MindIR network: parameters + input
# ---------------------------------------------------------------------------------------------

def net_params():
    """{name: array} for the small test network (fc1: Dense(8,16), fc2: Dense(16,4), scale16)."""
    r = _rng(31337)
    return {
        "fc1.weight": (r.standard_normal((16, 8)) * 0.5).astype(np.float32),
        "fc1.bias": (r.standard_normal(16) * 0.1).astype(np.float32),
        "fc2.weight": (r.standard_normal((4, 16)) * 0.5).astype(np.float32),
        "fc2.bias": (r.standard_normal(4) * 0.1).astype(np.float32),
        "scale16": np.array([1.0, -0.5, 2.0, 0.25], dtype=np.float16),
    }


def net_input():
    return (_rng(4711).standard_normal((3, 8))).astype(np.float32)


def big_net_layers():
    """Layer sizes of the >1 GiB network: 3 x Dense(10240, 10240) float32 = 3 x 400 MiB."""
    return [(10240, 10240)] * 3


def big_net_weight(i, shape):
    # Generating 3 x 100 M floats: ~1 s each with PCG64 float32 normals.
    return _rng(1000 + i).standard_normal(shape, dtype=np.float32) * np.float32(0.01)


def big_net_bias(i, n):
    return _rng(2000 + i).standard_normal(n, dtype=np.float32)
