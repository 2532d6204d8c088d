"""Bit-exact integer golden model: runs the IR on integer arrays, vectorised over a batch.

Matrix products go through BLAS in float32 or float64 only where a static bound
proves every partial sum is an exactly representable integer; otherwise int64.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import StreamcnnError
from .ir import Conv2D, Dense, Flatten, Graph, Pool2D, Requant, Scale, Softmax, ZeroPad2D

BATCH = 256
HINT_MAX_WIDTH = 32     # widest InputPrecision that quantize_input suggests


@dataclass
class Result:
    logits_int: np.ndarray          # (N, classes) int64 on the output grid
    frac: int                       # logits = logits_int * 2**-frac
    trace: dict[str, np.ndarray] | None = None

    @property
    def logits(self) -> np.ndarray:
        return np.ldexp(self.logits_int.astype(np.float64), -self.frac)

    @property
    def classes(self) -> np.ndarray:
        return np.argmax(self.logits_int, axis=-1)


def quantize_input(graph: Graph, x, source: str = "input") -> np.ndarray:
    """Values as the Keras model sees them -> integers on the input grid, or a clear error.

    Nothing is rounded: a value off the grid or outside the input type's range, NaN,
    infinity, a complex or non-numeric value or an empty batch is refused in one line.
    Integer arrays are checked as integers (never through float64, which rounds above 2**53)."""
    try:
        x = np.asarray(x)
    except (ValueError, TypeError) as e:          # ragged nested lists and the like
        raise StreamcnnError(f"{source}: not an array of numbers ({e})") from None
    kind = x.dtype.kind
    if kind == "c":
        raise StreamcnnError(f"{source}: complex input values ({x.dtype}); the model takes real "
                             "numbers (not dropping the imaginary part silently)")
    if kind not in "iuf":
        what = {"b": "booleans", "O": "Python objects", "U": "strings", "S": "byte strings",
                "V": "structured records", "M": "dates", "m": "time spans"}.get(kind, str(x.dtype))
        raise StreamcnnError(f"{source}: the input holds {what} ({x.dtype}), not numbers")
    if x.ndim != len(graph.input.shape) + 1 or tuple(x.shape[1:]) != graph.input.shape:
        raise StreamcnnError(f"{source}: expected shape (N, {', '.join(map(str, graph.input.shape))}),"
                             f" got {x.shape}")
    if len(x) == 0:
        raise StreamcnnError(f"{source}: no frames (an empty batch, shape {x.shape})")
    t = graph.input.type
    ints, ok = (_int_grid if kind in "iu" else _float_grid)(x, t)
    if not np.all(ok):
        idx = tuple(int(i) for i in np.argwhere(~ok)[0])
        raise StreamcnnError(f"{source}: frame {idx[0]}, element {idx[1:]} = {x[idx]!r} is not "
                             f"exactly representable as {t} (not rounding it silently)"
                             + _precision_hint(graph, x))
    return ints


def _float_grid(x: np.ndarray, t) -> tuple[np.ndarray, np.ndarray]:
    """(integers on t's grid, where exact) for floats; in the array's own precision when it
    is wider than float64 (long double), else in float64 (float16/32 widen exactly)."""
    xf = x if x.dtype.itemsize > 8 else x.astype(np.float64)
    with np.errstate(all="ignore"):
        s = np.ldexp(xf, t.frac)
        ok = np.isfinite(s) & (s == np.round(s)) & (np.abs(s) <= 2.0 ** 62)
        ints = np.where(ok, s, 0).astype(np.int64)
    return ints, ok & (ints >= t.min_int) & (ints <= t.max_int)


def _int_grid(x: np.ndarray, t) -> tuple[np.ndarray, np.ndarray]:
    """(integers on t's grid, where exact) for integer arrays, in integer arithmetic only."""
    if t.frac >= 0:                   # v is exact iff min_int <= v * 2**frac <= max_int
        hi = t.max_int >> t.frac
        lo = -((-t.min_int) >> t.frac)
        if x.dtype.kind == "u":
            ok = x <= np.uint64(hi)
        else:
            x = x.astype(np.int64)
            ok = (x >= lo) & (x <= hi)
        v = np.where(ok, x, 0).astype(np.int64)
        return v << np.int64(t.frac), ok
    k = -t.frac                       # v must be a multiple of 2**k with v >> k in range
    if k >= 64:
        return np.zeros(x.shape, np.int64), x == 0
    wide = np.uint64 if x.dtype.kind == "u" else np.int64
    x = x.astype(wide)
    q = x >> wide(k)
    ok = (x & wide((1 << k) - 1)) == 0
    ok &= q <= wide(t.max_int) if wide is np.uint64 else (q >= t.min_int) & (q <= t.max_int)
    return np.where(ok, q, 0).astype(np.int64), ok


def _precision_hint(graph: Graph, x: np.ndarray) -> str:
    """When the input type is only the default, the narrowest InputPrecision that holds
    every given value exactly (computed from the values), as advice."""
    if not str(getattr(graph, "input_origin", "")).startswith("the default"):
        return ""
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        return ""                                   # no type holds NaN or infinity
    t = _smallest_type(x)
    if t is None or t.width > HINT_MAX_WIDTH:
        return (f"; the input type is only the default, and no fixed-point type of at most "
                f"{HINT_MAX_WIDTH} bits holds these values exactly")
    return (f"; the input type is only the default: set InputPrecision: {t} in the config "
            "to take these values exactly")


def _smallest_type(x: np.ndarray):
    """The narrowest FixedType (fraction bits >= 0) holding every value of x exactly, or
    None when there is none (NaN, infinity, more than 62 bits)."""
    from .fixed import FixedType
    x = np.asarray(x)
    if x.dtype.kind in "iu":
        lo, hi, frac = int(x.min()), int(x.max()), 0
    else:
        xf = x.astype(np.float64)
        if x.dtype.itemsize > 8 and not np.array_equal(xf, x):
            return None                                  # more than float64's 53 bits
        if not np.all(np.isfinite(xf)):
            return None
        nz = xf[xf != 0]
        frac = 0
        if nz.size:
            mant, exp = np.frexp(nz)                     # nz = mant * 2**exp, |mant| in [0.5, 1)
            m = np.abs(np.ldexp(mant, 53).astype(np.int64))
            tz = np.log2(m & -m).astype(np.int64)        # trailing zero bits of the mantissa
            frac = max(0, int((53 - exp.astype(np.int64) - tz).max()))
        if frac > 62:
            return None
        s = np.ldexp(xf, frac)
        lo, hi = int(s.min()), int(s.max())
    if max(abs(lo), abs(hi)) >= 2 ** 62:
        return None
    try:
        return FixedType.for_range(min(lo, 0), max(hi, 0), frac)
    except StreamcnnError:
        return None


def emulate(graph: Graph, x_int: np.ndarray, trace: bool = False) -> Result:
    """Run the graph on integer inputs (N, *input.shape)."""
    x_int = np.asarray(x_int, dtype=np.int64)
    outs, traces = [], {}
    for b in range(0, max(len(x_int), 1), BATCH):
        y, tr = _run(graph, x_int[b:b + BATCH], trace)
        outs.append(y)
        for k, v in tr.items():
            traces.setdefault(k, []).append(v)
    logits = np.concatenate(outs) if outs else np.zeros((0,) + graph.output.shape, np.int64)
    tr = {k: np.concatenate(v) for k, v in traces.items()} if trace else None
    return Result(logits, graph.output.type.frac, tr)


def _run(graph: Graph, x: np.ndarray, trace: bool):
    tr = {}
    for node in graph.nodes:
        x = OPS[type(node)](node, x)
        if trace:
            tr[node.name] = x
    return x, tr


def _blas_dtype(w: np.ndarray, a_max: int):
    """float32/float64 if every partial sum of a @ w is an exact integer there, else None."""
    bound = int(np.abs(w).sum(axis=0).max(initial=0)) * int(a_max)
    return np.float32 if bound < 2**24 else np.float64 if bound < 2**53 else None


def _matmul(a: np.ndarray, w: np.ndarray, a_max: int) -> np.ndarray:
    """Exact integer a @ w (a may already be in the BLAS dtype)."""
    dt = _blas_dtype(w, a_max)
    if dt is None:
        return a.astype(np.int64) @ w
    return (a.astype(dt, copy=False) @ w.astype(dt)).astype(np.int64)


def _amax(t) -> int:
    return max(abs(t.min_int), t.max_int)


def _conv2d(n: Conv2D, x: np.ndarray) -> np.ndarray:
    t, b, l, r = n.pads
    if any(n.pads):
        x = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    kh, kw, cin, cout = n.weights.shape
    w = n.weights.reshape(-1, cout)
    dt = _blas_dtype(w, _amax(n.input.type))
    if dt is not None:               # cast the small input, not the kh*kw times larger columns
        x = x.astype(dt)
    sh, sw = n.strides
    win = sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]   # N,Ho,Wo,C,kh,kw
    N, Ho, Wo = win.shape[:3]
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(N * Ho * Wo, kh * kw * cin)
    y = _matmul(cols, w, _amax(n.input.type))
    if n.bias is not None:
        y += n.bias
    return y.reshape(N, Ho, Wo, cout)


def _dense(n: Dense, x: np.ndarray) -> np.ndarray:
    y = _matmul(x, n.weights, _amax(n.input.type))
    return y + n.bias if n.bias is not None else y


def _pool(n: Pool2D, x: np.ndarray) -> np.ndarray:
    t, b, l, r = n.pads
    if any(n.pads):       # max pooling ignores padding: pad with a value below any input
        x = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=np.iinfo(np.int64).min)
    Ho, Wo = n.output.shape[:2]
    (ph, pw), (sh, sw) = n.pool, n.strides
    # One strided slice per window offset, combined pairwise: far faster than reducing
    # over two tiny trailing axes of a sliding-window view.
    parts = [x[:, i:i + sh * (Ho - 1) + 1:sh, j:j + sw * (Wo - 1) + 1:sw]
             for i in range(ph) for j in range(pw)]
    combine = np.maximum if n.kind == "max" else np.add
    out = parts[0].copy()
    for p in parts[1:]:
        combine(out, p, out=out)
    return out


OPS = {
    Conv2D: _conv2d,
    Dense: _dense,
    Pool2D: _pool,
    Requant: lambda n, x: n.params.apply(x),
    Scale: lambda n, x: x,
    Softmax: lambda n, x: n.params.apply(x),
    ZeroPad2D: lambda n, x: np.pad(x, ((0, 0), (n.pads[0], n.pads[1]), (n.pads[2], n.pads[3]), (0, 0))),
    Flatten: lambda n, x: x.reshape(len(x), -1),
}
