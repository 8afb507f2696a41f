"""Keys as people hold them: one set of key sources (the CLI's --key-hex / --key-file / --key-env
and passphrase options are the same code), and passphrase-protected key envelopes
(docs/format.md §9). Keys are returned as ``bytearray`` so they can be wiped
(``key[:] = bytes(len(key))``); files encrypted with them stay MindSpore's own format.
"""

from __future__ import annotations

import os
import warnings
from typing import Optional, Union

from . import _mscrypt
from ._errors import ArgumentTypeError, InvalidArgumentError, KeyRequiredError

BytesLike = Union[bytes, bytearray, memoryview]
Passphrase = Union[str, bytes, bytearray, memoryview]
PathLike = Union[str, "os.PathLike[str]"]

#: scrypt cost of new envelopes: N = 2^18, r = 8, p = 1 (256 MiB, about a second).
DEFAULT_SCRYPT_LOG_N = 18


def _wipe(secret: Optional[bytearray]) -> None:
    if isinstance(secret, bytearray):
        secret[:] = bytes(len(secret))


def _one(names: str, **given):
    """The one argument of ``given`` that is not None (or None), refusing several."""
    chosen = [(k, v) for k, v in given.items() if v is not None]
    if len(chosen) > 1:
        raise InvalidArgumentError(f"give only one of {names}")
    return chosen[0] if chosen else (None, None)


def _passphrase(prefix: str, value, env, file) -> Optional[Union[Passphrase, bytearray]]:
    """The passphrase from one of ``{prefix}passphrase``, ``_env`` or ``_file`` (None if none)."""
    kind, source = _one(f"{prefix}passphrase, {prefix}passphrase_env and {prefix}passphrase_file",
                        value=value, env=env, file=file)
    if kind == "env":
        return _mscrypt.passphrase_from_env(source)
    if kind == "file":
        return _mscrypt.passphrase_from_file(source)
    return source


def read_key(*, hex: Optional[Union[str, BytesLike]] = None, file: Optional[PathLike] = None,
             env: Optional[str] = None, passphrase: Optional[Passphrase] = None,
             passphrase_env: Optional[str] = None, passphrase_file: Optional[PathLike] = None,
             allow_empty_passphrase: bool = False, mode: Optional[str] = None) -> bytearray:
    """The key from exactly one source, as a wipeable ``bytearray``:

    - ``hex``: hex digits, either case (uppercase warns: converter_lite decodes it differently);
    - ``env``: the name of an environment variable holding the key as hex;
    - ``file``: a key file, recognised by content: raw key bytes, hex text (``mscrypt key new
      --hex``), or a key envelope (``mscrypt key new --passphrase``, :func:`new_key_envelope`)
      opened with ``passphrase`` (str or bytes; a ``bytearray`` you wipe yourself is best),
      ``passphrase_env`` or ``passphrase_file`` (one final newline dropped).

    With ``mode``, the key's size is checked and a wrong one names the source. Errors:
    :class:`KeyRequiredError` for an envelope without a passphrase, :class:`WrongPassphraseError`,
    :class:`AuthenticationError` for a damaged envelope, :class:`InvalidArgumentError` for bad hex,
    an unset variable or an empty passphrase (unless ``allow_empty_passphrase``), :class:`FileError`.
    """
    kind, source = _one("hex, file and env", hex=hex, file=file, env=env)
    if kind is None:
        raise InvalidArgumentError("give the key with one of hex=, file= or env=")
    pass_given = any(v is not None for v in (passphrase, passphrase_env, passphrase_file))
    if pass_given and kind != "file":
        raise InvalidArgumentError("passphrase, passphrase_env and passphrase_file unlock a key envelope given as file=")
    if kind == "hex":
        if not isinstance(source, (str, bytes, bytearray, memoryview)):
            raise ArgumentTypeError(f"hex must be a str or bytes-like, not {type(source).__name__}")
        label = "hex="
        key, _, upper = _mscrypt.key_from_hex(source, label)
    elif kind == "env":
        if not isinstance(source, str):
            raise ArgumentTypeError(f"env must be a str (a variable name), not {type(source).__name__}")
        label = f"the environment variable {source}"
        key, _, upper = _mscrypt.key_from_env(source)
    else:
        label = f"the key file {os.fspath(source)!r}" if isinstance(source, (str, os.PathLike)) else "file="
        pp = _passphrase("", passphrase, passphrase_env, passphrase_file)
        try:
            key, encoding, upper = _mscrypt.key_from_file(source, pp, allow_empty_passphrase, label)
        except KeyRequiredError as e:
            raise KeyRequiredError(f"{e}; pass passphrase=, passphrase_env= or passphrase_file=") from None
        finally:
            if pp is not passphrase:
                _wipe(pp)
        if pass_given and encoding != "envelope":
            _wipe(key)
            raise InvalidArgumentError(f"{label} is not a key envelope, so it has no passphrase; omit the passphrase")
    if upper:
        warnings.warn(f"the hex key from {label} has uppercase A-F; mscrypt decodes it correctly, but converter_lite "
                      "decodes uppercase hex differently, so the same string typed there gives another key",
                      UserWarning, stacklevel=2)
    if mode is not None:
        try:
            _mscrypt.check_key_for_mode(key, mode, label)
        except BaseException:
            _wipe(key)
            raise
    return key


def new_key_envelope(path: PathLike, *, passphrase: Optional[Passphrase] = None,
                     passphrase_env: Optional[str] = None, passphrase_file: Optional[PathLike] = None,
                     key: Optional[BytesLike] = None, size: int = 32, scrypt_log_n: int = DEFAULT_SCRYPT_LOG_N,
                     allow_empty_passphrase: bool = False) -> None:
    """Write a key envelope to the new file ``path`` (0600, atomic; an existing file is never
    replaced): ``key`` (or a new random key of ``size`` bytes) wrapped under the passphrase with
    scrypt (N = 2^scrypt_log_n, r = 8, p = 1; 15..20) and AES-256-GCM. Read it back with
    ``read_key(file=path, passphrase=...)``."""
    pp = _passphrase("", passphrase, passphrase_env, passphrase_file)
    if pp is None:
        raise InvalidArgumentError("a key envelope needs a passphrase: passphrase=, passphrase_env= or passphrase_file=")
    generated = _mscrypt.generate_key(size) if key is None else None
    try:
        _mscrypt.key_envelope_new(path, key if key is not None else generated, pp, scrypt_log_n, allow_empty_passphrase)
    finally:
        _wipe(generated)
        if pp is not passphrase:
            _wipe(pp)


def rewrap_key_envelope(path: PathLike, *, passphrase: Optional[Passphrase] = None,
                        passphrase_env: Optional[str] = None, passphrase_file: Optional[PathLike] = None,
                        new_passphrase: Optional[Passphrase] = None, new_passphrase_env: Optional[str] = None,
                        new_passphrase_file: Optional[PathLike] = None, scrypt_log_n: int = DEFAULT_SCRYPT_LOG_N,
                        allow_empty_passphrase: bool = False) -> None:
    """Change the passphrase of the envelope at ``path``, atomically: the data key, and so every
    file encrypted with it, stays the same. The old passphrase comes from ``passphrase`` /
    ``passphrase_env`` / ``passphrase_file``, the new one from the ``new_`` set."""
    old = _passphrase("", passphrase, passphrase_env, passphrase_file)
    new = _passphrase("new_", new_passphrase, new_passphrase_env, new_passphrase_file)
    try:
        if old is None or new is None:
            raise InvalidArgumentError("rewrap needs the current passphrase (passphrase=, passphrase_env=, passphrase_file=) "
                                       "and the new one (new_passphrase=, new_passphrase_env=, new_passphrase_file=)")
        _mscrypt.key_envelope_rewrap(path, old, new, scrypt_log_n, allow_empty_passphrase)
    finally:
        if old is not passphrase:
            _wipe(old)
        if new is not new_passphrase:
            _wipe(new)
