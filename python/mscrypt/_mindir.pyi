import os
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Union

import numpy as np

_PathLike = Union[str, os.PathLike[str]]
_BytesLike = Union[bytes, bytearray, memoryview]
_EncryptFunc = Callable[[bytes, bytes], bytes]
_DecryptFunc = Callable[[str, bytes], bytes]

EXTERNAL_THRESHOLD: int

class TensorSpec(NamedTuple):
    name: str
    dtype: Optional[np.dtype[Any]]
    shape: Tuple[int, ...]
    data_type: int

class ExternalData(NamedTuple):
    location: str
    offset: int
    length: int

class ParameterInfo(NamedTuple):
    name: str
    ref_key: str
    dtype: Optional[np.dtype[Any]]
    shape: Tuple[int, ...]
    data_type: int
    has_data: bool
    external: Optional[ExternalData]

class MindIR:
    graph_name: str
    producer_name: str
    model_version: str
    mind_ir_version: int
    inputs: List[TensorSpec]
    outputs: List[TensorSpec]
    parameters: Dict[str, np.ndarray[Any, Any]]
    parameter_info: List[ParameterInfo]
    def __init__(self, graph: Any) -> None: ...
    @property
    def has_external_data(self) -> bool: ...
    def serialize(self, *, inline_external: bool = ...) -> bytes: ...

def load_mindir(
    file_name: _PathLike,
    dec_key: Optional[_BytesLike] = ...,
    dec_mode: Union[str, _DecryptFunc] = ...,
    *,
    threads: int = ...,
) -> MindIR: ...

def export_mindir(
    model: Union[MindIR, _BytesLike, _PathLike],
    file_name: _PathLike,
    enc_key: Optional[_BytesLike] = ...,
    enc_mode: Union[str, _EncryptFunc] = ...,
    *,
    threads: int = ...,
    external: Optional[bool] = ...,
) -> str: ...
