"""Case (5) of the interop suite, shared by the checkpoint and MindIR tests: for the same file,
MindSpore and mscrypt both refuse a wrong key or a wrong mode (pytest side only; the MindSpore
worker never imports this)."""

from __future__ import annotations

import pytest

import msinterop_data as D


def targets(writer):
    return [pytest.param(writer, mode, klen, id="%s-%s" % (writer, D.combo_id(mode, klen)))
            for mode, klen in D.COMBOS]


def both_refuse(kind, load, ms_call, ms_exc, ms_written, mscrypt_written, ms_read, report,
                writer, mode, klen, what):
    """`kind` is "ckpt" or "mindir", `load` mscrypt's loader, `ms_exc` the exception MindSpore's
    `ms_call` raises; `what` is "wrongkey" or "wrongmode"."""
    import mscrypt

    cid = D.combo_id(mode, klen)
    written = ms_written if writer == "mindspore" else mscrypt_written
    w = written["%s:%s" % (kind, cid)]
    assert w["ok"], "the %s-written file is missing: %s" % (writer, w.get("msg"))
    path = w["result"]["path"]
    if what == "wrongkey":
        key, dmode = D.wrong_key_for(mode, klen), mode
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
    else:
        # GCM: tag. CBC/SM4: padding -- with probability ~1/256 a wrong key passes the padding
        # check and the garbage then fails to parse, hence FormatError rather than
        # AuthenticationError for CBC.
        expected = mscrypt.AuthenticationError if mode == "AES-GCM" else mscrypt.FormatError
        assert isinstance(ei.value, expected), type(ei.value)
