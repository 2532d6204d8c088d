"""Exact fixed-point types with the semantics of Xilinx's ap_fixed.

A value of a FixedType is held as an integer on its grid: value = int * 2**-frac.
Casting between types works on those integers only (numpy int64), so no value is
ever rounded through a float.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .errors import StreamcnnError

ROUNDING = ("TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV")
OVERFLOW = ("WRAP", "SAT", "SAT_ZERO", "SAT_SYM")

_TYPE_RE = re.compile(
    r"^\s*(ap_fixed|ap_ufixed|ap_int|ap_uint)\s*<\s*([^>]*)>\s*$"
)


@dataclass(frozen=True)
class FixedType:
    """ap_fixed<width, integer, rounding, overflow> (or ap_ufixed when not signed).

    `integer` counts the sign bit when signed, as in ap_fixed.
    """

    width: int
    integer: int
    signed: bool = True
    rounding: str = "TRN"
    overflow: str = "WRAP"

    def __post_init__(self):
        if self.width < 1 or self.width > 62:
            raise StreamcnnError(f"fixed-point width {self.width} is outside 1..62")
        if self.rounding not in ROUNDING:
            raise StreamcnnError(f"unknown rounding mode {self.rounding!r}")
        if self.overflow not in OVERFLOW:
            raise StreamcnnError(f"unknown overflow mode {self.overflow!r}")

    # --- grid ---------------------------------------------------------------
    @property
    def frac(self) -> int:
        """Fractional bits: value = int * 2**-frac."""
        return self.width - self.integer

    @property
    def min_int(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_int(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def step(self) -> float:
        return 2.0 ** -self.frac

    def to_float(self, ints) -> np.ndarray:
        """Exact as long as the integers fit a float64 mantissa (they do: width <= 62 is
        checked by callers that need exactness via `exact_float_ok`)."""
        return np.ldexp(np.asarray(ints, dtype=np.float64), -self.frac)

    # --- casting ------------------------------------------------------------
    def cast(self, ints, frac: int) -> np.ndarray:
        """Cast integers on grid 2**-frac into this type (rounding, then overflow)."""
        v = np.asarray(ints, dtype=np.int64)
        shift = frac - self.frac
        if shift >= 0:
            return self.overflow_int(round_shift(v, shift, self.rounding))
        return self.overflow_int(self._shift_left(v, -shift))

    def _shift_left(self, v: np.ndarray, k: int) -> np.ndarray:
        """v * 2**k reduced so that overflow handling sees the same outcome in int64."""
        if self.overflow == "WRAP":
            # (v << k) mod 2**W only depends on v mod 2**(W-k).
            keep = max(self.width - k, 0)
            return np.mod(v, np.int64(1) << np.int64(keep)) << np.int64(min(k, self.width))
        # Saturating modes only need to know the sign of anything beyond 2**62.
        cap = np.int64(1) << np.int64(max(62 - k, 0))
        return np.clip(v, -cap, cap) << np.int64(min(k, 62))

    def overflow_int(self, v: np.ndarray) -> np.ndarray:
        lo, hi = self.min_int, self.max_int
        if self.overflow == "WRAP":
            m = np.int64(1) << np.int64(self.width)
            w = np.mod(v, m)
            return np.where(w > hi, w - m, w) if self.signed else w
        if self.overflow == "SAT":
            return np.clip(v, lo, hi)
        if self.overflow == "SAT_ZERO":
            return np.where((v < lo) | (v > hi), 0, v)
        # SAT_SYM: Xilinx's header maps the most negative code to -max as well.
        sym_lo = -hi if self.signed else lo
        return np.clip(v, sym_lo, hi)

    def from_float(self, x) -> np.ndarray:
        """Cast float64 values exactly (each float is an exact dyadic rational)."""
        x = np.asarray(x, dtype=np.float64)
        if not np.all(np.isfinite(x)):
            raise StreamcnnError("cannot convert NaN or infinity to fixed point")
        mant, exp = np.frexp(x)                     # x = mant * 2**exp, 0.5 <= |mant| < 1
        m = np.ldexp(mant, 53).astype(np.int64)     # exact 53-bit integer mantissa
        e = exp.astype(np.int64) - 53               # x = m * 2**e
        out = np.empty(x.shape, dtype=np.int64)
        flat_m, flat_e, flat_o = m.ravel(), e.ravel(), out.reshape(-1)
        for ee in np.unique(flat_e):                # few distinct exponents in practice
            sel = flat_e == ee
            flat_o[sel] = self.cast(flat_m[sel], int(-ee))
        return out

    def representable(self, x) -> np.ndarray:
        """True where a float value lies exactly on this type's grid and range."""
        x = np.asarray(x, dtype=np.float64)
        scaled = np.ldexp(x, self.frac)
        # a scaling that underflowed (5e-324 / 4 -> 0.0) is not exact: its round trip differs
        exact = np.ldexp(scaled, -self.frac) == x
        return exact & (scaled == np.round(scaled)) & (scaled >= self.min_int) & \
            (scaled <= self.max_int)

    # --- text ---------------------------------------------------------------
    def __str__(self) -> str:
        base = f"ap_fixed<{self.width},{self.integer}" if self.signed else \
            f"ap_ufixed<{self.width},{self.integer}"
        if (self.rounding, self.overflow) != ("TRN", "WRAP"):
            base += f",AP_{self.rounding}"
            if self.overflow != "WRAP":
                base += f",AP_{self.overflow}"
        return base + ">"

    @classmethod
    def parse(cls, text: str) -> "FixedType":
        """Parse ap_fixed<W,I[,Q[,O]]>, ap_ufixed<...>, ap_int<W>, ap_uint<W>."""
        m = _TYPE_RE.match(str(text))
        if not m:
            raise StreamcnnError(f"cannot parse precision {text!r}: expected e.g. ap_fixed<16,6>")
        kind, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
        try:
            width = int(args[0])
            if kind in ("ap_int", "ap_uint"):
                if len(args) != 1:
                    raise ValueError
                return cls(width, width, kind == "ap_int")
            integer = int(args[1])
        except (ValueError, IndexError):
            raise StreamcnnError(f"cannot parse precision {text!r}") from None
        modes = [a.upper().removeprefix("AP_") for a in args[2:]]
        if len(modes) > 2:
            raise StreamcnnError(f"cannot parse precision {text!r}: saturation bits are not supported")
        rounding = modes[0] if modes else "TRN"
        overflow = modes[1] if len(modes) > 1 else "WRAP"
        return cls(width, integer, kind == "ap_fixed", rounding, overflow)

    @classmethod
    def for_range(cls, lo: int, hi: int, frac: int) -> "FixedType":
        """The narrowest type holding integers lo..hi on grid 2**-frac."""
        signed = lo < 0
        width = 1
        while True:
            t = cls(width, width - frac, signed)
            if t.min_int <= lo and hi <= t.max_int:
                return t
            width += 1


def signed_width(lo: int, hi: int) -> int:
    """Bits of the narrowest two's complement word holding every value in [lo, hi]."""
    return 1 + max(hi.bit_length() if hi > 0 else 0, (-lo - 1).bit_length() if lo < 0 else 0)


def weight_bits(weights: np.ndarray) -> int:
    """Two's complement bits holding every integer weight (and 0): a folded MAC's bit slots."""
    return signed_width(int(min(weights.min(), 0)), int(max(weights.max(), 0)))


def round_shift(v: np.ndarray, shift: int, rounding: str) -> np.ndarray:
    """Divide integers by 2**shift (multiply when shift < 0) with an ap_fixed rounding mode."""
    if shift < 0:
        raise ValueError("round_shift divides; use FixedType.cast to scale up")
    if shift == 0:
        return v
    if shift > 62:
        # |v| < 2**63 <= half the divisor: only the sign matters.
        neg = v < 0
        if rounding == "TRN":
            return np.where(neg, -1, 0).astype(np.int64)
        return np.zeros_like(v)
    q = v >> np.int64(shift)                           # floor division
    r = v - (q << np.int64(shift))                     # 0 <= r < 2**shift
    half = np.int64(1) << np.int64(shift - 1)
    neg = v < 0
    if rounding == "TRN":
        up = np.zeros(v.shape, dtype=bool)
    elif rounding == "TRN_ZERO":
        up = neg & (r != 0)
    elif rounding == "RND":
        up = r >= half
    elif rounding == "RND_ZERO":
        up = (r > half) | ((r == half) & neg)
    elif rounding == "RND_MIN_INF":
        up = r > half
    elif rounding == "RND_INF":
        up = (r > half) | ((r == half) & ~neg)
    elif rounding == "RND_CONV":
        up = (r > half) | ((r == half) & ((q & 1) == 1))
    else:
        raise StreamcnnError(f"unknown rounding mode {rounding!r}")
    return q + up.astype(np.int64)
