"""ONNX Runtime from an encrypted ONNX file, decrypted only in memory.

``InferenceSession(path, *, key, mode=None, **kwargs)`` returns an ``onnxruntime.InferenceSession``
built from memory; ``kwargs`` (``providers``, ``sess_options``, ...) go to ONNX Runtime as they are.

Plaintext copies (measured with ONNX Runtime 1.32; see ``tests/python/test_runtimes.py``): the
file is decrypted once, straight into the ``bytes`` object ONNX Runtime requires (no intermediate
buffer); ONNX Runtime parses it into its own tensors and keeps that ``bytes`` object for the life
of the session (it re-reads it when providers are reset), so mscrypt cannot wipe it. That is two
plaintext copies, the runtime's minimum for a model given from memory.
"""

from __future__ import annotations

from typing import Any, Optional

from . import _mscrypt
from ._errors import Error, checked_path


def _runtime():
    try:
        import onnxruntime
    except ImportError as e:  # pragma: no cover - exercised where onnxruntime is absent
        raise Error("mscrypt.onnxruntime needs the onnxruntime package: pip install onnxruntime") from e
    return onnxruntime


def InferenceSession(path: Any, *, key: Any, mode: Optional[str] = None, **kwargs: Any) -> Any:  # noqa: N802
    """An ``onnxruntime.InferenceSession`` for the encrypted ONNX file ``path``."""
    ort = _runtime()
    path = checked_path(path, "path")
    model = _mscrypt.decrypt_file_to_bytes(path, key, mode, 0)
    kwargs.setdefault("providers", ["CPUExecutionProvider"])
    return ort.InferenceSession(model, **kwargs)
