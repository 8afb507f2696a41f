#!/usr/bin/env python3
"""Checkpoint save/load benchmark: wall time and peak memory of mscrypt's Python API.

Each measurement runs in a fresh subprocess. Memory is the growth of the peak RSS
(resource.getrusage(RUSAGE_SELF).ru_maxrss) over a baseline taken after imports and after the
tensors to save have been created (and touched), so it shows what save/load itself adds:

* save: should stay far below the checkpoint size (messages are streamed; the encrypted writer
  holds about `threads` 64 MiB blocks).
* load: should be about 1.0x the plaintext size (one buffer, numpy views into it), at most 1.2x.

Usage: PYTHONPATH=<dir with the mscrypt package> python3 bench/ckpt_bench.py [--size-mib 1024]
       [--tensors 16] [--threads 0] [--modes AES-GCM,plain] [--dir /tmp]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

KEY = bytes(range(32))


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def _make_tensors(size_bytes: int, count: int):
    import numpy as np

    per = size_bytes // count // 4
    tensors = {}
    for i in range(count):
        a = np.empty(per, dtype=np.float32)
        a[:] = i  # touch every page so the data is resident before the baseline
        a[:: 1024] = np.arange(a[:: 1024].size, dtype=np.float32)
        tensors[f"layer{i:03d}.weight"] = a
    return tensors


def child(args) -> None:
    """Runs one measurement and prints a JSON line."""
    import mscrypt

    key = None if args.mode == "plain" else KEY
    mode = "AES-GCM" if args.mode == "plain" else args.mode
    if args.op == "save":
        tensors = _make_tensors(args.size, args.tensors)
        baseline = _maxrss_bytes()
        start = time.perf_counter()
        mscrypt.save_checkpoint(tensors, args.path, enc_key=key, enc_mode=mode, threads=args.threads)
        elapsed = time.perf_counter() - start
    else:
        baseline = _maxrss_bytes()
        start = time.perf_counter()
        loaded = mscrypt.load_checkpoint(args.path, dec_key=key, dec_mode=mode, threads=args.threads)
        elapsed = time.perf_counter() - start
        assert len(loaded) == args.tensors
    peak = _maxrss_bytes()
    print(json.dumps({"elapsed": elapsed, "extra": peak - baseline, "baseline": baseline}))


def run(op: str, mode: str, path: str, args) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", op, "--mode", mode, "--path", path,
           "--size-mib", str(args.size_mib), "--tensors", str(args.tensors), "--threads", str(args.threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mib", type=int, default=1024, help="checkpoint size (tensor bytes), MiB")
    p.add_argument("--tensors", type=int, default=16)
    p.add_argument("--threads", type=int, default=0, help="0 = one per core")
    p.add_argument("--modes", default="AES-GCM,plain", help="comma list of AES-GCM, AES-CBC, SM4-CBC, plain")
    p.add_argument("--dir", default=None, help="directory for the checkpoint files")
    p.add_argument("--child", choices=["save", "load"], help=argparse.SUPPRESS)
    p.add_argument("--mode", help=argparse.SUPPRESS)
    p.add_argument("--path", help=argparse.SUPPRESS)
    args = p.parse_args()
    args.size = args.size_mib << 20
    if args.child:
        args.op = args.child
        child(args)
        return

    rows = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for mode in args.modes.split(","):
            path = os.path.join(tmp, f"bench_{mode}.ckpt")
            save = run("save", mode, path, args)
            file_size = os.path.getsize(path)
            load = run("load", mode, path, args)
            os.remove(path)
            for op, r in (("save", save), ("load", load)):
                rows.append((mode, op, r["elapsed"], args.size / r["elapsed"] / (1 << 20), r["extra"],
                             r["extra"] / args.size, file_size))

    print(f"checkpoint: {args.tensors} float32 tensors, {args.size_mib} MiB of tensor data, "
          f"threads={args.threads or os.cpu_count()}")
    print(f"{'mode':<9} {'op':<5} {'wall s':>8} {'MiB/s':>8} {'peak RSS +MiB':>14} {'x data':>7} {'file MiB':>9}")
    for mode, op, elapsed, rate, extra, ratio, fsize in rows:
        print(f"{mode:<9} {op:<5} {elapsed:>8.2f} {rate:>8.0f} {extra / (1 << 20):>14.1f} {ratio:>7.2f} "
              f"{fsize / (1 << 20):>9.1f}")


if __name__ == "__main__":
    main()
