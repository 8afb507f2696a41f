"""Encrypted ONNX model run by ONNX Runtime from memory (needs `pip install onnx onnxruntime`).

The same pattern serves Windows ML, which loads an ONNX model from a stream: decrypt with
mscrypt (format="raw", iv=... for Windows ML's AES-CBC files) and hand over the bytes.
"""
import os
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper

import mscrypt

key = os.urandom(32)
w = np.arange(12, dtype=np.float32).reshape(4, 3)
graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "demo",
                          [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 3])],
                          [numpy_helper.from_array(w, "w")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
with tempfile.TemporaryDirectory() as d:
    enc = os.path.join(d, "model.onnx.enc")
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    mscrypt.encrypt_file(os.path.join(d, "model.onnx"), enc, key)
    os.unlink(os.path.join(d, "model.onnx"))
    session = mscrypt.onnxruntime.InferenceSession(enc, key=key)
    print("output:", session.run(None, {"x": np.ones((1, 4), np.float32)})[0])

    # Windows ML's tutorial format: raw AES-CBC with a separately kept IV.
    iv = os.urandom(16)
    raw = os.path.join(d, "model.onnx.raw")
    with open(os.path.join(d, "plain.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    mscrypt.encrypt_file(os.path.join(d, "plain.onnx"), raw, key, format="raw", iv=iv)
    with open(raw, "rb") as f:
        plain = mscrypt.decrypt(f.read(), key, format="raw", iv=iv)
    import onnxruntime
    print("raw AES-CBC:", onnxruntime.InferenceSession(plain, providers=["CPUExecutionProvider"])
          .run(None, {"x": np.ones((1, 4), np.float32)})[0])
