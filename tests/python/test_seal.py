"""Seals (docs/format.md §11) from Python: the sidecar reproduced byte for byte by an independent
implementation (pyca/cryptography HKDF + HMAC + SHA-256, from the spec and the container layout of
docs/format.md §2.2), every attack as SealError naming the first block, checkpoints and MindIR
models with their weight files, and the argument errors."""

import hashlib
import os
import pathlib
import struct

import numpy as np
import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import mscrypt

KEY = bytes(range(16))
MODES = ["AES-GCM", "AES-CBC"] + (["SM4-CBC"] if mscrypt.is_mode_available("SM4-CBC") else [])
MODE_CODES = {"AES-GCM": 1, "AES-CBC": 2, "SM4-CBC": 3}
ROLES = {"other": 0, "checkpoint": 1, "mindir": 2, "weights": 3}


def _blocks(data: bytes, mode: str):
    """(block length, IV, digest) per block, parsed from docs/format.md §2.2."""
    out, off = [], 0
    while off < len(data):
        if mode == "AES-GCM":
            tag = data[off + 4:off + 20]
            iv = data[off + 28:off + 44]
            clen, = struct.unpack_from("<I", data, off + 44)
            total = 48 + clen
            digest = tag + bytes(16)
        else:
            iv = data[off + 12:off + 28]
            clen, = struct.unpack_from("<I", data, off + 28)
            total = 32 + clen
            digest = hashlib.sha256(data[off + 32:off + total]).digest()
        out.append((total, iv, digest))
        off += total
    return out


def expected_seal(key, mode, members):
    """members: [(name, role, plaintext size, file bytes)] -> the seal docs/format.md §11.1 defines."""
    body = b"MSSEAL" + bytes([1, MODE_CODES[mode]]) + struct.pack(">H", len(members)) + b"\0\0"
    for name, role, size, data in members:
        raw = name.encode()
        blocks = _blocks(data, mode)
        body += bytes([ROLES[role], 0]) + struct.pack(">H", len(raw)) + raw + struct.pack(">QI", size, len(blocks))
        for total, iv, digest in blocks:
            body += struct.pack(">I", total) + iv + digest
    k = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"mscrypt seal v1").derive(key)
    h = hmac.HMAC(k, hashes.SHA256())
    h.update(body)
    return body + h.finalize()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [0, 1, 5000])
def test_seal_bytes_match_an_independent_implementation(tmp_path, mode, size):
    src = tmp_path / "plain.bin"
    src.write_bytes(os.urandom(size))
    enc = tmp_path / "model.enc"
    mscrypt.encrypt_file(src, enc, KEY, mode, seal=True)
    got = (tmp_path / "model.enc.msseal").read_bytes()
    assert got == expected_seal(KEY, mode, [("model.enc", "other", size, enc.read_bytes())])
    report = mscrypt.check_seal(enc, KEY, mode)  # the mode, since an empty GCM file names none
    assert report == {"sealed": True, "role": "other", "files": 1, "blocks": len(_blocks(enc.read_bytes(), mode)),
                      "plaintext_size": size, "weight_files": []}
    if size == 0 and mode == "AES-GCM":
        # An empty file decrypts under any key; its seal does not open under another one.
        with pytest.raises(mscrypt.SealError, match="another key"):
            mscrypt.verify_file(enc, bytes(16), mode)


def _multi(tmp_path, name, mode, n, seed):
    parts = [mscrypt.encrypt(bytes([seed + i]) * (300 + i), KEY, mode) for i in range(n)]
    (tmp_path / name).write_bytes(b"".join(parts))
    return tmp_path / name, parts


@pytest.mark.parametrize("mode", MODES)
def test_every_attack_is_a_seal_error_naming_the_first_block(tmp_path, mode):
    path, b = _multi(tmp_path, "f.enc", mode, 4, 0)
    _, other = _multi(tmp_path, "other.enc", mode, 2, 60)
    mscrypt.seal_file(path, KEY)
    assert (tmp_path / "f.enc.msseal").read_bytes() == expected_seal(
        KEY, mode, [("f.enc", "other", sum(300 + i for i in range(4)), path.read_bytes())])
    cases = [
        ([b[0], b[1], b[2]], "truncated at a block boundary", 3),
        ([b[0], b[2], b[3]], "is missing", 1),
        ([b[0], b[1], b[2], b[3], other[0]], "extra block", 4),
        ([b[0], b[2], b[1], b[3]], "out of order", 1),
        ([b[0], b[1], b[1], b[2], b[3]], "duplicates block 1", 2),
        ([b[0], b[1], other[1], b[3]], "spliced", 2),
        (other, "belongs to another file", None),
    ]
    for blocks, words, index in cases:
        path.write_bytes(b"".join(blocks))
        for call in (lambda: mscrypt.verify_file(path, KEY), lambda: mscrypt.decrypt_file_to_memory(path, KEY),
                     lambda: mscrypt.decrypt_file(path, tmp_path / "out", KEY)):
            with pytest.raises(mscrypt.SealError, match=words) as e:
                call()
            assert e.value.block_index == index and e.value.code == 15
            assert isinstance(e.value, ValueError)
        assert not (tmp_path / "out").exists()
        mscrypt.verify_file(path, KEY, seal=False)  # without the seal it passes, as in MindSpore
    path.write_bytes(b"".join(b))
    seal = bytearray((tmp_path / "f.enc.msseal").read_bytes())
    seal[40] ^= 1
    (tmp_path / "f.enc.msseal").write_bytes(seal)
    with pytest.raises(mscrypt.SealError, match="altered, or it was made with another key"):
        mscrypt.verify_file(path, KEY)
    os.remove(tmp_path / "f.enc.msseal")
    with pytest.raises(mscrypt.SealError, match="required"):
        mscrypt.verify_file(path, KEY, seal=True)
    mscrypt.verify_file(path, KEY)


def test_checkpoints_seal_and_check(tmp_path):
    ckpt = tmp_path / "net.ckpt"
    data = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(4, np.int64)}
    mscrypt.save_checkpoint(data, ckpt, enc_key=KEY, enc_mode="AES-CBC", seal=True)
    assert mscrypt.check_seal(ckpt, KEY)["role"] == "checkpoint"
    np.testing.assert_array_equal(mscrypt.load_checkpoint(ckpt, dec_key=KEY, dec_mode="AES-CBC", seal=True)["w"], data["w"])
    # A MindIR-role seal on a checkpoint is refused by the checkpoint reader.
    mscrypt.seal_file(ckpt, KEY, role="mindir")
    with pytest.raises(mscrypt.SealError, match="not a checkpoint"):
        mscrypt.load_checkpoint(ckpt, dec_key=KEY, dec_mode="AES-CBC")
    mscrypt.load_checkpoint(ckpt, dec_key=KEY, dec_mode="AES-CBC", seal=False)
    with pytest.raises(mscrypt.InvalidArgumentError, match="key"):
        mscrypt.save_checkpoint(data, tmp_path / "plain.ckpt", seal=True)
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.load_checkpoint(ckpt, dec_key=KEY, dec_mode="AES-CBC", seal="yes")


def test_mindir_with_external_weights_is_sealed_as_a_set(tmp_path):
    path = os.path.join(os.path.dirname(__file__), "..", "golden", "mindspore", "ext_plain", "net_graph.mindir")
    model = mscrypt.load_mindir(path)
    out = mscrypt.export_mindir(model, str(tmp_path / "net"), enc_key=KEY, external=True, seal=True)
    report = mscrypt.check_seal(out, KEY, role="mindir")
    assert report["files"] == 2 and report["weight_files"] == ["net_variables/data_0"]
    weights = tmp_path / "net_variables" / "data_0"
    graph_bytes = pathlib.Path(out).read_bytes()
    members = [(os.path.basename(out), "mindir", None, graph_bytes),
               ("net_variables/data_0", "weights", None, weights.read_bytes())]
    sizes = [len(mscrypt.decrypt_file_to_memory(out, KEY, seal=False)),
             len(mscrypt.decrypt_file_to_memory(weights, KEY))]
    members = [(n, r, s, d) for (n, r, _, d), s in zip(members, sizes)]
    assert pathlib.Path(out + ".msseal").read_bytes() == expected_seal(KEY, "AES-GCM", members)
    mscrypt.load_mindir(out, dec_key=KEY, seal=True)
    data = weights.read_bytes()
    weights.write_bytes(data + data)
    with pytest.raises(mscrypt.SealError, match="data_0"):
        mscrypt.load_mindir(out, dec_key=KEY)
    with pytest.raises(mscrypt.InvalidArgumentError, match="custom"):
        mscrypt.export_mindir(model, str(tmp_path / "c"), enc_key=KEY, enc_mode=lambda d, k: d, seal=True)


def test_argument_errors(tmp_path):
    enc = tmp_path / "e"
    src = tmp_path / "p"
    src.write_bytes(b"x" * 100)
    mscrypt.encrypt_file(src, enc, KEY)
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.verify_file(enc, KEY, seal=1)
    with pytest.raises(mscrypt.InvalidArgumentError, match="role"):
        mscrypt.seal_file(enc, KEY, role="model")
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.seal_file(enc, KEY, weight_files="net_variables/data_0")
    with pytest.raises(mscrypt.InvalidArgumentError, match="relative"):
        mscrypt.seal_file(enc, KEY, weight_files=["../x"])
    with pytest.raises(mscrypt.InvalidArgumentError, match="raw"):
        mscrypt.encrypt_file(src, tmp_path / "r", KEY, format="raw", iv=bytes(16), seal=True)
    with pytest.raises(mscrypt.NotEncryptedError):
        mscrypt.seal_file(src, KEY)
    with pytest.raises(mscrypt.AuthenticationError):
        mscrypt.seal_file(enc, bytes(16))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e", "p"]


@pytest.mark.parametrize("mode", ["AES-GCM", "AES-CBC"])
def test_files_over_64mib_swapped_or_cut_at_the_boundary(tmp_path, mode):
    src = tmp_path / "big.bin"
    with open(src, "wb") as f:
        f.write(os.urandom(1 << 20))
        f.truncate((64 << 20) + 5)
    enc = tmp_path / "big.enc"
    mscrypt.encrypt_file(src, enc, KEY, mode, seal=True)
    blocks = mscrypt.inspect(enc)["blocks"]
    assert len(blocks) == 2
    data = enc.read_bytes()
    first, second = data[:blocks[1]["offset"]], data[blocks[1]["offset"]:]
    enc.write_bytes(second + first)
    with pytest.raises(mscrypt.SealError, match="out of order") as e:
        mscrypt.decrypt_file_to_memory(enc, KEY)
    assert e.value.block_index == 0
    enc.write_bytes(first)
    with pytest.raises(mscrypt.SealError, match="ends after 1 of the 2 blocks") as e:
        mscrypt.decrypt_file_to_memory(enc, KEY)
    assert e.value.block_index == 1 and e.value.byte_offset == len(first)
    assert len(mscrypt.decrypt_file_to_memory(enc, KEY, seal=False)) == 64 << 20  # what MindSpore accepts
