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


# ---- decrypt() returns mscrypt.PlaintextBytes: bytes that are wiped when freed ---------------

@pytest.mark.parametrize("size", [1, 4096, 3 << 20])
def test_decrypt_returns_bytes_that_behave_as_bytes(size):
    import copy
    import pickle
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    for out in (mscrypt.decrypt(mscrypt.encrypt(data, KEY), KEY),
                mscrypt.decrypt(mscrypt.encrypt(data, KEY, format="raw", iv=bytes(16)), KEY, format="raw", iv=bytes(16))):
        assert type(out) is mscrypt.PlaintextBytes and isinstance(out, bytes)
        assert out == data and hash(out) == hash(data) and {data: 1}[out] == 1
        assert type(out[:3]) is bytes and out[:3] == data[:3] and out.startswith(data[:1])
        for plain in (bytes(out), copy.copy(out), copy.deepcopy(out), pickle.loads(pickle.dumps(out))):
            assert type(plain) is bytes and plain == data
        arr = np.frombuffer(out, dtype=np.uint8)
        assert not arr.flags.writeable and arr.tobytes() == data


def test_plaintext_bytes_cannot_be_made_from_python():
    with pytest.raises(TypeError):
        mscrypt.PlaintextBytes(b"x")
    with pytest.raises(TypeError):
        bytes.__new__(mscrypt.PlaintextBytes, b"x")


def test_large_plaintext_bytes_are_wiped_when_freed_and_their_pages_reused():
    import ctypes
    import sys
    size = 3 << 20
    data = b"\xa5" * size
    ct = mscrypt.encrypt(data, KEY)
    mscrypt.release_cached_memory()
    out = mscrypt.decrypt(ct, KEY)
    address = id(out)
    start = address + sys.getsizeof(b"") - 1  # the bytes object's header, then its bytes
    assert ctypes.string_at(start, 16) == data[:16]
    del out
    gc.collect()
    # The mapping is kept (still mapped, so it may be read here) and holds no plaintext.
    assert ctypes.string_at(start, size) == bytes(size), "freed plaintext was not wiped"
    again = mscrypt.decrypt(ct, KEY)
    assert id(again) == address and again == data, "the kept pages were not reused"
    del again
    assert mscrypt.release_cached_memory() >= size
    assert mscrypt.release_cached_memory() == 0


def test_the_type_reference_count_does_not_grow():
    import sys
    ct = mscrypt.encrypt(b"abc", KEY)
    mscrypt.decrypt(ct, KEY)
    before = sys.getrefcount(mscrypt.PlaintextBytes)
    for _ in range(1000):  # each object takes a reference to its type and gives it back
        mscrypt.decrypt(ct, KEY)
    assert sys.getrefcount(mscrypt.PlaintextBytes) - before < 2


def test_the_buffer_cache_limit_comes_from_the_environment(tmp_path):
    import subprocess
    import sys
    script = ("import mscrypt; k = bytes(32); c = mscrypt.encrypt(bytes(3 << 20), k)\n"
              "del_ = mscrypt.decrypt_to_memory(c, k); del del_\n"
              "print(mscrypt.release_cached_memory())")
    # Anything but a decimal number of MiB leaves the default (1024 MiB).
    for limit, kept in (("0", False), ("64", True), ("lots", True), ("-1", True), ("", True)):
        env = dict(__import__("os").environ, MSCRYPT_BUFFER_CACHE_MIB=limit)
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        assert (int(out.stdout) >= 3 << 20) == kept, (limit, out.stdout)


def test_a_file_truncated_while_decrypted_to_memory_is_an_error(tmp_path):
    path = tmp_path / "shrinking.enc"
    # Four blocks, so that the file is cut between batches (progress runs between them).
    path.write_bytes(b"".join(mscrypt.encrypt(bytes([i]) * (1 << 20), KEY) for i in range(4)))
    cut = []

    def truncate(done, total):
        if not cut:
            cut.append(done)
            __import__("os").truncate(path, 4096)
    with pytest.raises(mscrypt.FileError, match="changed while it was read"):
        mscrypt.decrypt_file_to_memory(path, KEY, threads=1, progress=truncate)
    assert cut


def test_mscrypt_mmap_0_reads_without_a_mapping_or_a_sigbus_handler(tmp_path):
    import subprocess
    import sys
    path = tmp_path / "m.enc"
    path.write_bytes(mscrypt.encrypt(b"z" * (3 << 20), KEY))
    # Whether this process catches SIGBUS (bit 7 - 1 of SigCgt) after a whole-file read.
    script = ("import signal, sys, mscrypt\n"
              "assert bytes(mscrypt.decrypt_file_to_memory(sys.argv[1], bytes(range(32)))) == b'z' * (3 << 20)\n"
              "mask = int([l for l in open('/proc/self/status') if l.startswith('SigCgt:')][0].split()[1], 16)\n"
              "print(bool(mask >> (signal.SIGBUS - 1) & 1))\n")
    for value, caught in ((None, "True"), ("0", "False")):
        env = {k: v for k, v in __import__("os").environ.items() if k not in ("MSCRYPT_MMAP", "PYTHONFAULTHANDLER")}
        if value is not None:
            env["MSCRYPT_MMAP"] = value
        out = subprocess.run([sys.executable, "-c", script, str(path)], env=env, capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout.strip() == caught, (value, out.stdout + out.stderr)
