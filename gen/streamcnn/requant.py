"""Integer requantisation: accumulator -> next quantised tensor, per channel.

A chain of element-wise layers (BatchNorm, ReLU, a quantiser...) between a MAC and
the next quantised tensor is a monotone step function of the integer accumulator.
It is described by its thresholds (the first accumulator value reaching each output
level) and implemented in hardware as

    y = clip((a * M + B) >> S, lo, hi)          (arithmetic shift = floor division)

with one M, B per channel and one shift S per layer. `fit_affine` finds such
integers exactly from the thresholds, or reports that none exist. Then `fit_patched`
tries the affine form corrected at a few listed accumulator values: float32 rounding
in a BatchNorm moves single thresholds by one, which no M, B reproduces. Only when
that needs too many patches is the threshold table itself the implementation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_SHIFT = 40
PAIRWISE_LIMIT = 4096      # exact M-interval search is O(levels**2)
# Threshold tables above this many levels per channel are not hardware (a 16-bit output
# after a float BatchNorm needs 65,535 per channel): such chains get a rounded affine form.
MAX_TABLE_LEVELS = 1024
APPROX_MULT_BITS = 24      # |M| < 2**24: one DSP48E2 cascade pair per channel
PATCHES_PER_CHANNEL = 4    # a patch is one equality compare: cheap while they are few


@dataclass
class Steps:
    """One channel's step function on the accumulator range [a_lo, a_hi].

    f(a) = g(sign * a), g(x) = base + #(thresholds <= x) non-decreasing.
    """
    a_lo: int
    a_hi: int
    base: int                      # g at the start of its axis
    sign: int                      # +1: x = a; -1: x = -a (f non-increasing)
    thresholds: np.ndarray         # int64, ascending, on the x axis (repeats = skipped levels)


@dataclass
class RequantParams:
    """Per-channel integer parameters; `mult`/`add` are None if only thresholds fit."""
    lo: int
    hi: int
    steps: list[Steps]
    shift: int = 0
    mult: np.ndarray | None = None
    add: np.ndarray | None = None
    exhaustive: bool = False       # every accumulator value checked against Keras
    approximate: bool = False      # affine form rounded from over-long thresholds (not exact)
    # Affine form corrected at single accumulator values: rows (channel, accumulator, delta).
    patches: np.ndarray | None = None
    checked: int = 0               # how many accumulator values were checked
    notes: list[str] = field(default_factory=list)

    @property
    def affine(self) -> bool:
        return self.mult is not None

    def apply(self, acc: np.ndarray) -> np.ndarray:
        """Evaluate on integer accumulators with channels on the last axis."""
        acc = np.asarray(acc, dtype=np.int64)
        if self.affine:
            y = np.clip((acc * self.mult + self.add) >> np.int64(self.shift), self.lo, self.hi)
            for c, a, d in (self.patches if self.patches is not None else ()):
                y[..., c] += d * (acc[..., c] == a)
            return y
        out = np.empty(acc.shape, dtype=np.int64)
        for c, st in enumerate(self.steps):
            out[..., c] = steps_eval(st, acc[..., c])
        return out


def steps_eval(st: Steps, a: np.ndarray) -> np.ndarray:
    """f(a) = g(sign * a) with g(x) = base + #(thresholds <= x)."""
    x = a if st.sign > 0 else -a
    return st.base + np.searchsorted(st.thresholds, x, side="right")


def steps_from_table(a_lo: int, table: np.ndarray) -> Steps | None:
    """Steps of a monotone table f(a_lo + i) = table[i]; None if not monotone."""
    a_hi = a_lo + len(table) - 1
    d = np.diff(table)
    if np.all(d >= 0):
        sign, x_lo, g = 1, a_lo, table
    elif np.all(d <= 0):
        sign, x_lo, g = -1, -a_hi, table[::-1]     # g(x) = f(-x) is non-decreasing
    else:
        return None
    jumps = np.diff(g)
    idx = np.flatnonzero(jumps)
    thr = np.repeat(x_lo + idx + 1, jumps[idx]).astype(np.int64)
    return Steps(a_lo, a_hi, int(g[0]), sign, thr)


def fit_affine(steps: list[Steps], lo: int, hi: int) -> tuple[int, np.ndarray, np.ndarray] | None:
    """Smallest shift S and per-channel (M, B) reproducing every channel exactly."""
    for s in range(MAX_SHIFT + 1):
        mb = [_fit_channel(st, lo, hi, s) for st in steps]
        if all(x is not None for x in mb):
            mult = np.array([x[0] for x in mb], dtype=np.int64)
            add = np.array([x[1] for x in mb], dtype=np.int64)
            return s, mult, add
    return None


def output_span(steps: list[Steps], lo: int, hi: int) -> tuple[int, int]:
    """One clip range for a layer: the union of its channels' ranges, inside [lo, hi]
    (a ReLU's floor is 0 even when the output type is signed)."""
    return (max(lo, min(st.base for st in steps)),
            min(hi, max(st.base + len(st.thresholds) for st in steps)))


def _slopes(steps: list[Steps]) -> list[float]:
    """Per channel, the least-squares slope of level against threshold (0: constant)."""
    out = []
    for st in steps:
        thr = st.thresholds.astype(np.float64)
        if len(thr) >= 2 and thr[-1] > thr[0]:
            k = st.base + 1 + np.arange(len(thr), dtype=np.float64)
            out.append(float(np.polyfit(thr, k, 1)[0]))
        else:
            out.append(0.0)
    return out


def _rounded(steps: list[Steps], slopes: list[float], lo: int, hi: int, s: int):
    """(M, B) per channel for shift s: the slope rounded, and the B that puts the most
    thresholds where the table has them."""
    one, fits = 1 << s, []
    for st, m in zip(steps, slopes):
        if m == 0.0:
            fits.append((0, int(min(max(st.base + len(st.thresholds), lo), hi)) << s))
            continue
        mult = max(int(round(m * one)), 1)
        fits.append((mult if st.sign > 0 else -mult, _best_add(st, mult, one)))
    return np.array([f[0] for f in fits], np.int64), np.array([f[1] for f in fits], np.int64)


def approx_affine(steps: list[Steps], lo: int, hi: int, acc_bits: int):
    """(S, M, B) closest to thresholds too many for a table: the largest S with
    |M| < 2**APPROX_MULT_BITS. Products stay inside int64."""
    slopes = _slopes(steps)
    top = max(max(abs(m) for m in slopes), 1e-300)
    s = 0
    while (s < MAX_SHIFT and abs(top) * 2.0 ** (s + 1) < 2 ** APPROX_MULT_BITS
           and acc_bits + APPROX_MULT_BITS + 1 < 62):
        s += 1
    return (s, *_rounded(steps, slopes, lo, hi, s))


def fit_patched(steps: list[Steps], lo: int, hi: int, acc_bits: int):
    """(S, M, B, patches) for the smallest S whose rounded affine form differs from the
    thresholds at no more than PATCHES_PER_CHANNEL accumulator values per channel on
    average; None if no S < MAX_SHIFT gets there within int64 products. `lo`, `hi` must
    be the clip range of the affine form (see output_span)."""
    slopes, limit = _slopes(steps), PATCHES_PER_CHANNEL * len(steps)
    for s in range(MAX_SHIFT + 1):
        mult, add = _rounded(steps, slopes, lo, hi, s)
        if int(np.abs(mult).max(initial=0)).bit_length() + acc_bits + 1 >= 62:
            return None
        segments, total = [], 0
        for st, m, b in zip(steps, mult, add):
            seg = _mismatches(st, int(m), int(b), s, lo, hi)
            total += sum(x1 - x0 for x0, x1 in seg)
            if total > limit:
                break
            segments.append(seg)
        else:
            rows = [(c, st.sign * x, 0) for c, (st, seg) in enumerate(zip(steps, segments))
                    for x0, x1 in seg for x in range(x0, x1)]
            patches = np.array(rows, np.int64).reshape(-1, 3)
            c, a = patches[:, 0], patches[:, 1]
            want = np.array([steps_eval(steps[ch], v) for ch, v in zip(c, a)], np.int64)
            patches[:, 2] = want - np.clip((a * mult[c] + add[c]) >> s, lo, hi)
            return s, mult, add, patches
    return None


def _mismatches(st: Steps, m: int, b: int, s: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """Ranges [x0, x1) of the x axis where the table and clip((a*m + b) >> s) differ.

    Both are counts of passed thresholds: the table is base + #(t <= x), the affine form
    on the x axis lo + #(u <= x) with u_l = ceil((l * 2**s - b) / |m|) for l in (lo, hi].
    """
    x_lo = st.a_lo if st.sign > 0 else -st.a_hi
    x_hi = st.a_hi if st.sign > 0 else -st.a_lo
    m = abs(m)
    levels = np.arange(lo + 1, hi + 1, dtype=np.int64)
    if m:
        u = -((b - (levels << s)) // m)
    else:                                   # constant: level l is passed iff b >> s >= l
        u = np.where((b >> s) >= levels, x_lo, x_hi + 1)
    cuts = np.unique(np.concatenate([[x_lo], st.thresholds, u]))
    cuts = cuts[(cuts >= x_lo) & (cuts <= x_hi)]
    diff = (st.base - lo + np.searchsorted(st.thresholds, cuts, "right")
            - np.searchsorted(np.sort(u), cuts, "right"))
    ends = np.append(cuts[1:], x_hi + 1)
    return [(int(x0), int(x1)) for x0, x1, d in zip(cuts, ends, diff) if d]


def _best_add(st: Steps, mult: int, one: int) -> int:
    """The B that puts the most levels' first x exactly where the thresholds have it:
    level k starts at t_k iff B is in [k*one - t_k*M, k*one - (t_k - 1)*M - 1]."""
    k = st.base + 1 + np.arange(len(st.thresholds), dtype=np.int64)
    lows = np.sort(k * one - st.thresholds * mult)
    highs = np.sort(lows + mult - 1)
    covered = np.searchsorted(lows, lows, "right") - np.searchsorted(highs, lows, "left")
    return int(lows[int(np.argmax(covered))])


def _constraints(st: Steps, lo: int, hi: int, s: int):
    """Linear constraints on (M, B) for g(x) = floor((x*M + B) / 2**s) on the axis x.

    Lower: x*M + B >= level * 2**s.  Upper: x*M + B <= level * 2**s - 1.
    """
    one = 1 << s
    thr, n = st.thresholds, len(st.thresholds)
    x_lo = st.a_lo if st.sign > 0 else -st.a_hi
    x_hi = st.a_hi if st.sign > 0 else -st.a_lo
    g_lo = st.base                       # g at x_lo
    g_hi = st.base + n                   # g at x_hi
    levels = g_lo + 1 + np.arange(n, dtype=np.int64)
    lx, ll = [thr], [levels]             # at a threshold, g reaches the level
    ux, ul = [thr - 1], [levels]         # just below it, g stays under the level
    if g_lo > lo:
        lx.append(np.array([x_lo])); ll.append(np.array([g_lo]))
    if g_hi < hi:
        ux.append(np.array([x_hi])); ul.append(np.array([g_hi + 1]))
    lx, ll = np.concatenate(lx), np.concatenate(ll) * one
    ux, ul = np.concatenate(ux), np.concatenate(ul) * one
    return lx, ll, ux, ul


def _fit_channel(st: Steps, lo: int, hi: int, s: int):
    lx, ll, ux, ul = _constraints(st, lo, hi, s)
    if len(st.thresholds) == 0:
        return 0, int(min(max(st.base, lo), hi)) << s     # constant channel
    m_range = _m_interval(lx, ll, ux, ul) if len(lx) * len(ux) <= PAIRWISE_LIMIT ** 2 \
        else _m_window(st, s)
    if m_range is None:
        return None
    for m in range(m_range[0], m_range[1] + 1):
        b_lo = int(np.max(ll - lx * m))
        b_hi = int(np.min(ul - 1 - ux * m))
        if b_lo <= b_hi:
            mult = m if st.sign > 0 else -m
            return mult, b_lo
    return None


def _m_interval(lx, ll, ux, ul):
    """Integer M for which some B satisfies all constraints (pairwise, exact)."""
    # lower (x1, l1) vs upper (x2, l2): l1 - x1*M <= l2 - 1 - x2*M  <=>  (x1-x2)*M >= l1-l2+1
    dx = lx[:, None] - ux[None, :]
    rhs = ll[:, None] - ul[None, :] + 1
    pos, neg, zero = dx > 0, dx < 0, dx == 0
    if np.any(zero & (rhs > 0)):
        return None
    m_lo = int(np.max(-((-rhs[pos]) // dx[pos]))) if np.any(pos) else 0
    m_hi = int(np.min(rhs[neg] // dx[neg])) if np.any(neg) else m_lo + 2
    m_lo = max(m_lo, 0)
    if m_lo > m_hi:
        return None
    return m_lo, min(m_hi, m_lo + 2)


def _m_window(st: Steps, s: int):
    """For very many levels: candidates around the average slope."""
    thr = st.thresholds
    slope = (len(thr) - 1) / max(int(thr[-1] - thr[0]), 1)
    m0 = int(round(slope * (1 << s)))
    return max(m0 - 2, 0), m0 + 2
