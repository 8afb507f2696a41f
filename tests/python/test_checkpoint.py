"""mscrypt.save_checkpoint / load_checkpoint: dtypes, MindSpore semantics, encryption, crc,
independent-writer interop (hand-built protobuf + pyca), MindSpore 2.7.1 golden files, threads."""

import errno
import binascii
import json
import os
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import mscrypt
from mscrypt import _checkpoint

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "mindspore"
MS_PYTHON = Path("/opt/ms-venv/bin/python")
MODES = ["AES-GCM", "AES-CBC", "SM4-CBC"]
KEY = bytes(range(16))
MiB = 1 << 20


def mode_params():
    return [pytest.param(m, marks=pytest.mark.skipif(not mscrypt.is_mode_available(m), reason=f"{m} unavailable"))
            for m in MODES]


# ---- an independent writer: protobuf wire bytes by hand, container with pyca ------------------


def varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def ld(field: int, body: bytes) -> bytes:
    return varint(field << 3 | 2) + varint(len(body)) + body


def message(tag: str, dims, tensor_type: str, content: bytes, packed=False) -> bytes:
    if packed:
        dim_bytes = ld(1, b"".join(varint(d) for d in dims)) if dims else b""
    else:
        dim_bytes = b"".join(varint(1 << 3 | 0) + varint(d) for d in dims)
    tensor = dim_bytes + ld(2, tensor_type.encode()) + ld(3, content)
    return ld(1, ld(1, tag.encode()) + ld(2, tensor))


def pyca_encrypt(plaintext: bytes, key: bytes, mode: str, block: int = 64 * MiB) -> bytes:
    """docs/format.md §2.2/docs/format.md §2.3 container: GCM nonce = iv[:12], tag after the magic."""
    out = []
    for off in range(0, len(plaintext), block):
        piece = plaintext[off:off + block]
        iv = os.urandom(16)
        if mode == "AES-GCM":
            ct_tag = AESGCM(key).encrypt(iv[:12], piece, None)
            ct, tag = ct_tag[:-16], ct_tag[-16:]
            out.append(struct.pack("<I", 0x7F3A5ED8) + tag + struct.pack("<ii", 24 + len(ct), 16) + iv +
                       struct.pack("<i", len(ct)) + ct)
        else:
            algo = algorithms.AES(key) if mode == "AES-CBC" else algorithms.SM4(key)
            padder = padding.PKCS7(128).padder()
            enc = Cipher(algo, modes.CBC(iv)).encryptor()
            ct = enc.update(padder.update(piece) + padder.finalize()) + enc.finalize()
            magic = 0x7F3A5ED9 if mode == "AES-CBC" else 0x7F3A5EDA
            out.append(struct.pack("<Iii", magic, 24 + len(ct), 16) + iv + struct.pack("<i", len(ct)) + ct)
    return b"".join(out)


def same_base(a: np.ndarray) -> object:
    while isinstance(a, np.ndarray) and a.base is not None:
        a = a.base
    return a


# ---- dtypes -----------------------------------------------------------------------------------

DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
          np.float16, np.float32, np.float64, ml_dtypes.bfloat16]
EXPECTED_TYPE = {"bool": "Bool", "int8": "Int8", "uint8": "UInt8", "int16": "Int16", "uint16": "UInt16",
                 "int32": "Int32", "uint32": "UInt32", "int64": "Int64", "uint64": "UInt64", "float16": "Float16",
                 "float32": "Float32", "float64": "Float64", "bfloat16": "BFloat16"}


def sample(dtype, shape=(3, 4)):
    rng = np.random.default_rng(7)
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
    return (rng.standard_normal(shape) * 100).astype(dt)


def read_entries(path) -> list:
    """(tag, tensor_type, dims) per message, with the independent parser of this file."""
    data = Path(path).read_bytes()
    out, pos = [], 0

    def rv(buf, p):
        v = shift = 0
        while True:
            b = buf[p]
            p += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return v, p

    while pos < len(data):
        key, pos = rv(data, pos)
        n, pos = rv(data, pos)
        value, pos = data[pos:pos + n], pos + n
        q, tag, tensor = 0, None, None
        while q < len(value):
            k, q = rv(value, q)
            n, q = rv(value, q)
            if k >> 3 == 1:
                tag = value[q:q + n].decode()
            else:
                tensor = value[q:q + n]
            q += n
        q, dims, ttype = 0, [], None
        while q < len(tensor):
            k, q = rv(tensor, q)
            if k & 7 == 0:
                d, q = rv(tensor, q)
                dims.append(d)
                continue
            n, q = rv(tensor, q)
            if k >> 3 == 2:
                ttype = tensor[q:q + n].decode()
            q += n
        out.append((tag, ttype, dims))
    return out


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_every_dtype_round_trip(tmp_path, dtype, encrypted):
    arrays = {"m": sample(dtype), "v": sample(dtype, (5,)), "s": sample(dtype, ())}
    key = KEY if encrypted else None
    mscrypt.save_checkpoint(arrays, tmp_path / "a.ckpt", enc_key=key)
    out = mscrypt.load_checkpoint(tmp_path / "a.ckpt", dec_key=key)
    assert list(out) == ["m", "v", "s"]
    for name, arr in arrays.items():
        assert out[name].dtype == np.dtype(dtype)
        assert out[name].shape == arr.shape
        assert out[name].tobytes() == arr.tobytes()
    if not encrypted:
        name = np.dtype(dtype).name
        assert read_entries(tmp_path / "a.ckpt") == [("m", EXPECTED_TYPE[name], [3, 4]),
                                                     ("v", EXPECTED_TYPE[name], [5]), ("s", EXPECTED_TYPE[name], [])]


def test_bfloat16_values(tmp_path):
    arr = np.array([1.0, -2.5, 3.0], dtype=ml_dtypes.bfloat16)
    mscrypt.save_checkpoint({"w": arr}, tmp_path / "b.ckpt")
    # The same bytes MindSpore writes for Tensor([1,-2.5,3], bfloat16) (golden README).
    assert bytes.fromhex("803f20c04040") in (tmp_path / "b.ckpt").read_bytes()
    out = mscrypt.load_checkpoint(tmp_path / "b.ckpt")["w"]
    assert out.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(out.astype(np.float32), [1.0, -2.5, 3.0])


def test_int4_packed(tmp_path):
    packed = np.array([[0x21, -1, 7], [1, 2, 3]], dtype=np.int8)
    mscrypt.save_checkpoint({"q": mscrypt.CheckpointTensor(packed, "Int4")}, tmp_path / "q.ckpt")
    # MindSpore 2.7.1 wrote exactly this message for Tensor(that int8 array, qint4x2).
    assert (tmp_path / "q.ckpt").read_bytes() == bytes.fromhex("0a170a01711212080208031204496e74341a0621ff07010203")
    out = mscrypt.load_checkpoint(tmp_path / "q.ckpt")["q"]
    assert out.dtype == np.int8 and out.shape == (2, 3)
    np.testing.assert_array_equal(out, packed)


def test_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="complex64"):
        mscrypt.save_checkpoint({"c": np.zeros(2, np.complex64)}, tmp_path / "c.ckpt")
    with pytest.raises(TypeError):
        mscrypt.save_checkpoint({"o": object()}, tmp_path / "c.ckpt")
    assert not (tmp_path / "c.ckpt").exists()


def test_big_endian_and_non_contiguous_inputs(tmp_path):
    be = np.arange(6, dtype=">i4").reshape(2, 3)
    nc = np.arange(12, dtype=np.float32).reshape(3, 4).T
    mscrypt.save_checkpoint({"be": be, "nc": nc}, tmp_path / "x.ckpt")
    out = mscrypt.load_checkpoint(tmp_path / "x.ckpt")
    assert out["be"].dtype == np.dtype("<i4")
    np.testing.assert_array_equal(out["be"], be)
    np.testing.assert_array_equal(out["nc"], nc)


def test_empty_tensors_are_dropped_with_a_warning_like_mindspore(tmp_path):
    arrays = {"a": np.ones(3, np.float32), "e0": np.zeros((0,), np.float32), "e2x0": np.zeros((2, 0), np.int64),
              "e0x3": np.zeros((0, 3), np.int8), "s": ""}
    for key in (None, KEY):
        with pytest.warns(UserWarning, match=r"3 empty tensor\(s\) not written.*'e0', 'e2x0', 'e0x3'"):
            mscrypt.save_checkpoint(arrays, tmp_path / "e.ckpt", enc_key=key)
        out = mscrypt.load_checkpoint(tmp_path / "e.ckpt", dec_key=key)
        assert list(out) == ["a", "s"] and out["s"] == ""


def test_empty_tensors_in_a_file_load_with_their_shape(tmp_path):
    # Written by an independent writer (hand-built protobuf), as MindSpore's async_save writes them.
    msg = b""
    for tag, ttype, dims in (("e0", b"Float32", [0]), ("e2x0", b"Int64", [2, 0])):
        tensor = b"".join(b"\x08" + bytes([d]) for d in dims) + b"\x12" + bytes([len(ttype)]) + ttype + b"\x1a\x00"
        value = b"\x0a" + bytes([len(tag)]) + tag.encode() + b"\x12" + bytes([len(tensor)]) + tensor
        msg += b"\x0a" + bytes([len(value)]) + value
    (tmp_path / "e.ckpt").write_bytes(msg)
    out = mscrypt.load_checkpoint(tmp_path / "e.ckpt")
    assert out["e0"].shape == (0,) and out["e0"].dtype == np.float32
    assert out["e2x0"].shape == (2, 0) and out["e2x0"].dtype == np.int64


def test_scalars_and_python_values(tmp_path):
    values = {"i": 7, "f": 0.125, "b": True, "np64": np.float64(2.5), "np_i32": np.int32(3), "zero_d": np.array(9, np.uint16),
              "lst_f": [1.0, 2.0], "lst_i": [[1, 2], [3, 4]]}
    mscrypt.save_checkpoint(values, tmp_path / "s.ckpt")
    out = mscrypt.load_checkpoint(tmp_path / "s.ckpt")
    # MindSpore Tensor(): int -> Int64, float -> Float32, bool -> Bool; numpy keeps its dtype.
    assert out["i"].dtype == np.int64 and out["i"].shape == () and out["i"] == 7
    assert out["f"].dtype == np.float32 and out["f"] == 0.125
    assert out["b"].dtype == np.bool_ and out["b"]
    assert out["np64"].dtype == np.float64 and out["np64"] == 2.5
    assert out["np_i32"].dtype == np.int32 and out["zero_d"].dtype == np.uint16 and out["zero_d"] == 9
    assert out["lst_f"].dtype == np.float32 and out["lst_f"].tolist() == [1.0, 2.0]
    assert out["lst_i"].dtype == np.int64 and out["lst_i"].shape == (2, 2)
    assert [e[2] for e in read_entries(tmp_path / "s.ckpt")][:3] == [[], [], []]  # 0-d: no dims field


class _FakeMsTensor:
    def __init__(self, arr):
        self._arr = arr

    def asnumpy(self):
        return self._arr


class _ArrayLike:
    def __array__(self, dtype=None, copy=None):
        return np.arange(3, dtype=np.int16)


def test_asnumpy_and_array_protocol(tmp_path):
    mscrypt.save_checkpoint({"t": _FakeMsTensor(np.ones((2, 2), np.float16)), "a": _ArrayLike()}, tmp_path / "p.ckpt")
    out = mscrypt.load_checkpoint(tmp_path / "p.ckpt")
    assert out["t"].dtype == np.float16 and out["t"].shape == (2, 2)
    np.testing.assert_array_equal(out["a"], [0, 1, 2])


@pytest.mark.parametrize("text", ["", "x", "héllo €𝄞", "a\x00b", "长" * 1000])
def test_strings(tmp_path, text):
    mscrypt.save_checkpoint({"w": np.zeros(1, np.float32)}, tmp_path / "s.ckpt", append_dict={"note": text})
    entries = read_entries(tmp_path / "s.ckpt")
    assert entries[1] == ("note", "str", [0])  # MindSpore writes dims [0] for strings
    assert mscrypt.load_checkpoint(tmp_path / "s.ckpt")["note"] == text
    assert mscrypt.load_checkpoint(tmp_path / "s.ckpt")["note"].__class__ is str


def test_string_bytes_match_mindspore(tmp_path):
    # Golden README: append_dict note 'héllo €𝄞' and an empty string (one NUL code unit).
    mscrypt.save_checkpoint({"s": ""}, tmp_path / "e.ckpt")
    assert (tmp_path / "e.ckpt").read_bytes() == bytes.fromhex("0a120a0173120d080012037374721a0400000000")


def test_list_form_and_append_dict(tmp_path):
    save_obj = [{"name": "a", "data": np.arange(3, dtype=np.int32)}, {"name": "b", "data": np.ones(2, np.float64)}]
    append = {"epoch_num": 7, "lr": 0.125, "flag": True, "note": "hi", "arr": np.arange(2, dtype=np.uint8)}
    mscrypt.save_checkpoint(save_obj, tmp_path / "l.ckpt", append_dict=append,
                            choice_func=lambda n: n != "b")  # choice_func does not filter append_dict
    out = mscrypt.load_checkpoint(tmp_path / "l.ckpt")
    assert list(out) == ["a", "epoch_num", "lr", "flag", "note", "arr"]
    assert read_entries(tmp_path / "l.ckpt")[1:4] == [("epoch_num", "Int64", []), ("lr", "Float32", []),
                                                      ("flag", "Bool", [])]
    with pytest.raises(TypeError):
        mscrypt.save_checkpoint([{"name": "a"}], tmp_path / "bad.ckpt")
    with pytest.raises(TypeError):
        mscrypt.save_checkpoint({1: np.zeros(1)}, tmp_path / "bad.ckpt")
    with pytest.raises(TypeError):
        mscrypt.save_checkpoint({}, tmp_path / "bad.ckpt", append_dict={2: 1})
    with pytest.raises(TypeError):
        mscrypt.save_checkpoint(np.zeros(2), tmp_path / "bad.ckpt")


def test_suffix_rule(tmp_path):
    mscrypt.save_checkpoint({"a": 1}, str(tmp_path / "x"))
    mscrypt.save_checkpoint({"a": 1}, str(tmp_path / "name.bin"))
    mscrypt.save_checkpoint({"a": 1}, str(tmp_path / "y.ckpt"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["name.bin.ckpt", "x.ckpt", "y.ckpt"]
    with pytest.raises(mscrypt.FileError) as ei:  # an OSError, as IsADirectoryError is
        mscrypt.save_checkpoint({"a": 1}, tmp_path)
    assert ei.value.errno == errno.EISDIR and isinstance(ei.value, OSError)


# ---- load filters ------------------------------------------------------------------------------


@pytest.fixture
def names_ckpt(tmp_path):
    names = ["conv.weight", "conv.bias", "fc.weight", "fc.bias", "moments.conv.weight"]
    mscrypt.save_checkpoint({n: np.zeros(1, np.float32) for n in names}, tmp_path / "n.ckpt")
    return tmp_path / "n.ckpt"


def test_filter_specify_choice(names_ckpt):
    load = lambda **kw: list(mscrypt.load_checkpoint(names_ckpt, **kw))  # noqa: E731
    assert load(filter_prefix="conv") == ["fc.weight", "fc.bias", "moments.conv.weight"]
    assert load(filter_prefix=["conv", "moments"]) == ["fc.weight", "fc.bias"]
    assert load(specify_prefix="fc") == ["fc.weight", "fc.bias"]
    assert load(specify_prefix=("fc", "conv")) == ["conv.weight", "conv.bias", "fc.weight", "fc.bias"]
    # both: specify keeps, then filter drops (filter wins)
    assert load(specify_prefix="fc", filter_prefix="fc.b") == ["fc.weight"]
    assert load(choice_func=lambda n: n.endswith("bias")) == ["conv.bias", "fc.bias"]
    # choice_func is ignored when a prefix argument is given (MindSpore)
    assert load(specify_prefix="fc", choice_func=lambda n: False) == ["fc.weight", "fc.bias"]
    with pytest.raises(ValueError, match="empty"):
        load(specify_prefix="nothing")
    with pytest.raises(ValueError):
        load(filter_prefix=[])
    with pytest.raises(ValueError):
        load(filter_prefix=["a", ""])
    with pytest.raises(TypeError):
        load(specify_prefix=3)
    with pytest.raises(TypeError):
        load(specify_prefix=["a", 3])


# ---- encryption --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", mode_params())
def test_multi_block_encrypted(tmp_path, mode):
    big = np.random.default_rng(1).integers(0, 255, size=70 * MiB, dtype=np.uint8)
    small = np.arange(10, dtype=np.float32)
    path = tmp_path / "big.ckpt"
    mscrypt.save_checkpoint({"small": small, "big": big, "tail": "end"}, path, enc_key=KEY, enc_mode=mode)
    info = mscrypt.inspect(path)
    assert info["mode"] == mode and len(info["blocks"]) == 2
    out = mscrypt.load_checkpoint(path, dec_key=bytearray(KEY), dec_mode=mode, threads=2)
    np.testing.assert_array_equal(out["small"], small)
    assert np.array_equal(out["big"], big)
    assert out["tail"] == "end"
    # Zero-copy: the tensors are views of one decrypted buffer, and writeable.
    assert same_base(out["big"]) is same_base(out["small"])
    assert out["big"].flags.writeable
    # The decrypted plaintext equals the plain file: encrypted ckpt = container(plain ckpt).
    mscrypt.save_checkpoint({"small": small, "big": big, "tail": "end"}, tmp_path / "plain.ckpt")
    assert mscrypt.decrypt(path.read_bytes(), KEY, mode) == (tmp_path / "plain.ckpt").read_bytes()


@pytest.mark.parametrize("mode", mode_params())
def test_wrong_key_wrong_mode_no_key(tmp_path, mode):
    path = tmp_path / "e.ckpt"
    mscrypt.save_checkpoint({"w": np.arange(100, dtype=np.float32)}, path, enc_key=KEY, enc_mode=mode)
    with pytest.raises(mscrypt.KeyRequiredError, match=r"encrypted .*pass the key \(dec_key\)") as e:
        mscrypt.load_checkpoint(path)
    assert isinstance(e.value, ValueError)
    assert isinstance(e.value, mscrypt.InvalidArgumentError)  # what earlier releases raised
    with pytest.raises(mscrypt.FormatError):
        mscrypt.load_checkpoint(path, dec_key=bytes(16 * [7]), dec_mode=mode)
    other = "AES-CBC" if mode != "AES-CBC" else "AES-GCM"
    with pytest.raises(mscrypt.WrongModeError):
        mscrypt.load_checkpoint(path, dec_key=KEY, dec_mode=other)
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.load_checkpoint(path, dec_key=KEY, dec_mode="aes-gcm")
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.load_checkpoint(path, dec_key=KEY[:15], dec_mode=mode)
    with pytest.raises(TypeError):
        mscrypt.load_checkpoint(path, dec_key="0123456789abcdef", dec_mode=mode)


def test_plain_file_with_key_and_missing_file(tmp_path):
    mscrypt.save_checkpoint({"w": 1}, tmp_path / "p.ckpt")
    with pytest.raises(mscrypt.NotEncryptedError):
        mscrypt.load_checkpoint(tmp_path / "p.ckpt", dec_key=KEY)
    with pytest.raises(mscrypt.FileError):
        mscrypt.load_checkpoint(tmp_path / "missing.ckpt")
    with pytest.raises(OSError):
        mscrypt.load_checkpoint(tmp_path / "missing.ckpt")


def test_save_argument_errors(tmp_path):
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.save_checkpoint({"w": 1}, tmp_path / "a.ckpt", enc_key=KEY[:15])
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.save_checkpoint({"w": 1}, tmp_path / "a.ckpt", enc_key=KEY, enc_mode="AES-XYZ")
    with pytest.raises(TypeError):
        mscrypt.save_checkpoint({"w": 1}, tmp_path / "a.ckpt", enc_key="k" * 16)
    with pytest.raises(ValueError):
        mscrypt.save_checkpoint({"w": 1}, tmp_path / "a.ckpt", threads=-1)
    assert list(tmp_path.iterdir()) == []


# ---- crc ----------------------------------------------------------------------------------------


def test_crc_write_verify_tamper(tmp_path):
    arrays = {"w": np.arange(1000, dtype=np.float32), "note": "crc"}
    path = tmp_path / "c.ckpt"
    mscrypt.save_checkpoint(arrays, path, crc_check=True)
    data = path.read_bytes()
    assert data[-17:-10] == b"crc_num"
    assert int.from_bytes(data[-10:], "big") == binascii.crc32(data[:-17])
    out = mscrypt.load_checkpoint(path, crc_check=True)
    np.testing.assert_array_equal(out["w"], arrays["w"])
    assert mscrypt.load_checkpoint(path)["note"] == "crc"  # trailer stripped without crc_check too

    tampered = bytearray(data)
    tampered[100] ^= 0x01  # inside the float data: still parses, only the CRC notices
    path.write_bytes(bytes(tampered))
    with pytest.raises(mscrypt.MalformedError, match="crc"):
        mscrypt.load_checkpoint(path, crc_check=True)
    assert not np.array_equal(mscrypt.load_checkpoint(path)["w"], arrays["w"])  # MindSpore does not check either

    mscrypt.save_checkpoint(arrays, tmp_path / "nocrc.ckpt")
    with pytest.warns(UserWarning, match="crc"):
        mscrypt.load_checkpoint(tmp_path / "nocrc.ckpt", crc_check=True)


def test_crc_with_enc_key_is_refused(tmp_path):
    with pytest.raises(mscrypt.InvalidArgumentError, match="crc_check"):
        mscrypt.save_checkpoint({"w": np.zeros(4)}, tmp_path / "x.ckpt", enc_key=KEY, crc_check=True)
    assert list(tmp_path.iterdir()) == []


# ---- independent writer -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", mode_params())
def test_independent_writer(tmp_path, mode):
    f32 = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    bf = np.array([1, -2.5, 3], dtype=ml_dtypes.bfloat16)
    big = np.arange(300, dtype=np.int16)
    plaintext = b"".join([
        message("w", [2, 3], "Float32", f32.tobytes()),
        message("bf", [3], "BFloat16", bf.tobytes(), packed=True),
        message("big", [300], "Int16", big.tobytes()[:256]),  # two slices, MindSpore-style
        message("big", [300], "Int16", big.tobytes()[256:]),
        message("legacy_u8", [2], "Uint8", b"\x01\xff"),       # MindSpore 1.3 spelling
        message("legacy_scalar", [0], "Float32", np.float32(4.5).tobytes()),  # 1.3 scalar
        message("note", [0], "str", np.array("ünï").tobytes()),
    ])
    path = tmp_path / "ind.ckpt"
    path.write_bytes(pyca_encrypt(plaintext, KEY, mode, block=100))  # many small blocks
    out = mscrypt.load_checkpoint(path, dec_key=KEY, dec_mode=mode)
    np.testing.assert_array_equal(out["w"], f32)
    assert out["bf"].dtype == ml_dtypes.bfloat16 and out["bf"].tobytes() == bf.tobytes()
    np.testing.assert_array_equal(out["big"], big)
    assert same_base(out["big"]) is same_base(out["w"])  # two slices joined in place: still a view
    assert out["legacy_u8"].dtype == np.uint8 and out["legacy_u8"].tolist() == [1, 255]
    assert out["legacy_scalar"].shape == () and out["legacy_scalar"] == 4.5
    assert out["note"] == "ünï"
    # The plain bytes load too, with the crc trailer MindSpore appends.
    crc = b"crc_num" + binascii.crc32(plaintext).to_bytes(10, "big")
    (tmp_path / "p.ckpt").write_bytes(plaintext + crc)
    assert list(mscrypt.load_checkpoint(tmp_path / "p.ckpt", crc_check=True)) == list(out)


def test_map_tensor_entries(tmp_path):
    def map_message(tag, rows, seed):
        keys = np.arange(rows, dtype=np.int32) + seed
        vals = np.full((rows, 2), seed, dtype=np.float32)
        status = np.zeros(rows, dtype=np.int32)
        tensors = b"".join(ld(1, b"".join(varint(8) + varint(d) for d in a.shape) + ld(2, str(a.dtype).encode()) +
                              ld(3, a.tobytes())) for a in (keys, vals, status))
        return ld(1, ld(1, tag.encode()) + ld(3, tensors)), (keys, vals, status)

    m1, p1 = map_message("emb", 3, 0)
    m2, p2 = map_message("emb", 2, 10)
    (tmp_path / "m.ckpt").write_bytes(m1 + m2 + message("w", [1], "Int8", b"\x05"))
    out = mscrypt.load_checkpoint(tmp_path / "m.ckpt")
    keys, vals, status = out["emb"]
    np.testing.assert_array_equal(keys, np.concatenate([p1[0], p2[0]]))
    np.testing.assert_array_equal(vals, np.concatenate([p1[1], p2[1]]))
    assert vals.shape == (5, 2) and status.shape == (5,)


@pytest.mark.parametrize("data, match", [
    (message("w", [2, 3], "Float32", b"\x00" * 23), "need 24"),
    (message("w", [2], "Float32", b"\x00" * 8) * 2, "duplicated"),
    (message("w", [1], "Complex64", b"\x00" * 8), "tensor_type"),
    (b"\x0a\xff\xff\xff\xff\x0f", "exceeds"),
    (b"\x0a\x05\x0a\x03abc", "tensor"),
])
def test_malformed_files(tmp_path, data, match):
    (tmp_path / "bad.ckpt").write_bytes(data)
    with pytest.raises(mscrypt.Error, match=match) as e:
        mscrypt.load_checkpoint(tmp_path / "bad.ckpt")
    assert isinstance(e.value, (mscrypt.MalformedError, mscrypt.UnsupportedError))


def test_slicing_with_small_slice_size(tmp_path, monkeypatch):
    monkeypatch.setattr(_checkpoint, "_SLICE_SIZE", 1000)
    arr = np.arange(2600, dtype=np.uint8).reshape(26, 100)
    small = np.arange(10, dtype=np.int8)
    for key in (None, KEY):
        mscrypt.save_checkpoint({"arr": arr, "small": small}, tmp_path / "s.ckpt", enc_key=key)
        out = mscrypt.load_checkpoint(tmp_path / "s.ckpt", dec_key=key)
        np.testing.assert_array_equal(out["arr"], arr)
        np.testing.assert_array_equal(out["small"], small)
        assert same_base(out["arr"]) is same_base(out["small"])  # joined in the one buffer
    mscrypt.save_checkpoint({"arr": arr}, tmp_path / "p.ckpt")
    assert read_entries(tmp_path / "p.ckpt") == [("arr", "UInt8", [26, 100])] * 3  # 1000+1000+600, full dims


# ---- MindSpore-written golden files ---------------------------------------------------------------


def golden_ckpts():
    manifest = GOLDEN / "manifest.json"
    if not manifest.exists():
        return []
    files = json.loads(manifest.read_text())["files"]
    return [(name, info) for name, info in sorted(files.items()) if info.get("kind") == "ckpt"]


@pytest.mark.skipif(not (GOLDEN / "manifest.json").exists(), reason="no golden files")
@pytest.mark.parametrize("name, info", golden_ckpts(), ids=[n for n, _ in golden_ckpts()])
def test_golden_mindspore_files(name, info):
    if info.get("mode") and not mscrypt.is_mode_available(info["mode"]):
        pytest.skip(f"{info['mode']} unavailable")
    key = bytes.fromhex(info["key_hex"]) if info.get("key_hex") else None
    out = mscrypt.load_checkpoint(GOLDEN / name, dec_key=key, dec_mode=info.get("mode") or "AES-GCM",
                                  crc_check=bool(info.get("crc_trailer")))
    assert list(out) == [e["tag"] for e in info["entries"]]
    for e in info["entries"]:
        value = out[e["tag"]]
        if e["tensor_type"] == "str":
            assert isinstance(value, str)
            assert np.array(value).tobytes() == bytes.fromhex(e["content_hex"])
            continue
        content = bytes.fromhex(e["content_hex"])
        dims = tuple(e["dims"])
        if dims == (0,) and not content:
            assert value.shape == (0,)
        else:
            assert value.shape == dims
        assert value.tobytes() == content
        assert _checkpoint._NUMPY_TO_TENSOR_TYPE[value.dtype.name] == e["tensor_type"]


@pytest.mark.skipif(not (GOLDEN / "ckpt_plain.ckpt").exists(), reason="no golden files")
def test_golden_values_and_rewrite():
    out = mscrypt.load_checkpoint(GOLDEN / "ckpt_plain.ckpt")
    assert out["note"] == "héllo €𝄞"
    assert out["w_bf16"].astype(np.float32).tolist() == [1.0, -2.5, 3.0]
    assert out["epoch_num"].dtype == np.int64 and out["epoch_num"] == 7
    assert out["scalar_f32"].shape == ()


@pytest.mark.skipif(not (GOLDEN / "ckpt_plain.ckpt").exists(), reason="no golden files")
def test_save_reproduces_mindspore_bytes(tmp_path):
    src = mscrypt.load_checkpoint(GOLDEN / "ckpt_plain.ckpt")
    # The same values through the public API give MindSpore's bytes exactly (plain and crc).
    mscrypt.save_checkpoint(src, tmp_path / "re.ckpt")
    assert (tmp_path / "re.ckpt").read_bytes() == (GOLDEN / "ckpt_plain.ckpt").read_bytes()
    mscrypt.save_checkpoint(src, tmp_path / "re_crc.ckpt", crc_check=True)
    assert (tmp_path / "re_crc.ckpt").read_bytes() == (GOLDEN / "ckpt_plain_crc.ckpt").read_bytes()


@pytest.mark.skipif(not (GOLDEN / "ckpt_aes_gcm_128_only_empty.ckpt").exists(), reason="no golden files")
def test_golden_empty_file_raises_like_mindspore():
    with pytest.raises(ValueError, match="empty"):
        mscrypt.load_checkpoint(GOLDEN / "ckpt_aes_gcm_128_only_empty.ckpt", dec_key=KEY)


@pytest.mark.skipif(not MS_PYTHON.exists(), reason="MindSpore venv not installed")
def test_mindspore_loads_mscrypt_files(tmp_path):
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "bf": np.array([1, 2], ml_dtypes.bfloat16),
              "i": np.array([1, -2], np.int64), "s": np.array(3.5, np.float64)}
    cases = [("plain.ckpt", None, "AES-GCM", False)]
    cases += [(f"{m}.ckpt", KEY, m, False) for m in MODES if mscrypt.is_mode_available(m)]
    cases += [("crc.ckpt", None, "AES-GCM", True)]
    for fname, key, mode, crc in cases:
        mscrypt.save_checkpoint(arrays, tmp_path / fname, enc_key=key, enc_mode=mode, crc_check=crc,
                                append_dict={"note": "héllo", "epoch": 3})
    script = """
import sys, json, numpy as np
import mindspore as ms
res = {}
for fname, key, mode, crc in json.loads(sys.argv[1]):
    d = ms.load_checkpoint(sys.argv[2] + "/" + fname, dec_key=bytes.fromhex(key) if key else None,
                           dec_mode=mode, crc_check=crc)
    res[fname] = {k: (v if isinstance(v, str) else [str(v.dtype), list(v.shape), v.asnumpy().astype(np.float64).reshape(-1).tolist()])
                  for k, v in d.items()}
print(json.dumps(res))
"""
    arg = json.dumps([(f, k.hex() if k else None, m, c) for f, k, m, c in cases])
    proc = subprocess.run([str(MS_PYTHON), "-c", script, arg, str(tmp_path)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "GLOG_v": "3"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    for fname, *_ in cases:
        got = res[fname]
        assert got["w"] == ["Float32", [2, 3], [0, 1, 2, 3, 4, 5]]
        assert got["bf"][:2] == ["BFloat16", [2]] and got["bf"][2] == [1, 2]
        assert got["i"] == ["Int64", [2], [1, -2]]
        assert got["s"] == ["Float64", [], [3.5]]
        assert got["epoch"] == ["Int64", [], [3]]
        assert got["note"] == "héllo"


# ---- threads and the GIL --------------------------------------------------------------------------


def test_concurrent_loads(tmp_path):
    files = []
    for i, mode in enumerate(["AES-GCM", "AES-CBC", "AES-GCM", None]):
        arrays = {f"t{j}": np.random.default_rng(i * 10 + j).standard_normal(1000 + j).astype(np.float32)
                  for j in range(5)}
        arrays["big"] = np.full(3 * MiB, i, dtype=np.uint8)
        path = tmp_path / f"c{i}.ckpt"
        mscrypt.save_checkpoint(arrays, path, enc_key=KEY if mode else None, enc_mode=mode or "AES-GCM")
        files.append((path, mode, arrays))
    errors = []

    def worker(k):
        try:
            for rep in range(6):
                path, mode, arrays = files[(k + rep) % len(files)]
                out = mscrypt.load_checkpoint(path, dec_key=KEY if mode else None, dec_mode=mode or "AES-GCM",
                                              threads=2)
                for name, arr in arrays.items():
                    assert np.array_equal(out[name], arr), name
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_gil_released_during_load(tmp_path):
    path = tmp_path / "gil.ckpt"
    mscrypt.save_checkpoint({"w": np.ones(160 * MiB, dtype=np.uint8)}, path, enc_key=KEY, enc_mode="AES-CBC")
    ticks = []
    stop = threading.Event()

    def counter():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=counter)
    t.start()
    try:
        time.sleep(0.02)
        start = time.perf_counter()
        out = mscrypt.load_checkpoint(path, dec_key=KEY, dec_mode="AES-CBC", threads=1)
        end = time.perf_counter()
    finally:
        stop.set()
        t.join()
    assert out["w"].size == 160 * MiB
    during = [x for x in ticks if start <= x <= end]
    duration = end - start
    # If the GIL were held while decrypting, the counter thread would stall for the whole load.
    assert len(during) >= 5, (len(during), duration)
    gaps = np.diff([start] + during + [end])
    assert gaps.max() < max(0.5 * duration, 0.05), (gaps.max(), duration)


# ---- large ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_tensor_larger_than_slice_size(tmp_path):
    n = 512 * MiB + 3 * MiB + 5
    arr = np.empty(n, dtype=np.uint8)
    arr[::4096] = 7
    arr[-1] = 9
    path = tmp_path / "huge.ckpt"
    mscrypt.save_checkpoint({"huge": arr, "after": np.arange(3, dtype=np.int32)}, path, enc_key=KEY)
    out = mscrypt.load_checkpoint(path, dec_key=KEY)
    assert out["huge"].shape == (n,)
    assert np.array_equal(out["huge"], arr)
    np.testing.assert_array_equal(out["after"], [0, 1, 2])
    del out
    plain = mscrypt.decrypt(path.read_bytes(), KEY)
    # Two messages for "huge" (512 MiB + the rest), both with the full dims.
    assert plain.count(b"\x0a\x04huge") == 2


def test_plaintext_behind_the_arrays_is_wiped_when_released(tmp_path):
    """The loaded arrays view one decrypted buffer; dropping the last of them wipes all of it."""
    import gc
    from mscrypt import _mscrypt

    path = tmp_path / "w.ckpt"
    mscrypt.save_checkpoint({"w": np.full(4096, 3.0, np.float32)}, path, enc_key=KEY)
    params = mscrypt.load_checkpoint(path, dec_key=KEY)
    w = params["w"]
    del params
    gc.collect()
    before = _mscrypt._wiped_bytes_for_testing()
    assert float(w.sum()) == 3.0 * 4096  # still alive: nothing wiped under a live view
    del w
    gc.collect()
    assert _mscrypt._wiped_bytes_for_testing() - before >= 4096 * 4
