"""Layering check (ctest): dependencies point down (README "Layout").

- the public headers stay free of OpenSSL, protobuf and internal/;
- the format layer knows no OpenSSL, the crypto layer no files;
- payload codecs (checkpoint/, mindir/), the C API, the bindings and the CLI reach files and
  plaintext only through the public payload seam (mscrypt/payload.h), never internal/;
- no caller branches on the text of a library message: advice travels as hint flags.

`--self-test` runs the check on a made-up tree with one violation of each kind and fails unless
every one is reported (so the check itself is tested).
"""

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)

INCLUDE_RULES = [
    # (files, forbidden include prefixes, why)
    ("mscrypt/include/mscrypt/*.h", ("openssl/", "google/protobuf", "internal/", "pybind11"),
     "public headers must not leak dependencies or internals"),
    ("mscrypt/internal/format/*", ("openssl/", "google/protobuf", "internal/crypto", "internal/io",
                                   "mscrypt/container.h"),
     "the format layer is pure bytes (it reads the mode table, mscrypt/mode.h)"),
    ("mscrypt/internal/crypto/*", ("google/protobuf", "internal/io", "internal/parallel", "internal/format",
                                   "mscrypt/container.h"),
     "the crypto layer knows ciphers (mscrypt/mode.h), not files or framing"),
    ("mscrypt/checkpoint/*", ("internal/", "openssl/"), "payload codecs read and write through mscrypt/payload.h"),
    ("mscrypt/mindir/*", ("internal/", "openssl/"), "payload codecs read and write through mscrypt/payload.h"),
    ("mscrypt/capi/*", ("internal/", "openssl/"), "the C API uses the public C++ API only"),
    ("python/src/*", ("internal/", "openssl/"), "the bindings use the public C++ API only"),
    ("tools/*", ("mscrypt/container.h", "mscrypt/checkpoint.h", "mscrypt/mindir.h", "internal/", "openssl/"),
     "the CLI is built on mscrypt.h only"),
]

# Searching a library message for words is how advice got out of step with the library; hint
# flags (Status::hints, mscrypt_last_error_hints, exception .hints) replace it.
MESSAGE_PARSING = re.compile(
    r'(LastError\(\)|detail|message\(\)|Describe\(\))\s*\.\s*find\s*\(|'
    r'(in|not in)\s+str\s*\(\s*(e|err|exc|error)\s*\)')
TEXT_RULES = [
    ("tools/*", "the CLI words its advice from hint flags, not from message text"),
    ("mscrypt/capi/*", "the C API passes hint flags on, it does not read messages"),
    ("python/src/*", "the bindings map codes and hints, they do not read messages"),
    ("python/mscrypt/*.py", "the Python facade branches on exception classes, not message text"),
]


def violations(root: Path):
    problems = []
    checked = 0
    for pattern, forbidden, why in INCLUDE_RULES:
        files = [p for p in root.glob(pattern) if p.suffix in (".h", ".cc", ".c")]
        if not files:
            problems.append(f"{pattern}: no files matched (layout changed? update this check)")
        for path in files:
            checked += 1
            for inc in INCLUDE.findall(path.read_text(encoding="utf-8")):
                if inc.startswith(forbidden):
                    problems.append(f"{path.relative_to(root)} includes <{inc}>: {why}")
    for pattern, why in TEXT_RULES:
        for path in root.glob(pattern):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if MESSAGE_PARSING.search(line):
                    problems.append(f"{path.relative_to(root)}:{n} parses a message: {why}")
    return checked, problems


def self_test() -> int:
    bad = {
        "mscrypt/include/mscrypt/a.h": '#include "internal/io/file.h"\n',
        "mscrypt/internal/format/a.cc": "#include <openssl/evp.h>\n",
        "mscrypt/internal/crypto/a.cc": '#include "internal/io/file.h"\n',
        "mscrypt/checkpoint/a.cc": '#include "internal/io/file.h"\n',
        "mscrypt/mindir/a.cc": '#include "internal/io/file.h"\n',
        "mscrypt/capi/a.cc": '#include "internal/format/layout.h"\n',
        "python/src/a.cc": "#include <openssl/evp.h>\n",
        "tools/a.cc": '#include "mscrypt/container.h"\nif (detail.find("x") != npos) {}\n',
        "python/mscrypt/a.py": 'if "encrypted" not in str(e):\n    pass\n',
    }
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for rel, text in bad.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        _, problems = violations(root)
    missed = [rel for rel in bad if not any(p.startswith(rel) for p in problems)]
    for rel in missed:
        print(f"self-test: the violation in {rel} was not reported")
    print(f"layering self-test: {len(bad) - len(missed)} of {len(bad)} planted violations reported")
    return 1 if missed else 0


def main() -> int:
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    checked, problems = violations(ROOT)
    for p in problems:
        print(p)
    print(f"layering: {checked} files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
