"""Entry point of the `mscrypt` console script: runs the native tool shipped in the package.

The tool itself is C++ on the C API (tools/mscrypt_cli.cc); this shim only finds and execs it, so
`pip install .` puts `mscrypt` on PATH.
"""

import os
import sys
from pathlib import Path


def main() -> int:
    exe = Path(__file__).resolve().parent / "_native" / "bin" / "mscrypt"
    if not exe.is_file():
        sys.stderr.write("mscrypt: error: the command-line tool is missing from this installation; "
                         "reinstall the package (pip install --force-reinstall mscrypt)\n")
        return 1
    os.execv(str(exe), ["mscrypt", *sys.argv[1:]])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
