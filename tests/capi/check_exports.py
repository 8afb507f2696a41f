#!/usr/bin/env python3
"""libmscrypt.so exports exactly the functions mscrypt.h declares with MSCRYPT_EXPORT.

Fails if the shared library exports any other symbol (the C++ core or OpenSSL leaking through) or
misses a declared function.
"""
import re
import subprocess
import sys


def main() -> int:
    header, lib = sys.argv[1], sys.argv[2]
    text = open(header, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    declared = set(re.findall(r"MSCRYPT_EXPORT[^;(]*?\b(mscrypt_\w+)\s*\(", text))
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout
    exported = {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}
    ok = True
    extra = sorted(s for s in exported if s not in declared)
    missing = sorted(declared - exported)
    if extra:
        print("exported but not declared in mscrypt.h:", ", ".join(extra))
        ok = False
    if missing:
        print("declared in mscrypt.h but not exported:", ", ".join(missing))
        ok = False
    if len(declared) < 40:
        print(f"parsed only {len(declared)} declarations from {header}; parser broken?")
        ok = False
    print(f"{len(declared)} declared, {len(exported)} exported")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
