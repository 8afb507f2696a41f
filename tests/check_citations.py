"""Citation check (ctest): every "§N" in the tree points at a section that exists in docs/.

A citation names its document ("docs/format.md §2.3", "docs/payloads.md §3.3"); a bare "§N" later
on the same line refers to the last document named there, and inside docs/X.md to X.md itself.
Section N exists when the document has a heading "## N." / "### N.M ...". The golden-file record
(tests/golden/mindspore/README.md) is exempt: it logs checks made against an external reference.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXEMPT = {"tests/golden/mindspore/README.md"}
DOC_REF = re.compile(r"(?:docs/)?([\w-]+)\.md\b")
SECTION = re.compile(r"§(\d+(?:\.\d+)*)(?:-(\d+(?:\.\d+)*))?")
HEADING = re.compile(r"^#{2,4}\s+(\d+(?:\.\d+)*)\.?\s", re.M)


def sections(doc: str):
    path = ROOT / "docs" / f"{doc}.md"
    if not path.exists():
        return None
    return set(HEADING.findall(path.read_text(encoding="utf-8")))


def main() -> int:
    files = subprocess.check_output(["git", "ls-files"], cwd=ROOT, text=True).split()
    problems, checked = [], 0
    cache = {}
    for rel in files:
        if rel in EXEMPT or not re.search(r"\.(cc|h|c|py|pyi|proto|md|txt|sh)$", rel):
            continue
        text = (ROOT / rel).read_text(encoding="utf-8", errors="replace")
        own = Path(rel).stem if rel.startswith("docs/") else None
        for n, line in enumerate(text.splitlines(), 1):
            if "§" not in line:
                continue
            for m in SECTION.finditer(line):
                refs = [r for r in DOC_REF.finditer(line[: m.start()]) if (ROOT / "docs" / f"{r.group(1)}.md").exists()]
                doc = refs[-1].group(1) if refs else own
                checked += 1
                if doc is None:
                    problems.append(f"{rel}:{n}: '§{m.group(1)}' names no document of docs/")
                    continue
                have = cache.setdefault(doc, sections(doc))
                for num in filter(None, m.groups()):
                    if num not in have:
                        problems.append(f"{rel}:{n}: docs/{doc}.md has no section {num}")
    for p in problems:
        print(p)
    print(f"citations: {checked} checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
