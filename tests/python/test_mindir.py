"""mscrypt.load_mindir / export_mindir: MindSpore 2.7.1 golden files in every mode, callables (key
with zero bytes), the external-weight layout (incl. a parameter spanning several 64 MiB blocks),
clear errors, GIL release, and real MindSpore loading mscrypt's exports."""

import json
import os
import subprocess
import threading
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import mscrypt
from mscrypt import _mscrypt

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "mindspore"
MANIFEST = json.loads((GOLDEN / "manifest.json").read_text())
MS_PYTHON = Path("/opt/ms-venv/bin/python")
MiB = 1 << 20
XOR_KEY = bytes.fromhex("010200030405060708090a0b0c0d0e0f")  # the goldens' callable key (has a 0x00)

ENCRYPTED = [
    ("mindir_aes_gcm_128.mindir", "AES-GCM"), ("mindir_aes_gcm_192.mindir", "AES-GCM"),
    ("mindir_aes_gcm_256.mindir", "AES-GCM"), ("mindir_aes_cbc_128.mindir", "AES-CBC"),
    ("mindir_aes_cbc_192.mindir", "AES-CBC"), ("mindir_aes_cbc_256.mindir", "AES-CBC"),
    ("mindir_sm4_cbc_128.mindir", "SM4-CBC"),
]
MODE_KEYS = [("AES-GCM", 16), ("AES-GCM", 24), ("AES-GCM", 32), ("AES-CBC", 16), ("AES-CBC", 24),
             ("AES-CBC", 32), ("SM4-CBC", 16)]


def available(mode):
    return pytest.mark.skipif(not mscrypt.is_mode_available(mode), reason=f"{mode} unavailable")


def short(name):
    return name.split(":", 1)[1]


def expected_parameters(golden_name):
    """name -> (dtype, shape, bytes) from manifest.json."""
    out = {}
    for p in MANIFEST["files"][golden_name]["parameters"]:
        if "raw_data_hex" in p:
            data = bytes.fromhex(p["raw_data_hex"])
        else:
            data_file = golden_name.rsplit("/", 1)[0] + "/" + p["external_data"]["location"]
            payload = {q["name"]: q for q in MANIFEST["files"][data_file]["payloads"]}[p["name"]]
            assert (payload["offset"], payload["length"]) == (p["external_data"]["offset"], p["external_data"]["length"])
            data = bytes.fromhex(payload["hex"])
        assert p["data_type"] == 1
        out[p["name"]] = (np.float32, tuple(p["dims"]), data)
    return out


def check_tiny_net(m, golden_name="mindir_plain.mindir"):
    assert isinstance(m, mscrypt.MindIR)
    assert "TinyNet_construct" in m.graph_name
    expected = expected_parameters(golden_name)
    assert sorted(short(n) for n in m.parameters) == sorted(expected)
    for name, arr in m.parameters.items():
        assert name.startswith(m.graph_name + ":")
        dtype, shape, data = expected[short(name)]
        assert arr.dtype == dtype and arr.shape == shape and arr.tobytes() == data
        assert not arr.flags.writeable
    np.testing.assert_array_equal(m.parameters[m.graph_name + ":dense.weight"],
                                  (np.arange(12, dtype=np.float32).reshape(3, 4) - 6) / 4)
    assert [i.name for i in m.inputs] == [m.graph_name + ":x"]
    assert m.inputs[0].shape == (2, 4) and m.inputs[0].dtype == np.float32 and m.inputs[0].data_type == 1
    assert m.outputs[0].shape == (2, 3)
    info = {short(p.name): p for p in m.parameter_info}
    assert info["dense.weight"].ref_key == "dense.weight" and info["dense.bias"].has_data


# ---- golden files -------------------------------------------------------------------------


def test_golden_plain_serialize_is_byte_exact():
    m = mscrypt.load_mindir(GOLDEN / "mindir_plain.mindir")
    check_tiny_net(m)
    assert m.serialize() == (GOLDEN / "mindir_plain.mindir").read_bytes()
    assert not m.has_external_data
    assert m.producer_name == "MindSpore" and m.model_version == "2.7.1" and m.mind_ir_version == 3


@pytest.mark.parametrize("name,mode", [pytest.param(n, m, marks=available(m)) for n, m in ENCRYPTED])
def test_golden_every_mode(name, mode):
    key = bytes.fromhex(MANIFEST["files"][name]["key_hex"])
    for k in (key, bytearray(key), memoryview(key)):
        m = mscrypt.load_mindir(str(GOLDEN / name), k, mode)
        check_tiny_net(m, name)
        assert m.serialize() == (GOLDEN / "mindir_plain.mindir").read_bytes()


def test_golden_default_mode_is_gcm():
    check_tiny_net(mscrypt.load_mindir(GOLDEN / "mindir_aes_gcm_128.mindir", bytes(range(16))))


def test_golden_callable_gets_the_whole_key():
    seen = []

    def decrypt_func(cipher_file, key):
        seen.append((cipher_file, key))
        return bytes(b ^ 0x5A for b in Path(cipher_file).read_bytes())

    m = mscrypt.load_mindir(GOLDEN / "mindir_custom_xor5a.mindir", XOR_KEY, decrypt_func)
    check_tiny_net(m)
    assert seen == [(os.path.realpath(GOLDEN / "mindir_custom_xor5a.mindir"), XOR_KEY)]  # not cut at the NUL
    assert isinstance(seen[0][0], str) and type(seen[0][1]) is bytes


@pytest.mark.parametrize("name,key", [("ext_plain/net_graph.mindir", None),
                                      ("ext_aes_gcm_128/net_graph.mindir", bytes(range(16)))])
def test_golden_external(tmp_path, name, key):
    for threads in (0, 1, 2):
        m = mscrypt.load_mindir(GOLDEN / name, key, threads=threads)
        check_tiny_net(m, name)
        assert m.has_external_data
        ext = {short(p.name): p.external for p in m.parameter_info}
        assert ext["dense.bias"] == ("net_variables/data_0", 64, 12)
        assert ext["dense.weight"] == ("net_variables/data_0", 128, 48)
    # serialize(): the graph file as written; inline_external: self-contained.
    assert m.serialize() == (GOLDEN / "ext_plain/net_graph.mindir").read_bytes()
    inlined = mscrypt.export_mindir(m.serialize(inline_external=True), tmp_path / "x")
    check_tiny_net(mscrypt.load_mindir(inlined))


# ---- export round trips -------------------------------------------------------------------


@pytest.mark.parametrize("mode,key_len", [pytest.param(m, n, marks=available(m)) for m, n in MODE_KEYS])
def test_export_embedded_every_mode_and_key_length(tmp_path, mode, key_len):
    src = mscrypt.load_mindir(GOLDEN / "mindir_plain.mindir")
    key = bytes(range(key_len))
    out = mscrypt.export_mindir(src, tmp_path / "model", key, mode)
    assert out == str(tmp_path / "model.mindir")  # ".mindir" appended, as MindSpore does
    assert mscrypt.decrypt(Path(out).read_bytes(), key, mode) == (GOLDEN / "mindir_plain.mindir").read_bytes()
    check_tiny_net(mscrypt.load_mindir(out, key, mode))


@pytest.mark.parametrize("mode,key_len", [pytest.param(m, n, marks=available(m)) for m, n in MODE_KEYS])
def test_export_external_every_mode_and_key_length(tmp_path, mode, key_len):
    key = bytes(range(key_len))
    out = mscrypt.export_mindir(GOLDEN / "ext_plain/net_graph.mindir", tmp_path / "net.mindir", key, mode,
                                external=True)
    assert out == str(tmp_path / "net_graph.mindir")
    data = tmp_path / "net_variables" / "data_0"
    assert [b["size"] for b in mscrypt.inspect(data)["blocks"]] == [112, 112, 112]  # as MindSpore
    assert mscrypt.decrypt(data.read_bytes(), key, mode) == (GOLDEN / "ext_plain/net_variables/data_0").read_bytes()
    assert mscrypt.decrypt(Path(out).read_bytes(), key, mode) == (GOLDEN / "ext_plain/net_graph.mindir").read_bytes()
    check_tiny_net(mscrypt.load_mindir(out, key, mode), "ext_plain/net_graph.mindir")


def test_export_plain_and_from_bytes(tmp_path):
    plain = (GOLDEN / "mindir_plain.mindir").read_bytes()
    out = mscrypt.export_mindir(plain, tmp_path / "a.mindir")
    assert Path(out).read_bytes() == plain
    out = mscrypt.export_mindir(bytearray(plain), str(tmp_path / "b"), external=True)
    assert out == str(tmp_path / "b_graph.mindir")
    assert (tmp_path / "b_variables" / "data_0").read_bytes() == (GOLDEN / "ext_plain/net_variables/data_0").read_bytes()
    # bytes with external references cannot be resolved without a directory
    with pytest.raises(mscrypt.InvalidArgumentError, match="weights_dir"):
        mscrypt.export_mindir((GOLDEN / "ext_plain/net_graph.mindir").read_bytes(), tmp_path / "c")
    with pytest.raises(TypeError):
        mscrypt.export_mindir(12, tmp_path / "d")
    with pytest.raises(mscrypt.InvalidArgumentError, match="load_mindir"):
        mscrypt.export_mindir(GOLDEN / "mindir_aes_gcm_128.mindir", tmp_path / "e")


def test_export_callable_whole_key_and_as_is(tmp_path):
    calls = []

    def encrypt_func(model_stream, key):
        calls.append((type(model_stream), key))
        return b"HDR" + bytes(b ^ 0x5A for b in model_stream)

    out = mscrypt.export_mindir(GOLDEN / "mindir_plain.mindir", tmp_path / "c", XOR_KEY, encrypt_func)
    assert calls == [(bytes, XOR_KEY)]
    written = Path(out).read_bytes()
    assert written == b"HDR" + (GOLDEN / "mindir_custom_xor5a.mindir").read_bytes()  # exactly the return value
    m = mscrypt.load_mindir(out, XOR_KEY, lambda f, k: bytes(b ^ 0x5A for b in Path(f).read_bytes()[3:]))
    check_tiny_net(m)


def test_callable_with_external_weights(tmp_path):
    # Beyond MindSpore: every file goes through the callable, on export and on load.
    def xor(data, key):
        return bytes(b ^ key[i % len(key)] for i, b in enumerate(data))

    out = mscrypt.export_mindir(GOLDEN / "mindir_plain.mindir", tmp_path / "net", XOR_KEY, xor, external=True)
    data = tmp_path / "net_variables" / "data_0"
    assert xor(data.read_bytes(), XOR_KEY) == (GOLDEN / "ext_plain/net_variables/data_0").read_bytes()
    files = []

    def dec(path, key):
        files.append(os.path.basename(path))
        assert key == XOR_KEY
        return xor(Path(path).read_bytes(), key)

    check_tiny_net(mscrypt.load_mindir(out, XOR_KEY, dec), "ext_plain/net_graph.mindir")
    assert files == ["net_graph.mindir", "data_0"]


def test_callable_errors_propagate(tmp_path):
    class Boom(Exception):
        pass

    def bad_decrypt(path, key):
        raise Boom("from the callable")

    with pytest.raises(Boom):
        mscrypt.load_mindir(GOLDEN / "mindir_custom_xor5a.mindir", XOR_KEY, bad_decrypt)

    def bad_encrypt(data, key):
        raise Boom("enc")

    with pytest.raises(Boom):
        mscrypt.export_mindir(GOLDEN / "mindir_plain.mindir", tmp_path / "e", XOR_KEY, bad_encrypt)
    assert not (tmp_path / "e.mindir").exists()
    with pytest.raises(TypeError, match="bytes"):
        mscrypt.export_mindir(GOLDEN / "mindir_plain.mindir", tmp_path / "e", XOR_KEY, lambda d, k: "text")
    # external weight file through a callable that returns the wrong type
    mscrypt.export_mindir(GOLDEN / "mindir_plain.mindir", tmp_path / "n", XOR_KEY, lambda d, k: d, external=True)
    calls = []

    def half_bad(path, key):
        calls.append(path)
        return Path(path).read_bytes() if len(calls) == 1 else 42

    with pytest.raises(TypeError, match="bytes"):
        mscrypt.load_mindir(tmp_path / "n_graph.mindir", XOR_KEY, half_bad)


def test_large_parameter_external_round_trip(tmp_path):
    # A parameter larger than one 64 MiB container block, plus bfloat16 and int types.
    big = np.random.default_rng(1).integers(0, 255, size=(70 * MiB + 13,), dtype=np.uint8)
    model = build_model({"z.big": big, "bf": np.array([1.0, -2.5, 3.0], ml_dtypes.bfloat16),
                         "i64": np.array([[1, -2], [3, 2 ** 40]], np.int64), "b": np.array([True, False]),
                         "scalar": np.array(3.25, np.float32)})
    key = bytes(range(32))
    out = mscrypt.export_mindir(model, tmp_path / "big", key, "AES-GCM", threads=2, external=True)
    blocks = [b["size"] for b in mscrypt.inspect(tmp_path / "big_variables" / "data_0")["blocks"]]
    assert 64 * MiB + 48 in blocks and len(blocks) == 1 + 4 + 2  # header, 4 small params, big in 2 blocks
    m = mscrypt.load_mindir(out, key, threads=2)
    assert m.has_external_data
    got = {short(n): a for n, a in m.parameters.items()}
    assert np.array_equal(got["z.big"], big)
    assert got["bf"].dtype == ml_dtypes.bfloat16 and got["bf"].tobytes() == bytes.fromhex("803f20c04040")
    assert got["i64"].dtype == np.int64 and got["i64"][1, 1] == 2 ** 40
    assert got["b"].dtype == np.bool_ and got["b"].tolist() == [True, False]
    assert got["scalar"].shape == () and got["scalar"] == np.float32(3.25)
    # Back to one embedded file: identical model bytes.
    out2 = mscrypt.export_mindir(m, tmp_path / "emb", key, "AES-CBC", external=False)
    m2 = mscrypt.load_mindir(out2, key, "AES-CBC")
    assert m2.serialize() == model and not m2.has_external_data


def build_model(arrays):
    """A ModelProto built from the golden TinyNet with its parameters replaced (hand-written wire)."""
    types = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int64): 7, np.dtype(np.bool_): 9,
             np.dtype(ml_dtypes.bfloat16): 16}

    def varint(v):
        out = bytearray()
        while True:
            b = v & 0x7F
            v >>= 7
            if v:
                out.append(b | 0x80)
            else:
                out.append(b)
                return bytes(out)

    def ld(field, body):
        return varint(field << 3 | 2) + varint(len(body)) + body

    params = b""
    for name, a in arrays.items():
        t = b"".join(varint(1 << 3) + varint(d) for d in a.shape)
        t += varint(2 << 3) + varint(types[a.dtype]) + ld(7, b"g:" + name.encode()) + ld(9, a.tobytes())
        t += ld(13, name.encode())
        params += ld(3, t)
    graph = ld(2, b"g") + params + ld(5, ld(1, b"g:x"))
    return ld(1, b"0.1.1") + ld(2, b"mscrypt-test") + ld(7, graph)


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mindir_aes_gcm_128.mindir", "mindir_aes_cbc_128.mindir",
                                  "mindir_sm4_cbc_128.mindir", "ext_aes_gcm_128/net_graph.mindir"])
def test_encrypted_without_key(name):
    with pytest.raises(mscrypt.KeyRequiredError, match=r"is encrypted .*; pass the key \(dec_key\)") as ei:
        mscrypt.load_mindir(GOLDEN / name)
    assert isinstance(ei.value, ValueError)
    assert ei.value.code == 13  # kKeyRequired, MSCRYPT_ERR_KEY_REQUIRED


def test_wrong_key_mode_and_types(tmp_path):
    with pytest.raises(mscrypt.AuthenticationError):
        mscrypt.load_mindir(GOLDEN / "mindir_aes_gcm_128.mindir", bytes(16))
    with pytest.raises((mscrypt.AuthenticationError, mscrypt.MalformedError)):
        mscrypt.load_mindir(GOLDEN / "mindir_aes_cbc_128.mindir", bytes(16), "AES-CBC")
    with pytest.raises(mscrypt.WrongModeError):
        mscrypt.load_mindir(GOLDEN / "mindir_aes_gcm_128.mindir", bytes(range(16)), "AES-CBC")
    with pytest.raises(mscrypt.NotEncryptedError):
        mscrypt.load_mindir(GOLDEN / "mindir_plain.mindir", bytes(range(16)))
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.load_mindir(GOLDEN / "mindir_aes_gcm_128.mindir", bytes(15))
    with pytest.raises(ValueError):
        mscrypt.load_mindir(GOLDEN / "mindir_aes_gcm_128.mindir", bytes(range(16)), "aes-gcm")
    with pytest.raises(TypeError):
        mscrypt.load_mindir(GOLDEN / "mindir_aes_gcm_128.mindir", "0123456789abcdef")
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.export_mindir(GOLDEN / "mindir_plain.mindir", tmp_path / "k", bytes(15))
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.export_mindir(GOLDEN / "mindir_plain.mindir", tmp_path / "k", bytes(16), "aes-gcm")
    assert not list(tmp_path.iterdir())
    with pytest.raises(mscrypt.FileError):
        mscrypt.load_mindir(tmp_path / "missing.mindir")


def test_missing_and_broken_weight_files(tmp_path):
    mscrypt.export_mindir(GOLDEN / "mindir_plain.mindir", tmp_path / "net", bytes(range(16)), external=True)
    data = tmp_path / "net_variables" / "data_0"
    good = data.read_bytes()
    data.unlink()
    with pytest.raises(mscrypt.FileError, match="the weight file of parameter #0"):
        mscrypt.load_mindir(tmp_path / "net_graph.mindir", bytes(range(16)))
    data.write_bytes(good[:112])
    with pytest.raises(mscrypt.MalformedError, match="outside"):
        mscrypt.load_mindir(tmp_path / "net_graph.mindir", bytes(range(16)))
    data.write_bytes(good[:-1])
    with pytest.raises(mscrypt.TruncatedError):
        mscrypt.load_mindir(tmp_path / "net_graph.mindir", bytes(range(16)))
    # A weight file encrypted with another key than its graph.
    data.write_bytes(mscrypt.encrypt(mscrypt.decrypt(good, bytes(range(16))), bytes(16)))
    with pytest.raises(mscrypt.AuthenticationError, match="weight file"):
        mscrypt.load_mindir(tmp_path / "net_graph.mindir", bytes(range(16)))


def test_corrupt_graphs(tmp_path):
    plain = (GOLDEN / "mindir_plain.mindir").read_bytes()
    for n in (0, 1, 100, len(plain) // 2, len(plain) - 1):
        f = tmp_path / f"t{n}.mindir"
        f.write_bytes(plain[:n])
        try:
            mscrypt.load_mindir(f)
        except mscrypt.MalformedError:
            pass
    rng = np.random.default_rng(5)
    key = bytes(range(16))
    for i in range(50):
        junk = rng.bytes(int(rng.integers(1, 2000)))
        f = tmp_path / f"r{i}.mindir"
        f.write_bytes(mscrypt.encrypt(junk, key))  # decrypts fine, not a model
        with pytest.raises(mscrypt.MalformedError, match="not a MindIR model|no graph"):
            mscrypt.load_mindir(f, key)


def test_model_of_2gib_is_refused(tmp_path):
    f = tmp_path / "huge.mindir"
    with open(f, "wb") as fh:
        fh.truncate(_mscrypt.mindir_max_model_size() + 1)  # sparse
    with pytest.raises(mscrypt.UnsupportedError, match="2 GiB"):
        mscrypt.load_mindir(f)


def test_gil_released_during_load():
    # Another Python thread keeps running while a large external model decrypts.
    stop = threading.Event()
    ticks = []

    def spin():
        while not stop.is_set():
            ticks.append(1)

    big = np.zeros(40 * MiB, np.uint8)
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        out = mscrypt.export_mindir(build_model({"big": big}), Path(d) / "g", bytes(range(16)), external=True)
        t = threading.Thread(target=spin)
        t.start()
        try:
            before = len(ticks)
            for _ in range(3):
                mscrypt.load_mindir(out, bytes(range(16)), threads=1)
            assert len(ticks) > before
        finally:
            stop.set()
            t.join()


def test_pyca_reads_mscrypt_graph(tmp_path):
    # Independent check of the embedded export's first block with pyca's AES-GCM (nonce = iv[:12]).
    key = bytes(range(16))
    out = Path(mscrypt.export_mindir(GOLDEN / "mindir_plain.mindir", tmp_path / "p", key))
    raw = out.read_bytes()
    tag, iv, clen = raw[4:20], raw[28:44], int.from_bytes(raw[44:48], "little")
    plain = AESGCM(key).decrypt(iv[:12], raw[48:48 + clen] + tag, None)
    assert plain == (GOLDEN / "mindir_plain.mindir").read_bytes()


# ---- real MindSpore loads what mscrypt writes -----------------------------------------------


@pytest.mark.skipif(not MS_PYTHON.exists(), reason="MindSpore venv not installed")
def test_mindspore_loads_mscrypt_exports(tmp_path):
    src = mscrypt.load_mindir(GOLDEN / "mindir_plain.mindir")
    cases = {"plain": (None, None, False), "ext_plain": (None, None, True)}
    for mode, n in MODE_KEYS:
        if mscrypt.is_mode_available(mode):
            cases[f"{mode}_{n}"] = (bytes(range(n)), mode, False)
            cases[f"ext_{mode}_{n}"] = (bytes(range(n)), mode, True)
    files = {}
    for name, (key, mode, external) in cases.items():
        d = tmp_path / name
        d.mkdir()
        out = mscrypt.export_mindir(src, d / "net", key, mode or "AES-GCM", external=external)
        files[name] = [out, key.hex() if key else None, mode]
    script = """
import sys, json, numpy as np
import mindspore as ms
from mindspore import nn, Tensor
cases = json.loads(sys.argv[1]); x = Tensor(np.array(json.loads(sys.argv[2]), np.float32)); res = {}
for name, (path, key, mode) in cases.items():
    kw = {} if key is None else {"dec_key": bytes.fromhex(key), "dec_mode": mode}
    res[name] = nn.GraphCell(ms.load(path, **kw))(x).asnumpy().tolist()
print(json.dumps(res))
"""
    proc = subprocess.run([str(MS_PYTHON), "-c", script, json.dumps(files), json.dumps(MANIFEST["tiny_net"]["input"])],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "GLOG_v": "3"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(res) == set(cases)
    for name, out in res.items():
        assert out == MANIFEST["tiny_net"]["expected_output"], name
