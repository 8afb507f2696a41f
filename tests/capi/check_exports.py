#!/usr/bin/env python3
"""libmscrypt.so exports exactly the functions mscrypt.h declares with MSCRYPT_EXPORT, plus the C++
API of namespace mscrypt (which the Python module links, so a process holds one copy of the library).

Fails if the shared library exports any other symbol (protobuf's generated code, OpenSSL, zlib or
standard-library instantiations leaking through) or misses a declared function.
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
    mangled = sorted(s for s in exported if s.startswith("_Z"))
    demangled = subprocess.run(["c++filt"], input="\n".join(mangled), check=True, capture_output=True,
                               text=True).stdout.splitlines() if mangled else []
    cxx_api = {m for m, d in zip(mangled, demangled)
               if re.match(r"(typeinfo for |typeinfo name for |vtable for |non-virtual thunk to )?mscrypt::", d)}
    if len(cxx_api) < 50:
        print(f"only {len(cxx_api)} C++ API symbols exported; the Python module links them")
        return 1
    exported -= cxx_api
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
    print(f"{len(declared)} declared, {len(exported)} exported C functions, {len(cxx_api)} C++ API symbols")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
