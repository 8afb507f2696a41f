"""The write-or-check entry point of the vector generators derived from docs/format.md alone.

Like the generators, it never imports mscrypt: the files must come from the spec and pyca only.
"""
import argparse
import sys
from pathlib import Path
from typing import Callable


def write_or_check(description: str, out: Path, render: Callable[[], str], spec: str, summary: str) -> None:
    """Writes render() to `out`, or with --check exits non-zero unless `out` already holds it."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    args = parser.parse_args()
    text = render()
    if args.check:
        if out.read_text() != text:
            sys.exit(f"{out} differs from what pyca/cryptography produces from {spec}")
        print(f"{out.name}: {summary}")
        return
    out.write_text(text)
