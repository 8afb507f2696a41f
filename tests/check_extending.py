"""docs/extending.md against the code (ctest docs.extending): every backticked path exists and
every backticked identifier occurs in mscrypt/, python/, tools/ or tests/. So the recipes fail
loudly when the code moves."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "extending.md"
TICKS = re.compile(r"`([^`]+)`")
PATH = re.compile(r"^[\w./-]+\.(h|cc|c|py|pyi|md|txt)$")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_:]*$")
SOURCES = [p for d in ("mscrypt", "python", "tools", "tests") for p in (ROOT / d).rglob("*")
           if p.suffix in (".h", ".cc", ".c", ".py", ".pyi") and "build" not in p.parts]


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    corpus = {p: p.read_text(encoding="utf-8", errors="replace") for p in SOURCES}
    problems, checked = [], 0
    for sentence in re.split(r"(?<=[.;:])\s+", text):
        names = TICKS.findall(sentence)
        paths = [n for n in names if PATH.match(n)]
        for n in paths:
            checked += 1
            if not (ROOT / n).exists():
                problems.append(f"path `{n}` does not exist")
        for n in names:
            if n in paths or not IDENT.match(n) or len(n) < 4:
                continue
            checked += 1
            word = re.compile(r"\b" + re.escape(n.split("::")[-1]) + r"\b")
            if not any(word.search(body) for body in corpus.values()):
                problems.append(f"`{n}` occurs nowhere in the code")
    for p in problems:
        print(p)
    print(f"extending.md: {checked} references checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
