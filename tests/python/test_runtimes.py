"""Encrypted models loaded by real runtimes from memory only: OpenVINO (IR pair and ONNX) and ONNX
Runtime. Models are built here (onnx.helper, openvino's opset API), encrypted with mscrypt, loaded
through mscrypt.openvino / mscrypt.onnxruntime and compared bit for bit with the same runtime
loading the plaintext files. The runtimes are pinned in pyproject.toml (extra "runtimes"); with
MSCRYPT_REQUIRE_RUNTIMES=1 (set by scripts/test.sh) a missing runtime fails instead of skipping."""

import gc
import os

import numpy as np
import pytest

import mscrypt

KEY = bytes(range(32))


def _need(module):
    if os.environ.get("MSCRYPT_REQUIRE_RUNTIMES") == "1":
        return __import__(module)
    return pytest.importorskip(module)


def _onnx_model(tmp_path):
    onnx = _need("onnx")
    from onnx import helper, numpy_helper
    rng = np.random.default_rng(7)
    w = rng.standard_normal((16, 8)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["t"]), helper.make_node("Add", ["t", "b"], ["y"])], "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [3, 16])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [3, 8])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    return path, rng.standard_normal((3, 16)).astype(np.float32)


def _encrypt(path, mode):
    out = path.with_name(path.name + ".enc")
    mscrypt.encrypt_file(path, out, KEY, mode)
    return out


def _files_written(tmp_path, before):
    return sorted(set(os.listdir(tmp_path)) - before)


@pytest.mark.parametrize("mode", ["AES-GCM", "AES-CBC"])
def test_onnxruntime_session_from_memory(tmp_path, mode):
    ort = _need("onnxruntime")
    path, x = _onnx_model(tmp_path)
    enc = _encrypt(path, mode)
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    before = set(os.listdir(tmp_path))
    session = mscrypt.onnxruntime.InferenceSession(enc, key=KEY)
    assert _files_written(tmp_path, before) == []
    got = session.run(None, {"x": x})[0]
    assert got.tobytes() == want.tobytes()
    with pytest.raises(mscrypt.AuthenticationError if mode == "AES-GCM" else mscrypt.Error):
        mscrypt.onnxruntime.InferenceSession(enc, key=bytes(32), mode=mode)


def _ov_ir(tmp_path):
    ov = _need("openvino")
    from openvino import opset13 as ops
    rng = np.random.default_rng(3)
    w = rng.standard_normal((64, 32)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    x = ops.parameter([2, 64], np.float32, name="x")
    y = ops.add(ops.matmul(x, ops.constant(w), False, False), ops.constant(b))
    xml = tmp_path / "net.xml"
    ov.save_model(ov.Model([y], [x], "tiny"), str(xml), compress_to_fp16=False)
    return xml, tmp_path / "net.bin", rng.standard_normal((2, 64)).astype(np.float32)


def _infer(ov, model, x):
    return ov.Core().compile_model(model, "CPU")(x)[0].copy()


def test_openvino_ir_pair_from_memory_survives_dropped_references(tmp_path):
    ov = _need("openvino")
    xml, bin_, x = _ov_ir(tmp_path)
    want = _infer(ov, ov.Core().read_model(str(xml)), x)
    enc_xml, enc_bin = _encrypt(xml, "AES-GCM"), _encrypt(bin_, "AES-CBC")
    before = set(os.listdir(tmp_path))
    model = mscrypt.openvino.read_model(enc_xml, enc_bin, key=KEY)
    assert _files_written(tmp_path, before) == []
    # Every Python reference but the model's is gone; compile after a collection.
    gc.collect()
    compiled = ov.Core().compile_model(model, "CPU")
    del model
    gc.collect()
    assert compiled(x)[0].tobytes() == want.tobytes()
    # The default weights path pairs net.xml.enc with net.bin.enc.
    same = mscrypt.openvino.read_model(enc_xml, key=KEY) if enc_bin.name == "net.bin.enc" else None
    assert _infer(ov, same, x).tobytes() == want.tobytes()


def test_openvino_weights_are_decrypted_straight_into_the_runtime_tensor(tmp_path, monkeypatch):
    ov = _need("openvino")
    xml, bin_, x = _ov_ir(tmp_path)
    enc_xml, enc_bin = _encrypt(xml, "AES-GCM"), _encrypt(bin_, "AES-GCM")
    seen = {}
    real = mscrypt.openvino.decrypt_file_into

    def spy(path, key, out, mode=None, **kw):
        seen["out"] = out
        return real(path, key, out, mode, **kw)
    monkeypatch.setattr(mscrypt.openvino, "decrypt_file_into", spy)
    model = mscrypt.openvino.read_model(enc_xml, enc_bin, key=KEY)
    consts = [op for op in model.get_ops() if op.get_type_name() == "Constant"]
    weights = max(consts, key=lambda c: c.get_byte_size())
    # The constant's data lies inside the tensor mscrypt decrypted into: no copy was made.
    assert np.shares_memory(weights.get_data(), seen["out"])
    assert _infer(ov, model, x).tobytes() == _infer(ov, ov.Core().read_model(str(xml)), x).tobytes()


def test_openvino_onnx_from_memory(tmp_path):
    ov = _need("openvino")
    path, x = _onnx_model(tmp_path)
    enc = _encrypt(path, "AES-GCM")
    want = _infer(ov, ov.Core().read_model(str(path)), x)
    assert _infer(ov, mscrypt.openvino.read_model(enc, key=KEY), x).tobytes() == want.tobytes()


def test_adapters_refuse_bad_arguments(tmp_path):
    _need("openvino")
    _need("onnxruntime")
    with pytest.raises(mscrypt.FileError):
        mscrypt.openvino.read_model(tmp_path / "missing.xml", key=KEY)
    with pytest.raises(mscrypt.FileError):
        mscrypt.onnxruntime.InferenceSession(tmp_path / "missing.onnx", key=KEY)
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.onnxruntime.InferenceSession(tmp_path / "x.onnx", key="not bytes")
