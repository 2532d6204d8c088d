"""Data sets: the real SVHN samples at hand and simple image sources for checks."""
from .samples import find_real_samples, random_images

__all__ = ["find_real_samples", "random_images"]
