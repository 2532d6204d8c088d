"""Xilinx's open-source ap_types headers (ap_int.h, ap_fixed.h, hls_stream.h) for C simulation.

Taken from Vitis when installed ($XILINX_HLS/include), else from the PyPI wheel of hls4ml,
which ships them; downloaded once into a cache directory, never copied into this repository.
`python -m streamcnn.hls.aptypes` fetches them (make setup does).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..errors import StreamcnnError

WHEEL = "hls4ml==1.1.0"
INSIDE = "hls4ml/templates/vivado/ap_types/"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "streamcnn" / ("ap_types-" + WHEEL.replace("==", "-"))


def _usable(d: Path | None) -> bool:
    return d is not None and (d / "ap_int.h").is_file() and (d / "hls_stream.h").is_file()


def include_dir(fetch: bool = True) -> Path:
    """The directory holding ap_int.h; fetched from PyPI on first use."""
    for env in ("STREAMCNN_AP_TYPES", "XILINX_HLS"):
        if os.environ.get(env):
            d = Path(os.environ[env])
            d = d / "include" if env == "XILINX_HLS" else d
            if _usable(d):
                return d
    d = cache_dir()
    if _usable(d):
        return d
    if not fetch:
        raise StreamcnnError(f"ap_types headers not found in {d}: run `python -m streamcnn.hls.aptypes`")
    return _fetch(d)


def _fetch(dest: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--only-binary", ":all:", "-d", tmp, WHEEL],
                           capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if r.returncode or not wheels:
            raise StreamcnnError(f"cannot download {WHEEL} for the ap_types headers (offline?); "
                                 "set STREAMCNN_AP_TYPES to a directory holding ap_int.h")
        dest.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheels[0]) as z:
            for name in z.namelist():
                if name.startswith(INSIDE) and not name.endswith("/"):
                    target = dest / name[len(INSIDE):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(z.read(name))
    if not _usable(dest):
        raise StreamcnnError(f"{WHEEL} did not contain the ap_types headers under {INSIDE}")
    return dest


if __name__ == "__main__":
    print(include_dir())
