"""Key sources and key envelopes (docs/format.md §9) from Python: every source, the envelope
vectors reproduced by pyca/cryptography, envelopes made here opened by pyca, and every error path
with its own exception and no secret in any message."""

import os
import stat
import warnings
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

import mscrypt

FAST = 15  # the minimum scrypt cost readers accept, so tests stay quick
PASS = "correct horse battery staple"
VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "files" / "key_envelope_vectors.txt"


def _records():
    records, cur = [], {}
    for line in VECTORS.read_text().splitlines():
        if not line.strip():
            if cur:
                records.append(cur)
            cur = {}
        elif not line.startswith("#"):
            name, value = (s.strip() for s in line.split("=", 1))
            cur[name] = value
    if cur:
        records.append(cur)
    return records


def _pyca_open(envelope: bytes, passphrase: bytes) -> bytes:
    n = envelope[13]
    d = Scrypt(salt=envelope[16:32], length=48, n=1 << envelope[10], r=envelope[11], p=envelope[12]).derive(passphrase)
    assert d[32:48] == envelope[44:60]
    return AESGCM(d[:32]).decrypt(envelope[32:44], envelope[60:60 + n + 16], envelope[:60])


def _assert_secret_free(exc, *secrets):
    text = str(exc) + repr(exc.args)
    for s in secrets:
        assert s not in text


def test_hex_env_and_plain_key_files(tmp_path, monkeypatch):
    key = bytes(range(32))
    assert mscrypt.read_key(hex=key.hex()) == key
    assert isinstance(mscrypt.read_key(hex=key.hex()), bytearray)
    assert mscrypt.read_key(hex=key.hex().encode()) == key
    with pytest.warns(UserWarning, match="uppercase"):
        assert mscrypt.read_key(hex=key.hex().upper()) == key
    monkeypatch.setenv("MSCRYPT_TEST_KEY", key.hex())
    assert mscrypt.read_key(env="MSCRYPT_TEST_KEY") == key
    (tmp_path / "raw").write_bytes(key)
    (tmp_path / "hex").write_text(key.hex() + "\n")
    assert mscrypt.read_key(file=tmp_path / "raw") == key
    assert mscrypt.read_key(file=str(tmp_path / "hex")) == key


def test_source_errors_are_specific_and_never_show_the_key(tmp_path, monkeypatch):
    key = bytes(range(100, 132))
    with pytest.raises(mscrypt.InvalidArgumentError, match="one of hex=, file= or env="):
        mscrypt.read_key()
    with pytest.raises(mscrypt.InvalidArgumentError, match="only one of"):
        mscrypt.read_key(hex=key.hex(), env="X")
    with pytest.raises(mscrypt.InvalidArgumentError, match="position 3") as e:
        mscrypt.read_key(hex="00zz" + key.hex())
    _assert_secret_free(e.value, key.hex())
    with pytest.raises(mscrypt.InvalidArgumentError, match="odd number"):
        mscrypt.read_key(hex="abc")
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.read_key(hex=1234)
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.read_key(env=b"NAME")
    monkeypatch.delenv("MSCRYPT_UNSET", raising=False)
    with pytest.raises(mscrypt.InvalidArgumentError, match="MSCRYPT_UNSET is not set"):
        mscrypt.read_key(env="MSCRYPT_UNSET")
    with pytest.raises(mscrypt.FileError) as e:
        mscrypt.read_key(file=tmp_path / "missing")
    assert e.value.errno == 2
    (tmp_path / "k33").write_bytes(os.urandom(33))
    with pytest.raises(mscrypt.InvalidArgumentError) as e:
        mscrypt.read_key(file=tmp_path / "k33", mode="AES-GCM")
    assert str(e.value).startswith(f"the key from the key file '{tmp_path / 'k33'}' is 33 bytes; AES-GCM takes 16, 24 or 32")
    with pytest.raises(mscrypt.InvalidArgumentError, match="the key from hex= is 32 bytes; SM4-CBC takes 16"):
        mscrypt.read_key(hex=key.hex(), mode="SM4-CBC")
    with pytest.raises(mscrypt.InvalidArgumentError, match="unlock a key envelope"):
        mscrypt.read_key(hex=key.hex(), passphrase=PASS)
    (tmp_path / "raw").write_bytes(key)
    with pytest.raises(mscrypt.InvalidArgumentError, match="not a key envelope"):
        mscrypt.read_key(file=tmp_path / "raw", passphrase=PASS)


@pytest.mark.parametrize("record", _records(), ids=lambda r: r["KEY"][:8])
def test_envelope_vectors_made_by_pyca_open(tmp_path, record):
    path = tmp_path / "v.mskey"
    path.write_bytes(bytes.fromhex(record["ENVELOPE"]))
    passphrase = bytes.fromhex(record["PASSPHRASE"])
    key = mscrypt.read_key(file=path, passphrase=passphrase, allow_empty_passphrase=True)
    assert key == bytes.fromhex(record["KEY"])
    assert _pyca_open(path.read_bytes(), passphrase) == key


def test_envelopes_made_here_open_with_pyca_from_every_passphrase_source(tmp_path, monkeypatch):
    path = tmp_path / "k.mskey"
    mscrypt.new_key_envelope(path, passphrase=PASS, scrypt_log_n=FAST)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    envelope = path.read_bytes()
    assert len(envelope) == 76 + 32 and envelope[:8] == b"MSKEYENV" and envelope[10] == FAST
    key = _pyca_open(envelope, PASS.encode())
    monkeypatch.setenv("MSCRYPT_TEST_PASS", PASS)
    (tmp_path / "pass.txt").write_text(PASS + "\n")
    for kwargs in ({"passphrase": PASS}, {"passphrase": PASS.encode()}, {"passphrase": bytearray(PASS.encode())},
                   {"passphrase_env": "MSCRYPT_TEST_PASS"}, {"passphrase_file": tmp_path / "pass.txt"}):
        assert mscrypt.read_key(file=path, mode="AES-GCM", **kwargs) == key
    # A given key, 16 bytes, from a passphrase file; the key encrypts and decrypts like any other.
    given = bytes(range(16))
    mscrypt.new_key_envelope(tmp_path / "k16.mskey", key=given, passphrase_file=tmp_path / "pass.txt", scrypt_log_n=FAST)
    k16 = mscrypt.read_key(file=tmp_path / "k16.mskey", passphrase=PASS)
    assert k16 == given
    data = os.urandom(1000)
    assert mscrypt.decrypt(mscrypt.encrypt(data, k16, "SM4-CBC" if mscrypt.is_mode_available("SM4-CBC") else "AES-CBC"),
                           given) == data


def test_envelope_errors(tmp_path, monkeypatch):
    path = tmp_path / "k.mskey"
    mscrypt.new_key_envelope(path, passphrase=PASS, scrypt_log_n=FAST)
    with pytest.raises(mscrypt.KeyRequiredError, match="passphrase_file="):
        mscrypt.read_key(file=path)
    with pytest.raises(mscrypt.WrongPassphraseError) as e:
        mscrypt.read_key(file=path, passphrase="Correct horse battery staple")
    _assert_secret_free(e.value, "orrect horse")
    assert e.value.code == 14 and isinstance(e.value, ValueError)
    damaged = bytearray(path.read_bytes())
    damaged[80] ^= 1
    (tmp_path / "bad.mskey").write_bytes(damaged)
    with pytest.raises(mscrypt.AuthenticationError, match="damaged"):
        mscrypt.read_key(file=tmp_path / "bad.mskey", passphrase=PASS)
    (tmp_path / "cut.mskey").write_bytes(path.read_bytes()[:-1])
    with pytest.raises(mscrypt.TruncatedError):
        mscrypt.read_key(file=tmp_path / "cut.mskey", passphrase=PASS)
    future = bytearray(path.read_bytes())
    future[8] = 2
    (tmp_path / "v2.mskey").write_bytes(future)
    with pytest.raises(mscrypt.UnsupportedError, match="version 2"):
        mscrypt.read_key(file=tmp_path / "v2.mskey", passphrase=PASS)
    huge = bytearray(path.read_bytes())
    huge[10], huge[11] = 30, 255  # 32 TiB of scrypt memory: refused before any allocation
    (tmp_path / "huge.mskey").write_bytes(huge)
    with pytest.raises(mscrypt.InvalidArgumentError, match="above the maximum"):
        mscrypt.read_key(file=tmp_path / "huge.mskey", passphrase=PASS)
    with pytest.raises(mscrypt.InvalidArgumentError, match="empty"):
        mscrypt.new_key_envelope(tmp_path / "e.mskey", passphrase="", scrypt_log_n=FAST)
    assert not (tmp_path / "e.mskey").exists()
    mscrypt.new_key_envelope(tmp_path / "e.mskey", passphrase="", scrypt_log_n=FAST, allow_empty_passphrase=True)
    with pytest.raises(mscrypt.InvalidArgumentError, match="empty"):
        mscrypt.read_key(file=tmp_path / "e.mskey", passphrase="")
    assert len(mscrypt.read_key(file=tmp_path / "e.mskey", passphrase="", allow_empty_passphrase=True)) == 32
    with pytest.raises(mscrypt.InvalidArgumentError, match="below the minimum"):
        mscrypt.new_key_envelope(tmp_path / "w.mskey", passphrase=PASS, scrypt_log_n=14)
    with pytest.raises(mscrypt.FileError, match="exists|File exists"):
        mscrypt.new_key_envelope(path, passphrase=PASS, scrypt_log_n=FAST)
    with pytest.raises(mscrypt.InvalidArgumentError, match="needs a passphrase"):
        mscrypt.new_key_envelope(tmp_path / "n.mskey")
    with pytest.raises(mscrypt.InvalidArgumentError, match="only one of"):
        mscrypt.new_key_envelope(tmp_path / "n.mskey", passphrase=PASS, passphrase_env="X")
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.read_key(file=path, passphrase=1234)
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.new_key_envelope(path, passphrase=PASS, scrypt_log_n="18")
    monkeypatch.delenv("MSCRYPT_UNSET", raising=False)
    with pytest.raises(mscrypt.InvalidArgumentError, match="MSCRYPT_UNSET is not set"):
        mscrypt.read_key(file=path, passphrase_env="MSCRYPT_UNSET")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["k.mskey", "bad.mskey", "cut.mskey", "v2.mskey", "huge.mskey", "e.mskey"])


def test_rewrap_keeps_the_key_and_the_files(tmp_path):
    path = tmp_path / "k.mskey"
    mscrypt.new_key_envelope(path, passphrase=PASS, scrypt_log_n=FAST)
    key = mscrypt.read_key(file=path, passphrase=PASS)
    enc = tmp_path / "model.enc"
    enc.write_bytes(mscrypt.encrypt(b"weights" * 1000, key))
    before, enc_before = path.read_bytes(), enc.read_bytes()
    with pytest.raises(mscrypt.WrongPassphraseError):
        mscrypt.rewrap_key_envelope(path, passphrase="wrong", new_passphrase="new one", scrypt_log_n=FAST)
    with pytest.raises(mscrypt.InvalidArgumentError, match="empty"):
        mscrypt.rewrap_key_envelope(path, passphrase=PASS, new_passphrase="", scrypt_log_n=FAST)
    with pytest.raises(mscrypt.InvalidArgumentError, match="new one"):
        mscrypt.rewrap_key_envelope(path, passphrase=PASS, scrypt_log_n=FAST)
    assert path.read_bytes() == before
    mscrypt.rewrap_key_envelope(path, passphrase=PASS, new_passphrase=bytearray(b"new one"), scrypt_log_n=FAST)
    assert path.read_bytes() != before and enc.read_bytes() == enc_before
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(mscrypt.WrongPassphraseError):
        mscrypt.read_key(file=path, passphrase=PASS)
    new_key = mscrypt.read_key(file=path, passphrase="new one")
    assert new_key == key
    assert mscrypt.decrypt(enc.read_bytes(), new_key) == b"weights" * 1000
    assert _pyca_open(path.read_bytes(), b"new one") == key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.mskey", "model.enc"]


def test_reencrypt_file_rotates_a_key_in_place(tmp_path):
    old, new = mscrypt.generate_key(32), mscrypt.generate_key(16)
    src = tmp_path / "p"
    src.write_bytes(os.urandom(70_000))
    enc = tmp_path / "model.enc"
    mscrypt.encrypt_file(src, enc, old, "AES-CBC", seal=True)
    before = enc.read_bytes()
    with pytest.raises(mscrypt.SealError):  # a wrong old key: the seal does not open; nothing changes
        mscrypt.reencrypt_file(enc, new, old)
    assert enc.read_bytes() == before
    mscrypt.reencrypt_file(enc, old, new, new_mode="AES-GCM")
    assert mscrypt.inspect(enc)["mode"] == "AES-GCM"
    assert bytes(mscrypt.decrypt_file_to_memory(enc, new, seal=True)) == src.read_bytes()
    assert mscrypt.check_seal(enc, new)["sealed"]
    with pytest.raises(mscrypt.ArgumentTypeError):
        mscrypt.reencrypt_file(enc, new, "not bytes")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.enc", "model.enc.msseal", "p"]
