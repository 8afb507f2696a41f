"""Every fenced code block of README.md runs as written, in order, against the installed package
(issue 13): Python with this interpreter, C and C++ compiled with the flags the package's own
pkg-config file gives (found with `python -m mscrypt --pkg-config-path`) and run, shell with bash
and the installed `mscrypt` on PATH. Blocks preceded by `<!-- readme-test: skip (...) -->` are
the set-up commands. The scratch directory holds what the README says it holds: a
MindSpore-exported `net.mindir` and an encrypted `model.enc` under the Python example's key, a
plain `model.mindir`, and `in.mindir` under the key of the `convert` example."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mscrypt

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "mindspore"
README_KEY = b"0123456789ABCDEF"
CONVERT_KEY = b"0123456789abcdef"
BLOCK = re.compile(r"(<!-- readme-test: skip[^>]*-->\n)?```(\w+)\n(.*?)```", re.S)


def blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(lang, body) for skip, lang, body in BLOCK.findall(text) if not skip]


def pkg_config_flags():
    pc_dir = subprocess.check_output([sys.executable, "-m", "mscrypt", "--pkg-config-path"], text=True).strip()
    pkg = shutil.which("pkg-config") or shutil.which("pkgconf")
    assert pkg, "pkg-config is needed to build the README's C and C++ examples"
    out = subprocess.check_output([pkg, "--cflags", "--libs", "mscrypt"], text=True,
                                  env=dict(os.environ, PKG_CONFIG_PATH=pc_dir))
    return out.split()


def test_every_readme_block_runs(tmp_path):
    model = mscrypt.load_mindir(GOLDEN / "mindir_plain.mindir")
    mscrypt.export_mindir(model, str(tmp_path / "net.mindir"), enc_key=README_KEY)
    mscrypt.export_mindir(model, str(tmp_path / "in.mindir"), enc_key=CONVERT_KEY)
    shutil.copyfile(GOLDEN / "mindir_plain.mindir", tmp_path / "model.mindir")
    (tmp_path / "model.src").write_bytes(os.urandom(100_000))
    mscrypt.encrypt_file(tmp_path / "model.src", tmp_path / "model.enc", README_KEY)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    found = blocks()
    assert {lang for lang, _ in found} == {"python", "c", "cpp", "sh"}, "a README block of an unknown kind"
    for i, (lang, body) in enumerate(found):
        where = f"README block {i + 1} ({lang}):\n{body[:300]}"
        if lang == "python":
            cmd = [sys.executable, "-c", body]
        elif lang in ("c", "cpp"):
            src = tmp_path / f"block{i}.{'c' if lang == 'c' else 'cc'}"
            src.write_text(body)
            exe = tmp_path / f"block{i}"
            compiler = (["cc", "-std=c99"] if lang == "c" else ["c++", "-std=c++17"])
            r = subprocess.run([*compiler, str(src), *pkg_config_flags(), "-o", str(exe)], capture_output=True,
                               text=True)
            assert r.returncode == 0, f"{where}\ndoes not compile:\n{r.stderr[-3000:]}"
            cmd = [str(exe)]
        else:
            cmd = ["bash", "-e", "-o", "pipefail", "-c", body]
        r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, f"{where}\nfailed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
