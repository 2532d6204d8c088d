"""Where streamcnn's non-Python files are: the HLS layer library, templates and test bench
(`hls/`), the Verilog library and templates (`rtl/`), the Vivado flow (`fpga/`) and the network
test bench the RTL simulation plays (`sim/network/tb_network.v`).

In the repository they stay at its top level, where they are edited and tested on their own. A
wheel carries the same tree in `streamcnn/_assets/` (setup.py copies it there at build time), so
an installed streamcnn needs no checkout. An editable install has no `_assets/` and uses the
checkout's folders in place.
"""
from __future__ import annotations

from pathlib import Path

from .errors import StreamcnnError

PACKAGED = Path(__file__).resolve().parent / "_assets"        # installed from a wheel
CHECKOUT = Path(__file__).resolve().parents[2]                # gen/streamcnn/ -> the repository
# Each folder, relative to the root, and a file that shows it is complete. setup.py ships the
# same list (tests/test_wheel.py checks the wheel holds each of these).
FOLDERS = {
    "hls": "include/streamcnn/streamcnn.h",
    "rtl": "templates/network.v.j2",
    "fpga": "build.tcl",
    "sim/network": "tb_network.v",
}


def root() -> Path:
    """The folder holding hls/, rtl/, fpga/ and sim/network/."""
    return PACKAGED if PACKAGED.is_dir() else CHECKOUT


def path(name: str) -> Path:
    """Where the folder `name` ("hls", "rtl", "fpga", "sim/network") is, unchecked (for module
    constants: importing a module must not fail on a broken install)."""
    if name not in FOLDERS:
        raise KeyError(f"unknown streamcnn asset folder {name!r}; one of {', '.join(FOLDERS)}")
    return root() / name


def folder(name: str) -> Path:
    """The folder `name`, checked to be there; a one-line StreamcnnError naming it if not."""
    d = path(name)
    if not (d / FOLDERS[name]).is_file():
        raise StreamcnnError(f"streamcnn's {name}/ files not found at {d} (no {FOLDERS[name]}): "
                             "reinstall streamcnn (its wheel, or pip install -e . in a checkout)")
    return d
