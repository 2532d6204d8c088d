"""Constant-weight multiply-accumulate as a pipelined adder tree of shifted inputs.

y[o] = bias[o] + sum_i w[i, o] * x[i], with every w written in canonical signed digits
(w = sum of +-2^k, no two adjacent digits non-zero), so each product is a few shifted
copies of x[i]: the MAC has no multipliers at all, pruned (zero) weights cost nothing,
and synthesis sees only adders. Sums wrap modulo 2^acc_w; the IR's accumulator type
holds the final value, so the result is exact.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FAN_IN = 3          # operands per adder (ternary adders fit LUT6 + carry)
# Adder levels between two registers. With two ternary levels a stage was up to 5 LUT + 7
# CARRY4 (6.0 ns by `streamcnn timing`'s estimate on random_cnn(3): 165 MHz); with one it
# is at most 3 LUT + 4 CARRY4 (260 MHz there). The price is about twice the flip-flops
# (the leaf level alone holds a third of all sums); LUTs stay the same.
LEVELS_PER_STAGE = 1


def csd(w: int) -> list[tuple[int, int]]:
    """Canonical signed digits of w as (sign, shift) pairs: w = sum(sign << shift)."""
    out, k = [], 0
    while w:
        if w & 1:
            d = 2 - (w & 3)          # +1 if w = 1 mod 4, -1 if w = 3 mod 4
            out.append((d, k))
            w -= d
        w >>= 1
        k += 1
    return out


@dataclass
class Term:
    sign: int        # +1 / -1
    src: int         # input index, or -1 for a constant
    shift: int = 0
    value: int = 0   # the constant (src == -1)


@dataclass
class Tree:
    """One output's adder tree: leaves lists, per register, the terms it adds (with the
    signs they are added with); levels[l] lists, per register, the (sign, index) pairs of
    level l's registers it adds. The root register holds the output."""
    leaves: list[list[Term]]
    levels: list[list[list[tuple[int, int]]]]


def terms(weights: np.ndarray, bias: np.ndarray | None, o: int) -> list[Term]:
    t = [Term(s, i, k) for i, w in enumerate(weights[:, o]) for s, k in csd(int(w))]
    if bias is not None and bias[o]:
        t.append(Term(1, -1, value=int(bias[o])))
    return t


def _group(signs: list[int]) -> list[list[int]]:
    """Indices of `signs` in ceil(n / FAN_IN) groups of at most FAN_IN, with one positive
    operand first in as many groups as there are positives. Why: a + b - c is one carry
    chain per operand after the first; -a - b - c also negates a, one chain more."""
    n = len(signs)
    g = -(-n // FAN_IN)
    pos = [i for i in range(n) if signs[i] > 0]
    groups = [[i] for i in pos[:g]] + [[] for _ in range(g - min(g, len(pos)))]
    rest = pos[g:] + [i for i in range(n) if signs[i] < 0]
    for grp in groups:
        while len(grp) < FAN_IN and rest:
            grp.append(rest.pop(0))
    return groups


def tree(ts: list[Term], depth: int) -> Tree:
    """An adder tree of exactly `depth` levels (so every output of a layer arrives in the
    same cycle); a level with one operand is a plain wire or delay.

    A register whose operands would all be subtracted holds their sum instead, and the
    level above subtracts it: only a root with no positive term at all negates."""
    leaves = [[ts[i] for i in grp] for grp in _group([t.sign for t in ts])] or [[]]
    flipped = []
    for j, grp in enumerate(leaves):
        neg = bool(grp) and all(t.sign < 0 for t in grp) and depth > 1
        if neg:
            leaves[j] = [Term(-t.sign, t.src, t.shift, t.value) for t in grp]
        flipped.append(neg)
    levels = []
    for lv in range(depth - 1):
        signs = [-1 if f else 1 for f in flipped]
        groups = [[(signs[i], i) for i in grp] for grp in _group(signs)]
        root = lv == depth - 2
        flipped = [not root and all(sg < 0 for sg, _ in grp) for grp in groups]
        levels.append([[(-sg, i) for sg, i in grp] if f else grp
                       for grp, f in zip(groups, flipped)])
    return Tree(leaves, levels)


def depth_for(n_terms: int) -> int:
    """Adder levels needed to add n terms FAN_IN at a time (at least one)."""
    d, n = 1, -(-max(n_terms, 1) // FAN_IN)
    while n > 1:
        n = -(-n // FAN_IN)
        d += 1
    return d


def registered(depth: int) -> list[bool]:
    """Which of `depth` adder levels end in a register: every LEVELS_PER_STAGE-th and the
    last (the output is registered)."""
    return [(lv + 1) % LEVELS_PER_STAGE == 0 or lv == depth - 1 for lv in range(depth)]


def build(weights: np.ndarray, bias: np.ndarray | None) -> tuple[list[Tree], int]:
    """Trees for every output column of `weights` (n_in, n_out), all of one depth."""
    per_out = [terms(weights, bias, o) for o in range(weights.shape[1])]
    depth = max(depth_for(len(t)) for t in per_out)
    return [tree(t, depth) for t in per_out], depth


def adders(trees: list[Tree]) -> int:
    """Two-input adders the trees use (a resource figure independent of synthesis)."""
    n = 0
    for t in trees:
        n += sum(max(len(g) - 1, 0) for g in t.leaves)
        n += sum(max(len(g) - 1, 0) for lvl in t.levels for g in lvl)
    return n
