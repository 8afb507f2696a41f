"""``python -m mscrypt``: the command-line tool, and where the C SDK inside this package lives.

    python -m mscrypt encrypt IN OUT --key-file K     # any mscrypt command (same as `mscrypt ...`)
    python -m mscrypt --include                       # directory with mscrypt/mscrypt.h
    python -m mscrypt --libdir                        # directory with libmscrypt.so / .a
    python -m mscrypt --cmake-dir                     # for find_package(mscrypt): -Dmscrypt_DIR=...
    python -m mscrypt --pkg-config-path               # for PKG_CONFIG_PATH (pkg-config mscrypt)

The path options follow pybind11's ``python -m pybind11 --includes`` convention: one line each.
"""

import sys
from pathlib import Path

from . import _cli

_NATIVE = Path(__file__).resolve().parent / "_native"
PATHS = {
    "--include": _NATIVE / "include",
    "--libdir": _NATIVE / "lib",
    "--cmake-dir": _NATIVE / "lib" / "cmake" / "mscrypt",
    "--pkg-config-path": _NATIVE / "lib" / "pkgconfig",
}


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and all(a in PATHS for a in args):
        for a in args:
            if not PATHS[a].exists():
                sys.stderr.write(f"mscrypt: error: {PATHS[a]} is missing from this installation; reinstall the package\n")
                return 1
            print(PATHS[a])
        return 0
    if any(a in PATHS for a in args):
        sys.stderr.write("mscrypt: error: --include, --libdir, --cmake-dir and --pkg-config-path take no other "
                         "arguments (run 'python -m mscrypt --help')\n")
        return 2
    return _cli.main()


if __name__ == "__main__":
    sys.exit(main())
