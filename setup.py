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


def _drop_stale_cmake_cache(build_dir: Path) -> None:
    """Forget a CMake cache whose recorded tools are gone.

    pip builds in an isolated environment that is deleted afterwards, so a second `pip install .`
    finds a cache pointing at the previous environment's cmake and ninja.
    """
    cache = build_dir / "CMakeCache.txt"
    if not cache.exists():
        return
    for line in cache.read_text(errors="replace").splitlines():
        for var in ("CMAKE_MAKE_PROGRAM:", "CMAKE_COMMAND:"):
            if line.startswith(var) and "=" in line:
                tool = line.split("=", 1)[1].strip()
                if tool and os.path.isabs(tool) and not os.path.exists(tool):
                    cache.unlink()
                    shutil.rmtree(build_dir / "CMakeFiles", ignore_errors=True)
                    return


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        import pybind11

        package_dir = Path(self.get_ext_fullpath(ext.name)).parent.resolve()
        build_dir = Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        _drop_stale_cmake_cache(build_dir)
        args = [
            "-DCMAKE_BUILD_TYPE=Release",
            "-DMSCRYPT_BUILD_PYTHON=ON",
            "-DMSCRYPT_BUILD_TESTS=OFF",
            "-DMSCRYPT_BUILD_BENCH=OFF",
            "-DCMAKE_INSTALL_LIBDIR=lib",
            f"-DPython3_EXECUTABLE={sys.executable}",
            f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
        ]
        ninja = shutil.which("ninja")
        if ninja:
            args += ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}"]
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
            # The license terms of the libraries a repaired wheel carries (third_party/README.md).
            licenses = native / "share" / "licenses"
            for package in ("libssl3", "libprotobuf32", "zlib1g"):
                source = Path("/usr/share/doc") / package / "copyright"
                if source.is_file():
                    licenses.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, licenses / f"{package}.copyright")

setup(
    package_dir={"": "python"},
    packages=["mscrypt"],
    package_data={"mscrypt": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("mscrypt._mscrypt")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
