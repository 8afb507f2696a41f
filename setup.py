"""Thin shim: configure and build the CMake targets the Python package needs.

CMake stays the one build description; this file only maps a setuptools build onto
`cmake --build` of the `_mscrypt` extension (and the `mscrypt` tool) and copies the results in.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        import pybind11

        package_dir = Path(self.get_ext_fullpath(ext.name)).parent.resolve()
        build_dir = Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        args = [
            "-DCMAKE_BUILD_TYPE=Release",
            "-DMSCRYPT_BUILD_PYTHON=ON",
            "-DMSCRYPT_BUILD_TESTS=OFF",
            "-DMSCRYPT_BUILD_BENCH=OFF",
            "-DCMAKE_INSTALL_LIBDIR=lib",
            f"-DPython3_EXECUTABLE={sys.executable}",
            f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
        ]
        if shutil.which("ninja"):
            args += ["-G", "Ninja"]
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), *args], check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_mscrypt", "-j", jobs], check=True)
        built = build_dir / "python" / "mscrypt"
        package_dir.mkdir(parents=True, exist_ok=True)
        for so in built.glob("_mscrypt*.so"):
            shutil.copy2(so, package_dir / so.name)
        # The command-line tool and the C library it links, installed under mscrypt/_native
        # (bin/, lib/, include/): the `mscrypt` console script (mscrypt/_cli.py) runs the binary,
        # whose RPATH ($ORIGIN/../lib) finds libmscrypt.so beside it.
        if (ROOT / "tools" / "CMakeLists.txt").exists():
            subprocess.run(["cmake", "--build", str(build_dir), "--target", "mscrypt_cli", "mscrypt",
                            "mscrypt_static", "-j", jobs], check=True)
            native = package_dir / "_native"
            for component in ("mscrypt", "mscrypt_cli"):
                subprocess.run(["cmake", "--install", str(build_dir), "--prefix", str(native),
                                "--component", component], check=True)

setup(
    package_dir={"": "python"},
    packages=["mscrypt"],
    package_data={"mscrypt": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("mscrypt._mscrypt")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
