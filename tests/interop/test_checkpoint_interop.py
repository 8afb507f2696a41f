"""Checkpoints: MindSpore 2.7.1 <-> mscrypt, every mode and key length (issue #6, cases 1, 2, 5)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import msinterop_data as D
import refusals

COMBO_IDS = [D.combo_id(m, k) for m, k in D.COMBOS]


def ms_file(ms_written, tid):
    return ms_written[tid]["result"]["path"]


def describe_mscrypt_ckpt(d):
    out = {}
    for name, v in d.items():
        if isinstance(v, str):
            out[name] = {"type": "str", "value": v}
        elif isinstance(v, list):  # tensors MindSpore stored in several 512 MiB slices
            out[name] = D.describe_array(np.concatenate([np.asarray(x).reshape(-1) for x in v]))
        else:
            out[name] = D.describe_array(v)
    return out


def assert_same_ckpt(got_names, got, expected):
    """Same names (and order), dtypes, shapes, bytes."""
    assert sorted(got_names) == sorted(expected), "names differ"
    for name, exp in expected.items():
        assert got[name] == exp, "entry %r differs:\n got      %r\n expected %r" % (name, got[name], exp)
    assert list(got_names) == list(expected), "same names, different order"


# ------------------------------------------------------------------------------------------------
# (1) MindSpore save_checkpoint -> mscrypt.load_checkpoint
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode,klen", D.COMBOS, ids=COMBO_IDS)
def test_ms_save_mscrypt_load(ms_written, mode, klen):
    import mscrypt

    path = ms_file(ms_written, "ckpt:" + D.combo_id(mode, klen))
    d = mscrypt.load_checkpoint(path, dec_key=D.key_for(mode, klen), dec_mode=mode)
    assert_same_ckpt(list(d), describe_mscrypt_ckpt(d), D.expected_ckpt(big=False))


@pytest.mark.parametrize("mode,klen", D.BIG_COMBOS, ids=[D.combo_id(m, k) for m, k in D.BIG_COMBOS])
def test_ms_save_mscrypt_load_big(ms_written, mode, klen):
    """150 MiB float32 tensor: 3 encrypted blocks (64 + 64 + 22 MiB)."""
    import mscrypt

    path = ms_file(ms_written, "bigckpt:" + mode)
    info = mscrypt.inspect(path)
    assert info["mode"] == mode
    assert len(info["blocks"]) >= 3, "expected a multi-block file, got %d block(s)" % len(info["blocks"])
    d = mscrypt.load_checkpoint(path, dec_key=D.key_for(mode, klen), dec_mode=mode, threads=2)
    got = describe_mscrypt_ckpt(d)
    del d
    assert_same_ckpt(list(got), got, D.expected_ckpt(big=True))


# ------------------------------------------------------------------------------------------------
# (2) mscrypt.save_checkpoint -> MindSpore load_checkpoint
# ------------------------------------------------------------------------------------------------

def _ms_loaded(mscrypt_written, ms_read, tid):
    w = mscrypt_written[tid]
    assert w["ok"], "mscrypt.save_checkpoint failed: %s: %s" % (w["exc"], w["msg"])
    r = ms_read[tid]
    assert r["ok"], "MindSpore load_checkpoint failed on mscrypt's file: %s: %s (cause %s)" % (
        r["exc"], r["msg"], r.get("cause"))
    return r["result"]


@pytest.mark.parametrize("mode,klen", D.COMBOS, ids=COMBO_IDS)
def test_mscrypt_save_ms_load(mscrypt_written, ms_read, mode, klen):
    res = _ms_loaded(mscrypt_written, ms_read, "ckpt:" + D.combo_id(mode, klen))
    assert_same_ckpt(res["names"], res["entries"], D.expected_ckpt(big=False))


@pytest.mark.parametrize("mode,klen", D.BIG_COMBOS, ids=[D.combo_id(m, k) for m, k in D.BIG_COMBOS])
def test_mscrypt_save_ms_load_big(mscrypt_written, ms_read, mode, klen):
    import mscrypt

    info = mscrypt.inspect(mscrypt_written["bigckpt:" + mode]["result"]["path"])
    assert len(info["blocks"]) >= 3
    # MindSpore's decrypt buffers are 64 MiB + 50: no block may carry more than 64 MiB of plaintext.
    assert max(b["plaintext_size_min"] for b in info["blocks"]) <= 64 << 20
    assert max(b["size"] for b in info["blocks"]) <= (64 << 20) + 48
    res = _ms_loaded(mscrypt_written, ms_read, "bigckpt:" + mode)
    assert_same_ckpt(res["names"], res["entries"], D.expected_ckpt(big=True))


@pytest.mark.parametrize("mode,klen", D.COMBOS, ids=COMBO_IDS)
def test_same_plaintext_and_blocks_as_ms(ms_written, mscrypt_written, mode, klen):
    """Byte-for-byte: for the same contents, mscrypt's checkpoint plaintext equals MindSpore's, and
    the container has the same block layout (only the random IVs, hence the ciphertext, differ)."""
    import mscrypt

    cid = D.combo_id(mode, klen)
    w = mscrypt_written["ckpt:" + cid]
    assert w["ok"], w
    a, b = ms_file(ms_written, "ckpt:" + cid), w["result"]["path"]
    key = D.key_for(mode, klen)
    with open(a, "rb") as fa, open(b, "rb") as fb:
        assert mscrypt.decrypt(fb.read(), key, mode) == mscrypt.decrypt(fa.read(), key, mode)
    strip = lambda info: [(x["size"], x["ciphertext_size"]) for x in info["blocks"]]  # noqa: E731
    assert strip(mscrypt.inspect(b)) == strip(mscrypt.inspect(a))


@pytest.mark.parametrize("mode,klen", D.BIG_COMBOS, ids=[D.combo_id(m, k) for m, k in D.BIG_COMBOS])
def test_same_blocks_as_ms_big(ms_written, mscrypt_written, mode, klen):
    import mscrypt

    w = mscrypt_written["bigckpt:" + mode]
    assert w["ok"], w
    strip = lambda info: [(x["size"], x["ciphertext_size"]) for x in info["blocks"]]  # noqa: E731
    assert strip(mscrypt.inspect(w["result"]["path"])) == strip(mscrypt.inspect(ms_file(ms_written, "bigckpt:" + mode)))


# ------------------------------------------------------------------------------------------------
# (5) wrong key / wrong mode: both sides refuse the same files
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("what,writer,mode,klen", refusals.cases())
def test_both_refuse(ms_written, mscrypt_written, ms_read, report, what, writer, mode, klen):
    import mscrypt

    refusals.both_refuse("ckpt", mscrypt.load_checkpoint, "MindSpore load_checkpoint", "builtins.ValueError",
                         ms_written, mscrypt_written, ms_read, report, what, writer, mode, klen)


# ------------------------------------------------------------------------------------------------
# (5) checkpoints under a passphrase key envelope's data key (docs/format.md §9), written by
#     mscrypt.save_checkpoint and by `mscrypt rekey` (AES-CBC -> AES-GCM): MindSpore loads both
#     with the key `mscrypt key show --hex` prints
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tid", ["envelope:ckpt", "envelope:rekeyed"])
def test_envelope_key_ckpt_ms_load(mscrypt_written, ms_read, tid):
    import mscrypt

    assert mscrypt.inspect(mscrypt_written[tid]["result"]["path"])["mode"] == "AES-GCM"
    res = _ms_loaded(mscrypt_written, ms_read, tid)
    assert_same_ckpt(res["names"], res["entries"], D.expected_ckpt(big=False))


# ------------------------------------------------------------------------------------------------
# (6) seals (docs/format.md §11): a sealed checkpoint is still MindSpore's own file, and
#     MindSpore's own checkpoint can be sealed by mscrypt and then read with the seal required
# ------------------------------------------------------------------------------------------------

def test_sealed_ckpt_ms_load(mscrypt_written, ms_read):
    import mscrypt

    w = mscrypt_written["sealed:ckpt"]
    assert w["ok"], w
    assert os.path.exists(w["result"]["path"] + ".msseal")
    assert mscrypt.check_seal(w["result"]["path"], bytes.fromhex(w["result"]["key_hex"]))["role"] == "checkpoint"
    res = _ms_loaded(mscrypt_written, ms_read, "sealed:ckpt")
    assert_same_ckpt(res["names"], res["entries"], D.expected_ckpt(big=False))


def test_ms_ckpt_sealed_by_mscrypt(ms_written, tmp_path):
    import shutil

    import mscrypt

    src = ms_written["ckpt:AES-CBC-16"]["result"]["path"]
    path = str(tmp_path / "ms.ckpt")
    shutil.copyfile(src, path)
    key = D.key_for("AES-CBC", 16)
    mscrypt.seal_file(path, key)
    with open(src, "rb") as a, open(path, "rb") as b:
        assert a.read() == b.read()
    got = mscrypt.load_checkpoint(path, dec_key=key, dec_mode="AES-CBC", seal=True)
    assert set(got) >= {name for name, _, _ in D.ckpt_tensors()}
