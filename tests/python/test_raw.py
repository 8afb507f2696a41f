"""The raw format (AES-CBC, PKCS#7, caller IV, no header) against pyca/cryptography and
`openssl enc`, both directions, every AES key size, a file over 64 MiB, and the failure cases."""

import os
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import mscrypt

IV = bytes(range(16, 32))


def _pyca(encrypt, key, data, iv=IV):
    if encrypt:
        p = padding.PKCS7(128).padder()
        data = p.update(data) + p.finalize()
        e = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return e.update(data) + e.finalize()
    d = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    out = d.update(data) + d.finalize()
    u = padding.PKCS7(128).unpadder()
    return u.update(out) + u.finalize()


@pytest.mark.parametrize("klen", [16, 24, 32])
@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1000])
def test_bytes_match_pyca_both_ways(klen, size):
    key = os.urandom(klen)
    data = os.urandom(size)
    ct = mscrypt.encrypt(data, key, format="raw", iv=IV)
    assert ct == _pyca(True, key, data)
    assert mscrypt.decrypt(_pyca(True, key, data), key, format="raw", iv=IV) == data


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command not installed")
@pytest.mark.parametrize("klen", [16, 24, 32])
def test_files_interoperate_with_openssl_enc(tmp_path, klen):
    key = os.urandom(klen)
    size = (64 << 20) + 12345 if klen == 32 else 100_000  # one file over 64 MiB
    plain = tmp_path / "plain.bin"
    plain.write_bytes(os.urandom(size))
    cipher = f"-aes-{klen * 8}-cbc"
    args = ["-K", key.hex(), "-iv", IV.hex()]
    mscrypt.encrypt_file(plain, tmp_path / "m.enc", key, format="raw", iv=IV)
    subprocess.run(["openssl", "enc", "-d", cipher, *args, "-in", tmp_path / "m.enc", "-out", tmp_path / "o.dec"],
                   check=True)
    assert (tmp_path / "o.dec").read_bytes() == plain.read_bytes()
    subprocess.run(["openssl", "enc", cipher, *args, "-in", plain, "-out", tmp_path / "o.enc"], check=True)
    assert (tmp_path / "o.enc").read_bytes() == (tmp_path / "m.enc").read_bytes()
    mscrypt.decrypt_file(tmp_path / "o.enc", tmp_path / "m.dec", key, format="raw", iv=IV)
    assert (tmp_path / "m.dec").read_bytes() == plain.read_bytes()


def test_failures_are_clear(tmp_path):
    key = os.urandom(32)
    data = os.urandom(5000)
    ct = _pyca(True, key, data)
    # A wrong key: the padding check fails (deterministically for this key: decided with pyca).
    wrong = bytes(32)
    try:
        _pyca(False, wrong, ct)
        pytest.skip("this wrong key happens to pass the padding")
    except ValueError:
        pass
    with pytest.raises(mscrypt.AuthenticationError) as ei:
        mscrypt.decrypt(ct, wrong, format="raw", iv=IV)
    assert ei.value.hints & 1 and "not authenticated" in str(ei.value)
    # A wrong IV is not detectable: only the first 16 bytes differ.
    other = mscrypt.decrypt(ct, key, format="raw", iv=bytes(16))
    assert other[16:] == data[16:] and other[:16] != data[:16]
    with pytest.raises(mscrypt.TruncatedError):
        mscrypt.decrypt(ct[:-5], key, format="raw", iv=IV)
    with pytest.raises(mscrypt.MalformedError):
        mscrypt.decrypt(b"", key, format="raw", iv=IV)
    path = tmp_path / "x.enc"
    path.write_bytes(ct)
    out = tmp_path / "x.out"
    out.write_bytes(b"keep me")
    with pytest.raises(mscrypt.AuthenticationError):
        mscrypt.decrypt_file(path, out, wrong, format="raw", iv=IV)
    assert out.read_bytes() == b"keep me"
    for kwargs, cls in (({"iv": b"short"}, mscrypt.InvalidArgumentError), ({"iv": None}, mscrypt.ArgumentTypeError),
                        ({"iv": "0" * 16}, mscrypt.ArgumentTypeError), ({"iv": IV, "mode": "AES-GCM"}, mscrypt.InvalidArgumentError)):
        with pytest.raises(cls):
            mscrypt.decrypt(ct, key, format="raw", **kwargs)
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.decrypt(ct, key, format="zip")
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.decrypt(ct, key, iv=IV)  # iv without format="raw"
    with pytest.raises(mscrypt.InvalidArgumentError):
        mscrypt.encrypt(data, os.urandom(20), format="raw", iv=IV)
