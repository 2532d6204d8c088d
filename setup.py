"""Only the build step that puts the repository's non-Python files into the wheel; everything
else about the package is in pyproject.toml.

hls/, rtl/, fpga/ and sim/network/tb_network.v stay at the top of the repository (they are
edited, linted and simulated there), outside the Python package in gen/. Package data cannot
name files outside a package, and data-files would install them under the environment's
prefix, away from the code, so build_py copies them into streamcnn/_assets/ in the build tree;
streamcnn.assets looks there first. An editable install skips the copy and uses the checkout's
folders in place, so an edit to a .v or .h file needs no reinstall. MANIFEST.in puts the same
files into the sdist, so a wheel built from the sdist (python -m build) has them too.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# Keep in step with FOLDERS in gen/streamcnn/assets.py (tests/test_wheel.py checks the wheel).
ASSETS = ("hls", "rtl", "fpga", "sim/network/tb_network.v")


class BuildPyWithAssets(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        dest = Path(self.build_lib) / "streamcnn" / "_assets"
        shutil.rmtree(dest, ignore_errors=True)         # nothing stale from an earlier build
        for rel in ASSETS:
            src, out = HERE / rel, dest / rel
            if not src.exists():
                raise SystemExit(f"setup.py: {rel} is missing from {HERE}")
            out.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, out, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(src, out)


setup(cmdclass={"build_py": BuildPyWithAssets})
