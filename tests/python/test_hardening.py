"""Bad input through the public Python API: every function with every secondary argument wrongly
typed, paths that are not regular files, NUL bytes, directories, and contents that must fail with
an exact class. No message may carry the key, the data or a name taken from decrypted plaintext."""

import errno
import os
import stat
import struct
import threading

import numpy as np
import pytest

import mscrypt

KEY = bytes.fromhex("5ec7e75ec7e75ec7e75ec7e75ec7e7a1")  # distinctive bytes to search for
DATA = b"PLAINTEXT-MARKER-" * 8
NAME = "secret.layer.NAME"
WRONG = ["2", None, 1.5, [], object(), b"\x01", True]


def _secrets_absent(exc):
    text = str(exc) + repr(exc) + repr(exc.args)
    for needle in (KEY.hex(), KEY.decode("latin-1"), repr(KEY)[2:-1], DATA.decode(), NAME, "PLAINTEXT-MARKER"):
        assert needle not in text, f"{needle!r} leaked into {type(exc).__name__}: {text[:300]}"
    assert "\n" not in str(exc), "messages are one line"


GOLDEN_MINDIR = os.path.join(os.path.dirname(__file__), "..", "golden", "mindspore", "mindir_plain.mindir")


@pytest.fixture
def files(tmp_path):
    enc = tmp_path / "enc.bin"
    enc.write_bytes(mscrypt.encrypt(DATA, KEY))
    ckpt = tmp_path / "c.ckpt"
    mscrypt.save_checkpoint({NAME: np.arange(4, dtype=np.float32)}, ckpt, enc_key=KEY)
    mindir = tmp_path / "m.mindir"
    mscrypt.export_mindir(GOLDEN_MINDIR, mindir, enc_key=KEY)
    return tmp_path, enc, ckpt


def _calls(tmp_path, enc, ckpt):
    """(name, function, positional args, keyword args whose values get replaced one at a time)."""
    out = str(tmp_path / "out.bin")
    return [
        ("encrypt", mscrypt.encrypt, (DATA, KEY), {"mode": "AES-GCM", "threads": 0}),
        ("decrypt", mscrypt.decrypt, (enc.read_bytes(), KEY), {"mode": "AES-GCM", "threads": 0, "legacy": False}),
        ("encrypt_file", mscrypt.encrypt_file, (str(enc), out, KEY), {"mode": "AES-GCM", "threads": 0, "in_place": False}),
        ("decrypt_file", mscrypt.decrypt_file, (str(enc), out, KEY),
         {"mode": "AES-GCM", "threads": 0, "legacy": False, "in_place": False}),
        ("decrypt_to_memory", mscrypt.decrypt_to_memory, (enc.read_bytes(), KEY),
         {"mode": "AES-GCM", "threads": 0, "progress": None}),
        ("decrypt_file_to_memory", mscrypt.decrypt_file_to_memory, (str(enc), KEY),
         {"mode": "AES-GCM", "threads": 0, "progress": None}),
        ("verify_file", mscrypt.verify_file, (str(enc), KEY), {"mode": "AES-GCM", "threads": 0, "legacy": False}),
        ("inspect", mscrypt.inspect, (str(enc),), {"legacy": False}),
        ("load_checkpoint", mscrypt.load_checkpoint, (str(ckpt),),
         {"dec_key": KEY, "dec_mode": "AES-GCM", "crc_check": False, "threads": 0}),
        ("save_checkpoint", mscrypt.save_checkpoint, ({NAME: np.ones(2, np.float32)}, out),
         {"enc_key": KEY, "enc_mode": "AES-GCM", "crc_check": False, "threads": 0}),
        ("load_mindir", mscrypt.load_mindir, (str(tmp_path / "m.mindir"),),
         {"dec_key": KEY, "dec_mode": "AES-GCM", "threads": 0}),
        ("export_mindir", mscrypt.export_mindir, (GOLDEN_MINDIR, str(tmp_path / "x.mindir")),
         {"enc_key": KEY, "enc_mode": "AES-GCM", "threads": 0, "external": False}),
    ]


def test_every_function_with_every_argument_wrongly_typed(files):
    tmp_path, enc, ckpt = files
    checked = 0
    for name, fn, args, kwargs in _calls(tmp_path, enc, ckpt):
        for arg in kwargs:
            for bad in WRONG:
                if type(bad) is type(kwargs[arg]) or (arg in ("dec_key", "enc_key", "external", "mode") and bad is None):
                    continue  # a correctly typed value is not a test of this
                with pytest.raises(mscrypt.Error) as ei:
                    fn(*args, **{**kwargs, arg: bad})
                _secrets_absent(ei.value)
                assert isinstance(ei.value, (TypeError, ValueError)), (name, arg, type(ei.value))
                if isinstance(ei.value, TypeError):
                    assert arg in str(ei.value), (name, arg, str(ei.value))
                checked += 1
    assert checked > 140


def test_positional_arguments_wrongly_typed(files):
    tmp_path, enc, _ = files
    out = str(tmp_path / "o")
    calls = [  # (call taking the bad value, the types that are valid there)
        (lambda bad: mscrypt.encrypt(bad, KEY), (bytes,)),
        (lambda bad: mscrypt.decrypt(bad, KEY), (bytes,)),
        (lambda bad: mscrypt.encrypt(DATA, bad), (bytes,)),
        (lambda bad: mscrypt.decrypt_file(str(enc), bad, KEY), (str,)),
        (lambda bad: mscrypt.decrypt_file(str(enc), out, bad), (bytes,)),
        (lambda bad: mscrypt.load_checkpoint(bad, dec_key=KEY), (str,)),
        (lambda bad: mscrypt.is_cipher_file(bad), (str,)),
        (lambda bad: mscrypt.is_mode_available(bad), ()),
        (lambda bad: mscrypt.inspect(bad), (bytes, str)),
        (lambda bad: mscrypt.load_mindir(bad, dec_key=KEY), (str,)),
    ]
    for call, valid in calls:
        for bad in WRONG + [memoryview(b"x" * 32)[::2]]:
            if isinstance(bad, valid):
                continue
            with pytest.raises(mscrypt.Error) as ei:
                call(bad)
            _secrets_absent(ei.value)
    assert not os.path.exists(out)


def test_non_contiguous_key_is_an_argument_type_error():
    with pytest.raises(mscrypt.ArgumentTypeError, match="contiguous"):
        mscrypt.encrypt(DATA, memoryview(KEY * 2)[::2])


def test_nul_in_paths_is_invalid_argument(files):
    tmp_path, enc, ckpt = files
    for call in (lambda: mscrypt.decrypt_file(str(enc) + "\0x", str(tmp_path / "o"), KEY),
                 lambda: mscrypt.decrypt_file(str(enc), str(tmp_path / "o") + "\0.bin", KEY),
                 lambda: mscrypt.load_checkpoint(str(ckpt) + "\0", dec_key=KEY),
                 lambda: mscrypt.save_checkpoint({"w": np.ones(1)}, str(tmp_path / "s") + "\0.ckpt"),
                 lambda: mscrypt.load_mindir(str(tmp_path / "m") + "\0.mindir"),
                 lambda: mscrypt.inspect(str(enc) + "\0")):
        with pytest.raises(mscrypt.InvalidArgumentError, match="NUL"):
            call()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.ckpt", "enc.bin", "m.mindir"]


def _run_with_timeout(fn, seconds=20):
    result = {}

    def target():
        try:
            result["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            result["error"] = e
    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        os._exit(3)  # a hang must fail the run, not pass slowly
    return result


def test_fifo_inputs_fail_fast_with_file_error(files):
    tmp_path, _, _ = files
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for fn in (lambda: mscrypt.decrypt_file(fifo, tmp_path / "o", KEY), lambda: mscrypt.encrypt_file(fifo, tmp_path / "o", KEY),
               lambda: mscrypt.verify_file(fifo, KEY), lambda: mscrypt.inspect(fifo), lambda: mscrypt.is_cipher_file(fifo),
               lambda: mscrypt.load_checkpoint(fifo), lambda: mscrypt.load_mindir(fifo)):
        r = _run_with_timeout(fn)
        assert isinstance(r.get("error"), mscrypt.FileError), r
        assert "FIFO" in str(r["error"])
        assert r["error"].filename == str(fifo)


def test_file_error_is_an_oserror_with_errno_and_filename(files):
    tmp_path, _, _ = files
    with pytest.raises(mscrypt.FileError) as ei:
        mscrypt.decrypt_file(tmp_path / "missing", tmp_path / "o", KEY)
    assert isinstance(ei.value, OSError)
    assert ei.value.errno == errno.ENOENT
    assert ei.value.filename == str(tmp_path / "missing")
    with pytest.raises(mscrypt.FileError) as ei:
        mscrypt.save_checkpoint({"w": np.ones(1)}, tmp_path)  # a directory
    assert ei.value.errno == errno.EISDIR


def test_outputs_private_permissions_kept_and_input_protected(files):
    tmp_path, enc, _ = files
    out = tmp_path / "plain.bin"
    mscrypt.decrypt_file(enc, out, KEY)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    out.chmod(0o640)
    mscrypt.decrypt_file(enc, out, KEY)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    with pytest.raises(mscrypt.InvalidArgumentError, match="is the input"):
        mscrypt.decrypt_file(enc, enc, KEY)
    mscrypt.decrypt_file(enc, enc, KEY, in_place=True)
    assert enc.read_bytes() == DATA


def _checkpoint_with(value_bytes, tensor_type, dims, name=NAME):
    """A plain checkpoint with one hand-written entry (docs/payloads.md §2.1)."""
    def field(num, payload):
        return bytes([num << 3 | 2]) + _varint(len(payload)) + payload
    tensor = b"".join(bytes([1 << 3]) + _varint(d & (2**64 - 1)) for d in dims)
    tensor += field(2, tensor_type.encode()) + field(3, value_bytes)
    value = field(1, name.encode()) + field(2, tensor)
    return field(1, value)


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def test_contents_fail_with_exact_classes_and_no_names(tmp_path):
    cases = [
        (_checkpoint_with(b"\0" * 4, "Float33", [1]), mscrypt.UnsupportedError),
        (_checkpoint_with(b"", "Float32", [0, 2**40, 2**40]), mscrypt.MalformedError),
        (_checkpoint_with(struct.pack("<I", 0x110000), "str", [0]), mscrypt.MalformedError),
        (_checkpoint_with(struct.pack("<I", 0xD800), "str", [0]), mscrypt.MalformedError),
    ]
    for i, (data, cls) in enumerate(cases):
        path = tmp_path / f"{i}.ckpt"
        path.write_bytes(data)
        with pytest.raises(cls) as ei:
            mscrypt.load_checkpoint(path)
        assert isinstance(ei.value, ValueError)
        _secrets_absent(ei.value)


def test_safetensors_is_named(tmp_path):
    header = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 4)
    with pytest.raises(mscrypt.MalformedError, match="safetensors"):
        mscrypt.load_checkpoint(path)


def test_mindir_with_non_utf8_names_loads(tmp_path):
    """Model strings are bytes on the wire; a name that is not UTF-8 still loads (surrogateescape)."""
    from mscrypt import _mscrypt
    # A minimal ModelProto: graph (7) { name (2) = b"g\xff", parameter (3) { name (7) = b"p\xfe", data_type 1, dims [1], raw_data } }
    def field(num, payload):
        return bytes([num << 3 | 2]) + _varint(len(payload)) + payload
    param = bytes([1 << 3, 1]) + bytes([2 << 3, 1]) + field(7, b"p\xfe") + field(9, b"\0" * 4)
    model = field(7, field(2, b"g\xff") + field(3, param))
    m = mscrypt.MindIR(_mscrypt.mindir_parse(model, None, None, 0))
    assert m.graph_name.encode("utf-8", "surrogateescape") == b"g\xff"
    assert [p.encode("utf-8", "surrogateescape") for p in m.parameters] == [b"p\xfe"]
