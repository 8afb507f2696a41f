"""Case (5) of the interop suite, shared by the checkpoint and MindIR tests: for the same file,
MindSpore and mscrypt both refuse a wrong key or a wrong mode (pytest side only; the MindSpore
worker never imports this)."""

from __future__ import annotations

import functools
import struct

import pytest

import msinterop_data as D

# "wrongkey" cases: the wrong key fails at block 0 (GCM: the tag; CBC/SM4: the padding).
# "wrongkey-padok" cases: a wrong CBC/SM4 key that passes the padding check of every block, which
# a random wrong key does ~1 time in 256; both sides must still refuse the garbage.
PADOK_COMBOS = [("AES-CBC", 16), ("SM4-CBC", 16)]


def cases():
    """Parameters (what, writer, mode, klen) of the test_both_refuse tests, ids like
    "wrongkey-mindspore-AES-GCM-16"."""
    out = []
    for what, combos in (("wrongkey", D.COMBOS), ("wrongkey-padok", PADOK_COMBOS), ("wrongmode", D.COMBOS)):
        for writer in ("mindspore", "mscrypt"):
            out += [pytest.param(what, writer, mode, klen, id="%s-%s-%s" % (what, writer, D.combo_id(mode, klen)))
                    for mode, klen in combos]
    return out


def _cbc_last_blocks(path):
    """[(previous ciphertext block or IV, last ciphertext block)] of each block of the CBC/SM4
    container at `path`: all that decides the padding (layout: docs/format.md section 2.2)."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    pos = 0
    while pos < len(data):
        iv = data[pos + 12:pos + 28]
        (clen,) = struct.unpack_from("<i", data, pos + 28)
        body = data[pos + 32:pos + 32 + clen]
        out.append((iv if clen == 16 else body[-32:-16], body[-16:]))
        pos += 32 + clen
    return out


def _paddings_valid(last_blocks, mode, key):
    """For each block: does its last plaintext block under `key` end in valid PKCS#7 padding?
    Decided with pyca/cryptography, independently of mscrypt."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    algo = algorithms.AES if mode == "AES-CBC" else algorithms.SM4
    verdicts = []
    for prev, last_cipher in last_blocks:
        d = Cipher(algo(key), modes.CBC(prev)).decryptor()
        last = d.update(last_cipher) + d.finalize()
        n = last[-1]
        verdicts.append(1 <= n <= 16 and last[-n:] == bytes([n]) * n)
    return verdicts


def wrong_key(path, mode, klen, padding_passes=False):
    """A wrong key for the file at `path` whose outcome is decided, not drawn: GCM rejects any wrong
    key by its tag, but CBC/SM4 only by the padding, which a wrong key passes ~1 time in 256 (and
    the files have fresh random IVs every run). So for CBC/SM4 search, deterministically, for a
    key whose block-0 padding fails -- or, with `padding_passes`, whose every block's passes."""
    return _search_wrong_key(path, mode, klen, bool(padding_passes))


# Cached (positional arguments, one key per call shape): the MindSpore task list and the test ask
# for the same key.
@functools.lru_cache(maxsize=None)
def _search_wrong_key(path, mode, klen, padding_passes):
    base = D.wrong_key_for(mode, klen)
    if mode == "AES-GCM":
        assert not padding_passes
        return base
    last_blocks = _cbc_last_blocks(path)
    for i in range(1 << 16):
        k = bytearray(base)
        k[1] ^= i & 0xFF
        k[2] ^= i >> 8
        verdicts = _paddings_valid(last_blocks, mode, bytes(k))
        if (all(verdicts) if padding_passes else not verdicts[0]):
            return bytes(k)
    raise AssertionError("no suitable wrong key for %s" % path)


def both_refuse(kind, load, ms_call, ms_exc, ms_written, mscrypt_written, ms_read, report,
                what, writer, mode, klen):
    """`kind` is "ckpt" or "mindir", `load` mscrypt's loader, `ms_exc` the exception MindSpore's
    `ms_call` raises; `what` is "wrongkey", "wrongkey-padok" or "wrongmode"."""
    import mscrypt

    cid = D.combo_id(mode, klen)
    written = ms_written if writer == "mindspore" else mscrypt_written
    w = written["%s:%s" % (kind, cid)]
    assert w["ok"], "the %s-written file is missing: %s" % (writer, w.get("msg"))
    path = w["result"]["path"]
    if what in ("wrongkey", "wrongkey-padok"):
        key, dmode = wrong_key(path, mode, klen, padding_passes=what == "wrongkey-padok"), mode
    else:
        key, dmode = D.key_for(mode, klen), D.WRONG_MODE[mode]
    with pytest.raises(mscrypt.Error) as ei:
        load(path, dec_key=key, dec_mode=dmode)
    case = "%s:%s:%s:%s" % (what, writer, kind, cid)
    ms = ms_read[case]
    report[case] = {
        "mscrypt": type(ei.value).__name__, "mscrypt_msg": str(ei.value)[:300],
        "mindspore": ms.get("exc"), "mindspore_msg": ms.get("msg"), "mindspore_cause": ms.get("cause")}
    assert not ms["ok"], "%s accepted %s with the %s" % (ms_call, path, what)
    assert ms["exc"] == ms_exc, ms
    # Both are ValueErrors: code written for MindSpore's checkpoint exceptions keeps working.
    assert isinstance(ei.value, ValueError)
    if what == "wrongmode":
        assert isinstance(ei.value, mscrypt.WrongModeError), type(ei.value)
    elif what == "wrongkey":
        assert isinstance(ei.value, mscrypt.AuthenticationError), type(ei.value)
        assert ei.value.block_index == 0
    else:
        # The padding passed, so the container yields garbage; the payload parser refuses it.
        assert isinstance(ei.value, mscrypt.FormatError), type(ei.value)
        assert not isinstance(ei.value, mscrypt.AuthenticationError), type(ei.value)
        assert "is not authenticated: a wrong key can pass decryption" in str(ei.value), str(ei.value)
        assert ei.value.hints & 1, ei.value.hints  # kHintUnauthenticatedMode, a flag, not only text
