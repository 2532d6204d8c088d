"""One entry point for every image set: `load("synth" | "svhn", split, n)`."""
from __future__ import annotations

import numpy as np

from ..errors import StreamcnnError
from . import svhn, synth

NAMES = ("synth", "svhn")


def load(name: str, split: str, n: int | None = None, seed: int = 0,
         download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, 32, 32, 3) RGB images and uint8 (N,) labels 0-9.

    "synth": synthetic house numbers (train/test; SVHN's sizes when n is None; `seed` picks
    the stream). "svhn": the official files (train/test/extra; `download` fetches missing
    ones). `n` keeps the first n images."""
    if n is not None and (not isinstance(n, (int, np.integer)) or n < 0):
        raise StreamcnnError(f"image count must be a non-negative integer, got {n!r}")
    if name == "synth":
        if split not in synth.DEFAULT_SIZES:
            raise StreamcnnError(f"unknown synth split {split!r}: use one of "
                                 f"{', '.join(synth.DEFAULT_SIZES)}")
        return synth.synth_images(synth.DEFAULT_SIZES[split] if n is None else n, split, seed)
    if name == "svhn":
        return svhn.load_svhn(split, n, download=download)
    raise StreamcnnError(f"unknown data set {name!r}: use one of {', '.join(NAMES)}")
