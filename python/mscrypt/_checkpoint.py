"""MindSpore checkpoints (.ckpt) without MindSpore: save_checkpoint / load_checkpoint.

The files are byte-compatible with MindSpore's ``save_checkpoint``/``load_checkpoint`` (plain,
``crc_check`` trailer, and ``enc_key``/``enc_mode`` encryption). Tensors are numpy arrays;
``BFloat16`` uses ``ml_dtypes.bfloat16``.

Loading reads (or decrypts, in parallel) the whole file into ONE buffer and returns arrays that are
views of it: no per-tensor copy, peak memory about the plaintext size. The arrays are writeable
(the buffer is private to the result), may be unaligned (``arr.flags.aligned`` can be False; numpy
handles that, use ``arr.copy()`` for an aligned, independent array), and keeping any one of them
alive keeps the whole buffer alive. Tensors stored in several 512 MiB slices are joined inside
that buffer (the slices are moved over the message headers between them), so they are views too
and loading never needs a second buffer; only multi-slice MapParameter parts are copied.

Saving streams one protobuf message per tensor (per 512 MiB slice) from the arrays' memory into
the file or the encrypting writer: the checkpoint is never assembled in memory.
"""

from __future__ import annotations

import errno
import os
import warnings
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _mscrypt
from ._errors import ArgumentTypeError, InvalidArgumentError, MalformedError, checked_path, file_error, key_advice

PathLike = Union[str, "os.PathLike[str]"]
BytesLike = Union[bytes, bytearray, memoryview]

# Bytes per slice (MindSpore's SLICE_SIZE * 1024). Tests lower it to exercise slicing cheaply.
_SLICE_SIZE = _mscrypt.CHECKPOINT_SLICE_SIZE

# numpy dtype name -> tensor_type string MindSpore writes (str(Tensor.dtype)).
_NUMPY_TO_TENSOR_TYPE = {
    "bool": "Bool",
    "int8": "Int8",
    "uint8": "UInt8",
    "int16": "Int16",
    "uint16": "UInt16",
    "int32": "Int32",
    "uint32": "UInt32",
    "int64": "Int64",
    "uint64": "UInt64",
    "float16": "Float16",
    "float32": "Float32",
    "float64": "Float64",
    "bfloat16": "BFloat16",
}

_TENSOR_TYPE_TO_NUMPY = {
    "Bool": np.dtype(np.bool_),
    "Int8": np.dtype(np.int8),
    "UInt8": np.dtype(np.uint8),
    "Int16": np.dtype("<i2"),
    "UInt16": np.dtype("<u2"),
    "Int32": np.dtype("<i4"),
    "UInt32": np.dtype("<u4"),
    "Int64": np.dtype("<i8"),
    "UInt64": np.dtype("<u8"),
    "Float16": np.dtype("<f2"),
    "Float32": np.dtype("<f4"),
    "Float64": np.dtype("<f8"),
    # Int4 (MindSpore qint4x2): one byte per element holding two packed 4-bit values; MindSpore's
    # own Tensor.asnumpy() returns these bytes as int8, and so does mscrypt.
    "Int4": np.dtype(np.int8),
}


def _bfloat16() -> np.dtype:
    import ml_dtypes  # runtime dependency, imported only when bfloat16 is involved

    return np.dtype(ml_dtypes.bfloat16)


class CheckpointTensor:
    """A tensor saved with an explicit ``tensor_type``, for types numpy cannot express.

    ``CheckpointTensor(packed, "Int4")`` saves MindSpore ``qint4x2`` data: ``packed`` is an int8 or
    uint8 array whose every byte holds two 4-bit values (what ``load_checkpoint`` returns for an
    ``Int4`` tensor, and what MindSpore's ``Tensor.asnumpy()`` gives). Any other tensor_type name of
    the format is accepted too; the element size must match the array's itemsize.
    """

    __slots__ = ("data", "tensor_type")

    def __init__(self, data: Any, tensor_type: str) -> None:
        self.data = data
        self.tensor_type = tensor_type

    def __repr__(self) -> str:
        return f"CheckpointTensor(tensor_type={self.tensor_type!r}, shape={np.shape(self.data)})"


# ---- save ----------------------------------------------------------------------------------


def _checkpoint_path(ckpt_file_name: Any) -> str:
    path = checked_path(ckpt_file_name, "ckpt_file_name")
    path = os.path.realpath(path)
    if os.path.isdir(path):
        raise file_error(f"ckpt_file_name {path!r} is a directory, it must be a file name", errno.EISDIR, path)
    # MindSpore appends the suffix when the name does not end with "ckpt" (no dot checked).
    if not path.endswith("ckpt"):
        path += ".ckpt"
    return path


def _python_value_to_array(value: Any) -> np.ndarray:
    # MindSpore's Tensor(): bool -> Bool, int -> Int64, float -> Float32 (lists alike).
    arr = np.asarray(value)
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    elif arr.dtype.kind == "i" and arr.dtype != np.int64:
        arr = arr.astype(np.int64)
    return arr


def _string_entry(name: str, value: str) -> Tuple[str, str, List[int], Any]:
    # numpy unicode bytes, exactly np.array(value).tobytes() as MindSpore writes (an empty string
    # is one NUL code unit), with dims [0].
    arr = np.array(value)
    arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    return (name, "str", [0], arr.reshape(-1).view(np.uint8))


def _array_entry(name: str, arr: np.ndarray, tensor_type: Optional[str] = None) -> Tuple[str, str, List[int], Any]:
    if tensor_type is None:
        if arr.dtype.kind == "U" and arr.ndim == 0:
            return _string_entry(name, str(arr))
        tensor_type = _NUMPY_TO_TENSOR_TYPE.get(arr.dtype.name)
        if tensor_type is None:
            raise ArgumentTypeError(f"parameter {name!r}: numpy dtype {arr.dtype} has no MindSpore checkpoint type "
                            f"(supported: {', '.join(sorted(_NUMPY_TO_TENSOR_TYPE))}, str)")
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
    flat = arr.reshape(-1)
    return (name, tensor_type, [int(d) for d in arr.shape], flat.view(np.uint8) if flat.size else flat.tobytes())


def _to_entry(name: str, value: Any) -> Tuple[str, str, List[int], Any]:
    if isinstance(value, CheckpointTensor):
        arr = np.asarray(value.data)
        if value.tensor_type == "str":
            return _string_entry(name, str(value.data))
        return _array_entry(name, arr, value.tensor_type)
    # numpy first: np.float64 and np.str_ are also Python float and str.
    if isinstance(value, (np.ndarray, np.generic)):
        return _array_entry(name, np.asarray(value))
    if isinstance(value, str):
        return _string_entry(name, value)
    if isinstance(value, (bool, int, float, list, tuple)):
        return _array_entry(name, _python_value_to_array(value))
    if hasattr(value, "asnumpy"):  # MindSpore Tensor / Parameter
        return _array_entry(name, np.asarray(value.asnumpy()))
    if hasattr(value, "__array__"):
        return _array_entry(name, np.asarray(value))
    raise ArgumentTypeError(f"parameter {name!r}: cannot save a value of type {type(value).__name__} "
                    "(use a numpy array, a Python scalar or list, a str, or an object with asnumpy()/__array__)")


def _collect(save_obj: Any, choice_func: Optional[Callable[[str], bool]]) -> "OrderedDict[str, Any]":
    items: "OrderedDict[str, Any]" = OrderedDict()
    if isinstance(save_obj, Mapping):
        pairs = list(save_obj.items())
        for key, _ in pairs:
            if not isinstance(key, str):
                raise ArgumentTypeError(f"save_obj keys must be str, got {type(key).__name__}")
    elif isinstance(save_obj, (list, tuple)):
        pairs = []
        for item in save_obj:
            if not (isinstance(item, Mapping) and "name" in item and "data" in item):
                raise ArgumentTypeError("when save_obj is a list, every item must be a dict with keys 'name' and 'data'")
            if not isinstance(item["name"], str):
                raise ArgumentTypeError(f"parameter names must be str, got {type(item['name']).__name__}")
            pairs.append((item["name"], item["data"]))
    else:
        raise ArgumentTypeError(f"save_obj must be a dict or a list of {{'name':..., 'data':...}} dicts, "
                        f"not {type(save_obj).__name__}")
    for name, value in pairs:
        if choice_func is not None and not choice_func(name):
            continue
        items[name] = value  # a repeated name keeps its first position and its last value (as MindSpore)
    return items


def save_checkpoint(save_obj: Any, ckpt_file_name: PathLike, enc_key: Optional[BytesLike] = None,
                    enc_mode: str = "AES-GCM", append_dict: Optional[Mapping[str, Any]] = None,
                    crc_check: bool = False, choice_func: Optional[Callable[[str], bool]] = None, *,
                    threads: int = 0, seal: bool = False) -> None:
    """Save tensors as a MindSpore checkpoint, optionally encrypted.

    ``save_obj`` is a dict ``name -> value`` or MindSpore's list of ``{"name": ..., "data": ...}``.
    Values may be numpy arrays and scalars, Python scalars and lists (``bool`` -> Bool, ``int`` ->
    Int64, ``float`` -> Float32, as MindSpore's ``Tensor()``), ``str``, objects with ``asnumpy()``
    (MindSpore tensors) or ``__array__``, or :class:`CheckpointTensor`. ``append_dict`` entries are
    added after ``save_obj`` (not filtered by ``choice_func``). ``.ckpt`` is appended when the name
    does not end with ``ckpt``. The file appears atomically (temporary file + rename).

    ``enc_key`` (bytes-like, 16/24/32 bytes; SM4-CBC 16) encrypts with ``enc_mode`` ("AES-GCM",
    "AES-CBC" or "SM4-CBC"). ``crc_check=True`` appends MindSpore's ``crc_num`` trailer; it cannot
    be combined with ``enc_key`` (:class:`InvalidArgumentError`, nothing written). ``threads``: 0 =
    one per core. Tensors with no elements are not written, as in MindSpore's synchronous save
    (which drops them silently; mscrypt issues a ``UserWarning``). Files that do contain empty
    tensors (MindSpore's ``async_save`` writes them) load with their real shape.
    """
    if not isinstance(crc_check, bool):
        raise ArgumentTypeError("crc_check must be a bool")
    path = _checkpoint_path(ckpt_file_name)
    items = _collect(save_obj, choice_func)
    if append_dict is not None:
        if not isinstance(append_dict, Mapping):
            raise ArgumentTypeError(f"append_dict must be a dict, not {type(append_dict).__name__}")
        for key, value in append_dict.items():
            if not isinstance(key, str):
                raise ArgumentTypeError(f"append_dict keys must be str, got {type(key).__name__}")
            items[key] = value
    entries = [_to_entry(name, value) for name, value in items.items()]
    # MindSpore's synchronous save writes no message for a 0-byte tensor (its chunk loop never
    # runs), and its loader would read a written (0,) tensor back as a 0-d scalar: drop them as it
    # does, but say so.
    kept, empty = [], []
    for e in entries:
        (empty if e[1] != "str" and len(e[3]) == 0 else kept).append(e)
    if empty:
        names = [e[0] for e in empty]
        shown = ", ".join(repr(n) for n in names[:5]) + (", ..." if len(names) > 5 else "")
        warnings.warn(f"save_checkpoint: {len(names)} empty tensor(s) not written, as MindSpore's "
                      f"save_checkpoint does: {shown}", UserWarning, stacklevel=2)
    entries = kept
    _mscrypt.checkpoint_save(path, entries, enc_key, enc_mode, crc_check, threads, _SLICE_SIZE, seal)


# ---- load ----------------------------------------------------------------------------------


def _check_prefix(prefix: Any, arg: str) -> Optional[Tuple[str, ...]]:
    # MindSpore _check_prefix: None, a str, or a non-empty list/tuple of non-empty str.
    if prefix is None:
        return None
    if isinstance(prefix, str):
        prefix = (prefix,)
    if not isinstance(prefix, (list, tuple)):
        raise ArgumentTypeError(f"{arg} must be a str or a list/tuple of str, not {type(prefix).__name__}")
    if not prefix:
        raise InvalidArgumentError(f"{arg} must not be an empty list or tuple")
    for index, p in enumerate(prefix):
        if not isinstance(p, str):
            raise ArgumentTypeError(f"{arg}[{index}] must be a str, not {type(p).__name__}")
        if p == "":
            raise InvalidArgumentError(f"{arg} must not contain ''")
    return tuple(prefix)


def _selector(specify: Optional[Tuple[str, ...]], filt: Optional[Tuple[str, ...]],
              choice_func: Optional[Callable[[str], bool]]) -> Optional[Callable[[str], bool]]:
    # MindSpore _whether_load_param: specify_prefix keeps only matching names, then filter_prefix
    # drops matching names (so filter wins when both match); choice_func is consulted only when
    # neither prefix argument is given.
    if specify is None and filt is None:
        return choice_func
    def select(name: str) -> bool:
        if specify is not None and not name.startswith(specify):
            return False
        if filt is not None and name.startswith(filt):
            return False
        return True
    return select


def _tensor_value(index: int, part: Tuple[str, str, Tuple[int, ...], np.ndarray]) -> Union[np.ndarray, str]:
    type_name, canonical, shape, raw = part
    if canonical == "str":
        n = raw.size // 4
        if n == 0:
            return ""
        units = raw.view("<u4")
        # Code points past U+10FFFF and surrogates are not characters: numpy would raise a
        # SystemError or build an invalid str from them. (Named by index: the name is plaintext.)
        if bool(((units > 0x10FFFF) | ((units >= 0xD800) & (units <= 0xDFFF))).any()):
            raise MalformedError(f"parameter #{index}: the str tensor holds a value that is not a Unicode code point")
        return str(raw.view(f"<U{n}")[0])  # numpy drops trailing NULs, as MindSpore's loader does
    dtype = _bfloat16() if canonical == "BFloat16" else _TENSOR_TYPE_TO_NUMPY[canonical]
    return raw.view(dtype).reshape(shape)


def load_checkpoint(ckpt_file_name: PathLike, dec_key: Optional[BytesLike] = None, dec_mode: str = "AES-GCM",
                    filter_prefix: Union[str, Sequence[str], None] = None,
                    specify_prefix: Union[str, Sequence[str], None] = None,
                    choice_func: Optional[Callable[[str], bool]] = None, crc_check: bool = False, *,
                    threads: int = 0, seal: Optional[bool] = None) -> Dict[str, Union[np.ndarray, str, List[np.ndarray]]]:
    """Load a MindSpore checkpoint into ``{name: numpy array | str}`` in file order.

    Scalars come back as 0-d arrays, ``str`` values as ``str``, BFloat16 as ``ml_dtypes.bfloat16``,
    Int4 as int8 (two packed 4-bit values per byte), MapParameter entries as a list of three arrays
    (keys, values, status). Arrays are views of one buffer holding the plaintext (see the module
    docstring: writeable, possibly unaligned, they keep the buffer alive).

    ``dec_key``/``dec_mode`` decrypt an encrypted file (decryption runs on ``threads`` threads with
    the GIL released). An encrypted file loaded without ``dec_key`` raises
    :class:`KeyRequiredError` (a :class:`ValueError`); a wrong key or mode raises a :class:`FormatError`
    subclass. ``filter_prefix`` drops names starting with any prefix, ``specify_prefix`` keeps only
    names starting with one (filter wins), ``choice_func(name)`` is used only when neither is given
    (MindSpore's rules). ``crc_check=True`` verifies the ``crc_num`` trailer (mismatch:
    :class:`MalformedError`; a file without trailer loads with a warning, as in MindSpore). Like
    MindSpore, an empty result raises ``ValueError`` (:class:`InvalidArgumentError`).
    """
    if not isinstance(crc_check, bool):
        raise ArgumentTypeError("crc_check must be a bool")
    specify = _check_prefix(specify_prefix, "specify_prefix")
    filt = _check_prefix(filter_prefix, "filter_prefix")
    if choice_func is not None and not callable(choice_func):
        raise ArgumentTypeError("choice_func must be callable")
    with key_advice("dec_key"):
        entries, has_crc = _mscrypt.checkpoint_load(ckpt_file_name, dec_key, dec_mode, crc_check, threads,
                                                    _selector(specify, filt, choice_func), seal)
    if crc_check and not has_crc:
        warnings.warn(f"checkpoint {os.fspath(ckpt_file_name)!r} has no crc_num trailer; nothing to verify",
                      UserWarning, stacklevel=2)
    result: Dict[str, Any] = {}
    for index, (name, kind, payload) in enumerate(entries):
        if kind == "tensor":
            result[name] = _tensor_value(index, payload)
        else:
            result[name] = [_tensor_value(index, part) for part in payload]
    if not result:
        raise InvalidArgumentError(
            "the loaded parameter dict is empty after filter or specify: the checkpoint has no (matching) "
            "parameters; check filter_prefix, specify_prefix and choice_func")
    return result
