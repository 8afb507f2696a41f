"""MindIR models: ``load_mindir`` / ``export_mindir``, compatible with ``mindspore.load`` / ``mindspore.export``.

A MindIR file is a serialized ``mind_ir.ModelProto``, plain or passed whole through MindSpore's
block container (AES-GCM, AES-CBC, SM4-CBC), or through a user function (a callable
``enc_mode``/``dec_mode``). Large models keep their weights in external files:
``<prefix>_graph.mindir`` plus ``<prefix>_variables/data_N``, found relative to the graph file's
directory and encrypted with the same key and mode (docs/payloads.md §3.3).

Differences from MindSpore, all deliberate:

* A callable ``dec_mode`` receives the **whole** key, zero bytes included (MindSpore 2.7 cuts it
  at the first NUL). A callable ``enc_mode`` gets the whole key in both. The callable gets the
  key as a ``bytes`` copy, which mscrypt cannot wipe; string modes copy the key into wiped
  native memory only.
* With a callable, external weight files work too: every file (graph and each whole ``data_N``)
  goes through the callable. MindSpore refuses this combination on export (TypeError) and cannot
  find the weight files on load, so such exports are readable by mscrypt only.
* ``load_mindir`` accepts any file name (MindSpore requires the ``.mindir`` suffix) and an
  encrypted file without a key fails with ``KeyRequiredError`` for all three modes (MindSpore's
  check misses SM4-CBC).
* Files are written atomically (temporary name, then rename); MindSpore's chmod 0400 is not copied.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Union

import numpy as np

from . import _mscrypt
from ._errors import ArgumentTypeError, KeyRequiredError, checked_path, key_advice

BytesLike = Union[bytes, bytearray, memoryview]
PathLike = Union[str, "os.PathLike[str]"]
EncryptFunc = Callable[[bytes, bytes], bytes]
DecryptFunc = Callable[[str, bytes], bytes]

#: Parameter bytes above which ``export_mindir(external=None)`` switches to the external layout
#: (MindSpore's ``TOTAL_SAVE``, 1 GiB).
EXTERNAL_THRESHOLD = 1 << 30

_NUMPY_TYPES = {
    1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
    9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64, 14: np.complex64,
    15: np.complex128, 17: np.float64,
}
_BFLOAT16 = 16


def _dtype_of(data_type: int) -> Optional[np.dtype]:
    """numpy dtype of a mind_ir TensorProto.data_type, or None (STRING, QINT4X2, unknown)."""
    if data_type == _BFLOAT16:
        try:
            import ml_dtypes  # optional dependency, needed only for bfloat16
        except ImportError:
            return None
        return np.dtype(ml_dtypes.bfloat16)
    t = _NUMPY_TYPES.get(data_type)
    return None if t is None else np.dtype(t)


class TensorSpec(NamedTuple):
    """A graph input or output: ``shape`` may contain -1 for dynamic dimensions."""

    name: str
    dtype: Optional[np.dtype]
    shape: Tuple[int, ...]
    data_type: int


class ExternalData(NamedTuple):
    """Where a parameter was stored in an external weight file (plaintext offset and length)."""

    location: str
    offset: int
    length: int


class ParameterInfo(NamedTuple):
    """Metadata of one parameter. ``name`` is as stored (``"<graph>:<ref_key>"`` for MindSpore)."""

    name: str
    ref_key: str
    dtype: Optional[np.dtype]
    shape: Tuple[int, ...]
    data_type: int
    has_data: bool
    external: Optional[ExternalData]


def _to_array(raw: np.ndarray, dtype: Optional[np.dtype], shape: Tuple[int, ...]) -> np.ndarray:
    if dtype is None:
        return raw  # raw little-endian bytes (uint8, 1-D) for types numpy cannot express
    return raw.view(dtype).reshape(shape)


class MindIR:
    """A loaded MindIR model.

    Attributes:
        graph_name: name of the main graph (contains MindSpore's per-export counters).
        inputs, outputs: lists of :class:`TensorSpec`.
        parameters: ``dict`` parameter name -> read-only numpy array with the stored dtype and
            shape (a view of the decrypted model, no copy; ``np.array(x)`` makes a writable copy).
            bfloat16 needs ``ml_dtypes``; types numpy cannot express (STRING, QINT4X2, unknown,
            bfloat16 without ml_dtypes) are given as 1-D ``uint8`` arrays of the raw bytes.
            Parameters stored without any data are omitted (see ``parameter_info``).
        parameter_info: list of :class:`ParameterInfo`, in graph order.
    """

    def __init__(self, graph: Any) -> None:
        self._graph = graph
        self.graph_name: str = graph.name
        self.producer_name: str = graph.producer_name
        self.model_version: str = graph.model_version
        self.mind_ir_version: int = graph.mind_ir_version
        self.inputs: List[TensorSpec] = [TensorSpec(n, _dtype_of(t), s, t) for n, t, s in graph.inputs]
        self.outputs: List[TensorSpec] = [TensorSpec(n, _dtype_of(t), s, t) for n, t, s in graph.outputs]
        self.parameters: Dict[str, np.ndarray] = {}
        self.parameter_info: List[ParameterInfo] = []
        for name, ref_key, data_type, shape, raw, ext in graph.parameters():
            dtype = _dtype_of(data_type)
            external = None if ext is None else ExternalData(*ext)
            self.parameter_info.append(
                ParameterInfo(name, ref_key, dtype, shape, data_type, raw is not None, external))
            if raw is not None:
                self.parameters[name] = _to_array(raw, dtype, shape)

    @property
    def has_external_data(self) -> bool:
        """True when the weights were loaded from external ``data_N`` files."""
        return bool(self._graph.has_external_data)

    def serialize(self, *, inline_external: bool = False) -> bytes:
        """The plaintext serialized ModelProto.

        By default exactly as loaded: for a MindSpore file, the decrypted file's bytes (external
        parameters keep their ``external_data`` references). With ``inline_external=True`` the
        external weights are put into ``raw_data``, giving a self-contained model (which must
        stay below protobuf's 2 GiB limit).
        """
        return self._graph.serialize(inline_external)

    def __repr__(self) -> str:
        return (f"MindIR(graph_name={self.graph_name!r}, parameters={len(self.parameters)}, "
                f"inputs={len(self.inputs)}, outputs={len(self.outputs)})")


def _path(file_name: Any, arg: str) -> str:
    return checked_path(file_name, arg)


def _key_bytes(key: Any, arg: str) -> bytes:
    if isinstance(key, str) or not isinstance(key, (bytes, bytearray, memoryview)):
        raise ArgumentTypeError(f"{arg} must be bytes-like (bytes, bytearray, memoryview), not {type(key).__name__}")
    return bytes(key)


def load_mindir(file_name: PathLike, dec_key: Optional[BytesLike] = None,
                dec_mode: Union[str, DecryptFunc] = "AES-GCM", *, threads: int = 0,
                seal: Optional[bool] = None) -> MindIR:
    """Load (and decrypt) a MindIR file, like ``mindspore.load(file_name, dec_key=, dec_mode=)``.

    ``dec_key=None`` loads a plain model (``dec_mode`` is then ignored, as in MindSpore).
    ``dec_mode`` is ``"AES-GCM"``, ``"AES-CBC"``, ``"SM4-CBC"`` or a callable
    ``decrypt_func(cipher_file: str, key: bytes) -> bytes`` called with the file's real path and the
    whole key, whose return value is parsed as the ModelProto (and which is also called for each
    external weight file). ``threads``: decryption workers (0 = one per core). Decryption and
    parsing run without the GIL.

    Raises ``KeyRequiredError`` for an encrypted file without a key, ``InvalidArgumentError`` for
    bad arguments; ``AuthenticationError`` / ``WrongModeError`` /
    ``NotEncryptedError`` / ``TruncatedError`` from the container; ``MalformedError`` when the
    plaintext is not a valid MindIR model or an external weight file does not match;
    ``UnsupportedError`` for a ModelProto of 2 GiB or more; ``FileError`` for missing files.
    """
    path = _path(file_name, "file_name")
    if dec_key is None:
        with key_advice("dec_key"):
            return MindIR(_mscrypt.mindir_load(path, None, "AES-GCM", threads, seal))
    if callable(dec_mode):
        key = _key_bytes(dec_key, "dec_key")
        real = os.path.realpath(path)
        decrypt_func = dec_mode
        plaintext = decrypt_func(real, key)
        if isinstance(plaintext, str) or not isinstance(plaintext, (bytes, bytearray, memoryview)):
            raise ArgumentTypeError(f"the decrypt function must return bytes, not {type(plaintext).__name__}")
        return MindIR(_mscrypt.mindir_parse(
            plaintext, os.path.dirname(real), lambda p: decrypt_func(os.path.realpath(p), key), threads))
    return MindIR(_mscrypt.mindir_load(path, dec_key, dec_mode, threads, seal))


def export_mindir(model: Union[MindIR, BytesLike, PathLike], file_name: PathLike,
                  enc_key: Optional[BytesLike] = None, enc_mode: Union[str, EncryptFunc] = "AES-GCM", *,
                  threads: int = 0, external: Optional[bool] = None, seal: bool = False) -> str:
    """Write ``model`` as a MindIR file, like ``mindspore.export(..., file_format="MINDIR")``.

    ``model``: a :class:`MindIR` (all its weights are written, wherever they were loaded from),
    plaintext ModelProto bytes (without external references), or the path of a plain ``.mindir``.

    File naming follows MindSpore (``file_name`` is made absolute with ``os.path.realpath``):

    * embedded weights (``external=False``, or ``None`` with at most 1 GiB of parameters):
      ``file_name + ".mindir"`` unless it already ends in ``.mindir``;
    * external weights (``external=True``, or ``None`` above 1 GiB): prefix = base name without
      ``.mindir``; writes ``<dir>/<prefix>_variables/data_0`` (directory created, mode 0700) and
      ``<dir>/<prefix>_graph.mindir``, byte-compatible with MindSpore's split export (weight files:
      separately encrypted 64-byte header and 64-byte-padded parameter segments).

    ``enc_key=None`` writes plain files (``enc_mode`` is ignored, as in MindSpore). ``enc_mode`` is a
    mode string or a callable ``encrypt_func(model_stream: bytes, key: bytes) -> bytes`` whose
    return value is written as-is (atomically); it gets the whole key. Returns the path of the
    graph file written.
    """
    if external is not None and not isinstance(external, bool):
        raise ArgumentTypeError(f"external must be None or a bool, not {type(external).__name__}")
    graph = _graph_of(model, threads)
    path = os.path.realpath(_path(file_name, "file_name"))
    layout = 0 if external is None else (2 if external else 1)
    if enc_key is None:
        result = _mscrypt.mindir_export(graph, path, None, "AES-GCM", None, threads, layout, seal)
    elif callable(enc_mode):
        key = _key_bytes(enc_key, "enc_key")
        encrypt_func = enc_mode
        result = _mscrypt.mindir_export(graph, path, None, "AES-GCM", lambda data: encrypt_func(data, key),
                                        threads, layout, seal)
    else:
        result = _mscrypt.mindir_export(graph, path, enc_key, enc_mode, None, threads, layout, seal)
    return result[0]


def _graph_of(model: Any, threads: int) -> Any:
    if isinstance(model, MindIR):
        return model._graph
    if isinstance(model, (bytes, bytearray, memoryview)):
        return _mscrypt.mindir_parse(model, None, None, threads)
    if isinstance(model, str) or hasattr(model, "__fspath__"):
        try:
            return load_mindir(model, threads=threads)._graph
        except KeyRequiredError as e:
            raise KeyRequiredError(
                f"{e}: model paths must be plain .mindir files; load an encrypted one with "
                "load_mindir(path, dec_key, dec_mode) and pass the MindIR") from None
    raise ArgumentTypeError("model must be a MindIR, plaintext ModelProto bytes or the path of a plain .mindir file, "
                    f"not {type(model).__name__}")
