#!/usr/bin/env python3
"""Decrypting into memory from Python, against single-core `openssl speed` in the same run.

    python bench/memory_bench.py [--size-mib 256] [--runs 5] [--seconds 3] [--openssl openssl]

Measures AES-256-GCM decryption of one `--size-mib` container (64 MiB blocks) with
`mscrypt.decrypt` (bytes out), `mscrypt.decrypt_to_memory` and `mscrypt.decrypt_file_to_memory`
(Plaintext out, all cores), best of `--runs`, and `openssl speed -evp aes-256-gcm -decrypt -bytes
16777216` on one core. Prints GB/s (1e9 bytes/s) and each call's ratio to OpenSSL; the target
(docs/performance.md) is a ratio of at least 1.7 on 2 cores for every call. A ratio, not a timed
test: both sides run on the same machine in the same minute.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import mscrypt

TARGET = 1.7


def openssl_gbps(openssl, seconds):
    out = subprocess.run([openssl, "speed", "-evp", "aes-256-gcm", "-decrypt", "-bytes", "16777216",
                          "-seconds", str(seconds)], capture_output=True, text=True, check=True).stdout
    # Last line: "aes-256-gcm  <k bytes/s>k" for the one block size asked for.
    m = re.search(r"aes-256-gcm\s+([\d.]+)k\s*$", out.strip(), re.M | re.I)
    if not m:
        sys.exit("cannot parse openssl speed output:\n" + out)
    return float(m.group(1)) * 1000 / 1e9


def best(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
        del result
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=256)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--openssl", default="openssl")
    args = ap.parse_args()
    size = args.size_mib << 20
    key = os.urandom(32)
    ct = mscrypt.encrypt(os.urandom(size), key, "AES-GCM")
    ossl = openssl_gbps(args.openssl, args.seconds)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.enc")
        with open(path, "wb") as f:
            f.write(ct)
        calls = {
            "decrypt (bytes)": lambda: mscrypt.decrypt(ct, key),
            "decrypt_to_memory": lambda: mscrypt.decrypt_to_memory(ct, key),
            "decrypt_file_to_memory": lambda: mscrypt.decrypt_file_to_memory(path, key),
        }
        results = {name: size / best(fn, args.runs) / 1e9 for name, fn in calls.items()}
    print(f"cores: {os.cpu_count()}, size: {args.size_mib} MiB AES-256-GCM, best of {args.runs}")
    print(f"openssl speed (1 core, 16 MiB buffers): {ossl:.2f} GB/s")
    print("| call | GB/s | x openssl | target |")
    print("| --- | --- | --- | --- |")
    ok = True
    for name, gbps in results.items():
        ratio = gbps / ossl
        ok &= ratio >= TARGET
        print(f"| {name} | {gbps:.2f} | {ratio:.2f} | {'PASS' if ratio >= TARGET else 'MISS'} (>= {TARGET}) |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
