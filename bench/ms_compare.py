#!/usr/bin/env python3
"""mscrypt vs MindSpore 2.7.1: save_checkpoint / load_checkpoint of one 1 GiB encrypted checkpoint
(AES-GCM, 16-byte key), in the same run, on the same machine.

Every measurement runs in a FRESH subprocess: MindSpore's in the MindSpore venv
(scripts/setup-mindspore-venv.sh; MSCRYPT_MS_PYTHON or --ms-python), mscrypt's in the python
running this script (which must have mscrypt installed). The two libraries never share a process.

In each child:
  * time   = wall time (perf_counter) of the save/load call alone;
  * memory = peak RSS (resource.getrusage ru_maxrss) at the end minus the peak RSS after imports
             and data creation (for save: the tensors exist and are resident before the baseline).

Both loads read the SAME file (written by MindSpore's save, the reference). The mscrypt save
writes its own file (checked to load in mscrypt to the same digest). Each measurement is repeated
--reps times; the table shows medians. Ratios: time = MindSpore / mscrypt (higher is better for
mscrypt), memory = mscrypt / MindSpore (lower is better).

Targets (issue #6): load >= 5x faster with <= 0.5x the peak memory growth; save >= 3x faster.

    python bench/ms_compare.py [--size-mib 1024] [--tensors 8] [--reps 3] [--dir DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = bytes(range(1, 17))  # AES-128
MODE = "AES-GCM"


# --------------------------------------------------------------------------------------------
# children (only stdlib at module level: the MindSpore child must not import mscrypt)
# --------------------------------------------------------------------------------------------

def _maxrss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _arrays(size_mib, count):
    import numpy as np

    per = (size_mib << 20) // count // 4
    out = []
    for i in range(count):
        a = np.random.default_rng(100 + i).standard_normal(per, dtype=np.float32)
        out.append(("layer%d.weight" % i, a.reshape(-1, 1024)))
    return out


def _digest(pairs):
    h = hashlib.sha256()
    for name, a in pairs:
        h.update(name.encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def child(kind, path, size_mib, count):
    res = {"kind": kind}
    if kind.startswith("ms-"):
        import mindspore as ms
        from mindspore import Tensor
        res["version"] = ms.__version__
    else:
        import mscrypt
        res["version"] = getattr(mscrypt, "__version__", "?")
    if kind.endswith("save"):
        data = _arrays(size_mib, count)
        if kind == "ms-save":
            obj = [{"name": n, "data": Tensor(a)} for n, a in data]
        else:
            obj = [{"name": n, "data": a} for n, a in data]
        base = _maxrss()
        t0 = time.perf_counter()
        if kind == "ms-save":
            ms.save_checkpoint(obj, path, enc_key=KEY, enc_mode=MODE)
        else:
            mscrypt.save_checkpoint(obj, path, enc_key=KEY, enc_mode=MODE)
        res["secs"] = time.perf_counter() - t0
        res["digest"] = _digest(data)
    else:
        base = _maxrss()
        t0 = time.perf_counter()
        if kind == "ms-load":
            d = ms.load_checkpoint(path, dec_key=KEY, dec_mode=MODE)
        else:
            d = mscrypt.load_checkpoint(path, dec_key=KEY, dec_mode=MODE)
        res["secs"] = time.perf_counter() - t0
        peak_after_call = _maxrss()
        # digest (outside the timed region, and after the memory reading)
        pairs = [(n, v.asnumpy() if kind == "ms-load" else v) for n, v in d.items()]
        res["digest"] = _digest(pairs)
        res["peak_growth"] = peak_after_call - base
    res.setdefault("peak_growth", _maxrss() - base)
    res["baseline"] = base
    print("RESULT " + json.dumps(res))


# --------------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------------

def run_child(python, kind, path, args):
    env = dict(os.environ)
    if kind.startswith("ms-"):
        for k in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            env.pop(k, None)
        env.setdefault("GLOG_v", "3")
    cmd = [python, os.path.abspath(__file__), "--child", kind, "--path", path,
           "--size-mib", str(args.size_mib), "--tensors", str(args.tensors)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    if p.returncode != 0 or not lines:
        sys.exit("child %s failed (rc=%d):\n%s\n%s" % (kind, p.returncode, p.stdout[-2000:], p.stderr[-4000:]))
    return json.loads(lines[-1][len("RESULT "):])


def drop_file_from_cache_warm(path):
    # Read the file once so both loads start from the same (warm page cache) state.
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--tensors", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ms-python", default=os.environ.get("MSCRYPT_MS_PYTHON")
                    or os.path.join(ROOT, "build", "ms-venv", "bin", "python"))
    ap.add_argument("--dir", default=None, help="where to write the checkpoints (needs ~2.2x size)")
    ap.add_argument("--json", default=None, help="also write the raw results here")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.path, args.size_mib, args.tensors)
        return

    if not os.path.exists(args.ms_python):
        sys.exit("MindSpore python %s not found: run scripts/setup-mindspore-venv.sh" % args.ms_python)
    work = tempfile.mkdtemp(prefix="ms_compare-", dir=args.dir)
    ms_file = os.path.join(work, "ms.ckpt")
    our_file = os.path.join(work, "mscrypt.ckpt")
    runs = {k: [] for k in ("ms-save", "mscrypt-save", "ms-load", "mscrypt-load")}
    try:
        for rep in range(args.reps):
            for kind, python, path in (("ms-save", args.ms_python, ms_file),
                                       ("mscrypt-save", sys.executable, our_file)):
                for p in (path, path + ".tmp"):
                    if os.path.exists(p):
                        os.chmod(p, 0o600)
                        os.remove(p)
                r = run_child(python, kind, path, args)
                r["file_size"] = os.path.getsize(path)
                runs[kind].append(r)
                print("  %-13s rep %d: %6.2f s, peak +%5.0f MiB" % (kind, rep, r["secs"], r["peak_growth"] / 2**20),
                      file=sys.stderr)
            drop_file_from_cache_warm(ms_file)
            for kind, python in (("ms-load", args.ms_python), ("mscrypt-load", sys.executable)):
                r = run_child(python, kind, ms_file, args)
                runs[kind].append(r)
                print("  %-13s rep %d: %6.2f s, peak +%5.0f MiB" % (kind, rep, r["secs"], r["peak_growth"] / 2**20),
                      file=sys.stderr)
        # sanity: everybody saw the same data
        digests = {r["digest"] for rs in runs.values() for r in rs}
        if len(digests) != 1:
            sys.exit("digest mismatch between runs: %s" % digests)
        # mscrypt's own file loads in mscrypt to the same data
        chk = run_child(sys.executable, "mscrypt-load", our_file, args)
        if chk["digest"] not in digests:
            sys.exit("mscrypt-written checkpoint does not load to the same data")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {k: {"secs": statistics.median(r["secs"] for r in rs),
               "peak": statistics.median(r["peak_growth"] for r in rs)} for k, rs in runs.items()}
    size = runs["ms-save"][0]["file_size"]
    load_speed = med["ms-load"]["secs"] / med["mscrypt-load"]["secs"]
    load_mem = med["mscrypt-load"]["peak"] / max(med["ms-load"]["peak"], 1)
    save_speed = med["ms-save"]["secs"] / med["mscrypt-save"]["secs"]
    save_mem = med["mscrypt-save"]["peak"] / max(med["ms-save"]["peak"], 1)
    mib = lambda b: "%.1f MiB" % (b / 2**20)  # noqa: E731
    ok = lambda c: "**yes**" if c else "**NO**"  # noqa: E731
    print()
    print("%s MiB checkpoint (%d float32 tensors, file %s bytes), %s with a 16-byte key; MindSpore %s, "
          "mscrypt %s; %d core(s); median of %d fresh-process runs each."
          % (args.size_mib, args.tensors, format(size, ","), MODE, runs["ms-load"][0]["version"],
             runs["mscrypt-load"][0]["version"], os.cpu_count(), args.reps))
    print()
    print("| operation | MindSpore 2.7.1 | mscrypt | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("| load_checkpoint wall time | %.2f s | %.2f s | %.1fx faster | >= 5x faster | %s |"
          % (med["ms-load"]["secs"], med["mscrypt-load"]["secs"], load_speed, ok(load_speed >= 5)))
    print("| load_checkpoint peak RSS growth | %s | %s | %.4fx | <= 0.5x | %s |"
          % (mib(med["ms-load"]["peak"]), mib(med["mscrypt-load"]["peak"]), load_mem, ok(load_mem <= 0.5)))
    print("| save_checkpoint wall time | %.2f s | %.2f s | %.1fx faster | >= 3x faster | %s |"
          % (med["ms-save"]["secs"], med["mscrypt-save"]["secs"], save_speed, ok(save_speed >= 3)))
    print("| save_checkpoint peak RSS growth | %s | %s | %.3fx | (none) | |"
          % (mib(med["ms-save"]["peak"]), mib(med["mscrypt-save"]["peak"]), save_mem))
    print()
    print("Peak RSS baselines (after imports and data creation): load MindSpore %s, mscrypt %s; "
          "save MindSpore %s, mscrypt %s." % (mib(runs["ms-load"][0]["baseline"]),
                                              mib(runs["mscrypt-load"][0]["baseline"]),
                                              mib(runs["ms-save"][0]["baseline"]),
                                              mib(runs["mscrypt-save"][0]["baseline"])))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": runs, "median": med, "file_size": size}, f, indent=1)


if __name__ == "__main__":
    main()
