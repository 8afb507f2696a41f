"""Encrypted OpenVINO IR, decrypted only in memory (needs `pip install openvino`).

Builds a tiny IR (model.xml + model.bin), encrypts both with mscrypt, deletes the plaintext, and
runs the model loaded with mscrypt.openvino.read_model: no plaintext file ever exists again.
"""
import os
import tempfile

import numpy as np
import openvino as ov
from openvino import opset13 as ops

import mscrypt

key = bytearray(os.urandom(32))  # AES-256; 16 or 24 bytes work too
with tempfile.TemporaryDirectory() as d:
    rng = np.random.default_rng(0)
    x = ops.parameter([1, 8], np.float32, name="x")
    y = ops.relu(ops.matmul(x, ops.constant(rng.standard_normal((8, 4)).astype(np.float32)), False, False))
    ov.save_model(ov.Model([y], [x], "demo"), os.path.join(d, "model.xml"), compress_to_fp16=False)
    for name in ("model.xml", "model.bin"):
        mscrypt.encrypt_file(os.path.join(d, name), os.path.join(d, name + ".enc"), key)
        os.unlink(os.path.join(d, name))
    print("on disk:", sorted(os.listdir(d)))
    model = mscrypt.openvino.read_model(os.path.join(d, "model.xml.enc"), key=key)
    compiled = ov.Core().compile_model(model, "CPU")
    print("output:", compiled(rng.standard_normal((1, 8)).astype(np.float32))[0])
key[:] = bytes(len(key))  # wipe our copy of the key
