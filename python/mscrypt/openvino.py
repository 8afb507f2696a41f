"""OpenVINO from encrypted files, decrypted only in memory.

``read_model(model_path, weights_path=None, *, key, mode=None, core=None)`` returns an
``openvino.Model`` for an encrypted IR pair (``.xml`` + ``.bin``, each encrypted with mscrypt) or an
encrypted ONNX file, without writing plaintext anywhere.

Memory and lifetime (measured with OpenVINO 2026.4; see ``tests/python/test_runtimes.py``):

* The weights (``.bin``) are decrypted straight into a tensor that OpenVINO allocates and owns:
  one write per plaintext byte, no copy. OpenVINO's constants and compiled models then share that
  memory and keep it alive by reference count, so dropping every Python reference before
  ``compile_model`` is safe. (A tensor wrapping caller memory with ``shared_memory=True`` would
  not be: OpenVINO does not keep the Python buffer alive, and compiled models read it after the
  Model is gone.) OpenVINO does not wipe that memory when it frees it.
* The XML (or ONNX) text is decrypted straight into the ``bytes`` OpenVINO's reader requires (a
  :data:`mscrypt.PlaintextBytes`), parsed, and wiped before returning (it never leaves this
  function, so it is overwritten in place).
"""

from __future__ import annotations

from typing import Any, Optional

from . import _mscrypt
from ._container import decrypt_file_into, decrypted_size
from ._errors import Error, checked_path


def _runtime():
    try:
        import openvino
    except ImportError as e:  # pragma: no cover - exercised where openvino is absent
        raise Error("mscrypt.openvino needs the openvino package: pip install openvino") from e
    return openvino


def read_model(model_path: Any, weights_path: Any = None, *, key: Any, mode: Optional[str] = None,
               core: Any = None) -> Any:
    """``openvino.Model`` from an encrypted ``.xml`` (+ ``.bin``) or ``.onnx`` file.

    ``weights_path`` defaults to the model path with ``.bin`` for an ``.xml`` model; an ONNX model
    carries its weights. ``mode=None`` detects the mode of each file; ``core`` is an
    ``openvino.Core`` to use (a new one by default)."""
    ov = _runtime()
    model_path = checked_path(model_path, "model_path")
    core = ov.Core() if core is None else core
    is_xml = model_path.endswith(".xml") or model_path.endswith(".xml.enc")
    if weights_path is None and is_xml:
        base = model_path[: -len(".enc")] if model_path.endswith(".enc") else model_path
        weights_path = base[: -len(".xml")] + ".bin" + (".enc" if model_path.endswith(".enc") else "")
    weights = None
    if weights_path is not None:
        weights_path = checked_path(weights_path, "weights_path")
        size = decrypted_size(weights_path, key, mode)
        weights = ov.Tensor(ov.Type.u8, [size])  # OpenVINO-owned: lives as long as anything uses it
        decrypt_file_into(weights_path, key, weights.data, mode)
    raw = _mscrypt.decrypt_file_to_bytes(model_path, key, mode, 0)  # the reader takes bytes only
    try:
        return core.read_model(raw, weights) if weights is not None else core.read_model(raw)
    finally:
        _mscrypt._wipe_private_bytes(raw)  # now, not only when freed
