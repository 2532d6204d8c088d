"""Common subexpressions of a constant-weight MAC's shift-add trees.

Each output of y = x @ W adds terms +-(x[i] << k), one per canonical signed digit of its
weights (mac.terms). Where several outputs add the same two inputs at the same relative
shift and sign, the pair x[a] + sign * (x[b] << d) can be summed once and shared, as
distributed-arithmetic tools do. Greedy (Hartley's method): take the pair shared by the
most outputs, rewrite every output that adds it (each occurrence), repeat. Pairs are of inputs only, so a
shared sum is one adder deep and can be a leaf register of every tree that uses it.

Not yet used by the Verilog MAC (mac_module): this is the selection and its exactness.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .mac import Term


@dataclass(frozen=True)
class Pair:
    """The shared sum x[a] + sign * (x[b] << d)."""
    a: int
    b: int
    d: int
    sign: int


@dataclass(frozen=True)
class PairUse:
    """sign * (pairs[pair] << shift), one operand of an output's tree."""
    sign: int
    pair: int
    shift: int


def _key(t: tuple, u: tuple) -> tuple[Pair, int, int]:
    """The pair two input terms (src, shift, sign) form, with its shift and sign of use:
    based at the lower shift, so d >= 0."""
    if (u[1], u[0]) < (t[1], t[0]):
        t, u = u, t
    return Pair(t[0], u[0], u[1] - t[1], t[2] * u[2]), t[1], t[2]


def share(per_out: list[list[Term]], min_uses: int = 2
          ) -> tuple[list[Pair], list[list[Term]], list[list[PairUse]]]:
    """(shared pairs, each output's remaining terms, each output's pair uses); a pair is
    shared only if at least `min_uses` outputs use it."""
    live = [{(t.src, t.shift, t.sign) for t in ts if t.src >= 0} for ts in per_out]
    local = []                  # per output: term pairs forming each Pair
    for ts in live:
        inputs = sorted(ts)
        local.append(Counter(_key(t, u)[0] for n, t in enumerate(inputs) for u in inputs[n + 1:]))
    outputs_with = Counter(p for c in local for p in c)     # outputs containing each pair
    pairs: list[Pair] = []
    uses: list[list[PairUse]] = [[] for _ in per_out]
    while outputs_with:
        best, n = max(outputs_with.items(), key=lambda kv: (kv[1], -kv[0].d))
        if n < min_uses:
            break
        pairs.append(best)
        for o, ts in enumerate(live):
            while best in local[o]:        # every occurrence, so the pair is chosen once
                t, u = next((t, u) for t in ts if t[0] == best.a for u in ts
                            if u[0] == best.b and u != t and _key(t, u)[0] == best)
                _, shift, sign = _key(t, u)
                for gone in (t, u):         # t's loss includes the pair (t, u) itself, once
                    ts.discard(gone)
                    for q in (_key(gone, v)[0] for v in ts):
                        local[o][q] -= 1
                        if not local[o][q]:
                            del local[o][q]
                            outputs_with[q] -= 1
                            if not outputs_with[q]:
                                del outputs_with[q]
                uses[o].append(PairUse(sign, len(pairs) - 1, shift))
    rest = [[Term(sign, src, shift) for src, shift, sign in sorted(ts)]
            + [t for t in per_out[o] if t.src < 0] for o, ts in enumerate(live)]
    return pairs, rest, uses


def adders(per_out: list[list[Term]], pairs: list[Pair], uses: list[list[PairUse]]) -> int:
    """Two-input additions: n - 1 per output of its n operands, plus one per shared pair."""
    return len(pairs) + sum(max(len(ts) + len(us) - 1, 0) for ts, us in zip(per_out, uses))
