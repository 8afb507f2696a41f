"""The README's main job (examples/demo.py) keeps working."""

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_demo_runs_and_checks_its_results():
    r = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "demo finished" in r.stdout
    assert "identical to MindSpore's plain export: True" in r.stdout
    assert "no output file left behind: True" in r.stdout
