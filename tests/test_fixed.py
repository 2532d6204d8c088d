"""FixedType against a reference written from the ap_fixed documentation (UG1399), in exact
rational arithmetic: every rounding mode x every overflow mode, signed and unsigned."""
from fractions import Fraction
import math

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from streamcnn.errors import StreamcnnError
from streamcnn.fixed import OVERFLOW, ROUNDING, FixedType


def ref_round(x: Fraction, mode: str) -> int:
    """Round a rational to an integer, mode by mode as the documentation words it."""
    fl = math.floor(x)
    frac = x - fl
    if mode == "TRN":                      # toward minus infinity
        return fl
    if mode == "TRN_ZERO":                 # toward zero
        return fl if x >= 0 else math.ceil(x)
    if frac != Fraction(1, 2):             # not a tie: every RND mode goes to the nearest
        return fl + (frac > Fraction(1, 2))
    return {"RND": fl + 1,                 # tie toward plus infinity
            "RND_ZERO": fl + (x < 0),      # tie toward zero
            "RND_MIN_INF": fl,             # tie toward minus infinity
            "RND_INF": fl + (x > 0),       # tie away from zero
            "RND_CONV": fl + (fl % 2)}[mode]   # tie to even


def ref_overflow(n: int, t: FixedType) -> int:
    lo, hi = (-(2 ** (t.width - 1)), 2 ** (t.width - 1) - 1) if t.signed else (0, 2 ** t.width - 1)
    if t.overflow == "SAT_SYM" and t.signed:
        # Symmetric range [-max, max]: Xilinx's ap_fixed_base.h treats the most negative
        # code as an underflow too (the documentation only speaks of overflows).
        lo = -hi
    if lo <= n <= hi:
        return n
    if t.overflow == "WRAP":               # keep the low `width` bits, two's complement
        n %= 2 ** t.width
        return n - 2 ** t.width if n > hi else n
    if t.overflow == "SAT":
        return lo if n < lo else hi
    if t.overflow == "SAT_ZERO":
        return 0
    return lo if n < lo else hi                             # SAT_SYM


def ref_cast(x: Fraction, t: FixedType) -> int:
    return ref_overflow(ref_round(x * Fraction(2) ** t.frac, t.rounding), t)


types = st.builds(FixedType, width=st.integers(1, 24), integer=st.integers(-6, 30),
                  signed=st.booleans(), rounding=st.sampled_from(ROUNDING),
                  overflow=st.sampled_from(OVERFLOW))


@pytest.mark.parametrize("rounding", ROUNDING)
@pytest.mark.parametrize("overflow", OVERFLOW)
@pytest.mark.parametrize("signed", [True, False])
def test_every_mode_on_a_dense_grid(rounding, overflow, signed):
    """Every value on a grid 16x finer than the type, across and beyond its range."""
    t = FixedType(5, 2, signed, rounding, overflow)
    ints = np.arange(-2000, 2001)           # grid 2**-(frac+4): ties, near-ties, overflow
    got = t.cast(ints, t.frac + 4)
    want = [ref_cast(Fraction(int(i), 2 ** (t.frac + 4)), t) for i in ints]
    assert got.tolist() == want


@settings(max_examples=600, deadline=None)
@given(t=types, ints=st.lists(st.integers(-(2 ** 40), 2 ** 40), min_size=1, max_size=20),
       frac=st.integers(-10, 50))
def test_cast_matches_reference(t, ints, frac):
    got = t.cast(np.array(ints, np.int64), frac)
    assert got.tolist() == [ref_cast(Fraction(i) / Fraction(2) ** frac, t) for i in ints]


@settings(max_examples=400, deadline=None)
@given(t=types, xs=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=20))
def test_from_float_is_exact(t, xs):
    """Each float is a dyadic rational: from_float must round that exact value, not a copy."""
    got = t.from_float(np.array(xs))
    assert got.tolist() == [ref_cast(Fraction(x), t) for x in xs]


@settings(max_examples=200, deadline=None)
@given(t=types, x=st.floats(-1e3, 1e3, allow_nan=False))
@example(t=FixedType(8, 10), x=5e-324)          # scaled by 2^-2, the subnormal underflows to 0
def test_representable(t, x):
    exact = Fraction(x) * Fraction(2) ** t.frac
    fits = exact.denominator == 1 and t.min_int <= exact <= t.max_int
    assert bool(t.representable(x)) == fits


@pytest.mark.parametrize("text,want", [
    ("ap_fixed<16,6>", FixedType(16, 6)),
    ("ap_ufixed<8,0,AP_RND_CONV,AP_SAT>", FixedType(8, 0, False, "RND_CONV", "SAT")),
    ("ap_int<9>", FixedType(9, 9)),
    ("ap_uint<8>", FixedType(8, 8, False)),
    ("ap_fixed<12, 4, AP_RND, AP_SAT_SYM>", FixedType(12, 4, True, "RND", "SAT_SYM")),
])
def test_parse_and_print_round_trip(text, want):
    t = FixedType.parse(text)
    assert t == want and FixedType.parse(str(t)) == t


@pytest.mark.parametrize("bad", ["ap_fixed<16>", "float", "ap_fixed<16,6,AP_FOO>", "ap_int<0>",
                                 "ap_fixed<16,6,AP_RND,AP_SAT,2>"])
def test_parse_rejects(bad):
    with pytest.raises(StreamcnnError):
        FixedType.parse(bad)


@given(lo=st.integers(-5000, 5000), span=st.integers(0, 5000), frac=st.integers(-4, 8))
def test_for_range_is_narrowest(lo, span, frac):
    hi = lo + span
    t = FixedType.for_range(lo, hi, frac)
    assert t.min_int <= lo and hi <= t.max_int and t.frac == frac
    if t.width > 1:
        narrower = FixedType(t.width - 1, t.width - 1 - frac, t.signed)
        assert not (narrower.min_int <= lo and hi <= narrower.max_int)
