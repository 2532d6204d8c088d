"""Integer requantisation parameters against directly computed step tables."""
import numpy as np
import pytest

from streamcnn.requant import RequantParams, fit_affine, steps_eval, steps_from_table


def table(a, gain, offset, lo, hi):
    """An independent float32 BatchNorm + round-half-even + clip, like QKeras evaluates it."""
    y = np.round(a.astype(np.float32) * np.float32(gain) + np.float32(offset))
    return np.clip(y, lo, hi).astype(np.int64)


@pytest.mark.parametrize("seed", range(50))
def test_fit_reproduces_table(seed):
    rng = np.random.default_rng(seed)
    gain = rng.choice([-1, 1]) * 10 ** rng.uniform(-4, 1)
    offset = rng.normal() * 20
    lo, hi = (0, 63) if seed % 2 else (-32, 31)
    a = np.arange(-6000, 6000)
    y = table(a, gain, offset, lo, hi)
    st = steps_from_table(int(a[0]), y)
    assert np.array_equal(steps_eval(st, a), y)             # thresholds are exact
    fit = fit_affine([st], lo, hi)
    assert fit is not None
    p = RequantParams(lo, hi, [st], *fit)
    assert np.array_equal(p.apply(a[:, None])[:, 0], y)      # so is multiply/add/shift


def test_constant_and_non_monotone():
    a = np.arange(-10, 10)
    st = steps_from_table(-10, np.full(20, 3))
    s, m, b = fit_affine([st], 0, 7)
    assert np.all(RequantParams(0, 7, [st], s, m, b).apply(a[:, None]) == 3)
    assert steps_from_table(0, np.array([0, 2, 1])) is None


def test_threshold_fallback_equals_table():
    a = np.arange(0, 300)
    # Monotone, but with irregular step widths that no single multiply-shift reproduces.
    edges = [3, 4, 50, 51, 52, 200, 201]
    y = np.array([sum(v >= e for e in edges) for v in a])
    st = steps_from_table(0, y)
    p = RequantParams(0, 63, [st])
    assert not p.affine and np.array_equal(p.apply(a[:, None])[:, 0], y)
