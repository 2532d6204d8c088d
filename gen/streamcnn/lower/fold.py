"""Automatic folding (ReuseFactor: auto): each conv or dense layer gets the largest reuse
factor that keeps up with its input and fits the latency budget, spent where it saves most.

A layer folded by R takes R cycles a window or vector, so R may not exceed its interval
(the fewest cycles between two of its items, from the input's arrival pattern), and it
delays the frame's last item by about R + 1 cycles (R steps and the accumulator; its
adder tree gets shallower, which this estimate ignores). A dense layer right after a
Flatten of P pixels can take them as they come (streamable): R = P * S, S steps a pixel,
at most the pixels' interval, and only the last pixel's S + 1 cycles add latency.

Hardware is counted as adder operands: a parallel MAC adds one shifted input per canonical
signed digit of a weight; a folded one per input slot and two's-complement weight bit that
is 1 in any of its R steps (the ROM masks the others), plus an accumulator per output.
Greedy: while budget is left, apply the step (one layer to a larger R) that saves the most
operands per cycle spent.
"""
from __future__ import annotations

import numpy as np

from ..fixed import weight_bits
from ..ir import Conv2D, Dense, Flatten


def weight_matrix(node) -> np.ndarray:
    """(multiplications per output, outputs): a dense layer's weights, a convolution's on
    its flattened window (kh, kw, cin)."""
    w = np.asarray(node.weights, np.int64)
    return w.reshape(-1, w.shape[-1])


def operands(w2d: np.ndarray, reuse: int) -> int:
    """Adder operands of the MAC of w2d folded by `reuse` (module docstring)."""
    n_in, n_out = w2d.shape
    if reuse == 1:
        a = np.abs(w2d)
        c = (a >> 1) ^ (a + (a >> 1))           # its set bits are the non-zero CSD digits
        return int(sum(int(v).bit_count() for v in c.ravel()))
    wb = weight_bits(w2d)
    bits = (w2d[..., None] >> np.arange(wb)) & 1                      # two's complement
    used = bits.reshape(reuse, n_in // reuse, n_out, wb).any(axis=0)
    return int(used.sum()) + n_out


def streamable(flat, dense, reuse: int) -> bool:
    """Whether `dense`, folded by `reuse`, can take the pixels of the Flatten `flat` as
    they come: P > 1 pixels, P divides reuse, and a pixel's reuse / P steps fit between two."""
    if not (isinstance(flat.node, Flatten) and isinstance(dense.node, Dense)):
        return False
    p = flat.input.words
    return p > 1 and reuse % p == 0 and reuse // p <= flat.interval


def options(w, prev) -> dict[int, int]:
    """Reuse factor -> estimated added cycles, for every fold the layer can take: divisors
    of its multiplications per output up to its interval; streamed, up to P times that."""
    n_in = weight_matrix(w.node).shape[0]
    out = {r: 0 if r == 1 else r + 1 for r in range(1, min(n_in, w.interval) + 1) if n_in % r == 0}
    if prev is not None:
        p = prev.input.words
        for r in range(p, n_in + 1, p):
            if n_in % r == 0 and streamable(prev, w, r):
                out[r] = min(out.get(r, r + 1), r // p + 1)
    return out


def auto(works: list, budget: int) -> None:
    """Set `reuse` of the works marked auto (Work.auto) in place, within `budget` cycles."""
    prevs = dict(zip(map(id, works[1:]), works))
    cands = [(w, options(w, prevs.get(id(w)))) for w in works
             if w.auto and isinstance(w.node, (Conv2D, Dense))]
    mats = {id(w): weight_matrix(w.node) for w, _ in cands}
    memo: dict = {}

    def ops(w, r):
        if (id(w), r) not in memo:
            memo[id(w), r] = operands(mats[id(w)], r)
        return memo[id(w), r]

    left = budget
    while True:
        best = None
        for w, opts in cands:
            for r, cycles in opts.items():
                extra = cycles - opts[w.reuse]
                saved = ops(w, w.reuse) - ops(w, r)
                if r <= w.reuse or extra > left or saved <= 0:
                    continue
                rate = saved / max(extra, 0.5)
                if best is None or rate > best[0]:
                    best = (rate, w, r, extra)
        if best is None:
            return
        _, w, r, extra = best
        w.reuse, left = r, left - extra


def layers(works: list, frame: int) -> dict[str, dict]:
    """Each conv and dense layer's fold for the report: reuse factor, and busy fraction
    (the cycles its MAC works a frame, items times reuse, over the frame's input words)."""
    return {w.node.name: {"reuse": w.reuse, "busy": round(w.items * w.reuse / frame, 4)}
            for w in works if isinstance(w.node, (Conv2D, Dense))}
