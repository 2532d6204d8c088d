"""requant against streamcnn.requant (RequantParams.apply / steps_eval), both forms.

(Named *_rtl so it does not collide with tests/test_requant.py in one pytest session.)
The pytest side draws random per-channel parameters (seeded per configuration)
and builds the module with them; the cocotb side reads them back from the
environment, so the expected values come from the Python reference itself.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # sim/: shared helpers
import common  # noqa: E402
from streamcnn.requant import RequantParams, Steps, steps_eval


def out_range(p):
    w = p["OUT_W"]
    return (-(1 << (w - 1)), (1 << (w - 1)) - 1) if p["OUT_SIGNED"] else (0, (1 << w) - 1)


def draw_params(cfg, seed):
    """Verilog parameters for one configuration: random M/B/S or random step tables."""
    p = dict(cfg)
    gen = np.random.default_rng(seed)
    c, acc_w = p["C"], p["ACC_W"]
    lo, hi = out_range(p)
    if p["FORM"] == 0:
        if p["OUT_SIGNED"] and gen.random() < 0.5:
            lo = 0                                            # a ReLU-like clip
        m_w, b_w = p["M_W"], p["B_W"]
        mult = gen.integers(-(1 << (m_w - 1)), 1 << (m_w - 1), c)
        mult[0] = (1 << (m_w - 1)) - 1                        # extremes of the M range
        if c > 1:
            mult[1] = -(1 << (m_w - 1))
        add = gen.integers(-(1 << (b_w - 1)), 1 << (b_w - 1), c)
        # the shift that maps the product range roughly onto the output range
        shift = max(0, acc_w + m_w - 2 - p["OUT_W"] + int(gen.integers(-1, 3)))
        p.update(SHIFT=shift, LO=lo, HI=hi,
                 MULT=common.pack(mult, m_w), ADD=common.pack(add, b_w))
    else:
        n_lv, t_w = p["L"], p["T_W"]
        unused = (1 << (t_w - 1)) - 1                         # above every reachable x
        thr, base, neg = [], [], []
        for ch in range(c):       # channel 0 uses every slot, the others at least half
            n = n_lv if ch == 0 else int(gen.integers(n_lv // 2, n_lv + 1))
            x_max = 1 << (acc_w - 1)
            t = np.sort(gen.integers(-x_max + 1, x_max + 1, n))
            if n >= 2:
                t[1] = t[0]                                   # a skipped level (repeat)
            b = int(gen.integers(lo, hi - n + 1))
            slots = list(t) + [unused] * (n_lv - n)
            thr += slots
            base.append(b)
            neg.append(int(gen.integers(0, 2)))
        p.update(THR=common.pack(thr, t_w), BASE=common.pack(base, p["OUT_W"]),
                 NEG=common.pack(neg, 1))
    return p


def reference(p):
    """(function acc[n, C] -> y[n, C], interesting accumulators per channel)."""
    c, acc_w = p["C"], p["ACC_W"]
    a_min, a_max = -(1 << (acc_w - 1)), (1 << (acc_w - 1)) - 1
    edges = [[a_min, a_max, a_min + 1, a_max - 1, 0, 1, -1] for _ in range(c)]
    if p["FORM"] == 0:
        lo, hi = common.param("LO"), common.param("HI")
        mult = np.array(common.unpack(p["MULT"], p["M_W"], c, signed=True), dtype=np.int64)
        add = np.array(common.unpack(p["ADD"], p["B_W"], c, signed=True), dtype=np.int64)
        rq = RequantParams(lo=lo, hi=hi, steps=[], shift=p["SHIFT"], mult=mult, add=add)
        for ch in range(c):       # accumulators where the floor steps (exact-division edges)
            m, b = int(mult[ch]), int(add[ch])
            ks = range(lo - 1, hi + 2)
            if len(ks) > 40:                                  # wide outputs: a sample of levels
                ks = [lo - 1, lo, hi, hi + 1] + [int(v) for v in np.linspace(lo, hi, 36)]
            for k in ks:
                if m:
                    a0 = -((b - (k << p["SHIFT"])) // m)      # ceil((k*2**S - b) / m)
                    edges[ch] += [a0 - 1, a0, a0 + 1]
        return rq.apply, [[min(max(a, a_min), a_max) for a in e] for e in edges]
    t_w, n_lv = p["T_W"], p["L"]
    thr = common.unpack(p["THR"], t_w, c * n_lv, signed=True)
    base = common.unpack(p["BASE"], p["OUT_W"], c, signed=bool(p["OUT_SIGNED"]))
    neg = common.unpack(p["NEG"], 1, c)
    unused = (1 << (t_w - 1)) - 1
    steps = []
    for ch in range(c):
        t = np.array(sorted(v for v in thr[ch * n_lv:(ch + 1) * n_lv] if v != unused), dtype=np.int64)
        sign = -1 if neg[ch] else 1
        steps.append(Steps(a_min, a_max, base[ch], sign, t))
        edges[ch] += [sign * int(v) + d for v in t for d in (-1, 0, 1)]

    def f(acc):
        return np.stack([steps_eval(steps[ch], acc[:, ch]) for ch in range(c)], axis=1)
    return f, [[min(max(a, a_min), a_max) for a in e] for e in edges]


def env_params():
    keys = ("C", "ACC_W", "OUT_W", "OUT_SIGNED", "FORM", "M_W", "B_W", "SHIFT",
            "MULT", "ADD", "L", "T_W", "THR", "BASE", "NEG")
    return {k: common.param(k, 0) for k in keys}


@common.under_gaps("random_gaps", "full_rate")
async def check(dut, p_src, p_sink):
    p = env_params()
    c, acc_w = p["C"], p["ACC_W"]
    gen = common.rng()
    src, sink = common.axis_pair(dut, gen, p_src, p_sink)
    await common.start(dut)
    f, edges = reference(p)
    n_edge = max(len(e) for e in edges)
    # Rows of edge values (each channel cycling its own list), then uniform randoms.
    acc = np.array([[edges[ch][i % len(edges[ch])] for ch in range(c)] for i in range(n_edge)]
                   + gen.integers(-(1 << (acc_w - 1)), 1 << (acc_w - 1), (300, c)).tolist(),
                   dtype=np.int64)
    if acc_w <= 10:   # small enough to sweep every accumulator value on every channel
        sweep = np.arange(-(1 << (acc_w - 1)), 1 << (acc_w - 1))
        acc = np.concatenate([acc, np.stack([gen.permutation(sweep) for _ in range(c)], axis=1)])
    acc = acc[gen.permutation(len(acc))]
    want = f(acc)
    lo, hi = out_range(p)
    assert want.min() >= lo and want.max() <= hi, "reference left the output range"
    await common.check_rows(src, sink, gen, acc, want, acc_w, p["OUT_W"], bool(p["OUT_SIGNED"]),
                            n_frames=21)
    await common.assert_drained(dut, sink, "output beats")


AFF = dict(FORM=0)
THR = dict(FORM=1)
CONFIGS = {
    "affine-s8": dict(AFF, C=3, ACC_W=18, OUT_W=8, OUT_SIGNED=1, M_W=12, B_W=24),
    "affine-u4": dict(AFF, C=2, ACC_W=10, OUT_W=4, OUT_SIGNED=0, M_W=6, B_W=12),   # swept
    "thr-u4": dict(THR, C=3, ACC_W=14, OUT_W=4, OUT_SIGNED=0, L=15, T_W=15),
    "thr-s3": dict(THR, C=2, ACC_W=10, OUT_W=3, OUT_SIGNED=1, L=7, T_W=12),        # swept
}
EXTRA = {   # Icarus only
    "affine-wide": dict(AFF, C=2, ACC_W=24, OUT_W=16, OUT_SIGNED=1, M_W=20, B_W=40),
    "affine-tiny": dict(AFF, C=1, ACC_W=4, OUT_W=6, OUT_SIGNED=0, M_W=2, B_W=3),
    "thr-one": dict(THR, C=1, ACC_W=6, OUT_W=2, OUT_SIGNED=0, L=1, T_W=7),
    "thr-five": dict(THR, C=2, ACC_W=8, OUT_W=3, OUT_SIGNED=1, L=5, T_W=10),   # L not 2^k - 1
}


def _run(simulator, name, cfg):
    seed = sum(map(ord, name))       # fixed per configuration: builds are reused
    common.run(simulator, "requant", "test_requant_rtl", draw_params(cfg, seed))


@pytest.mark.parametrize("simulator", common.SIMULATORS)
@pytest.mark.parametrize("name", CONFIGS)
def test_requant(simulator, name):
    _run(simulator, name, CONFIGS[name])


@pytest.mark.parametrize("simulator", ["icarus"])       # more configurations: no C++ build
@pytest.mark.parametrize("name", EXTRA)
def test_requant_edges(simulator, name):
    _run(simulator, name, EXTRA[name])
