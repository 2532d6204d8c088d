"""QKeras quantisers: the fixed-point type of what they output, and weights on a grid."""
from __future__ import annotations

import numpy as np

from ..errors import StreamcnnError
from ..fixed import FixedType

SUPPORTED = ("quantized_bits", "quantized_relu", "binary", "ternary")


def is_quantizer(obj) -> bool:
    try:
        from qkeras.quantizers import BaseQuantizer
    except ImportError:
        return False
    return isinstance(obj, BaseQuantizer)


def output_type(q, where: str) -> FixedType:
    """The grid QKeras' activation quantiser `q` puts its outputs on (alpha = 1)."""
    kind = type(q).__name__
    if kind not in SUPPORTED:
        raise StreamcnnError(f"{where}: quantizer {kind} is not supported "
                             f"(supported: {', '.join(SUPPORTED)})")
    alpha = getattr(q, "alpha", None)
    if alpha is not None and (isinstance(alpha, str) or float(np.max(alpha)) != 1.0
                              or float(np.min(alpha)) != 1.0):
        raise StreamcnnError(f"{where}: {q} on activations needs alpha=1 (got {alpha!r})")
    if getattr(q, "use_stochastic_rounding", False):
        raise StreamcnnError(f"{where}: {q} uses stochastic rounding, which has no hardware form")
    if float(getattr(q, "qnoise_factor", 1.0)) != 1.0:
        raise StreamcnnError(f"{where}: {q} has qnoise_factor != 1, so it does not quantise")
    if kind in ("binary", "ternary"):
        if kind == "binary" and q.use_01:
            return FixedType(1, 1, signed=False)
        return FixedType(2, 2, signed=True)
    bits, integer = int(q.bits), int(q.integer)
    if kind == "quantized_relu":
        if q.use_sigmoid or q.negative_slope or (q.relu_upper_bound and not q.is_quantized_clip):
            raise StreamcnnError(f"{where}: {q} with sigmoid, negative slope or an upper bound "
                                 "is not supported")
        return FixedType(bits, integer, signed=False)
    keep_negative = bool(q.keep_negative)
    if bits - keep_negative <= 0:                 # 1-bit quantized_bits is a sign function
        return FixedType(2, 2, signed=True) if keep_negative else FixedType(1, 1, signed=False)
    return FixedType(bits, integer + keep_negative, signed=keep_negative)


def quantize_weights(q, values: np.ndarray, where: str) -> np.ndarray:
    """Run QKeras' own quantiser on the weights (so its corner cases are QKeras')."""
    import tensorflow as tf
    return np.asarray(q(tf.constant(values, dtype=tf.float32)), dtype=np.float32)


def to_grid(values: np.ndarray, where: str, max_frac: int = 48) -> tuple[np.ndarray, int]:
    """Integers and the coarsest power-of-two grid 2**-frac holding float values exactly."""
    v = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise StreamcnnError(f"{where}: weights contain NaN or infinity")
    nz = v[v != 0]
    frac = 0 if nz.size == 0 else int(np.max(-np.frexp(nz)[1] + 53 - _trailing_zeros(nz)))
    if frac > max_frac:
        raise StreamcnnError(f"{where}: weights are not on a power-of-two grid (need > {max_frac} "
                             "fractional bits); use a quantizer with alpha=1 or 'auto_po2'")
    ints = np.ldexp(v, frac)
    if np.any(np.abs(ints) >= 2.0**52):
        raise StreamcnnError(f"{where}: weights span too wide a range for fixed point")
    return ints.astype(np.int64), frac


def _trailing_zeros(v: np.ndarray) -> np.ndarray:
    m = np.abs(np.ldexp(np.frexp(v)[0], 53).astype(np.int64))
    return np.log2(m & -m).astype(np.int64)
