#!/usr/bin/env python3
"""Turn an interop report (MSCRYPT_INTEROP_REPORT=report.json pytest tests/interop) into the
markdown tables of docs/compatibility.md.

    python3 tests/interop/report_matrix.py report.json > matrix.md
"""

from __future__ import annotations

import json
import re
import sys

COMBOS = ["AES-GCM-16", "AES-GCM-24", "AES-GCM-32", "AES-CBC-16", "AES-CBC-24", "AES-CBC-32", "SM4-CBC-16"]
BIG = {"AES-GCM": "AES-GCM-32", "AES-CBC": "AES-CBC-24", "SM4-CBC": "SM4-CBC-16"}

# (row label, test file, test function, param id template or None)
ROWS = [
    ("(1) MindSpore save_checkpoint -> mscrypt.load_checkpoint", "test_checkpoint_interop.py",
     "test_ms_save_mscrypt_load", "{c}"),
    ("(1) same, 150 MiB tensor (3 blocks), one file per mode", "test_checkpoint_interop.py",
     "test_ms_save_mscrypt_load_big", "{big}"),
    ("(2) mscrypt.save_checkpoint -> MindSpore load_checkpoint", "test_checkpoint_interop.py",
     "test_mscrypt_save_ms_load", "{c}"),
    ("(2) same, 150 MiB tensor (3 blocks), one file per mode", "test_checkpoint_interop.py",
     "test_mscrypt_save_ms_load_big", "{big}"),
    ("(2) mscrypt checkpoint plaintext and block layout == MindSpore's", "test_checkpoint_interop.py",
     "test_same_plaintext_and_blocks_as_ms", "{c}"),
    ("(2) same block layout, 150 MiB tensor", "test_checkpoint_interop.py", "test_same_blocks_as_ms_big", "{big}"),
    ("(3) MindSpore export -> mscrypt.load_mindir (parameters)", "test_mindir_interop.py",
     "test_ms_export_mscrypt_load", "{c}"),
    ("(3) load_mindir(...).serialize() == MindSpore's ModelProto bytes", "test_mindir_interop.py",
     "test_ms_export_mscrypt_serialize_byte_exact", "{c}"),
    ("(4) mscrypt.export_mindir -> mindspore.load -> GraphCell output == original net", "test_mindir_interop.py",
     "test_mscrypt_export_ms_load_run", "{c}"),
    ("(4) export_mindir plaintext == MindSpore's plain export", "test_mindir_interop.py",
     "test_mscrypt_export_plaintext_is_ms_export", "{c}"),
    ("(5) ckpt, wrong key: both refuse (MindSpore-written file)", "test_checkpoint_interop.py",
     "test_both_refuse", "wrongkey-mindspore-{c}"),
    ("(5) ckpt, wrong key: both refuse (mscrypt-written file)", "test_checkpoint_interop.py",
     "test_both_refuse", "wrongkey-mscrypt-{c}"),
    ("(5) ckpt, wrong CBC key passing the padding: both refuse (MindSpore-written file)",
     "test_checkpoint_interop.py", "test_both_refuse", "wrongkey-padok-mindspore-{c}"),
    ("(5) ckpt, wrong CBC key passing the padding: both refuse (mscrypt-written file)",
     "test_checkpoint_interop.py", "test_both_refuse", "wrongkey-padok-mscrypt-{c}"),
    ("(5) ckpt, wrong mode: both refuse (MindSpore-written file)", "test_checkpoint_interop.py",
     "test_both_refuse", "wrongmode-mindspore-{c}"),
    ("(5) ckpt, wrong mode: both refuse (mscrypt-written file)", "test_checkpoint_interop.py",
     "test_both_refuse", "wrongmode-mscrypt-{c}"),
    ("(5) MindIR, wrong key: both refuse (MindSpore-written file)", "test_mindir_interop.py",
     "test_both_refuse", "wrongkey-mindspore-{c}"),
    ("(5) MindIR, wrong key: both refuse (mscrypt-written file)", "test_mindir_interop.py",
     "test_both_refuse", "wrongkey-mscrypt-{c}"),
    ("(5) MindIR, wrong CBC key passing the padding: both refuse (MindSpore-written file)",
     "test_mindir_interop.py", "test_both_refuse", "wrongkey-padok-mindspore-{c}"),
    ("(5) MindIR, wrong CBC key passing the padding: both refuse (mscrypt-written file)",
     "test_mindir_interop.py", "test_both_refuse", "wrongkey-padok-mscrypt-{c}"),
    ("(5) MindIR, wrong mode: both refuse (MindSpore-written file)", "test_mindir_interop.py",
     "test_both_refuse", "wrongmode-mindspore-{c}"),
    ("(5) MindIR, wrong mode: both refuse (mscrypt-written file)", "test_mindir_interop.py",
     "test_both_refuse", "wrongmode-mscrypt-{c}"),
]

MARK = {"passed": "pass", "failed": "**FAIL**", "skipped": "skip"}


def outcome(tests, nodeid):
    t = tests.get(nodeid)
    return MARK.get(t["outcome"], t["outcome"]) if t else ""


def main():
    rep = json.load(open(sys.argv[1]))
    tests = {k.split("tests/interop/")[-1]: v for k, v in rep["tests"].items()}
    print("| case | " + " | ".join(COMBOS) + " |")
    print("| --- | " + " | ".join("---" for _ in COMBOS) + " |")
    for label, f, fn, tmpl in ROWS:
        cells = []
        for c in COMBOS:
            mode = c.rsplit("-", 1)[0]
            if "{big}" in tmpl and BIG[mode] != c:
                cells.append("")
                continue
            pid = tmpl.format(c=c, big=c)
            cells.append(outcome(tests, "%s::%s[%s]" % (f, fn, pid)))
        print("| %s | %s |" % (label, " | ".join(cells)))
    print()
    print("Other tests (not per mode):")
    print()
    print("| test | outcome | seconds |")
    print("| --- | --- | --- |")
    seen = {"%s::%s" % (f, fn) for _, f, fn, _ in ROWS}
    for nodeid, t in sorted(tests.items()):
        if re.sub(r"\[.*\]$", "", nodeid) in seen:
            continue
        print("| `%s` | %s | %s |" % (nodeid, {"skipped": "xfail/skip"}.get(t["outcome"], t["outcome"]), t["secs"]))
    print()
    print("| MindSpore batch | tasks | seconds |")
    print("| --- | --- | --- |")
    for name, p in rep.get("phases", {}).items():
        print("| %s | %d | %s |" % (name, p["tasks"], p["secs"]))


if __name__ == "__main__":
    main()
