"""mscrypt: encrypt and decrypt MindSpore model files (checkpoints, MindIR) outside MindSpore.

Byte-compatible with MindSpore's ``enc_key``/``enc_mode`` container (AES-GCM, AES-CBC, SM4-CBC).
Keys may be ``bytes``, ``bytearray`` or ``memoryview``: pass a ``bytearray`` and wipe it after use
if you want no copy of the key to outlive the call (mscrypt wipes its own copies).
"""

from ._errors import (
    ArgumentTypeError,
    AuthenticationError,
    Error,
    FileError,
    FormatError,
    InternalError,
    InvalidArgumentError,
    KeyRequiredError,
    InvalidTag,
    MalformedError,
    NotEncryptedError,
    OutOfMemoryError,
    TruncatedError,
    UnsupportedError,
    WrongModeError,
    WrongPassphraseError,
    SealError,
)
from ._checkpoint import CheckpointTensor, load_checkpoint, save_checkpoint
from ._container import (
    Plaintext,
    PlaintextBytes,
    decrypt,
    decrypt_file,
    decrypt_file_into,
    decrypt_file_to_memory,
    decrypt_to_memory,
    decrypted_size,
    encrypt,
    encrypt_file,
    generate_key,
    inspect,
    is_cipher_file,
    is_mode_available,
    release_cached_memory,
    verify_file,
    reencrypt_file,
    seal_file,
    check_seal,
)
from ._keys import new_key_envelope, read_key, rewrap_key_envelope
from ._mindir import ExternalData, MindIR, ParameterInfo, TensorSpec, export_mindir, load_mindir

# Runtime adapters (mscrypt.openvino, mscrypt.onnxruntime) import their runtime lazily, on first
# use; importing them here costs nothing when the runtime is absent.
from . import onnxruntime, openvino  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "ArgumentTypeError",
    "AuthenticationError",
    "CheckpointTensor",
    "Error",
    "ExternalData",
    "FileError",
    "FormatError",
    "InternalError",
    "InvalidArgumentError",
    "KeyRequiredError",
    "InvalidTag",
    "MalformedError",
    "MindIR",
    "NotEncryptedError",
    "OutOfMemoryError",
    "ParameterInfo",
    "Plaintext",
    "PlaintextBytes",
    "TensorSpec",
    "TruncatedError",
    "UnsupportedError",
    "WrongModeError",
    "WrongPassphraseError",
    "SealError",
    "check_seal",
    "reencrypt_file",
    "seal_file",
    "decrypt",
    "decrypt_file",
    "decrypt_file_into",
    "decrypt_file_to_memory",
    "decrypt_to_memory",
    "decrypted_size",
    "encrypt",
    "encrypt_file",
    "export_mindir",
    "generate_key",
    "inspect",
    "is_cipher_file",
    "is_mode_available",
    "load_checkpoint",
    "load_mindir",
    "new_key_envelope",
    "read_key",
    "release_cached_memory",
    "rewrap_key_envelope",
    "save_checkpoint",
    "verify_file",
]
