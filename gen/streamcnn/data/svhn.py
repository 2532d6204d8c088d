"""The official SVHN cropped-digit files (train/test/extra_32x32.mat), found locally or fetched.

Search order: $SVHN_DIR, then the cache ($STREAMCNN_CACHE/svhn or ~/.cache/streamcnn/svhn).
Downloads go to the cache (SVHN_DIR may be a read-only shared folder), resume from a `.part`
file with an HTTP Range request, and are checked against the published md5 before use.
"""
from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from ..errors import StreamcnnError

URL_BASE = "http://ufldl.stanford.edu/housenumbers/"

# split -> (file name, size in bytes, md5). A module constant so tests can swap in tiny files.
FILES = {
    "train": ("train_32x32.mat", 182_040_794, "e26dedcc434d2e4c54c9b2d4a06d8373"),
    "test": ("test_32x32.mat", 64_275_384, "eb5a983be6a315427106f1b164d9cef3"),
    "extra": ("extra_32x32.mat", 1_329_278_602, "a93ce644f1a588dc4d68dda5feec44a7"),
}
_BLOCK = 1 << 20


def cache_dir() -> Path:
    root = os.environ.get("STREAMCNN_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "streamcnn") / "svhn"


def _places() -> list[Path]:
    env = os.environ.get("SVHN_DIR")
    return ([Path(env)] if env else []) + [cache_dir()]


def _entry(split: str) -> tuple[str, int, str]:
    if split not in FILES:
        raise StreamcnnError(f"unknown SVHN split {split!r}: use one of {', '.join(FILES)}")
    return FILES[split]


def md5sum(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def _check(path: Path, size: int, md5: str) -> None:
    """Size first (instant, catches truncated copies), then md5."""
    actual = path.stat().st_size
    if actual != size:
        raise StreamcnnError(f"{path}: {actual} bytes, expected {size}: incomplete or "
                             f"wrong file; delete it and fetch it again")
    digest = md5sum(path)
    if digest != md5:
        raise StreamcnnError(f"{path}: md5 {digest}, expected {md5}: corrupt or wrong file; "
                             f"delete it and fetch it again")


def find(split: str) -> Path | None:
    """The first existing copy of the split's file, or None."""
    name = _entry(split)[0]
    for place in _places():
        if (place / name).is_file():
            return place / name
    return None


def fetch(split: str, quiet: bool = False) -> Path:
    """Fetch the split's file into the cache, resuming a partial `.part`; md5-checked."""
    from tqdm import tqdm
    name, size, md5 = _entry(split)
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    final, part = folder / name, folder / (name + ".part")
    url = URL_BASE + name
    have = part.stat().st_size if part.exists() else 0
    if have > size:  # longer than the real file: cannot be a prefix of it
        part.unlink()
        have = 0
    if have < size:
        req = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                if have and resp.status != 206:  # server ignored the range: start over
                    have = 0
                with open(part, "ab" if have else "wb") as f, tqdm(
                        total=size, initial=have, unit="B", unit_scale=True,
                        desc=name, disable=quiet) as bar:
                    for block in iter(lambda: resp.read(_BLOCK), b""):
                        f.write(block)
                        bar.update(len(block))
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise StreamcnnError(f"download of {url} failed ({reason}); rerun to resume from "
                                 f"{part}, or put {name} in $SVHN_DIR") from None
    try:
        _check(part, size, md5)
    except StreamcnnError as e:
        part.unlink(missing_ok=True)  # a bad prefix would poison every resume
        raise StreamcnnError(f"downloaded {name} is bad and was deleted: {e}") from None
    os.replace(part, final)
    return final


def load_svhn(split: str, n: int | None = None, download: bool = False,
              quiet: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The official split as uint8 (N, 32, 32, 3) RGB and uint8 (N,) labels 0-9 (the file's
    label 10 is digit 0). `n` keeps the first n images. `download` fetches a missing file."""
    name, size, md5 = _entry(split)
    path = find(split)
    if path is None:
        if not download:
            where = " or ".join(str(p) for p in _places())
            raise StreamcnnError(f"SVHN {split} split not found: put {name} (from {URL_BASE}) in "
                                 f"{where}, set SVHN_DIR to its folder, or download it (download=True)")
        path = fetch(split, quiet)
    else:
        _check(path, size, md5)

    from scipy.io import loadmat
    try:
        mat = loadmat(path, variable_names=["X", "y"])
    except Exception as e:  # scipy raises several types for non-.mat input
        raise StreamcnnError(f"{path}: not a readable MATLAB file ({e})") from None
    x, y = mat.get("X"), mat.get("y")
    if (x is None or y is None or x.ndim != 4 or x.shape[:3] != (32, 32, 3)
            or y.size != x.shape[3]):
        raise StreamcnnError(f"{path}: not the SVHN layout (X uint8 (32, 32, 3, N), y (N, 1))")
    labels = y.reshape(-1)
    if labels.size and (labels.min() < 1 or labels.max() > 10):
        raise StreamcnnError(f"{path}: labels outside 1-10")
    if n is not None:
        x, labels = x[..., :n], labels[:n]
    # (row, col, channel, image) -> (image, row, col, channel)
    images = np.ascontiguousarray(np.transpose(x, (3, 0, 1, 2)), dtype=np.uint8)
    return images, (labels % 10).astype(np.uint8)

