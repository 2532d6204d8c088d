"""The optional softmax stage (config `Softmax: true`): integer arithmetic shared bit for bit
by the golden model and the HLS library (hls/include/streamcnn/softmax.h).

hls4ml-style lookup tables, in the numerically stable form (subtract the maximum first):

    d_i = max(z) - z_i                 >= 0, on the logits' grid 2^-f (the IR's output type)
    k_i = round(d_i * 2^EXP_STEP_BITS) rounded half up; the exp table's step is 2^-7
    e_i = EXP[k_i] if k_i < EXP_SIZE else 0      EXP[k] = round(exp(-k / 128) * 2^EXP_BITS)
    S   = sum e_i                      in [2^EXP_BITS, n * 2^EXP_BITS] (the maximum gives 2^EXP_BITS)
    1/S from the INV table by the mantissa of S: b = floor(log2 S), m = round(S / 2^(b-INV_BITS))
        in [2^INV_BITS, 2^(INV_BITS+1)], 1/S ~ INV[m - 2^INV_BITS] * 2^-(INV_FRAC + b)
    p_i = round(e_i * INV[.] * 2^(OUT_FRAC - INV_FRAC - b))   half up, at most 2^OUT_FRAC (1.0)

Tables: EXP has 1,024 entries over d in [0, 8) (hls4ml's default size and range); INV has
1,025 entries over the mantissa [1, 2] (normalising S costs a leading-one detector and a
shift, and makes 1/S accurate to 2^-11 relative, where a table over [1, n] would be 2^-7).
Output: ap_ufixed<16,1> (1.0 is reachable: one logit far above the others).
Error against float softmax: |p - softmax(z)| <= p * 2(e^(2^-8) - 1) from the exp index
rounding, + 2^-11 p from the mantissa, + (n-1) e^-8 from the table's end, + 2^-16 rounding
(`max_error`: 0.011 for 10 classes; measured: 0.0016 on 2,000 images of the trained QP6 model).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import StreamcnnError
from .fixed import FixedType

EXP_STEP_BITS = 7            # exp table step 2^-7
EXP_SIZE = 1024              # entries: d in [0, EXP_SIZE * 2^-EXP_STEP_BITS) = [0, 8)
EXP_BITS = 16                # exp values on grid 2^-16 (EXP[0] = 1.0 = 2^16)
INV_BITS = 10                # inverse table: 2^10 + 1 entries over the mantissa [1, 2]
INV_FRAC = 18                # 1/m on grid 2^-18 (INV[0] = 2^18)
OUT_TYPE = FixedType(16, 1, signed=False)


@dataclass
class SoftmaxParams:
    n: int
    in_frac: int                             # the logits' grid 2^-in_frac
    lshift: int                              # k = ((d << lshift) + rnd) >> rshift
    rshift: int
    rnd: int
    exp_table: np.ndarray = field(repr=False)
    inv_table: np.ndarray = field(repr=False)
    out_frac: int = OUT_TYPE.frac

    @property
    def sum_bits(self) -> int:
        """Bits of S, with room for the rounding addend of its mantissa."""
        return EXP_BITS + 2 + max(self.n - 1, 1).bit_length()

    def apply(self, z: np.ndarray) -> np.ndarray:
        """(N, n) logits on their grid -> (N, n) probabilities on grid 2^-out_frac."""
        z = np.asarray(z, np.int64)
        d = z.max(axis=1, keepdims=True) - z
        k = ((d << self.lshift) + self.rnd) >> self.rshift
        e = np.where(k < EXP_SIZE, self.exp_table[np.minimum(k, EXP_SIZE - 1)], 0)
        s = e.sum(axis=1)
        b = np.frexp(s.astype(np.float64))[1].astype(np.int64) - 1     # exact: s < 2^53
        sh = b - INV_BITS
        m = (s + (np.int64(1) << (sh - 1))) >> sh
        inv = self.inv_table[m - (1 << INV_BITS)]
        shift = (INV_FRAC + b - self.out_frac)[:, None]
        return (e * inv[:, None] + (np.int64(1) << (shift - 1))) >> shift


def params_for(logits: FixedType, n: int) -> SoftmaxParams:
    f = logits.frac
    lshift, rshift = max(EXP_STEP_BITS - f, 0), max(f - EXP_STEP_BITS, 0)
    exp_table = np.array([round(math.exp(-k / 2 ** EXP_STEP_BITS) * 2 ** EXP_BITS)
                          for k in range(EXP_SIZE)], np.int64)
    one = 1 << (INV_FRAC + INV_BITS)
    inv_table = np.array([(2 * one + m) // (2 * m)                  # round(one / m), half up
                          for m in range(1 << INV_BITS, (2 << INV_BITS) + 1)], np.int64)
    if logits.width + 1 + lshift > 62:
        raise StreamcnnError(f"softmax: logits {logits} are too wide for the exp table index")
    return SoftmaxParams(n, f, lshift, rshift, (1 << rshift) >> 1, exp_table, inv_table)


def max_error(n: int) -> float:
    """The bound of the module docstring on |p - softmax(z)| (p <= 1)."""
    return (2 * (math.exp(2.0 ** -(EXP_STEP_BITS + 1)) - 1) + 2.0 ** -(INV_BITS + 1)
            + 2.0 ** -(INV_FRAC - 1) + (n - 1) * math.exp(-(EXP_SIZE - 0.5) / 2 ** EXP_STEP_BITS)
            + 2.0 ** -OUT_TYPE.frac)


def without_softmax(graph):
    """The graph up to the logits (what Keras' model before its softmax computes)."""
    from .ir import Softmax
    if graph.nodes and isinstance(graph.nodes[-1], Softmax):
        return replace(graph, nodes=graph.nodes[:-1])
    return graph
