"""Data sets: the real SVHN samples at hand, the official SVHN files, synthetic house numbers
and simple image sources for checks."""
from .datasets import load
from .samples import find_real_samples, random_images
from .svhn import load_svhn
from .synth import preview, synth_images

__all__ = ["find_real_samples", "random_images", "load", "load_svhn", "synth_images", "preview"]
