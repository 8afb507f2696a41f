"""Writes generated seed files into tests/fuzz/corpus/<target>/, or with check=True only reports
the files that differ; shared by gen_corpus.py and gen_model_corpus.py. Files named regress_*
(minimised crashers kept by hand) are never touched."""

from __future__ import annotations

import os
import sys


def sync(corpus, targets, wanted, check, max_seed):
    """`wanted` maps (target, file name) to bytes. Returns the exit code: 1 if check found files
    out of date, else 0."""
    for (target, name), data in wanted.items():
        assert len(data) < max_seed, (target, name, len(data))
    differ = []
    for target in targets:
        d = os.path.join(corpus, target)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if not f.startswith("regress_") and (target, f) not in wanted:
                differ.append(os.path.join(d, f))
                if not check:
                    os.remove(os.path.join(d, f))
    for (target, name), data in sorted(wanted.items()):
        path = os.path.join(corpus, target, name)
        old = open(path, "rb").read() if os.path.exists(path) else None
        if old != data:
            differ.append(path)
            if not check:
                with open(path, "wb") as f:
                    f.write(data)
    total = sum(len(v) for v in wanted.values())
    print(f"{len(wanted)} seeds, {total} bytes", file=sys.stderr)
    if check and differ:
        print("corpus out of date:\n  " + "\n  ".join(differ), file=sys.stderr)
        return 1
    return 0
