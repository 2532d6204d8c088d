"""Element-wise Keras layers between an exact integer tensor and the next quantiser.

The chain is evaluated by the real Keras layers (float32, as QKeras runs them) on
integer inputs. Its thresholds are found by bisection, turned into integer hardware
parameters, and then checked against Keras on every accumulator value the tensor can
hold (or, where that range is too large, on every threshold and a sample).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..errors import StreamcnnError
from ..fixed import FixedType
from ..ir import Tensor
from ..requant import (MAX_TABLE_LEVELS, RequantParams, Steps, approx_affine, fit_affine,
                       fit_patched, output_span, steps_eval)

EXHAUSTIVE_LIMIT = 1 << 26     # accumulator values (all channels) checked one by one
ROWS_PER_CALL = 1 << 18
SAMPLES = 1 << 14


class Chain:
    """Pending element-wise ops on top of `start`, an exact integer tensor."""

    def __init__(self, start: Tensor, value_range: tuple[np.ndarray, np.ndarray], rank: int,
                 producer: tuple[str, bool] | None = None):
        self.start = start
        self.lo, self.hi = value_range          # per-channel integer bounds of `start`
        self.rank = rank                        # rank of the Keras tensor (batch included)
        self.producer = producer                # ("conv"|"dense", use_bias) that made `start`
        self._probe = None
        self.ops: list[Callable] = []
        self.names: list[str] = []
        self.nondecreasing: list[bool] = []

    def add(self, name: str, fn: Callable, nondecreasing: bool):
        self.ops.append(fn)
        self.names.append(name)
        self.nondecreasing.append(nondecreasing)

    # --- evaluation through Keras --------------------------------------------
    def keras(self, ints: np.ndarray) -> np.ndarray:
        """Chain output (float32) for integer inputs of shape (rows, channels)."""
        x = np.ldexp(ints.astype(np.float64), -self.start.type.frac).astype(np.float32)
        shape = (1,) * (self.rank - 2) + (ints.shape[1],)
        probe = self.probe()
        outs = [np.asarray(probe(x[r:r + ROWS_PER_CALL].reshape((-1,) + shape)), np.float32)
                .reshape(-1, ints.shape[1]) for r in range(0, len(x), ROWS_PER_CALL)]
        return np.concatenate(outs) if outs else np.zeros(ints.shape, np.float32)

    def probe(self):
        """The chain as a compiled graph behind a copy of its producer with identity weights.

        TensorFlow's graph optimiser fuses e.g. Conv2D + BatchNorm, which rounds differently
        from a lone BatchNorm. An identity 1x1 conv (or dense) passes values through exactly
        and recreates the pattern, so the chain is evaluated as model.predict evaluates it.
        """
        if self._probe is None:
            import tensorflow as tf
            c = self.start.shape[-1]
            inp = tf.keras.Input((1,) * (self.rank - 2) + (c,))
            t = inp
            if self.producer is not None:
                kind, bias = self.producer
                eye = np.eye(c, dtype=np.float32)
                if kind == "conv":
                    layer = tf.keras.layers.Conv2D(c, 1, use_bias=bias)
                    t = layer(t)
                    layer.set_weights([eye[None, None]] + ([np.zeros(c, np.float32)] if bias else []))
                else:
                    layer = tf.keras.layers.Dense(c, use_bias=bias)
                    t = layer(t)
                    layer.set_weights([eye] + ([np.zeros(c, np.float32)] if bias else []))
            for op in self.ops:
                t = op(t)
            model = tf.keras.Model(inp, t)
            spec = tf.TensorSpec((None,) + tuple(inp.shape[1:]), tf.float32)
            self._probe = tf.function(lambda v: model(v, training=False), input_signature=[spec])
        return self._probe

    def function(self, out_type: FixedType, exact: bool) -> Callable[[np.ndarray], np.ndarray]:
        """Integer -> integer: Keras output on `out_type`'s grid.

        exact=True (a QKeras quantiser ends the chain): outputs must already lie on the
        grid. exact=False (post-training quantisation): cast with the type's modes.
        """
        def f(ints: np.ndarray) -> np.ndarray:
            y = self.keras(ints).astype(np.float64)
            if not exact:
                return out_type.from_float(y)
            ok = out_type.representable(y)
            if not np.all(ok):
                r, c = np.argwhere(~ok)[0]
                raise StreamcnnError(
                    f"{self.names[-1]}: output {y[r, c]!r} for input {ints[r, c]} (channel {c}) "
                    f"is not on the grid of {out_type}")
            return np.ldexp(y, out_type.frac).astype(np.int64)
        return f

    # --- integer parameters ---------------------------------------------------
    def requant(self, out_type: FixedType, exact: bool) -> RequantParams:
        f = self.function(out_type, exact)
        steps = self._bisect(f)
        lo, hi = out_type.min_int, out_type.max_int
        if out_type.overflow == "SAT_SYM" and out_type.signed:
            lo = -hi
        fit = fit_affine(steps, lo, hi)
        p = RequantParams(lo, hi, steps)
        if fit is not None:
            p.shift, p.mult, p.add = fit
            if _overflows(p, self.lo, self.hi):
                p.shift, p.mult, p.add = 0, None, None
        if not p.affine and steps:
            self._patch(p)
        levels = max((len(st.thresholds) for st in steps), default=0)
        if not p.affine and levels > MAX_TABLE_LEVELS:
            return self._approximate(p, f, levels)
        self._verify(p, f)
        return p

    def _patch(self, p: RequantParams):
        """The affine form with a few patched accumulator values, where one exists."""
        lo, hi = output_span(p.steps, p.lo, p.hi)
        fit = fit_patched(p.steps, lo, hi, self._acc_bits())
        if fit is None:
            return
        p.lo, p.hi = lo, hi
        p.shift, p.mult, p.add, p.patches = fit
        if not len(p.patches):
            p.patches = None                # exact after all (outside int64 for fit_affine)
            return
        p.notes.append(f"{'/'.join(self.names) or 'cast'}: no exact multiply-shift; affine form "
                       f"(S = {p.shift}) patched at {len(p.patches)} accumulator values")

    def _acc_bits(self) -> int:
        return int(np.maximum(np.abs(self.lo), np.abs(self.hi)).max()).bit_length() + 1

    def _approximate(self, p: RequantParams, f, levels: int) -> RequantParams:
        """A rounded affine form instead of a table of `levels` thresholds per channel;
        how often it differs from Keras is measured on a random sample of accumulators."""
        p.lo, p.hi = output_span(p.steps, p.lo, p.hi)
        p.shift, p.mult, p.add = approx_affine(p.steps, p.lo, p.hi, self._acc_bits())
        p.approximate = True
        rng = np.random.default_rng(0)
        a = rng.integers(self.lo, self.hi + 1, size=(SAMPLES, len(self.lo)))
        want, got = f(a), p.apply(a)
        diff = np.abs(want - got)
        p.notes.append(
            f"{'/'.join(self.names) or 'cast'}: exact form needs {levels} thresholds per channel; "
            f"rounded affine (M < 2**{int(np.abs(p.mult).max()).bit_length()}, S = {p.shift}) "
            f"differs from Keras on {np.mean(diff > 0):.2%} of sampled accumulators, "
            f"by at most {int(diff.max())} LSB")
        return p

    def _bisect(self, f) -> list[Steps]:
        """Thresholds of the monotone per-channel function f, all levels at once."""
        C = len(self.lo)
        ends = f(np.stack([self.lo, self.hi]))              # (2, C)
        f_lo, f_hi = ends[0], ends[1]
        sign = np.where(f_hi >= f_lo, 1, -1)
        # Work on x = sign * a, where g(x) = f(sign * x) is non-decreasing.
        x_lo = np.where(sign > 0, self.lo, -self.hi)
        x_hi = np.where(sign > 0, self.hi, -self.lo)
        g_lo = np.where(sign > 0, f_lo, f_hi)
        n = np.abs(f_hi - f_lo)
        K = int(n.max()) if C else 0
        level = g_lo[None, :] + 1 + np.arange(K)[:, None]     # (K, C): find min x with g >= level
        valid = np.arange(K)[:, None] < n[None, :]
        L = np.broadcast_to(x_lo, (K, C)).copy()               # g(L) < level
        H = np.broadcast_to(x_hi, (K, C)).copy()               # g(H) >= level
        while K and np.any(valid & (H - L > 1)):
            mid = (L + H) // 2
            g = f(sign[None, :] * mid)
            up = g >= level
            H = np.where(valid & up, mid, H)
            L = np.where(valid & ~up, mid, L)
        steps = []
        for c in range(C):
            thr = np.sort(H[: n[c], c]) if n[c] else np.zeros(0, np.int64)
            steps.append(Steps(int(self.lo[c]), int(self.hi[c]), int(g_lo[c]), int(sign[c]),
                               thr.astype(np.int64)))
        return steps

    def _verify(self, p: RequantParams, f):
        span = self.hi - self.lo + 1
        if int(span.sum()) <= EXHAUSTIVE_LIMIT:
            rows = int(span.max())
            step = max(1, EXHAUSTIVE_LIMIT // (4 * len(span)))
            for r0 in range(0, rows, step):
                a = np.minimum(self.lo[None, :] + np.arange(r0, min(rows, r0 + step))[:, None],
                               self.hi[None, :])
                self._compare(p, f, a)
            p.exhaustive, p.checked = True, int(span.sum())
            return
        rng = np.random.default_rng(0)
        picks = [self.lo[None, :], self.hi[None, :],
                 rng.integers(self.lo, self.hi + 1, size=(SAMPLES, len(span)))]
        # Each threshold and the value just below it, every channel in its own column.
        K = max((len(st.thresholds) for st in p.steps), default=0)
        for d in (-1, 0):
            a = np.tile(self.lo, (K, 1))
            for c, st in enumerate(p.steps):
                a[: len(st.thresholds), c] = np.clip(st.sign * (st.thresholds + d),
                                                     self.lo[c], self.hi[c])
            picks.append(a)
        a = np.concatenate(picks)
        self._compare(p, f, a)
        p.checked = a.size
        p.notes.append("accumulator range too wide to check every value: checked thresholds "
                       "and a sample")

    def _compare(self, p: RequantParams, f, a: np.ndarray):
        want, got = f(a), p.apply(a)
        bad = np.argwhere(want != got)
        if len(bad):
            r, c = bad[0]
            raise StreamcnnError(
                f"{'/'.join(self.names)}: integer requantisation differs from Keras at "
                f"accumulator {a[r, c]} (channel {c}): Keras {want[r, c]}, integer {got[r, c]}")


def _overflows(p: RequantParams, lo: np.ndarray, hi: np.ndarray) -> bool:
    """Would a * M + B leave int64 anywhere in the range? Then keep thresholds."""
    ext = np.maximum(np.abs(lo), np.abs(hi)).astype(np.float64)
    return bool(np.any(ext * np.abs(p.mult) + np.abs(p.add) >= 2.0**62))


__all__ = ["Chain", "steps_eval"]
