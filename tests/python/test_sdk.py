"""The C/C++ SDK inside the installed package, found with `python -m mscrypt` alone (issue 13):
the README's C and C++ examples built as CMake projects with find_package(mscrypt) against
`--cmake-dir` - C with the shared and with the static library (in a C-only project), C++ with
mscrypt::mscrypt_cxx - and run; the README test (test_readme.py) builds the same snippets through
pkg-config."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mscrypt
from test_readme import README_KEY, blocks

CMAKE = """cmake_minimum_required(VERSION 3.16)
project(readme_consumer LANGUAGES {languages})
find_package(mscrypt 0.1 REQUIRED)
add_executable(app {source})
target_link_libraries(app PRIVATE {target})
"""


def snippet(lang):
    found = [body for kind, body in blocks() if kind == lang]
    assert len(found) == 1, f"expected one {lang} block in README.md"
    return found[0]


@pytest.mark.parametrize("lang,target,languages", [
    ("c", "mscrypt::mscrypt", "C"),
    ("c", "mscrypt::mscrypt_static", "C"),
    ("cpp", "mscrypt::mscrypt_cxx", "CXX"),
])
def test_readme_snippets_build_with_find_package(tmp_path, lang, target, languages):
    if shutil.which("cmake") is None:
        pytest.fail("cmake is needed to build the SDK consumers")
    cmake_dir = subprocess.check_output([sys.executable, "-m", "mscrypt", "--cmake-dir"], text=True).strip()
    src = "app.c" if lang == "c" else "app.cc"
    project = tmp_path / "project"
    project.mkdir()
    (project / src).write_text(snippet(lang))
    (project / "CMakeLists.txt").write_text(CMAKE.format(languages=languages, source=src, target=target))
    build = tmp_path / "build"
    for cmd in (["cmake", "-S", str(project), "-B", str(build), f"-Dmscrypt_DIR={cmake_dir}",
                 "-DCMAKE_BUILD_TYPE=Release"], ["cmake", "--build", str(build)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, f"{' '.join(cmd)}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    # The inputs the snippets read: model.enc (C) and net.ckpt + net.mindir (C++), under the README key.
    work = tmp_path / "work"
    work.mkdir()
    (work / "model.src").write_bytes(os.urandom(1000))
    mscrypt.encrypt_file(work / "model.src", work / "model.enc", README_KEY)
    golden = Path(__file__).resolve().parents[1] / "golden" / "mindspore"
    mscrypt.export_mindir(mscrypt.load_mindir(golden / "mindir_plain.mindir"), str(work / "net.mindir"),
                          enc_key=README_KEY)
    mscrypt.save_checkpoint({"w": np.ones(3, np.float32)}, str(work / "net.ckpt"), enc_key=README_KEY)
    r = subprocess.run([str(build / "app")], cwd=work, capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"})
    assert r.returncode == 0, r.stderr
    if lang == "c":
        assert (work / "model.plain").read_bytes() == (work / "model.src").read_bytes()
