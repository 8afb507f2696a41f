"""The runnable examples stay runnable (the README points users at them)."""

import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


@pytest.mark.parametrize("name,needs", [("openvino_demo.py", "openvino"), ("onnxruntime_demo.py", "onnxruntime")])
def test_example_runs(name, needs):
    if os.environ.get("MSCRYPT_REQUIRE_RUNTIMES") != "1":
        pytest.importorskip(needs)
    p = subprocess.run([sys.executable, os.path.join(EXAMPLES, name)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "output:" in p.stdout
