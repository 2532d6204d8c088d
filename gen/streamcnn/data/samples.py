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
    return np.minimum(_structured(n, seed, tuple(shape)) * 256, 255).astype(np.uint8)


def grid_samples(tensor, n: int, seed: int = 0) -> np.ndarray:
    """n inputs for a model's input `tensor` (an IR Tensor): values as the Keras model
    takes them, on the tensor's fixed-point grid and spread over its whole range, with the
    structure of `random_images` (for ap_uint<8> they are the same values)."""
    t = tensor.type
    levels = t.max_int - t.min_int + 1
    u = _structured(n, seed, tuple(tensor.shape))
    ints = t.min_int + np.minimum(np.floor(u * levels), levels - 1).astype(np.int64)
    return np.ldexp(ints.astype(np.float64), -t.frac)


def real_samples_for(tensor):
    """The real SVHN images as inputs of a model whose input `tensor` takes 32x32x3 images:
    each 8-bit pixel p on the grid's top 8 magnitude bits (p itself for ap_uint<8>, p/256
    for ap_ufixed<8,0>); None when the shape or grid does not fit."""
    found = find_real_samples()
    t = tensor.type
    magnitude = t.width - int(t.signed)
    if found is None or tuple(found[0].shape[1:]) != tuple(tensor.shape) or magnitude < 8:
        return None
    x, y, path = found
    ints = x.astype(np.int64) << (magnitude - 8)
    return np.ldexp(ints.astype(np.float64), -t.frac), y, path


def _structured(n: int, seed: int, shape: tuple) -> np.ndarray:
    """Values in [0, 1): coarse blobs (4x4 over an image, 4 blocks over a vector) plus noise."""
    rng = np.random.default_rng(seed)
    out = np.empty((n,) + shape, dtype=np.float64)
    for s in range(0, n, 512):
        m = min(512, n - s)
        if len(shape) == 3:
            h, w, c = shape
            coarse = rng.random((m, 4, 4, c))
            img = coarse.repeat(-(-h // 4), 1).repeat(-(-w // 4), 2)[:, :h, :w]
        else:
            k = int(np.prod(shape))
            img = rng.random((m, 4)).repeat(-(-k // 4), 1)[:, :k].reshape((m,) + shape)
        out[s:s + m] = 0.6 * img + 0.4 * rng.random((m,) + shape)
    return out
