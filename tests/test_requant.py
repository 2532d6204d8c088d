"""Integer requantisation parameters against directly computed step tables."""
import numpy as np
import pytest

from streamcnn.requant import (PATCHES_PER_CHANNEL, RequantParams, fit_affine, fit_patched,
                              output_span, steps_eval, steps_from_table)


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


def test_patched_form_reproduces_float32_batchnorm():
    """8-bit outputs of a float32 BatchNorm over a 2**19-value accumulator: float rounding
    moves single thresholds, so an exact multiply-shift often does not exist. Then the
    affine form with patches must equal the table at every accumulator value."""
    a = np.arange(-(1 << 18), 1 << 18)
    needed = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        gains = rng.choice([-1, 1], 3) * rng.uniform(1, 4, 3) * 255 / len(a)
        tables = [table(a, g, rng.normal() * 40, 0, 255) for g in gains]
        steps = [steps_from_table(int(a[0]), y) for y in tables]
        if fit_affine(steps, 0, 255) is not None:
            continue
        needed += 1
        lo, hi = output_span(steps, 0, 255)
        s, m, b, patches = fit_patched(steps, lo, hi, 20)
        assert 0 < len(patches) <= PATCHES_PER_CHANNEL * len(steps)
        p = RequantParams(lo, hi, steps, s, m, b, patches=patches)
        for c, y in enumerate(tables):
            acc = np.zeros((len(a), len(steps)), np.int64)
            acc[:, c] = a
            assert np.array_equal(p.apply(acc)[:, c], y), f"seed {seed}, channel {c}"
    assert needed >= 3, "the float32 tables all fit exactly: the patched form went untested"


def test_patched_form_refused_when_too_many_patches():
    """Random monotone steps are far from any line: more patches than the limit -> None."""
    rng = np.random.default_rng(1)
    edges = np.sort(rng.choice(np.arange(1, 5000), 60, replace=False))
    y = np.searchsorted(edges, np.arange(5000), side="right")
    st = steps_from_table(0, y)
    assert fit_affine([st], 0, 63) is None
    assert fit_patched([st], *output_span([st], 0, 63), 14) is None
