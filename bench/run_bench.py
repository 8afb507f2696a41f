#!/usr/bin/env python3
"""Run container_bench and `openssl speed` in one go and print a markdown report.

    python3 bench/run_bench.py BUILD/bench/container_bench [--size-mib 1024] [--runs 3]
                               [--threads 1,0] [--openssl openssl] [--seconds 2] [--json out.json]

Builds nothing. For every mode it runs `openssl speed -evp <cipher> -bytes 16384 -seconds S`
(and again with -decrypt), which is single-threaded, then the bench binary, and prints:
  * the machine (nproc, CPU model, OpenSSL version, kernel),
  * a throughput table in GB/s (1e9 bytes/s) with ratios against OpenSSL's single-core figure for
    the same direction,
  * the issue's targets with PASS/MISS,
  * the streaming file->file peak RSS.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys

OPENSSL_CIPHER = {
    "AES-128-GCM": "aes-128-gcm",
    "AES-256-GCM": "aes-256-gcm",
    "AES-256-CBC": "aes-256-cbc",
    "SM4-CBC": "sm4-cbc",
}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return " ".join(x for x in ("aes", "pclmulqdq", "vaes", "vpclmulqdq", "avx2", "avx512f") if x in flags)
    except OSError:
        pass
    return ""


def openssl_speed(openssl, cipher, seconds, decrypt, multi=1):
    cmd = [openssl, "speed"] + (["-multi", str(multi)] if multi > 1 else []) + (["-decrypt"] if decrypt else []) + ["-evp", cipher, "-bytes", "16384", "-seconds", str(seconds)]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False).stdout
    # Last table row: "<NAME>   3544502.86k" (1000s of bytes per second for 16384-byte buffers).
    for line in reversed(out.splitlines()):
        m = re.match(r"^(\S+)\s+([0-9.]+)k\s*$", line.strip())
        if m and m.group(1).lower() == cipher.lower():
            return float(m.group(2)) * 1000 / 1e9, " ".join(cmd)
    raise RuntimeError("cannot parse `%s` output:\n%s" % (" ".join(cmd), out))


def fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", help="path to the built container_bench binary")
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", default="1,0", help="comma list; 0 = one per core")
    ap.add_argument("--modes", default=",".join(OPENSSL_CIPHER))
    ap.add_argument("--openssl", default="openssl")
    ap.add_argument("--seconds", type=int, default=2, help="openssl speed -seconds")
    ap.add_argument("--no-stream", action="store_true")
    ap.add_argument("--json", help="also write all raw results here")
    args = ap.parse_args()

    modes = [m for m in args.modes.split(",") if m]
    version = subprocess.run([args.openssl, "version"], stdout=subprocess.PIPE, text=True).stdout.strip()

    nproc = os.cpu_count()
    load_before = os.getloadavg()
    # OpenSSL first (single-threaded, nothing else of ours running); then `-multi nproc`, the
    # ceiling that N independent single-threaded OpenSSL processes reach on this machine.
    ossl = {}
    ossl_multi = {}
    for m in modes:
        for op, dec in (("encrypt", False), ("decrypt", True)):
            gbps, cmd = openssl_speed(args.openssl, OPENSSL_CIPHER[m], args.seconds, dec)
            ossl[(m, op)] = gbps
            print(f"# {cmd}: {gbps:.3f} GB/s", file=sys.stderr)
            if nproc > 1:
                gbps, cmd = openssl_speed(args.openssl, OPENSSL_CIPHER[m], args.seconds, dec, multi=nproc)
                ossl_multi[(m, op)] = gbps
                print(f"# {cmd}: {gbps:.3f} GB/s", file=sys.stderr)

    cmd = [args.bench, "--size-mib", str(args.size_mib), "--runs", str(args.runs), "--threads", args.threads, "--modes", ",".join(modes)]
    if args.no_stream:
        cmd.append("--no-stream")
    print("# " + " ".join(cmd), file=sys.stderr)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    results = []
    for line in proc.stdout:
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            results.append(r)
            print("# " + line, file=sys.stderr)
        elif line:
            print(line, file=sys.stderr)
    if proc.wait() != 0:
        sys.exit("container_bench failed")

    load_after = os.getloadavg()
    res = {(r["mode"], r["op"], r["buffer"], r["threads"]): r for r in results}
    threads = [int(t) for t in args.threads.split(",") if t]

    def g(m, op, buf, t):
        r = res.get((m, op, buf, t))
        return r["gbps"] if r else None

    def ratio(x, base):
        return None if x is None or not base else x / base

    def tlabel(t):
        return f"{nproc} (all)" if t == 0 else str(t)

    print("## Machine\n")
    print(f"* CPU: {cpu_model()} — `nproc` = {nproc}; flags: {cpu_flags()}")
    print(f"* Kernel: {platform.system()} {platform.release()} ({platform.machine()})")
    print(f"* OpenSSL: {version}")
    print(f"* Load average (1/5/15 min) before: {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, after: {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} (anything well above 0 means other work shared the cores)")
    print(f"* Buffer: {args.size_mib} MiB, best of {args.runs} runs; OpenSSL: `openssl speed -evp <cipher> -bytes 16384 -seconds {args.seconds}` (`-decrypt` for decrypt), single-threaded")
    print()
    print("## Throughput (GB/s = 1e9 bytes/s of plaintext)\n")
    print("*warm*: `EncryptInto`/`DecryptInto` into a pre-faulted buffer; *fresh*: `Encrypt`/`Decrypt`, which allocate the output (first-touch page faults). Ratios are against OpenSSL single-core for the same direction. mscrypt figures are wall-clock; `openssl speed` counts user CPU time by default, so the *per CPU-s* column (bytes / process CPU time of the same run) is the like-for-like single-core comparison when other work shares the machine.\n")
    def c(m, op, buf, t):
        r = res.get((m, op, buf, t))
        return r.get("gb_per_cpu_second") if r else None

    head = f"| mode | op | OpenSSL 1 core | OpenSSL -multi {nproc} |"
    sep = "|---|---|---:|---:|"
    for t in threads:
        head += f" threads={tlabel(t)} warm (× OpenSSL) |"
        sep += "---:|"
        if t == 1:
            head += " threads=1 warm per CPU-s (× OpenSSL) |"
            sep += "---:|"
    for t in threads:
        head += f" threads={tlabel(t)} fresh (× OpenSSL) |"
        sep += "---:|"
    print(head)
    print(sep)
    for m in modes:
        for op in ("encrypt", "decrypt"):
            base = ossl[(m, op)]
            row = f"| {m} | {op} | {fmt(base)} | {fmt(ossl_multi.get((m, op)))} |"
            for t in threads:
                w = g(m, op, "warm", t)
                row += f" {fmt(w)} ({fmt(ratio(w, base))}×) |"
                if t == 1:
                    cw = c(m, op, "warm", 1)
                    row += f" {fmt(cw)} ({fmt(ratio(cw, base))}×) |"
            for t in threads:
                f = g(m, op, "fresh", t)
                row += f" {fmt(f)} ({fmt(ratio(f, base))}×) |"
            print(row)
    print()

    if any(r["buffer"] == "fresh_thp" for r in results):
        print("## Decrypt output buffer: first touch vs pre-faulted (GB/s)\n")
        print("*fresh*: `Decrypt()` with the buffer cache emptied before each run (allocates the output with `Buffer::Allocate`: 2 MiB-aligned, huge pages advised; new pages are zeroed by the kernel on first write); *fresh+THP*: `DecryptInto()` into a fresh `mmap` with `madvise(MADV_HUGEPAGE)`; *cached*: `Decrypt()` run after run, each output reusing the mapping the previous one left in the buffer cache; *warm*: `DecryptInto()` into a pre-faulted buffer.\n")
        print("| mode | threads | fresh | fresh+THP | cached | warm |")
        print("|---|---|---:|---:|---:|---:|")
        for m in modes:
            for t in threads:
                print(f"| {m} | {tlabel(t)} | {fmt(g(m, 'decrypt', 'fresh', t))} | {fmt(g(m, 'decrypt', 'fresh_thp', t))} | {fmt(g(m, 'decrypt', 'cached', t))} | {fmt(g(m, 'decrypt', 'warm', t))} |")
        print()

    print("## Targets\n")
    print("| target | measured | result |")
    print("|---|---|---|")
    base = ossl.get(("AES-256-GCM", "decrypt"))
    if "AES-256-GCM" in modes and 0 in threads:
        for buf in ("warm", "cached", "fresh", "fresh_thp"):
            r = ratio(g("AES-256-GCM", "decrypt", buf, 0), base)
            print(f"| AES-256-GCM decrypt, all cores ({buf}) ≥ 1.7× OpenSSL 1-core | {fmt(r)}× | {'PASS' if r and r >= 1.7 else 'MISS'} |")
    if "AES-256-GCM" in modes and 1 in threads:
        for buf in ("warm", "cached", "fresh", "fresh_thp"):
            r = ratio(g("AES-256-GCM", "decrypt", buf, 1), base)
            print(f"| AES-256-GCM decrypt, 1 thread ({buf}) ≥ 0.9× OpenSSL 1-core | {fmt(r)}× | {'PASS' if r and r >= 0.9 else 'MISS'} |")
        r = ratio(c("AES-256-GCM", "decrypt", "warm", 1), base)
        print(f"| AES-256-GCM decrypt, 1 thread (warm), per CPU-second like `openssl speed` ≥ 0.9× | {fmt(r)}× | {'PASS' if r and r >= 0.9 else 'MISS'} |")
    if 1 in threads and 0 in threads:
        for m in ("AES-256-CBC", "SM4-CBC"):
            if m not in modes:
                continue
            for buf in ("warm", "fresh"):
                one, allc = g(m, "decrypt", buf, 1), g(m, "decrypt", buf, 0)
                s = ratio(allc, one)
                ok = s is not None and s >= 1.5
                print(f"| {m} decrypt scales with threads ({buf}): all/1 | {fmt(s)}× on {nproc} cores | {'PASS' if ok else 'MISS'} (≥1.5× counted as scaling) |")
    print()

    stream = [r for r in results if r["buffer"] == "stream"]
    if stream:
        print("## Streaming file → file (fresh child process per run)\n")
        print("| mode | op | threads | GB/s | peak RSS (VmHWM) MiB | RSS at start MiB |")
        print("|---|---|---|---:|---:|---:|")
        for r in stream:
            print(f"| {r['mode']} | {r['op']} | {tlabel(r['threads'])} | {fmt(r['gbps'])} | {fmt(r['peak_rss_mib'], 0)} | {fmt(r['startup_rss_mib'], 0)} |")
        print()

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"openssl": {f"{m}/{op}": v for (m, op), v in ossl.items()},
                       "openssl_multi": {f"{m}/{op}": v for (m, op), v in ossl_multi.items()},
                       "load_before": load_before, "load_after": load_after, "openssl_version": version,
                       "nproc": nproc, "cpu": cpu_model(), "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
