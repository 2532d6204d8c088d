"""Synthetic house numbers in SVHN's cropped-digit format: the offline default data set.

Each image is a 32x32x3 uint8 crop centred on one digit (its label), with what makes SVHN
hard: neighbouring digits cut off at the borders, many fonts and stroke weights, either
polarity, low contrast, gradient and textured backgrounds, plate edges and clutter, shadows,
loose centring, scale, rotation, shear, blur, noise, JPEG artefacts and uneven lighting.

Image i of a split is drawn from its own RNG seeded by (seed, split, i), so it never depends on
how many images are asked for. Large requests are generated once (in parallel) and cached.
"""
from __future__ import annotations

import functools
import io
import math
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

import numpy as np

from ..errors import StreamcnnError

# Bump when the images change, so stale caches are never read.
GENERATOR_VERSION = "synth-v3"
SPLIT_IDS = {"train": 0, "test": 1}
DEFAULT_SIZES = {"train": 73257, "test": 26032}  # as SVHN's train and test splits
CACHE_MIN = 2000     # smaller requests are generated on the fly (under a second)
PARALLEL_MIN = 8192  # below this, process start-up costs more than it saves
CHUNK = 2048

# Fonts bundled with matplotlib that have lining digits at the ASCII code points (the other
# STIX files hold symbols only; cmmi/cmti have old-style figures that SVHN rarely shows).
FONT_FILES = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono-Oblique.ttf", "DejaVuSansMono-BoldOblique.ttf", "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
    "cmr10.ttf", "cmb10.ttf", "cmss10.ttf", "cmtt10.ttf",
)
WEIGHTS = (0, 5, 9)                       # max-filter size at master resolution: bolder strokes
GLYPH_HEIGHTS = (12, 15, 18, 22, 26, 31)  # pre-rendered sizes: the warp then only rescales ~+-12%
_MASTER_PX = 96
SIZE = 32


def _cache_dir() -> Path:
    root = os.environ.get("STREAMCNN_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "streamcnn") / "synth"


# ---------------------------------------------------------------- glyph bank (per process)

@functools.lru_cache(maxsize=None)
def _font(font: int) -> tuple[np.ndarray, ...]:
    """The ten digits of one font at high resolution, cropped to their own ink columns but to
    the rows shared by all ten, so glyphs set side by side line up like printed digits."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / FONT_FILES[font]
    face = ImageFont.truetype(str(path), _MASTER_PX)
    ims = []
    for d in "0123456789":
        im = Image.new("L", (3 * _MASTER_PX, 3 * _MASTER_PX), 0)
        ImageDraw.Draw(im).text((_MASTER_PX, _MASTER_PX // 2), d, font=face, fill=255)
        ims.append(np.asarray(im))
    rows = np.flatnonzero(np.any(np.stack(ims) > 0, axis=(0, 2)))
    out = []
    for a in ims:
        cols = np.flatnonzero(a.any(axis=0))
        out.append(a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    return tuple(out)


@functools.lru_cache(maxsize=None)
def _master(font: int, weight: int) -> tuple:
    """The font's digits as PIL images, emboldened by a max filter for weight > 0."""
    from PIL import Image, ImageFilter
    k = WEIGHTS[weight]
    ims = [Image.fromarray(np.pad(a, k // 2)) for a in _font(font)]
    return tuple(im.filter(ImageFilter.MaxFilter(k)) if k else im for im in ims)


@functools.lru_cache(maxsize=None)
def _glyphs(font: int, weight: int, size: int) -> tuple[np.ndarray, ...]:
    """Float [0, 1] masks of the ten digits, `GLYPH_HEIGHTS[size]` pixels high; area-averaged
    from the master so small glyphs stay anti-aliased."""
    from PIL import Image
    h = GLYPH_HEIGHTS[size]
    out = []
    for im in _master(font, weight):
        w = max(1, round(im.width * h / im.height))
        out.append(np.asarray(im.resize((w, h), Image.BOX), dtype=np.float32) / 255)
    return tuple(out)


@functools.lru_cache(maxsize=None)
def _interp(n: int) -> np.ndarray:
    """(32, n) linear interpolation matrix: a smooth 32x32 field is M @ small @ M.T."""
    pos = np.linspace(0, n - 1, SIZE)
    m = np.maximum(0, 1 - np.abs(pos[:, None] - np.arange(n)[None, :]))
    return m.astype(np.float32)


_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / (SIZE - 1) - 0.5


def _ramp(rng, amp: float) -> np.ndarray:
    """A linear gradient in a random direction, -amp/2..amp/2 across the crop."""
    a = rng.uniform(0, 2 * math.pi)
    return amp * (_XX * math.cos(a) + _YY * math.sin(a))


def _colour(rng, lum: float, sat: float) -> np.ndarray:
    v = rng.random(3).astype(np.float32)
    return np.clip(lum + sat * (v - v.mean()), 0, 1)


# ---------------------------------------------------------------- one image

def _line_mask(rng) -> tuple[np.ndarray, int]:
    """The house number around the centre digit, warped into a 32x32 coverage mask."""
    from scipy import ndimage
    label = int(rng.integers(10))
    font = int(rng.integers(len(FONT_FILES)))
    weight = int(rng.choice(3, p=(0.5, 0.3, 0.2)))
    # Digit height in output pixels: SVHN squares each digit's box, so digits fill most of it.
    height = rng.triangular(12, 24, 32)
    size = int(np.argmin([abs(h - height) for h in GLYPH_HEIGHTS]))
    glyphs, s = _glyphs(font, weight, size), GLYPH_HEIGHTS[size]

    # Neighbours: none (single-digit number), or one or two on a side, same font.
    left = [int(d) for d in rng.integers(10, size=int(rng.choice(3, p=(0.25, 0.4, 0.35))))]
    right = [int(d) for d in rng.integers(10, size=int(rng.choice(3, p=(0.25, 0.4, 0.35))))]
    gap = round(s * rng.uniform(0.0, 0.45))  # 0: touching neighbours
    seq = left + [label] + right
    pad = 4
    widths = [glyphs[d].shape[1] for d in seq]
    canvas = np.zeros((s + 2 * pad, sum(widths) + gap * (len(seq) - 1) + 2 * pad), np.float32)
    x = pad
    for d, w in zip(seq, widths):
        canvas[pad:pad + s, x:x + w] = glyphs[d]
        x += w + gap
    cx = pad + sum(widths[:len(left)]) + gap * len(left) + widths[len(left)] / 2

    # One affine warp (row, col): scale to the drawn height, stretch, shear, rotate, then
    # place the centre digit near the crop centre.
    sy = height / s
    sx = sy * rng.uniform(0.75, 1.3)
    shear = rng.uniform(-0.35, 0.35)
    ang = math.radians(rng.normal(0, 8))
    c, si = math.cos(ang), math.sin(ang)
    # Inverse of rotate @ shear @ scale, as ndimage wants output -> input.
    inv = (np.array([[1 / sy, 0], [0, 1 / sx]]) @ np.array([[1, 0], [shear, 1]])
           @ np.array([[c, si], [-si, c]]))
    # SVHN's boxes are loose: the digit is only roughly centred.
    centre_out = np.array([15.5 + rng.uniform(-2, 2), 15.5 + rng.uniform(-3, 3)])
    offset = np.array([pad + s / 2, cx]) - inv @ centre_out
    mask = ndimage.affine_transform(canvas, inv, offset, output_shape=(SIZE, SIZE), order=1)
    return np.clip(mask, 0, 1), label


def _image(rng) -> tuple[np.ndarray, int]:
    from scipy import ndimage
    mask, label = _line_mask(rng)

    # Contrast and polarity: mostly clear, 20% faint; 60% dark digits on a light plate.
    faint = rng.random() < 0.2
    contrast = rng.uniform(0.12, 0.25) if faint else rng.uniform(0.25, 0.8)
    dark = rng.random() < 0.6
    lb = rng.uniform(contrast + 0.03, 0.97) if dark else rng.uniform(0.03, 0.97 - contrast)
    lf = lb - contrast if dark else lb + contrast
    # Street scenes are mostly greyish: saturation skewed low.
    bg = _colour(rng, lb, 0.6 * rng.random() ** 2)
    fg = _colour(rng, lf, 0.6 * rng.random() ** 2)

    # Background: colour + gradient + smooth texture (independent per channel, mild).
    k = int(rng.integers(3, 8))
    m = _interp(k)
    tex = (m @ rng.standard_normal((3, k, k), np.float32) @ m.T).transpose(1, 2, 0)
    img = bg + _ramp(rng, rng.uniform(0, 0.3))[..., None] + rng.uniform(0, 0.05) * tex
    if rng.random() < 0.3:  # plate or wall edge along the top/bottom or a side
        cut = int(rng.integers(0, 6))
        edge = _colour(rng, rng.uniform(0, 1), rng.uniform(0, 0.6))
        side = int(rng.integers(4))
        region = [np.s_[:cut], np.s_[SIZE - cut:], np.s_[:, :cut], np.s_[:, SIZE - cut:]][side]
        img[region] = edge
    img = img.astype(np.float32)
    if rng.random() < 0.3:  # clutter behind the digits: frames, wires, panel joints
        for _ in range(int(rng.integers(1, 3))):
            img = _stroke(rng, img, lb + (lf - lb) * rng.uniform(-0.6, 0.6))

    if rng.random() < 0.2:  # drop shadow or emboss: the mask offset by a pixel or two
        sh = np.roll(mask, (int(rng.integers(1, 3)), int(rng.integers(-2, 3))), axis=(0, 1))
        tone = np.clip(bg * rng.uniform(0.2, 0.6) if dark else bg + 0.4, 0, 1)
        img = img + sh[..., None] * (tone - img)
    img = img + mask[..., None] * (fg - img)

    # Uneven lighting multiplies everything, digit included; then optics and sensor.
    img *= 1 + _ramp(rng, rng.uniform(0, 0.6))[..., None]
    img *= rng.uniform(0.75, 1.1)
    # Mostly mild blur; a third as soft as SVHN's upscaled low-resolution crops (but not
    # faint ones too: blur lowers a thin stroke's contrast further, until nothing is left).
    soft = rng.random() < 0.3 and not faint
    sigma = rng.uniform(1.1, 1.8) if soft else rng.uniform(0.3, 1.1)
    img = ndimage.gaussian_filter(img, (sigma, sigma, 0), truncate=3.0)
    # Sensor/JPEG noise, mostly shared by the channels; kept below the digit's contrast.
    noise = rng.uniform(0, min(0.07, contrast / 4))
    grain = rng.standard_normal((SIZE, SIZE, 4), np.float32)
    img += noise * (0.85 * grain[..., :1] + 0.5 * grain[..., 1:])
    out = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    if rng.random() < 0.35:  # JPEG blocking and ringing, as in SVHN's source photos
        out = _jpeg(out, int(rng.integers(25, 75)))
    return out, label


def _stroke(rng, img: np.ndarray, lum: float) -> np.ndarray:
    """A straight band across the crop, 1-4 pixels wide. Its luminance `lum` stays nearer the
    background's than the digit's, so it never reads as a stroke of the digit."""
    a = rng.uniform(0, math.pi)
    dist = np.abs(_XX * math.cos(a) + _YY * math.sin(a) - rng.uniform(-0.5, 0.5)) * SIZE
    band = np.clip(rng.uniform(0.5, 2) - dist, 0, 1)[..., None]
    return img + band * (_colour(rng, lum, 0.4 * rng.random()) - img)


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(buf).convert("RGB"))


def _chunk(args: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    seed, split_id, start, stop = args
    x = np.empty((stop - start, SIZE, SIZE, 3), np.uint8)
    y = np.empty(stop - start, np.uint8)
    for j, i in enumerate(range(start, stop)):
        x[j], y[j] = _image(np.random.default_rng([seed, split_id, i]))
    return x, y


def _generate(n: int, split_id: int, seed: int, workers: int) -> tuple[np.ndarray, np.ndarray]:
    jobs = [(seed, split_id, a, min(a + CHUNK, n)) for a in range(0, n, CHUNK)]
    if workers <= 1 or len(jobs) <= 1:
        parts = [_chunk(j) for j in jobs]
    else:
        from tqdm import tqdm
        # fork where there is one: spawn re-runs the caller's script, which breaks scripts
        # without a __main__ guard. The children only touch numpy, scipy and Pillow, so
        # threads the parent may run (TensorFlow's) do not matter to them.
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(workers, mp_context=get_context(method)) as pool:
            parts = list(tqdm(pool.map(_chunk, jobs), total=len(jobs), unit="chunk",
                              desc=f"synth: generating {n} images", leave=False))
    if not parts:
        return np.empty((0, SIZE, SIZE, 3), np.uint8), np.empty(0, np.uint8)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# ---------------------------------------------------------------- public API

def synth_images(n: int, split: str = "train", seed: int = 0, *, cache: bool | None = None,
                 workers: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The first `n` synthetic house-number crops of `split` ("train" or "test"): uint8
    (n, 32, 32, 3) RGB and uint8 (n,) labels 0-9.

    `cache`: read/write the on-disk cache ($STREAMCNN_CACHE/synth or ~/.cache/streamcnn/synth);
    by default only for n >= CACHE_MIN. `workers`: processes for a cold generation (default:
    all CPUs, up to 8, for n >= PARALLEL_MIN)."""
    if split not in SPLIT_IDS:
        raise StreamcnnError(f"unknown synth split {split!r}: use one of {', '.join(SPLIT_IDS)}")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise StreamcnnError(f"synth: image count must be a non-negative integer, got {n!r}")
    n, seed = int(n), int(seed)
    if cache is None:
        cache = n >= CACHE_MIN
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if n >= PARALLEL_MIN else 1

    folder = _cache_dir()
    stem = f"{GENERATOR_VERSION}-{split}-s{seed}-n"
    if cache and folder.is_dir():
        # Any cached run at least n long holds these n images (image i ignores n).
        sizes = sorted(int(p.name[len(stem):-6]) for p in folder.glob(f"{stem}*.y.npy")
                       if p.name[len(stem):-6].isdigit())
        for m in sizes:
            if m >= n and (folder / f"{stem}{m}.x.npy").is_file():
                x = np.load(folder / f"{stem}{m}.x.npy", mmap_mode="r")
                y = np.load(folder / f"{stem}{m}.y.npy")
                return np.array(x[:n]), y[:n].copy()

    x, y = _generate(n, SPLIT_IDS[split], seed, workers)
    if cache:
        folder.mkdir(parents=True, exist_ok=True)
        # Write-then-rename, labels last: a reader never sees a half-written pair.
        for part, arr in (("x", x), ("y", y)):
            tmp = folder / f"{stem}{n}.{part}.{os.getpid()}.tmp.npy"
            np.save(tmp, arr)
            os.replace(tmp, folder / f"{stem}{n}.{part}.npy")
    return x, y


def preview(path, n: int = 100, split: str = "test", seed: int = 0) -> Path:
    """A contact sheet PNG of the first `n` images (10 per row, upscaled, labels shown)."""
    from matplotlib.figure import Figure
    x, y = synth_images(n, split, seed, cache=False)
    cols = 10
    rows = max(1, -(-n // cols))
    fig = Figure(figsize=(cols * 1.0, rows * 1.1), dpi=100)
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(x[i], interpolation="nearest")
        ax.set_title(str(y[i]), fontsize=9, pad=2)
        ax.set_axis_off()
    fig.subplots_adjust(0.01, 0.01, 0.99, 0.97, wspace=0.08, hspace=0.3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
