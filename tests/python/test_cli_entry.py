"""The `mscrypt` console script installed by `pip install .` runs the native tool."""

import os
import subprocess
import sys
from pathlib import Path

import mscrypt


def _script() -> str:
    path = Path(sys.executable).parent / "mscrypt"
    assert path.exists(), f"console script not installed next to {sys.executable}"
    return str(path)


def test_console_script_round_trip(tmp_path):
    key_hex = os.urandom(16).hex()
    src = tmp_path / "w.bin"
    src.write_bytes(os.urandom(5000))
    enc = tmp_path / "w.enc"
    r = subprocess.run([_script(), "encrypt", str(src), str(enc), "--key-hex", key_hex],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # Written by the CLI, read by the Python API: the two surfaces agree.
    assert mscrypt.decrypt(enc.read_bytes(), bytes.fromhex(key_hex)) == src.read_bytes()
    assert key_hex not in r.stdout + r.stderr


def test_console_script_usage_error():
    r = subprocess.run([_script(), "no-such-command"], capture_output=True, text=True)
    assert r.returncode == 2
    assert "unknown command" in r.stderr and "--help" in r.stderr


def test_python_dash_m_runs_the_tool_and_prints_sdk_paths(tmp_path):
    key_hex = os.urandom(16).hex()
    src = tmp_path / "w.bin"
    src.write_bytes(os.urandom(3000))
    r = subprocess.run([sys.executable, "-m", "mscrypt", "encrypt", str(src), str(tmp_path / "w.enc"),
                        "--key-hex", key_hex, "--seal"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert mscrypt.check_seal(tmp_path / "w.enc", bytes.fromhex(key_hex))["sealed"]
    r = subprocess.run([sys.executable, "-m", "mscrypt", "--include", "--libdir", "--cmake-dir", "--pkg-config-path"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    include, libdir, cmake_dir, pc_dir = (Path(line) for line in r.stdout.splitlines())
    assert (include / "mscrypt" / "mscrypt.h").is_file()
    assert any(p.name.startswith("libmscrypt.so") for p in libdir.iterdir())
    assert (cmake_dir / "mscryptConfig.cmake").is_file()
    assert (pc_dir / "mscrypt.pc").is_file()
    r = subprocess.run([sys.executable, "-m", "mscrypt", "--include", "encrypt"], capture_output=True, text=True)
    assert r.returncode == 2 and "take no other arguments" in r.stderr
