"""An encrypted MindIR model built by MindSpore Lite from an mscrypt-decrypted buffer.

Not run by the test suite: MindSpore Lite's Python wheel is not installable on the Python versions
the project tests with. The call is MindSpore Lite's documented
`Model.build_from_buffer(model_bytes, weight_bytes=None, model_type=..., context=...)`.

    python examples/mindspore_lite_demo.py net.mindir.enc HEXKEY
"""
import sys

import mindspore_lite as mslite

import mscrypt

path, key = sys.argv[1], bytearray.fromhex(sys.argv[2])
with mscrypt.decrypt_file_to_memory(path, key) as plaintext:  # wiped when the block ends
    context = mslite.Context()
    context.target = ["cpu"]
    model = mslite.Model()
    # Lite parses the buffer into its own structures during build, so wiping afterwards is safe.
    model.build_from_buffer(bytes(plaintext), model_type=mslite.ModelType.MINDIR, context=context)
key[:] = bytes(len(key))
print("inputs:", [t.name for t in model.get_inputs()])
