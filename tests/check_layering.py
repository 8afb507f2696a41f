"""Layering check (ctest): the public headers stay free of OpenSSL, protobuf and internal/, the
crypto layer knows nothing of files or protobuf, the format layer nothing of OpenSSL, and the C
API and Python bindings use public headers only. See README "Layout"."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)

RULES = [
    # (files, forbidden include prefixes, why)
    ("mscrypt/include/mscrypt/*.h", ("openssl/", "google/protobuf", "internal/", "pybind11"),
     "public headers must not leak dependencies or internals"),
    ("mscrypt/internal/format/*", ("openssl/", "google/protobuf", "internal/crypto", "internal/io"),
     "the format layer is pure bytes"),
    ("mscrypt/internal/crypto/*", ("google/protobuf", "internal/io", "internal/parallel"),
     "the crypto layer knows ciphers, not files"),
    ("mscrypt/capi/*", ("internal/", "openssl/"), "the C API uses the public C++ API only"),
    ("python/src/*", ("internal/", "openssl/"), "the bindings use the public C++ API only"),
    ("tools/*", ("mscrypt/container.h", "mscrypt/checkpoint.h", "mscrypt/mindir.h", "internal/"),
     "the CLI is built on mscrypt.h only"),
]


def main() -> int:
    problems = []
    checked = 0
    for pattern, forbidden, why in RULES:
        files = [p for p in ROOT.glob(pattern) if p.suffix in (".h", ".cc", ".c")]
        if not files:
            problems.append(f"{pattern}: no files matched (layout changed? update this check)")
        for path in files:
            checked += 1
            for inc in INCLUDE.findall(path.read_text(encoding="utf-8")):
                if inc.startswith(forbidden):
                    problems.append(f"{path.relative_to(ROOT)} includes <{inc}>: {why}")
    for p in problems:
        print(p)
    print(f"layering: {checked} files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
