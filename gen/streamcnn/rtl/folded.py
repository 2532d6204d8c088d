"""A dense layer or a convolution (on each window) folded by its reuse factor R:
y = bias + x @ W in R steps of K = n_in / R inputs each, on one time-shared
multiply-accumulate array.

Step c adds x[cK:(c+1)K] @ W[cK:(c+1)K] to the accumulators. Its weights come from a ROM
indexed by c; each product is an adder tree of the input's shifted copies, one per weight
bit, masked by that bit (two's complement: the top bit's copy is subtracted). A weight bit
that is 0 in every step costs nothing (pruned weights), one that is 1 in every step needs
no mask. The trees are the parallel MAC's (verilog.tree_sums), so their registers, widths
and timing are the same; the sums wrap modulo 2^acc_w, exact for the final sum as there.
"""
from __future__ import annotations

import numpy as np

from ..fixed import signed_width, weight_bits
from . import mac
from .verilog import Named, input_range, input_slice, render, resized, shifted, tree_sums, vec


class MaskedInputs:
    """Leaf terms +-(x[k] << b), each gated by a ROM bit (src: index into `bits`, -1 none)."""
    def __init__(self, x_lo: int, x_hi: int, x_w: int, srcs: list[tuple[int, int]]):
        self.x_lo, self.x_hi, self.x_w = x_lo, x_hi, x_w
        self.srcs = srcs                     # term src -> (input k, ROM bit index or -1)

    def range(self, t: mac.Term) -> tuple[int, int]:
        a, b = self.x_lo << t.shift, self.x_hi << t.shift
        a, b = (a, b) if t.sign > 0 else (-b, -a)
        gated = self.srcs[t.src][1] >= 0
        return (min(a, 0), max(b, 0)) if gated else (a, b)

    def zeros(self, t: mac.Term, w: int) -> int:
        return t.shift

    def operand(self, t: mac.Term, tz: int, w: int) -> str:
        k, bit = self.srcs[t.src]
        x = "{" + shifted(f"x{k}", self.x_w, t.shift - tz, w) + "}"
        return x if bit < 0 else f"({{{w}{{wq[{bit}]}}}} & {x})"


def folded_mac_module(name: str, layer: str, weights: np.ndarray, bias: np.ndarray | None,
                        in_w: int, in_signed: bool, acc_w: int, reuse: int, words: int = 1
                        ) -> tuple[str, int, int]:
    """The Verilog of y = bias + x @ weights in `reuse` steps, the vector x in `words` words
    of reuse / words steps each, a word taken every reuse / words cycles; returns (text,
    cycles from the vector's last word accepted to its output, two-input adders)."""
    w = np.asarray(weights, np.int64)
    n_in, n_out = w.shape
    k_per = n_in // reuse
    wb = weight_bits(w)
    bits = (w.reshape(reuse, k_per, n_out)[..., None] >> np.arange(wb)) & 1   # (R, K, O, wb)
    varying = [(k, o, b) for k in range(k_per) for o in range(n_out) for b in range(wb)
               if 0 < bits[:, k, o, b].sum() < reuse]
    rom_index = {kob: j for j, kob in enumerate(varying)}
    srcs: list[tuple[int, int]] = []
    trees_terms = []
    for o in range(n_out):
        terms = []
        for k in range(k_per):
            for b in range(wb):
                if not bits[:, k, o, b].any():
                    continue
                srcs.append((k, rom_index.get((k, o, b), -1)))
                terms.append(mac.Term(-1 if b == wb - 1 else 1, len(srcs) - 1, b))
        trees_terms.append(terms)
    depth = max(mac.depth_for(len(t)) for t in trees_terms)
    trees = [mac.tree(t, depth) for t in trees_terms]
    x_lo, x_hi = input_range(in_w, in_signed)
    x_w = min(signed_width(x_lo, x_hi), acc_w)
    used = sorted({k for k, _ in srcs})
    inputs = [Named(f"x{k}", input_slice(k, in_w, in_signed, x_w, "xs"), x_w) for k in used]
    levels: list[list[Named]] = [[] for _ in range(depth)]
    leaf = MaskedInputs(x_lo, x_hi, x_w, srcs)
    roots = [tree_sums(o, tr, leaf, acc_w, levels) for o, tr in enumerate(trees)]
    b = np.zeros(n_out, np.int64) if bias is None else np.asarray(bias, np.int64)
    outputs = [Named(f"acc{o}", resized(r.name, r.width, acc_w), acc_w) for o, r in enumerate(roots)]
    rom = [vec([bits[c, k, o, bb] for k, o, bb in varying], 1) if varying else "1'b0"
           for c in range(reuse)]
    n_stages = sum(mac.registered(depth))
    per_level = [{"sums": s, "registered": r} for s, r in zip(levels, mac.registered(depth))]
    text = render("mac_folded.v.j2", name=name, layer=layer, n_in=n_in, n_out=n_out,
                  in_w=in_w, in_signed=in_signed, acc_w=acc_w, reuse=reuse, k_per=k_per,
                  wb=wb, cw=max(1, (reuse - 1).bit_length()), rom=rom, words=words,
                  steps=reuse // words, sw=max(1, (reuse // words - 1).bit_length()),
                  rom_w=max(1, len(varying)), depth=n_stages, levels=per_level,
                  inputs=inputs, outputs=outputs, bias=[vec([v], acc_w) for v in b],
                  n_adders=mac.adders(trees) + n_out)
    # accept -> first step's registers -> S steps -> the tree's registers -> accumulators
    return text, reuse // words + n_stages + 1, mac.adders(trees) + n_out
