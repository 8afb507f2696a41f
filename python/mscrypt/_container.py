"""The block container: bytes and files in, bytes and files out (docs/format.md)."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Optional, Sequence, Union

from . import _mscrypt
from ._errors import InvalidArgumentError

BytesLike = Union[bytes, bytearray, memoryview]
PathLike = Union[str, "os.PathLike[str]"]
Progress = Optional[Callable[[int, int], Any]]

#: Decrypted bytes in memory that wipe themselves. A writable, contiguous buffer (format ``B``):
#: use it with ``memoryview``, ``numpy.frombuffer`` or a runtime that wraps memory without a copy
#: (``openvino.Tensor(..., shared_memory=True)``); ``len()``; ``wipe()`` zeroes it now; as a context
#: manager it wipes on exit; it is wiped again when the last reference (any view included) goes.
Plaintext = _mscrypt.Plaintext

#: What :func:`decrypt` returns: a subclass of ``bytes`` (equal to, hashed like and accepted
#: wherever the same ``bytes`` are) whose memory is wiped when it is freed, and which, when large,
#: reuses pages the library keeps from earlier large outputs instead of fresh pages the kernel must
#: zero first (docs/performance.md). It cannot be constructed; ``bytes(x)``, copies and pickles
#: give plain ``bytes``.
PlaintextBytes = _mscrypt.PlaintextBytes


def release_cached_memory() -> int:
    """Give back to the system the large buffers mscrypt keeps for reuse (at most
    ``MSCRYPT_BUFFER_CACHE_MIB``, default 1024 MiB; they never hold plaintext: every buffer is wiped
    before it is kept). Returns the number of bytes released."""
    return _mscrypt.release_cached_memory()


# format="raw": AES-CBC with PKCS#7 padding, the caller's 16-byte IV and no header (Windows ML's
# format; what `openssl enc -aes-N-cbc -K KEY -iv IV` writes). It is NOT authenticated: a wrong key
# is caught only when the final padding is invalid (about 255 times in 256), a wrong IV never (it
# garbles the first 16 bytes only), and modifications are not detected (docs/format.md §8).
_FORMATS = ("mindspore", "raw")


def _raw(format: str, mode: Optional[str], iv: Optional[BytesLike], legacy: bool = False) -> bool:
    """Checks the format arguments; True for the raw format."""
    if not isinstance(format, str) or format not in _FORMATS:
        raise InvalidArgumentError('format must be "mindspore" (the block container) or "raw" (AES-CBC with iv)')
    if format == "mindspore":
        if iv is not None:
            raise InvalidArgumentError('iv is for format="raw" only (the container stores its IVs)')
        return False
    if mode not in (None, "AES-CBC"):
        raise InvalidArgumentError('format="raw" is AES-CBC; leave mode at None')
    if legacy is not False:
        raise InvalidArgumentError('legacy is for the MindSpore container, not format="raw"')
    return True


def encrypt(data: BytesLike, key: BytesLike, mode: Optional[str] = None, *, threads: int = 0,
            format: str = "mindspore", iv: Optional[BytesLike] = None) -> bytes:
    """Encrypt ``data`` into MindSpore's container (64 MiB blocks, fresh random IV per block).
    ``mode=None`` is AES-GCM, MindSpore's default. ``format="raw", iv=...``: raw AES-CBC (above)."""
    if _raw(format, mode, iv):
        return _mscrypt.raw_encrypt(data, key, iv)
    return _mscrypt.encrypt(data, key, mode, threads)


def decrypt(data: BytesLike, key: BytesLike, mode: Optional[str] = None, *, threads: int = 0,
            legacy: bool = False, format: str = "mindspore", iv: Optional[BytesLike] = None) -> bytes:
    """Decrypt a container into a :data:`PlaintextBytes` (``bytes`` that are wiped when freed).
    ``mode=None`` takes the mode from the first block's magic; a named mode
    is checked against it. ``legacy=True`` reads MindSpore 1.3-1.6 files, which carry NO integrity
    protection (a wrong key or a tampered file then decrypts to garbage silently) and do not name
    their mode, so it must be given. ``format="raw", iv=...``: raw AES-CBC (above)."""
    if _raw(format, mode, iv, legacy):
        return _mscrypt.raw_decrypt(data, key, iv)
    return _mscrypt.decrypt(data, key, mode, threads, legacy)


# seal= (docs/format.md §11): writers write "<file>.msseal" with seal=True (together with the file:
# a crash never leaves a file whose seal fails). Readers check the seal when one exists
# (seal=None), require it (True) or ignore it (False); a mismatch raises SealError naming the
# first offending block (dropped, added, reordered, duplicated or spliced blocks, another file's
# seal, an altered seal).
Seal = Optional[bool]


def _no_raw_seal(raw: bool, seal: Seal) -> None:
    if raw and seal is not None:
        raise InvalidArgumentError('seals are for the MindSpore container, not format="raw"')


def encrypt_file(src: PathLike, dst: PathLike, key: BytesLike, mode: Optional[str] = None, *,
                 threads: int = 0, in_place: bool = False, format: str = "mindspore",
                 iv: Optional[BytesLike] = None, seal: Seal = None) -> None:
    """Encrypt file ``src`` to ``dst`` with bounded memory; ``dst`` is replaced atomically.

    ``src`` must be a regular file (a FIFO or device is refused, never waited on). A symlink
    ``dst`` is followed and its target replaced; a FIFO or device ``dst`` is refused; ``dst``
    naming ``src`` is refused unless ``in_place=True``. A new ``dst`` gets ``0666 & ~umask``; an
    existing one keeps its permissions. ``format="raw", iv=...``: raw AES-CBC (above), streamed
    with bounded memory at any size."""
    raw = _raw(format, mode, iv)
    _no_raw_seal(raw, seal)
    if raw:
        return _mscrypt.raw_encrypt_file(src, dst, key, iv, threads, in_place)
    _mscrypt.encrypt_file(src, dst, key, mode, threads, in_place, seal)


def decrypt_file(src: PathLike, dst: PathLike, key: BytesLike, mode: Optional[str] = None, *,
                 threads: int = 0, legacy: bool = False, in_place: bool = False, format: str = "mindspore",
                 iv: Optional[BytesLike] = None, seal: Seal = None) -> None:
    """Decrypt file ``src`` to ``dst`` with bounded memory; on failure ``dst`` is untouched.

    The same rules as :func:`encrypt_file`, except that a new ``dst`` is created ``0600``: it
    holds plaintext. ``format="raw", iv=...``: raw AES-CBC (above); a failed padding check leaves
    ``dst`` untouched."""
    raw = _raw(format, mode, iv, legacy)
    _no_raw_seal(raw, seal)
    if raw:
        return _mscrypt.raw_decrypt_file(src, dst, key, iv, threads, in_place)
    _mscrypt.decrypt_file(src, dst, key, mode, threads, legacy, in_place, seal)


def verify_file(path: PathLike, key: BytesLike, mode: Optional[str] = None, *, threads: int = 0,
                legacy: bool = False, seal: Seal = None) -> None:
    """Authenticate every block of ``path`` (GCM tag; CBC padding only; with a seal, their order and
    completeness) and write nothing. Raises on failure, returns None on success."""
    _mscrypt.verify_file(path, key, mode, threads, legacy, seal)


def decrypt_to_memory(data: BytesLike, key: BytesLike, mode: Optional[str] = None, *, threads: int = 0,
                      progress: Progress = None) -> Plaintext:
    """Decrypt a container held in memory into a :data:`Plaintext` (one buffer of the exact size,
    filled in parallel with the GIL released). ``mode=None`` takes the mode from the magic.
    ``progress(done, total)`` is called between batches on the calling thread."""
    return _mscrypt.decrypt_to_memory(data, key, mode, threads, progress)


def decrypt_file_to_memory(path: PathLike, key: BytesLike, mode: Optional[str] = None, *, threads: int = 0,
                           progress: Progress = None, seal: Seal = None) -> Plaintext:
    """Decrypt the file ``path`` straight into a :data:`Plaintext`: each ciphertext byte is read
    once, each plaintext byte written once (blocks decrypt in place in the final buffer), and
    nothing is written to disk. This is the call to hand a model to a runtime from memory."""
    return _mscrypt.decrypt_file_to_memory(path, key, mode, threads, progress, seal)


def decrypted_size(path: PathLike, key: BytesLike, mode: Optional[str] = None, *, threads: int = 0) -> int:
    """The exact plaintext size of the container file ``path`` (CBC modes need the key: the
    padding decides it)."""
    return _mscrypt.decrypted_file_size(path, key, mode, threads)


def decrypt_file_into(path: PathLike, key: BytesLike, out: Any, mode: Optional[str] = None, *,
                      threads: int = 0, seal: Seal = None) -> int:
    """Decrypt ``path`` straight into ``out``, a writable C-contiguous buffer of at least
    :func:`decrypted_size` bytes that the caller (or a runtime) owns, and return the bytes written.
    On failure ``out`` is wiped. Memory that ``out`` belongs to is not wiped by mscrypt later."""
    return _mscrypt.decrypt_file_into(path, key, out, mode, threads, seal)


def generate_key(size: int = 32) -> bytearray:
    """A new random key of ``size`` bytes (16, 24 or 32; default 32, AES-256) from the operating
    system's CSPRNG, as a ``bytearray`` you can wipe: ``key[:] = bytes(len(key))``."""
    return _mscrypt.generate_key(size)


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


_ROLES = ("checkpoint", "mindir", "weights", "other")


def _role_for(path: PathLike, role: Optional[str]) -> str:
    if role is not None:
        return role
    name = os.fspath(path)
    if name.endswith(".ckpt"):
        return "checkpoint"
    return "mindir" if name.endswith((".mindir", ".ms")) else "other"


def seal_file(path: PathLike, key: BytesLike, mode: Optional[str] = None, *, role: Optional[str] = None,
              weight_files: Sequence[PathLike] = (), threads: int = 0) -> None:
    """Write ``<path>.msseal`` for an existing encrypted file (MindSpore's own output included),
    after verifying that it (and each of ``weight_files``, paths relative to its directory)
    decrypts with ``key``. ``role``: "checkpoint", "mindir", "weights" or "other" (default: from
    the name). The file is not changed. See docs/format.md §11."""
    members = weight_files if isinstance(weight_files, (str, bytes)) else tuple(weight_files)
    _mscrypt.seal_file(path, key, mode, _role_for(path, role), members, threads)


def check_seal(path: PathLike, key: BytesLike, mode: Optional[str] = None, *, role: str = "other",
               required: bool = True) -> Dict[str, Any]:
    """Check ``path`` against ``<path>.msseal`` without decrypting: a dict with ``sealed``,
    ``role``, ``files``, ``blocks``, ``plaintext_size`` and ``weight_files``. Raises
    :class:`SealError` on a mismatch (or, with ``required``, a missing seal)."""
    return _mscrypt.check_seal(path, key, mode, role, required)


def reencrypt_file(path: PathLike, old_key: BytesLike, new_key: BytesLike, mode: Optional[str] = None, *,
                   new_mode: Optional[str] = None, threads: int = 0, seal: Seal = None) -> None:
    """Re-key the encrypted file ``path`` in place: decrypt with ``old_key`` (``mode=None``: the
    file's own mode), encrypt with ``new_key`` (``new_mode=None``: the same mode), with bounded
    memory and no plaintext on disk, replacing the file atomically; on failure it is untouched. A
    file sealed on its own is sealed again under the new key; ``seal=True`` seals it in any case.
    The CLI's ``mscrypt rekey`` does this over whole trees, in parallel and resumably."""
    _mscrypt.reencrypt_file(path, old_key, new_key, mode, new_mode, threads, seal)
