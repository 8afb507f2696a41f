"""Decrypting into memory (Plaintext, decrypt_to_memory, decrypt_file_to_memory) and mode=None
detection of the generic calls."""

import gc

import numpy as np
import pytest

import mscrypt

KEY = bytes(range(32))


@pytest.mark.parametrize("mode", ["AES-GCM", "AES-CBC"])
def test_file_to_memory_gives_a_writable_zero_copy_buffer(tmp_path, mode):
    data = np.random.default_rng(1).integers(0, 256, 3 << 20, dtype=np.uint8).tobytes()
    path = tmp_path / "m.enc"
    path.write_bytes(mscrypt.encrypt(data, KEY, mode))
    p = mscrypt.decrypt_file_to_memory(path, KEY)  # mode detected from the magic
    assert isinstance(p, mscrypt.Plaintext) and len(p) == len(data)
    view = memoryview(p)
    assert view.format == "B" and view.contiguous and not view.readonly
    assert bytes(view) == data
    arr = np.frombuffer(p, dtype=np.uint8)
    assert arr.flags.writeable and np.shares_memory(arr, np.frombuffer(view, dtype=np.uint8))
    assert repr(p) == f"<mscrypt.Plaintext of {len(data)} bytes>"  # never the bytes


def test_bytes_to_memory_and_progress():
    data = b"x" * 100_000
    seen = []
    p = mscrypt.decrypt_to_memory(mscrypt.encrypt(data, KEY), KEY, progress=lambda d, t: seen.append((d, t)))
    assert bytes(p) == data
    assert seen and seen[-1][0] == seen[-1][1]


def test_progress_exceptions_reach_the_caller():
    class Stop(Exception):
        pass

    def boom(done, total):
        raise Stop()
    with pytest.raises(Stop):
        mscrypt.decrypt_to_memory(mscrypt.encrypt(b"y" * 1000, KEY), KEY, progress=boom)
    with pytest.raises(mscrypt.ArgumentTypeError, match="progress"):
        mscrypt.decrypt_to_memory(mscrypt.encrypt(b"y", KEY), KEY, progress=42)


def test_wipe_and_context_manager_zero_every_view():
    ct = mscrypt.encrypt(b"secret model bytes", KEY)
    with mscrypt.decrypt_to_memory(ct, KEY) as p:
        arr = np.frombuffer(p, dtype=np.uint8)
        assert arr.tobytes() == b"secret model bytes"
    assert not arr.any(), "leaving the with-block wipes the plaintext under every view"
    p = mscrypt.decrypt_to_memory(ct, KEY)
    view = memoryview(p)
    p.wipe()
    assert bytes(view) == bytes(len(view))


def test_views_keep_the_memory_alive():
    from mscrypt import _mscrypt
    data = b"z" * 5000
    arr = np.frombuffer(mscrypt.decrypt_to_memory(mscrypt.encrypt(data, KEY), KEY), dtype=np.uint8)
    gc.collect()
    before = _mscrypt._wiped_bytes_for_testing()
    assert arr.tobytes() == data  # the Plaintext lives on through the array
    del arr
    gc.collect()
    assert _mscrypt._wiped_bytes_for_testing() - before >= len(data)


def test_mode_none_detects_and_a_named_mode_is_checked(tmp_path):
    for mode in ("AES-GCM", "AES-CBC"):
        ct = mscrypt.encrypt(b"abc", KEY, mode)
        assert mscrypt.decrypt(ct, KEY) == b"abc"
        path = tmp_path / f"{mode}.enc"
        path.write_bytes(ct)
        mscrypt.verify_file(path, KEY)
        mscrypt.decrypt_file(path, tmp_path / "out", KEY)
        other = "AES-CBC" if mode == "AES-GCM" else "AES-GCM"
        with pytest.raises(mscrypt.WrongModeError):
            mscrypt.decrypt(ct, KEY, other)
        with pytest.raises(mscrypt.WrongModeError):
            mscrypt.decrypt_file_to_memory(path, KEY, other)
    assert mscrypt.inspect(mscrypt.encrypt(b"abc", KEY))["mode"] == "AES-GCM"  # None encrypts AES-GCM
    with pytest.raises(mscrypt.NotEncryptedError):
        mscrypt.decrypt(b"plain bytes", KEY)
    with pytest.raises(mscrypt.InvalidArgumentError, match="legacy"):
        mscrypt.decrypt(mscrypt.encrypt(b"abc", KEY), KEY, legacy=True)
    # MindSpore-named functions keep MindSpore's default (AES-GCM): a CBC file needs dec_mode.
    mscrypt.save_checkpoint({"w": np.ones(2, np.float32)}, tmp_path / "c.ckpt", enc_key=KEY[:16], enc_mode="AES-CBC")
    with pytest.raises(mscrypt.WrongModeError):
        mscrypt.load_checkpoint(tmp_path / "c.ckpt", dec_key=KEY[:16])


def test_errors_of_the_memory_calls(tmp_path):
    with pytest.raises(mscrypt.AuthenticationError):
        mscrypt.decrypt_to_memory(mscrypt.encrypt(b"abc", KEY), bytes(32))
    with pytest.raises(mscrypt.FileError):
        mscrypt.decrypt_file_to_memory(tmp_path / "missing", KEY)
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.decrypt_file_to_memory(tmp_path / "missing", "not bytes")


def test_generate_key():
    keys = {bytes(mscrypt.generate_key()) for _ in range(50)}
    assert len(keys) == 50 and all(len(k) == 32 for k in keys)
    k = mscrypt.generate_key(16)
    assert isinstance(k, bytearray) and len(k) == 16
    assert mscrypt.decrypt(mscrypt.encrypt(b"abc", k, "SM4-CBC") if mscrypt.is_mode_available("SM4-CBC")
                           else mscrypt.encrypt(b"abc", k), k) == b"abc"
    k[:] = bytes(16)  # the caller can wipe it
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.generate_key(20)
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.generate_key("32")


def test_decrypt_file_into_and_its_bad_arguments(tmp_path):
    data = b"m" * 5000
    path = tmp_path / "f.enc"
    path.write_bytes(mscrypt.encrypt(data, KEY, "AES-CBC"))
    assert mscrypt.decrypted_size(path, KEY) == len(data)
    out = bytearray(len(data))
    assert mscrypt.decrypt_file_into(path, KEY, out) == len(data) and bytes(out) == data
    with pytest.raises(mscrypt.ArgumentTypeError, match="writable"):
        mscrypt.decrypt_file_into(path, KEY, b"\0" * len(data))  # read-only
    with pytest.raises(mscrypt.ArgumentTypeError, match="out"):
        mscrypt.decrypt_file_into(path, KEY, "not a buffer")
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.decrypt_file_into(path, KEY, np.zeros((100, 100), np.uint8)[:, ::2])  # not contiguous
    small = bytearray(10)
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.decrypt_file_into(path, KEY, small)
    assert small == bytearray(10)
