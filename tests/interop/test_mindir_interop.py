"""MindIR: MindSpore 2.7.1 export/load <-> mscrypt load_mindir/export_mindir (issue #6, cases 3-5)."""

from __future__ import annotations

import os

import pytest

import msinterop_data as D
import refusals

COMBO_IDS = [D.combo_id(m, k) for m, k in D.COMBOS]


def ms_file(ms_written, tid):
    return ms_written[tid]["result"]["path"]


def short_name(name):
    # MindIR parameter names are "<graph name>:<parameter>", the graph name carries per-export
    # counters (e.g. "26_14___main___..._construct_11:fc1.weight"): compare the parameter part.
    return name.rsplit(":", 1)[-1]


def expected_params():
    return {n: D.describe_array(a) for n, a in D.net_params().items()}


def describe_mindir_params(m):
    got = {}
    for name, arr in m.parameters.items():
        s = short_name(name)
        assert s not in got, "two parameters named %r" % s
        got[s] = D.describe_array(arr)
    return got


# ------------------------------------------------------------------------------------------------
# (3) mindspore.export(..., enc_key, enc_mode) -> mscrypt.load_mindir
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode,klen", D.COMBOS, ids=COMBO_IDS)
def test_ms_export_mscrypt_load(ms_written, mode, klen):
    import mscrypt

    path = ms_file(ms_written, "mindir:" + D.combo_id(mode, klen))
    m = mscrypt.load_mindir(path, dec_key=D.key_for(mode, klen), dec_mode=mode)
    assert describe_mindir_params(m) == expected_params()
    assert isinstance(m.graph_name, str) and m.graph_name
    assert len(m.inputs) == 1 and len(m.outputs) == 1, (m.inputs, m.outputs)


@pytest.mark.parametrize("mode,klen", D.COMBOS, ids=COMBO_IDS)
def test_ms_export_mscrypt_serialize_byte_exact(ms_written, mode, klen):
    """load_mindir(...).serialize() gives back exactly the ModelProto MindSpore encrypted."""
    import mscrypt

    path = ms_file(ms_written, "mindir:" + D.combo_id(mode, klen))
    with open(path, "rb") as f:
        plain = mscrypt.decrypt(f.read(), D.key_for(mode, klen), mode)
    m = mscrypt.load_mindir(path, dec_key=D.key_for(mode, klen), dec_mode=mode)
    assert m.serialize() == plain


def test_ms_plain_export_mscrypt_load(ms_written):
    import mscrypt

    m = mscrypt.load_mindir(ms_file(ms_written, "mindir:plain"))
    assert describe_mindir_params(m) == expected_params()


# ------------------------------------------------------------------------------------------------
# (4) mscrypt.export_mindir(plain MindSpore export) -> mindspore.load -> nn.GraphCell
# ------------------------------------------------------------------------------------------------

def assert_ms_ran_it(mscrypt_written, ms_written, ms_read, tid):
    w = mscrypt_written[tid]
    assert w["ok"], "mscrypt.export_mindir failed: %s: %s" % (w["exc"], w["msg"])
    r = ms_read[tid]
    assert r["ok"], "mindspore.load/GraphCell failed on mscrypt's file: %s: %s" % (r["exc"], r["msg"])
    ref = ms_written["net_output"]["result"]
    # Same graph, same weights, same CPU kernels: the output is bit-identical to the original
    # network's (exactly what MindSpore's own encrypted export gives, see the golden facts).
    assert r["result"]["desc"] == ref["desc"], (r["result"]["values"], ref["values"])
    assert r["result"]["params"] == expected_params()
    return r


@pytest.mark.parametrize("mode,klen", D.COMBOS, ids=COMBO_IDS)
def test_mscrypt_export_ms_load_run(mscrypt_written, ms_written, ms_read, mode, klen):
    assert_ms_ran_it(mscrypt_written, ms_written, ms_read, "mindir:" + D.combo_id(mode, klen))


@pytest.mark.parametrize("form", ["from-MindIR", "from-bytes", "from-encrypted-MindIR"])
def test_mscrypt_export_model_forms_ms_load_run(mscrypt_written, ms_written, ms_read, form):
    """export_mindir of a MindIR object, of ModelProto bytes, and of a MindIR that mscrypt
    decrypted (AES-CBC-24, MindSpore-written) re-encrypted as SM4-CBC."""
    assert_ms_ran_it(mscrypt_written, ms_written, ms_read, "mindir:" + form)


@pytest.mark.parametrize("mode,klen", D.COMBOS, ids=COMBO_IDS)
def test_mscrypt_export_plaintext_is_ms_export(ms_written, mscrypt_written, mode, klen):
    """export_mindir of MindSpore's plain export encrypts exactly those bytes (like MindSpore's own
    encrypted export, whose plaintext equals its plain export) in the same block layout."""
    import mscrypt

    w = mscrypt_written["mindir:" + D.combo_id(mode, klen)]
    assert w["ok"], w
    with open(ms_file(ms_written, "mindir:plain"), "rb") as f:
        plain = f.read()
    with open(w["result"]["path"], "rb") as f:
        assert mscrypt.decrypt(f.read(), D.key_for(mode, klen), mode) == plain
    sizes = [b["size"] for b in mscrypt.inspect(w["result"]["path"])["blocks"]]
    overhead = 48 if mode == "AES-GCM" else 32 + 16 - len(plain) % 16
    assert sizes == [len(plain) + overhead]


def test_ms_plain_baseline_runs(ms_written, ms_read):
    """Control: MindSpore's own plain export runs to the same output in the reading process."""
    r = ms_read["mindir:ms-plain"]
    assert r["ok"], r
    assert r["result"]["desc"] == ms_written["net_output"]["result"]["desc"]


# ------------------------------------------------------------------------------------------------
# callable (customized) enc_mode / dec_mode, both directions
# ------------------------------------------------------------------------------------------------

def test_callable_ms_export_mscrypt_load(ms_written, report):
    import mscrypt

    w = ms_written["mindir:callable"]["result"]
    # MindSpore called enc_mode once with the plain ModelProto and the whole key.
    assert [c[0] for c in w["callable_calls"]] == ["enc"]
    assert w["callable_calls"][0][1] == D.CALLABLE_KEY.hex()
    seen = []

    def dec(path, key):
        seen.append((path, bytes(key)))
        with open(path, "rb") as f:
            return D.xor_stream(f.read(), key)

    m = mscrypt.load_mindir(w["path"], dec_key=D.CALLABLE_KEY, dec_mode=dec)
    assert describe_mindir_params(m) == expected_params()
    assert len(seen) == 1 and seen[0][1] == D.CALLABLE_KEY
    report["callable:mscrypt-dec-args"] = {"path_type": type(seen[0][0]).__name__}


def test_callable_mscrypt_export_ms_load(mscrypt_written, ms_written, ms_read):
    r = assert_ms_ran_it(mscrypt_written, ms_written, ms_read, "mindir:callable")
    calls = r["result"]["callable_calls"]
    assert [c[0] for c in calls] == ["dec"]
    assert calls[0][1] == D.CALLABLE_KEY.hex()


def test_callable_key_with_nul(ms_written, ms_read, report):
    """MindSpore hands a callable dec_mode the key cut at the first NUL (its C-string binding):
    a callable export with such a key cannot be loaded back by MindSpore with the same callable.
    Records what mscrypt hands its callable."""
    import mscrypt

    w = ms_written["mindir:callable-nul"]["result"]
    assert w["callable_calls"][0][1] == D.CALLABLE_KEY_NUL.hex(), "MindSpore's enc_mode got the whole key"
    r = ms_read["mindir:ms-callable-nul"]
    calls = (r.get("result") or {}).get("callable_calls") if r["ok"] else r.get("callable_calls")
    ms_dec_keys = [c[1] for c in calls or [] if c[0] == "dec"]
    seen = []

    def dec(path, key):
        seen.append(bytes(key))
        with open(path, "rb") as f:
            return D.xor_stream(f.read(), key)

    try:
        m = mscrypt.load_mindir(w["path"], dec_key=D.CALLABLE_KEY_NUL, dec_mode=dec)
        mscrypt_ok = describe_mindir_params(m) == expected_params()
        mscrypt_exc = None
    except mscrypt.Error as e:
        mscrypt_ok, mscrypt_exc = False, type(e).__name__
    report["callable:key-with-nul"] = {
        "mindspore_load_ok": r["ok"], "mindspore_exc": r.get("exc"), "mindspore_msg": r.get("msg"),
        "mindspore_dec_key_seen": ms_dec_keys, "mscrypt_dec_key_seen": [k.hex() for k in seen],
        "mscrypt_load_ok": mscrypt_ok, "mscrypt_exc": mscrypt_exc}
    # MindSpore 2.7.1's quirk, pinned: its callable got the key cut at the NUL, so the load fails
    # (the cut key does not decrypt what was encrypted with the whole key).
    cut = D.CALLABLE_KEY_NUL.split(b"\x00")[0].hex()
    assert ms_dec_keys == [cut]
    assert not r["ok"]
    # mscrypt's callable gets the key it was given, so the round trip works.
    assert seen == [D.CALLABLE_KEY_NUL] and mscrypt_ok


# ------------------------------------------------------------------------------------------------
# (5) wrong key / wrong mode: both sides refuse the same MindIR files
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("what,writer,mode,klen", refusals.cases())
def test_both_refuse(ms_written, mscrypt_written, ms_read, report, what, writer, mode, klen):
    import mscrypt

    refusals.both_refuse("mindir", mscrypt.load_mindir, "mindspore.load", "builtins.RuntimeError",
                         ms_written, mscrypt_written, ms_read, report, what, writer, mode, klen)


# ------------------------------------------------------------------------------------------------
# (9) a MindIR encrypted through a passphrase key envelope (docs/format.md §9): MindSpore loads it
#     with the data key `mscrypt key show --hex` prints
# ------------------------------------------------------------------------------------------------

def test_envelope_key_mindir_ms_load_run(mscrypt_written, ms_written, ms_read):
    assert_ms_ran_it(mscrypt_written, ms_written, ms_read, "envelope:mindir")


# ------------------------------------------------------------------------------------------------
# (10) a MindIR exported with seal=True: MindSpore loads and runs it as before
# ------------------------------------------------------------------------------------------------

def test_sealed_mindir_ms_load_run(mscrypt_written, ms_written, ms_read):
    assert os.path.exists(mscrypt_written["sealed:mindir"]["result"]["path"] + ".msseal")
    assert_ms_ran_it(mscrypt_written, ms_written, ms_read, "sealed:mindir")
