"""The block container: bytes and files in, bytes and files out (docs/format.md)."""

from __future__ import annotations

import os
from typing import Any, Dict, Union

from . import _mscrypt

BytesLike = Union[bytes, bytearray, memoryview]
PathLike = Union[str, "os.PathLike[str]"]


def encrypt(data: BytesLike, key: BytesLike, mode: str = "AES-GCM", *, threads: int = 0) -> bytes:
    """Encrypt ``data`` into MindSpore's container (64 MiB blocks, fresh random IV per block)."""
    return _mscrypt.encrypt(data, key, mode, threads)


def decrypt(data: BytesLike, key: BytesLike, mode: str = "AES-GCM", *, threads: int = 0,
            legacy: bool = False) -> bytes:
    """Decrypt a container. ``legacy=True`` reads MindSpore 1.3-1.6 files, which carry NO
    integrity protection: a wrong key or a tampered file then decrypts to garbage silently."""
    return _mscrypt.decrypt(data, key, mode, threads, legacy)


def encrypt_file(src: PathLike, dst: PathLike, key: BytesLike, mode: str = "AES-GCM", *,
                 threads: int = 0, in_place: bool = False) -> None:
    """Encrypt file ``src`` to ``dst`` with bounded memory; ``dst`` is replaced atomically.

    ``src`` must be a regular file (a FIFO or device is refused, never waited on). A symlink
    ``dst`` is followed and its target replaced; a FIFO or device ``dst`` is refused; ``dst``
    naming ``src`` is refused unless ``in_place=True``. A new ``dst`` gets ``0666 & ~umask``; an
    existing one keeps its permissions."""
    _mscrypt.encrypt_file(src, dst, key, mode, threads, in_place)


def decrypt_file(src: PathLike, dst: PathLike, key: BytesLike, mode: str = "AES-GCM", *,
                 threads: int = 0, legacy: bool = False, in_place: bool = False) -> None:
    """Decrypt file ``src`` to ``dst`` with bounded memory; on failure ``dst`` is untouched.

    The same rules as :func:`encrypt_file`, except that a new ``dst`` is created ``0600``: it
    holds plaintext."""
    _mscrypt.decrypt_file(src, dst, key, mode, threads, legacy, in_place)


def verify_file(path: PathLike, key: BytesLike, mode: str = "AES-GCM", *, threads: int = 0,
                legacy: bool = False) -> None:
    """Authenticate every block of ``path`` (GCM tag; CBC padding only) and write nothing.
    Raises on failure, returns None on success."""
    _mscrypt.verify_file(path, key, mode, threads, legacy)


def is_cipher_file(path: PathLike) -> bool:
    """True when ``path`` starts with a block magic of any mode (SM4-CBC included)."""
    return _mscrypt.is_cipher_file(path)


def inspect(path_or_data: Union[PathLike, BytesLike], *, legacy: bool = False) -> Dict[str, Any]:
    """Read mode, block layout and plaintext size from the headers alone (no key needed).

    Returns a dict with ``mode`` (None for legacy files), ``format``, ``container_size``,
    ``plaintext_size`` (None when CBC padding makes it inexact), ``plaintext_size_min``,
    ``plaintext_size_max`` and ``blocks`` (one dict per block).
    """
    if isinstance(path_or_data, (bytes, bytearray, memoryview)):
        return _mscrypt.inspect_bytes(path_or_data, legacy)
    return _mscrypt.inspect_file(path_or_data, legacy)


def is_mode_available(mode: str) -> bool:
    """False when the linked OpenSSL lacks the cipher (SM4-CBC on some builds)."""
    return _mscrypt.is_mode_available(mode)
