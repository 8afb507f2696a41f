"""Cost of checking a seal (docs/format.md §11) when decrypting, as a ratio measured in one run.

    python3 bench/seal_bench.py [--size-mib 1024] [--runs 5] [--modes AES-GCM,AES-CBC] [--dir DIR]

For each mode it writes one file of --size-mib MiB with `encrypt_file(..., seal=True)`, then times
`decrypt_file_to_memory` with the seal ignored (`seal=False`, what reading costs without a seal)
and checked (`seal=True`), alternating the two so both see the same page cache, and prints the
best of --runs for each, their difference, and the check timed alone as a share of the decrypt. Target (issue 14): under 2 % for AES-GCM, whose check
reads only block headers. CBC has no tags, so its seal holds a SHA-256 of every block's
ciphertext and checking it hashes the whole file once more; that cost is reported, not targeted.
"""

import argparse
import os
import tempfile
import time

import mscrypt


def best(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--modes", default="AES-GCM,AES-CBC")
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    key = mscrypt.generate_key(32)
    print(f"# {args.size_mib} MiB, best of {args.runs}, nproc={os.cpu_count()}")
    print("| mode | decrypt, seal ignored (s) | decrypt, seal checked (s) | difference | the check alone (s) | check / decrypt |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        plain = os.path.join(d, "plain.bin")
        with open(plain, "wb") as f:
            chunk = os.urandom(1 << 20)
            for _ in range(args.size_mib):
                f.write(chunk)
        for mode in args.modes.split(","):
            enc = os.path.join(d, f"model-{mode}.enc")
            mscrypt.encrypt_file(plain, enc, key, mode, seal=True)
            mscrypt.decrypt_file_to_memory(enc, key, seal=True).wipe()  # warm the page cache
            plain_t, sealed_t = [], []
            for _ in range(args.runs):
                plain_t.append(best(lambda: mscrypt.decrypt_file_to_memory(enc, key, seal=False).wipe(), 1))
                sealed_t.append(best(lambda: mscrypt.decrypt_file_to_memory(enc, key, seal=True).wipe(), 1))
            a, b = min(plain_t), min(sealed_t)
            # The difference of two ~0.4 s timings is within their noise on a shared machine, so the
            # check is also timed on its own (check_seal does exactly what a sealed read adds).
            c = best(lambda: mscrypt.check_seal(enc, key), args.runs)
            print(f"| {mode} | {a:.3f} | {b:.3f} | {100 * (b - a) / a:+.2f} % | {c:.4f} | {100 * c / a:.2f} % |")
            os.remove(enc)
            os.remove(enc + ".msseal")


if __name__ == "__main__":
    main()
