"""Data sets: the real SVHN samples at hand, the official SVHN files, synthetic house numbers
and simple image sources for checks."""
from .datasets import load
from .samples import find_real_samples, grid_samples, random_images, real_samples_for
from .svhn import load_svhn
from .synth import preview, synth_images

__all__ = ["find_real_samples", "grid_samples", "random_images", "real_samples_for", "load", "load_svhn", "synth_images", "preview"]
