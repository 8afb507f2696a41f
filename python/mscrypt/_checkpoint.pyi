import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

_PathLike = Union[str, os.PathLike[str]]
_BytesLike = Union[bytes, bytearray, memoryview]
_Value = Union[np.ndarray, str, List[np.ndarray]]

class CheckpointTensor:
    data: Any
    tensor_type: str
    def __init__(self, data: Any, tensor_type: str) -> None: ...

def save_checkpoint(
    save_obj: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
    ckpt_file_name: _PathLike,
    enc_key: Optional[_BytesLike] = ...,
    enc_mode: str = ...,
    append_dict: Optional[Mapping[str, Any]] = ...,
    crc_check: bool = ...,
    choice_func: Optional[Callable[[str], bool]] = ...,
    *,
    threads: int = ...,
) -> None: ...

def load_checkpoint(
    ckpt_file_name: _PathLike,
    dec_key: Optional[_BytesLike] = ...,
    dec_mode: str = ...,
    filter_prefix: Union[str, Sequence[str], None] = ...,
    specify_prefix: Union[str, Sequence[str], None] = ...,
    choice_func: Optional[Callable[[str], bool]] = ...,
    crc_check: bool = ...,
    *,
    threads: int = ...,
) -> Dict[str, _Value]: ...
