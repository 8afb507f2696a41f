"""Exception classes raised by mscrypt.

Every exception derives from :class:`Error`. Problems with a file's *contents* also derive from
:class:`ValueError` (as MindSpore's do), argument problems are :class:`ValueError` or
:class:`TypeError`, and I/O problems are :class:`OSError`. Messages say what to check and never
contain key bytes, IVs or plaintext. Errors about one block carry ``block_index`` and
``byte_offset`` attributes; every error raised by the native core carries ``code``, the stable
numeric status code shared with the C API.
"""


class Error(Exception):
    """Base class of every mscrypt error."""

    code: int = -1
    #: What to check, as the native StatusHint flags (0: no advice); the message words them.
    hints: int = 0
    block_index = None
    byte_offset = None


class InvalidArgumentError(Error, ValueError):
    """A bad argument: key length, mode name, thread count, option combination."""


class KeyRequiredError(InvalidArgumentError):
    """The input is encrypted and no key was given. A :class:`ValueError`; it derives from
    :class:`InvalidArgumentError` because earlier releases raised that for this case."""


class WrongPassphraseError(Error, ValueError):
    """The passphrase of a key envelope is wrong (or the envelope's header was altered). A damaged
    envelope under the right passphrase raises :class:`AuthenticationError` instead."""


class SealError(Error, ValueError):
    """The file does not match its seal (``<file>.msseal``, docs/format.md §11): a block dropped,
    added, reordered, duplicated or spliced in from another file (``block_index`` names the first),
    or the seal is missing (when required), altered, or made with another key."""


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of the wrong type, such as a ``str`` key. It is a :class:`TypeError` and, like
    MindSpore's own argument checks (which raise ``ValueError`` for a non-bytes key), a
    :class:`ValueError`, so code written for either keeps working."""


class FormatError(Error, ValueError):
    """The file's contents are not what the call expects."""


class NotEncryptedError(FormatError):
    """The data starts with no known block magic: it is not an encrypted MindSpore file."""


class WrongModeError(FormatError):
    """The data was encrypted with another mode than the one passed."""


class MalformedError(FormatError):
    """A structural error: a length field out of range or inconsistent, trailing garbage."""


class TruncatedError(MalformedError):
    """The data ends inside a block (an incomplete copy or download)."""


class AuthenticationError(FormatError):
    """Wrong key, or the data was modified (GCM tag mismatch or CBC padding error)."""


InvalidTag = AuthenticationError


class UnsupportedError(Error, ValueError):
    """Content or a mode this build cannot handle: a tensor type mscrypt does not know, a model of
    2 GiB or more, a cipher the linked OpenSSL lacks (SM4). A :class:`ValueError`, like every
    problem with a file's contents."""


class FileError(Error, OSError):
    """Opening, reading, writing or renaming a file failed, or a path names something mscrypt
    does not read or replace (a FIFO, a device, a directory). Like :class:`OSError` it carries
    ``errno``, ``strerror`` and ``filename`` (``errno`` is None when no system call failed)."""

    def __str__(self) -> str:
        # OSError would print "[Errno N] strerror: filename"; mscrypt's message says more.
        return str(self.args[0]) if self.args else OSError.__str__(self)


class OutOfMemoryError(Error, MemoryError):
    """An allocation failed."""


class InternalError(Error):
    """An unexpected failure inside OpenSSL or mscrypt (a bug: please report it)."""


class _KeyAdvice:
    """Context manager: a KeyRequiredError leaving the block gets the Python argument to pass
    (the native message is surface-neutral). Attributes (code, hints) are kept."""

    def __init__(self, argument: str) -> None:
        self._argument = argument

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None and issubclass(exc_type, KeyRequiredError):
            reworded = KeyRequiredError(f"{exc}; pass the key ({self._argument})")
            reworded.code, reworded.hints = exc.code, exc.hints
            raise reworded from None
        return False


def key_advice(argument: str) -> _KeyAdvice:
    """``with key_advice("dec_key"): ...`` adds "pass the key (dec_key)" to KeyRequiredError."""
    return _KeyAdvice(argument)


def file_error(message: str, errno_value: int, filename: str) -> FileError:
    """A FileError with errno, strerror and filename set, as the native core raises them."""
    import os as _os

    err = FileError(message)
    err.errno, err.strerror, err.filename = errno_value, _os.strerror(errno_value), filename
    return err


def checked_path(value, arg: str) -> str:
    """``os.fspath(value)`` as a str, with mscrypt's own errors: ArgumentTypeError for a wrong type,
    InvalidArgumentError for an empty path or one with a NUL character (which ``open`` would
    otherwise cut short). The value itself is never put in the message."""
    import os as _os

    try:
        path = _os.fspath(value)
    except TypeError:
        raise ArgumentTypeError(f"{arg} must be a str or os.PathLike, not {type(value).__name__}") from None
    if not isinstance(path, str):
        raise ArgumentTypeError(f"{arg} must be a str path, not {type(path).__name__}")
    if not path:
        raise InvalidArgumentError(f"{arg} is empty")
    if "\0" in path:
        raise InvalidArgumentError(f"{arg} contains a NUL character")
    return path
