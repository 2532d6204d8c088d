"""Image sources available without downloads."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

REAL_SAMPLES = "svhn_test_first4.npz"


def find_real_samples() -> tuple[np.ndarray, np.ndarray, Path] | None:
    """The first four real SVHN test images, if present: in $SVHN_DIR, or in the
    `shared/svhn` folder beside the repository checkout."""
    places = []
    if os.environ.get("SVHN_DIR"):
        places.append(Path(os.environ["SVHN_DIR"]))
    repo = Path(__file__).resolve().parents[3]
    places.append(repo.parent / "shared" / "svhn")
    for p in places:
        f = p / REAL_SAMPLES
        if f.is_file():
            d = np.load(f)
            return d["x"], d["y"], f
    return None


def random_images(n: int, seed: int = 0, shape=(32, 32, 3)) -> np.ndarray:
    """uint8 images with structure at several scales (smooth blobs, edges and noise),
    so every layer sees a spread of values, not just white noise."""
    rng = np.random.default_rng(seed)
    h, w, c = shape
    out = np.empty((n,) + shape, dtype=np.float64)
    for s in range(0, n, 512):
        m = min(512, n - s)
        coarse = rng.random((m, 4, 4, c))
        img = coarse.repeat(-(-h // 4), 1).repeat(-(-w // 4), 2)[:, :h, :w]
        img = 0.6 * img + 0.4 * rng.random((m, h, w, c))
        out[s:s + m] = img
    return np.clip(out * 256, 0, 255).astype(np.uint8)
