"""Builds the Python package `euc` with the project's CMake build (the target _euc, over the same
C++ libraries as the command line) and packages it with the vela.ini files.

    pip install --no-build-isolation ./python     (see the README)

Environment: EUC_CMAKE_BUILD_DIR chooses the CMake build folder (default python/build/cmake,
kept between installs so a second install only rebuilds what changed); CMAKE_BUILD_PARALLEL_LEVEL
the number of compile jobs; CMAKE_CXX_COMPILER_LAUNCHER (e.g. ccache) is passed on by CMake.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(euc VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = Path(os.environ.get("EUC_CMAKE_BUILD_DIR", HERE / "build" / "cmake"))
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.run(
            ["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
             "-DCMAKE_BUILD_TYPE=Release", "-DEUC_PYTHON=ON", "-DEUC_TESTS=OFF",
             "-DEUC_BENCH=OFF", f"-DPython3_EXECUTABLE={sys.executable}"],
            check=True,
        )
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(
            ["cmake", "--build", str(build_dir), "--target", "_euc", "-j", jobs], check=True
        )
        package = build_dir / "python" / "euc"
        built = sorted(package.glob("_euc*.so"))
        if not built:
            raise RuntimeError(f"the CMake build left no _euc module in {package}")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], target)
        # The vela.ini files the CMake build copied next to the module.
        configs = target.parent / "config_files"
        shutil.rmtree(configs, ignore_errors=True)
        shutil.copytree(package / "config_files", configs)


setup(
    name="euc",
    version=project_version(),
    description="euc: a compiler of TensorFlow Lite models for Arm Ethos-U NPUs",
    packages=["euc"],
    ext_modules=[Extension("euc._euc", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    zip_safe=False,
)
