"""Container functions of the Python package, cross-checked against pyca/cryptography."""

import os
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import padding

import mscrypt

MODES = ["AES-GCM", "AES-CBC", "SM4-CBC"]
KEYS = {"AES-GCM": [16, 24, 32], "AES-CBC": [16, 24, 32], "SM4-CBC": [16]}


def pyca_decrypt(blob: bytes, key: bytes, mode: str) -> bytes:
    """Independent decoder written from docs/format.md §2.2-2.3."""
    out, off = [], 0
    while off < len(blob):
        magic = struct.unpack_from("<I", blob, off)[0]
        if mode == "AES-GCM":
            assert magic == 0x7F3A5ED8
            tag = blob[off + 4:off + 20]
            block_len, iv_len = struct.unpack_from("<ii", blob, off + 20)
            iv = blob[off + 28:off + 44]
            (clen,) = struct.unpack_from("<i", blob, off + 44)
            ct = blob[off + 48:off + 48 + clen]
            out.append(AESGCM(key).decrypt(iv[:12], ct + tag, None))
            off += 48 + clen
        else:
            assert magic == (0x7F3A5ED9 if mode == "AES-CBC" else 0x7F3A5EDA)
            block_len, iv_len = struct.unpack_from("<ii", blob, off + 4)
            iv = blob[off + 12:off + 28]
            (clen,) = struct.unpack_from("<i", blob, off + 28)
            assert block_len == 8 + iv_len + clen
            ct = blob[off + 32:off + 32 + clen]
            algo = algorithms.AES(key) if mode == "AES-CBC" else algorithms.SM4(key)
            d = Cipher(algo, modes.CBC(iv)).decryptor()
            padded = d.update(ct) + d.finalize()
            u = padding.PKCS7(128).unpadder()
            out.append(u.update(padded) + u.finalize())
            off += 32 + clen
    return b"".join(out)


@pytest.mark.parametrize("mode", MODES)
def test_encrypt_is_readable_by_pyca(mode):
    for klen in KEYS[mode]:
        key = os.urandom(klen)
        for size in (0, 1, 15, 16, 17, 1000, 65536):
            data = os.urandom(size)
            blob = mscrypt.encrypt(data, key, mode)
            assert pyca_decrypt(blob, key, mode) == data
            assert mscrypt.decrypt(blob, key, mode) == data


def test_key_types_and_threads():
    key = bytearray(os.urandom(32))
    data = os.urandom(100_000)
    blob = mscrypt.encrypt(memoryview(data), memoryview(key), "AES-GCM", threads=2)
    assert mscrypt.decrypt(blob, bytes(key), threads=1) == data
    with pytest.raises(TypeError):
        mscrypt.encrypt(data, "not-bytes")
    with pytest.raises(ValueError):
        mscrypt.encrypt(data, bytes(key), threads=-1)


def test_errors_are_typed_and_keyless():
    key = bytes(range(16))
    blob = mscrypt.encrypt(b"x" * 1000, key, "AES-CBC")
    with pytest.raises(mscrypt.WrongModeError) as e:
        mscrypt.decrypt(blob, key, "AES-GCM")
    assert "AES-CBC" in str(e.value)
    with pytest.raises(mscrypt.NotEncryptedError):
        mscrypt.decrypt(b"plain text file contents", key)
    gcm = bytearray(mscrypt.encrypt(b"y" * 1000, key))
    gcm[100] ^= 1
    with pytest.raises(mscrypt.AuthenticationError) as e:
        mscrypt.decrypt(bytes(gcm), key)
    assert isinstance(e.value, ValueError) and e.value.block_index == 0
    assert key.hex() not in str(e.value)
    with pytest.raises(mscrypt.TruncatedError):
        mscrypt.decrypt(bytes(gcm[:-1]), key)
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.decrypt(blob, key, "aes-cbc")
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.encrypt(b"x", b"short")


def test_files_are_atomic(tmp_path):
    key = os.urandom(16)
    src = tmp_path / "model.bin"
    src.write_bytes(os.urandom(300_000))
    enc = tmp_path / "model.enc"
    mscrypt.encrypt_file(src, enc, key)
    assert mscrypt.is_cipher_file(enc) and not mscrypt.is_cipher_file(src)
    info = mscrypt.inspect(enc)
    assert info["mode"] == "AES-GCM" and info["plaintext_size"] == 300_000 and len(info["blocks"]) == 1
    out = tmp_path / "out.bin"
    out.write_bytes(b"keep me")
    with pytest.raises(mscrypt.AuthenticationError):
        mscrypt.decrypt_file(enc, out, os.urandom(16))
    assert out.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin", "model.enc", "out.bin"]
    mscrypt.verify_file(enc, key)
    mscrypt.decrypt_file(enc, out, key)
    assert out.read_bytes() == src.read_bytes()
    with pytest.raises(mscrypt.FileError) as e:
        mscrypt.decrypt_file(tmp_path / "missing", out, key)
    assert isinstance(e.value, OSError)


def test_key_of_wrong_type_is_both_type_and_value_error():
    # MindSpore raises ValueError for a non-bytes key; Python convention says TypeError. Both hold.
    for bad in ("0123456789abcdef", 12345, None, [1, 2, 3]):
        with pytest.raises(mscrypt.ArgumentTypeError) as e:
            mscrypt.encrypt(b"data", bad)
        assert isinstance(e.value, TypeError) and isinstance(e.value, ValueError)
        assert isinstance(e.value, mscrypt.Error)
    with pytest.raises(ValueError):
        mscrypt.save_checkpoint({"a": [1.0]}, "/nonexistent-dir/x.ckpt", enc_key="not bytes")
    with pytest.raises(TypeError):
        mscrypt.load_checkpoint("/nonexistent-dir/x.ckpt", dec_key=3)
