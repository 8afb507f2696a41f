"""MindSpore Lite 2.0.0 builds and runs a model from memory that mscrypt decrypted.

Lite runs in its own Python 3.7 venv (scripts/setup-lite-venv.sh; MSCRYPT_LITE_PYTHON names its
python). The suite's driver exports it when the venv could be made; on a machine without CPython
3.7 the runtime is not installable and these tests skip, saying so. A tiny ONNX model made here is
converted to MindIR by Lite's own converter, encrypted by mscrypt, and run by
examples/mindspore_lite_demo.py (libmscrypt.so through ctypes, Lite's build-from-buffer binding);
its outputs must equal, bit for bit, those of Lite building the plaintext file itself.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import mscrypt

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEMO = os.path.join(ROOT, "examples", "mindspore_lite_demo.py")
LITE_PYTHON = os.environ.get("MSCRYPT_LITE_PYTHON") and os.path.abspath(os.environ["MSCRYPT_LITE_PYTHON"])

pytestmark = pytest.mark.skipif(
    not LITE_PYTHON, reason="no MindSpore Lite venv: it needs CPython 3.7 (scripts/setup-lite-venv.sh)")


def _lite(args, tmp_path, env=None, check=True):
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    e.update(env or {})
    r = subprocess.run([LITE_PYTHON] + args, cwd=tmp_path, env=e, capture_output=True, text=True, timeout=600)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture(scope="module")
def lite_model(tmp_path_factory):
    """(plaintext MindIR made by Lite's converter, input .npy, Lite's output on the plaintext file)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    d = tmp_path_factory.mktemp("lite")
    rng = np.random.default_rng(7)
    w = numpy_helper.from_array(rng.standard_normal((4, 3)).astype(np.float32), "W")
    b = numpy_helper.from_array(rng.standard_normal((3,)).astype(np.float32), "B")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Add", ["h", "B"], ["y"]),
         helper.make_node("Relu", ["y"], ["z"])],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 3])], [w, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.save(model, str(d / "tiny.onnx"))
    np.save(d / "x.npy", rng.standard_normal((2, 4)).astype(np.float32))
    _lite(["-c", "import mindspore_lite as m; c = m.Converter(); c.save_type = m.ModelType.MINDIR; "
                 "c.convert(m.FmkType.ONNX, 'tiny.onnx', 'tiny')"], d)
    assert (d / "tiny.mindir").exists()
    _lite(["-c", "import numpy as np, mindspore_lite as m\n"
                 "c = m.Context(); c.target = ['cpu']; model = m.Model()\n"
                 "model.build_from_file('tiny.mindir', m.ModelType.MINDIR, c)\n"
                 "i = model.get_inputs(); i[0].set_data_from_numpy(np.load('x.npy'))\n"
                 "np.save('reference.npy', model.predict(i)[0].get_data_to_numpy())"], d)
    return d / "tiny.mindir", d / "x.npy", np.load(d / "reference.npy")


@pytest.fixture(scope="module")
def libmscrypt():
    """The installed package's libmscrypt.so, as `python -m mscrypt --libdir` names it."""
    out = subprocess.run([sys.executable, "-m", "mscrypt", "--libdir"], capture_output=True, text=True, check=True)
    return os.path.join(out.stdout.strip(), "libmscrypt.so")


@pytest.mark.parametrize("mode,key_size", [("AES-GCM", 16), ("AES-GCM", 32), ("AES-CBC", 32)])
def test_lite_builds_the_model_from_mscrypt_memory(lite_model, libmscrypt, tmp_path, mode, key_size):
    plain, x, reference = lite_model
    key = bytes(range(1, key_size + 1))
    enc = tmp_path / "tiny.mindir.enc"
    mscrypt.encrypt_file(plain, enc, key, mode)
    assert enc.read_bytes() != plain.read_bytes()
    before = set(os.listdir(tmp_path))
    r = _lite([DEMO, str(enc), "--lib", libmscrypt, "--input", str(x), "--output", "out.npy"], tmp_path,
              env={"MSCRYPT_KEY_HEX": key.hex()})
    assert "inputs: [('x', [2, 4])]" in r.stdout
    assert set(os.listdir(tmp_path)) - before == {"out.npy"}, "a file other than the requested output appeared"
    out = np.load(tmp_path / "out.npy")
    assert out.dtype == reference.dtype and out.tobytes() == reference.tobytes()


def test_lite_demo_errors_are_mscrypts_and_hold_no_key(lite_model, libmscrypt, tmp_path):
    plain, _, _ = lite_model
    key = bytes(range(16))
    enc = tmp_path / "tiny.mindir.enc"
    mscrypt.encrypt_file(plain, enc, key, "AES-GCM")
    wrong = bytes([key[0] ^ 1]) + key[1:]
    for env, expected in (({"MSCRYPT_KEY_HEX": wrong.hex()}, "authentication failed"),
                          ({"MSCRYPT_KEY_HEX": key.hex()[:-1]}, "odd number of digits"),
                          ({}, "MSCRYPT_KEY_HEX")):
        r = _lite([DEMO, str(enc), "--lib", libmscrypt], tmp_path, env=env, check=False)
        assert r.returncode != 0 and expected in r.stderr, r.stderr
        assert wrong.hex() not in r.stderr and key.hex()[:20] not in r.stderr
