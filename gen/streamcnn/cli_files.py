"""Files the command line reads and writes: input arrays, outputs that must never overwrite
an input or a build's own files, and build folders."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import StreamcnnError

NPY_MAGIC, NPZ_MAGIC = b"\x93NUMPY", b"PK\x03\x04"
BUILD_ENTRIES = {"ir.pkl", "target.json", "hls", "rtl", "sim_build", "reports", "vivado"}   # in builds


def load_array(path: str) -> np.ndarray:
    """The input values of a .npy, or of the array 'x' of a .npz; never unpickles."""
    import zipfile
    p = Path(path)
    if p.is_dir():
        raise StreamcnnError(f"{p}: a folder, not an input file (.npy or .npz)")
    if not p.is_file():
        raise StreamcnnError(f"{p}: no such input file")
    try:
        with open(p, "rb") as f:
            head = f.read(6)
    except OSError as e:
        raise StreamcnnError(f"{p}: cannot read input file ({e.strerror})") from None
    if not (head.startswith(NPY_MAGIC) or head.startswith(NPZ_MAGIC)):
        raise StreamcnnError(f"{p}: not a .npy/.npz array file (it does not start like one)")
    try:
        if head.startswith(NPZ_MAGIC):
            with np.load(p, allow_pickle=False) as d:
                if "x" not in d.files:
                    have = ", ".join(repr(k) for k in d.files) or "none"
                    raise StreamcnnError(f"{p}: .npz input needs an array named 'x' "
                                         f"(it has {have})")
                return d["x"]
        return np.load(p, allow_pickle=False)
    except StreamcnnError:
        raise
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise StreamcnnError(f"{p}: holds pickled Python objects, not a plain array; "
                                 "not loading them (allow_pickle=False)") from None
        raise StreamcnnError(f"{p}: not a readable .npy/.npz array ({first_line(e)})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise StreamcnnError(f"{p}: not a readable .npy/.npz array ({first_line(e)})") from None


def first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def save_array(path, array: np.ndarray) -> None:
    """np.save to exactly this path (np.save itself would add .npy to a name without it)."""
    with open(path, "wb") as f:
        np.save(f, array)


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _inside(p: Path, folder: Path) -> bool:
    return p.resolve().is_relative_to(folder.resolve())


def check_outputs(outputs: dict, inputs: dict, keep: dict | None = None) -> None:
    """Before anything is written: refuse an output file (option -> path) that is a folder,
    lies in a missing folder, is one of the inputs (option -> path) or another output, or
    lies inside one of the `keep` folders (what -> folder) the command reads or generates."""
    done: dict = {}
    for opt, path in outputs.items():
        if not path:
            continue
        p = Path(path)
        if p.is_dir():
            raise StreamcnnError(f"{opt} {p}: a folder; give a file name")
        if not p.resolve().parent.is_dir():
            raise StreamcnnError(f"{opt} {p}: folder {p.parent} does not exist")
        for iopt, ipath in inputs.items():
            if ipath and _same(p, Path(ipath)):
                raise StreamcnnError(f"{opt} {p} is also the {iopt}; not overwriting it")
        for what, folder in (keep or {}).items():
            if _same(p, folder):
                raise StreamcnnError(f"{opt} {p} is {what}; not overwriting it")
            if folder.is_dir() and _inside(p, folder):
                raise StreamcnnError(f"{opt} {p} is inside {what} {folder}; not writing there")
        for o2, p2 in done.items():
            if _same(p, p2):
                raise StreamcnnError(f"{opt} and {o2} are the same file {p}; one would "
                                     "overwrite the other")
        done[opt] = p


def build_folder(build: str) -> Path:
    b = Path(build)
    if not b.exists():
        raise StreamcnnError(f"{b}: no such build folder (make one with `streamcnn convert "
                             "MODEL -o BUILD`)")
    if not b.is_dir():
        raise StreamcnnError(f"{b}: a file, not a build folder (made by `streamcnn convert "
                             "MODEL -o BUILD`)")
    return b


def build_keep(b: Path) -> dict:
    """What a simulation must not write over: the build's IR and generated projects."""
    return {f"the build's {s}/": b / s for s in ("hls", "rtl", "sim_build")} | \
        {"the build's IR": b / "ir.pkl"}


def check_build_output(out: Path, inputs: dict) -> Path:
    """`convert -o BUILD`: a new folder (made with its parents), an empty one or an earlier
    build; never a file, one of the inputs, or a folder of other things (convert replaces
    BUILD/hls, rtl, reports and ir.pkl wholesale: build.ARTIFACTS)."""
    if out.exists() and not out.is_dir():
        raise StreamcnnError(f"-o {out}: a file, not a build folder")
    for opt, path in inputs.items():
        if not path:
            continue
        p = Path(path)
        if _same(p, out):
            raise StreamcnnError(f"-o {out} is also the {opt}; give a new folder for the build")
        for sub in ("hls", "rtl", "reports"):
            if _inside(p, out / sub):
                raise StreamcnnError(f"{opt} {p} is inside {out / sub}, which convert replaces")
        if _same(p, out / "ir.pkl"):
            raise StreamcnnError(f"{opt} {p} is {out / 'ir.pkl'}, which convert writes")
    if out.is_dir():
        other = sorted(e.name for e in out.iterdir()
                       if e.name not in BUILD_ENTRIES and not e.name.startswith("."))
        if other:
            raise StreamcnnError(f"-o {out}: a folder of other files ({', '.join(other[:3])}"
                                 f"{', ...' if len(other) > 3 else ''}), not a build; convert "
                                 "replaces its hls/, rtl/ and reports/: give a new or empty "
                                 "folder")
    return out
