"""MindSpore 2.7.1 quirks that matter to users who mix the two libraries, checked on both sides.

Each test records what MindSpore and mscrypt do (MSCRYPT_INTEROP_REPORT, docs/compatibility.md).
Where a difference would break a drop-in replacement, the compatibility property is asserted, so a
regression shows as a failure.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import msinterop_data as D

K16 = D.key_for("AES-GCM", 16)
STR_KEY = "0123456789abcdef"


@pytest.fixture(scope="module")
def quirks(mindspore, tmp_path_factory):
    """mscrypt writes first (in this process), then ONE MindSpore batch does all its work."""
    import mscrypt

    d = str(tmp_path_factory.mktemp("quirks"))
    p = lambda n: os.path.join(d, n)  # noqa: E731
    empties = [["a", "float32", [3], 1.5], ["empty_0", "float32", [0], 0], ["empty_2x0", "float32", [2, 0], 0]]
    with pytest.warns(UserWarning, match="2 empty tensor"):
        mscrypt.save_checkpoint([{"name": n, "data": np.full(tuple(s), f, dtype=t)} for n, t, s, f in empties],
                                p("mscrypt-empty.ckpt"), enc_key=K16, enc_mode="AES-GCM")
    mscrypt.save_checkpoint([{"name": "a", "data": np.full((3,), 1.5, np.float32)}], p("mscrypt-crc.ckpt"),
                            crc_check=True)
    tasks = [
        {"id": "ms-save-empty", "op": "save_ckpt_entries", "path": p("ms-empty.ckpt"), "entries": empties,
         "mode": "AES-GCM", "key": K16.hex()},
        {"id": "ms-load-mscrypt-empty", "op": "load_ckpt", "path": p("mscrypt-empty.ckpt"),
         "mode": "AES-GCM", "key": K16.hex()},
        {"id": "ms-save-crc-enc", "op": "save_ckpt_entries", "path": p("ms-crc-enc.ckpt"),
         "entries": [["a", "float32", [3], 1.5]], "mode": "AES-GCM", "key": K16.hex(), "crc_check": True},
        {"id": "ms-load-crc-enc", "op": "load_ckpt", "path": p("ms-crc-enc.ckpt"), "mode": "AES-GCM",
         "key": K16.hex()},
        {"id": "ms-save-str-key", "op": "save_ckpt_entries", "path": p("ms-str-key.ckpt"),
         "entries": [["a", "float32", [3], 1.5]], "mode": "AES-GCM", "key": "str:" + STR_KEY},
        {"id": "ms-load-str-key", "op": "load_ckpt", "path": p("ms-empty.ckpt"), "mode": "AES-GCM",
         "key": "str:" + STR_KEY},
        {"id": "ms-export-str-key", "op": "export_str_key", "prefix": p("ms-str-key"), "key": "str:" + STR_KEY},
        {"id": "ms-save-lowercase-mode", "op": "save_ckpt_entries", "path": p("ms-lower.ckpt"),
         "entries": [["a", "float32", [3], 1.5]], "mode": "aes-gcm", "key": K16.hex()},
        {"id": "ms-load-no-key", "op": "load_ckpt", "path": p("ms-empty.ckpt"), "mode": None, "key": None},
        {"id": "ms-save-crc", "op": "save_ckpt_entries", "path": p("ms-crc.ckpt"),
         "entries": [["a", "float32", [3], 1.5]], "crc_check": True},
        {"id": "ms-load-mscrypt-crc", "op": "load_ckpt", "path": p("mscrypt-crc.ckpt"), "mode": None,
         "key": None, "crc_check": True},
    ]
    res = mindspore.run(tasks, "ms-quirks")
    return d, res


def _exc(fn):
    try:
        fn()
    except Exception as e:  # recorded
        return e
    return None


def test_empty_tensors_ms_drops_them(quirks, report):
    """MindSpore's (synchronous) save_checkpoint silently omits 0-byte tensors."""
    import mscrypt

    d, res = quirks
    assert res["ms-save-empty"]["ok"], res["ms-save-empty"]
    got = mscrypt.load_checkpoint(res["ms-save-empty"]["result"]["path"], dec_key=K16)
    report["quirk:empty:ms-save->mscrypt-load"] = {k: list(v.shape) for k, v in got.items()}
    assert list(got) == ["a"]


def test_empty_tensors_same_view_as_ms_save(quirks, report):
    """Drop-in property: MindSpore sees the same thing whether MindSpore or mscrypt saved. Both
    drop 0-byte tensors (mscrypt warns); had mscrypt written them, MindSpore 2.7.1 would load the
    (0,) one back as a 0-d scalar 0.0 (its loader reads dims == [0] as 'scalar')."""
    d, res = quirks
    r = res["ms-load-mscrypt-empty"]
    assert r["ok"], r
    ents = r["result"]["entries"]
    report["quirk:empty:mscrypt-save->ms-load"] = ents
    assert {k: v["shape"] for k, v in ents.items()} == {"a": [3]}


def test_crc_check_with_key(quirks, report):
    """MindSpore writes encrypted blocks + a plaintext crc trailer that nobody can load; mscrypt
    refuses the combination up front."""
    import mscrypt

    d, res = quirks
    w = res["ms-save-crc-enc"]
    assert w["ok"], w
    ms_load = res["ms-load-crc-enc"]
    assert not ms_load["ok"]
    e_load = _exc(lambda: mscrypt.load_checkpoint(w["result"]["path"], dec_key=K16))
    e_save = _exc(lambda: mscrypt.save_checkpoint({"a": np.ones(3, np.float32)}, os.path.join(d, "m-crc.ckpt"),
                                                  enc_key=K16, crc_check=True))
    report["quirk:crc+key"] = {"ms_load_exc": ms_load["exc"], "ms_load_msg": ms_load["msg"],
                               "mscrypt_load_exc": type(e_load).__name__ if e_load else None,
                               "mscrypt_load_msg": str(e_load)[:300] if e_load else None,
                               "mscrypt_save_exc": type(e_save).__name__ if e_save else None}
    assert isinstance(e_load, mscrypt.Error)
    assert isinstance(e_save, mscrypt.InvalidArgumentError)


def test_plain_crc_check_both_ways(quirks):
    """Plain crc_check=True files (crc_num + CRC-32 as 10-byte big-endian): same bytes, both load."""
    import mscrypt

    d, res = quirks
    w = res["ms-save-crc"]
    assert w["ok"], w
    with open(w["result"]["path"], "rb") as f1, open(os.path.join(d, "mscrypt-crc.ckpt"), "rb") as f2:
        assert f1.read() == f2.read()
    got = mscrypt.load_checkpoint(w["result"]["path"], crc_check=True)
    assert list(got) == ["a"] and got["a"].tolist() == [1.5, 1.5, 1.5]
    r = res["ms-load-mscrypt-crc"]
    assert r["ok"], r
    assert list(r["result"]["entries"]) == ["a"]


def test_lowercase_mode(quirks, report):
    import mscrypt

    d, res = quirks
    r = res["ms-save-lowercase-mode"]
    e = _exc(lambda: mscrypt.save_checkpoint({"a": np.ones(3, np.float32)}, os.path.join(d, "m-lower.ckpt"),
                                             enc_key=K16, enc_mode="aes-gcm"))
    report["quirk:lowercase-mode"] = {"ms_exc": r.get("exc"), "ms_msg": r.get("msg"),
                                      "mscrypt_exc": type(e).__name__ if e else None}
    assert not r["ok"] and r["exc"] == "builtins.ValueError"
    assert isinstance(e, ValueError) and isinstance(e, mscrypt.Error)


def test_encrypted_file_without_key(quirks, report):
    import mscrypt

    d, res = quirks
    r = res["ms-load-no-key"]
    e = _exc(lambda: mscrypt.load_checkpoint(res["ms-save-empty"]["result"]["path"]))
    report["quirk:no-key"] = {"ms_exc": r.get("exc"), "ms_msg": r.get("msg"), "ms_cause": r.get("cause"),
                              "mscrypt_exc": type(e).__name__ if e else None,
                              "mscrypt_msg": str(e)[:300] if e else None}
    assert not r["ok"] and r["exc"] == "builtins.ValueError"
    assert isinstance(e, mscrypt.KeyRequiredError) and isinstance(e, ValueError)


def _str_key_excs():
    import mscrypt

    out = {}
    out["save_checkpoint"] = _exc(lambda: mscrypt.save_checkpoint({"a": np.ones(3, np.float32)}, "/nonexistent/x.ckpt",
                                                                  enc_key=STR_KEY))
    out["load_checkpoint"] = _exc(lambda: mscrypt.load_checkpoint("/nonexistent/x.ckpt", dec_key=STR_KEY))
    out["load_mindir"] = _exc(lambda: mscrypt.load_mindir("/nonexistent/x.mindir", dec_key=STR_KEY))
    return out


def test_str_key_both_refuse(quirks, report):
    d, res = quirks
    ms_side = {k: (res[k].get("exc"), res[k].get("msg")) for k in ("ms-save-str-key", "ms-load-str-key",
                                                                   "ms-export-str-key")}
    ours = _str_key_excs()
    report["quirk:str-key"] = {"mindspore": ms_side,
                               "mscrypt": {k: (type(e).__name__ if e else None, str(e)[:200] if e else None)
                                           for k, e in ours.items()}}
    for k in ("ms-save-str-key", "ms-load-str-key", "ms-export-str-key"):
        assert not res[k]["ok"], res[k]
        assert res[k]["exc"] == "builtins.ValueError", res[k]
    for k, e in ours.items():
        assert isinstance(e, (TypeError, ValueError)), (k, e)


def test_str_key_is_valueerror_like_ms(quirks):
    """mscrypt raises ArgumentTypeError: a TypeError and, like MindSpore, a ValueError."""
    import mscrypt

    for k, e in _str_key_excs().items():
        assert isinstance(e, ValueError) and isinstance(e, mscrypt.Error), (k, type(e))
