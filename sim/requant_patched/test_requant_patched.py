"""requant_patched against streamcnn.requant.RequantParams.apply with patches.

The pytest side draws a random affine form and random patches (distinct accumulators
per channel, each delta taking the output to a random level in [LO, HI]); the cocotb
side reads them back from the environment, so the expected values come from the
Python reference itself. Every patched accumulator, its neighbours and random values
are sent, under back-pressure and at full rate.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # sim/: shared helpers
import common  # noqa: E402
from streamcnn.requant import RequantParams


def draw_params(cfg, seed):
    p = dict(cfg)
    gen = np.random.default_rng(seed)
    c, acc_w, m_w, b_w, out_w, n = p["C"], p["ACC_W"], p["M_W"], p["B_W"], p["OUT_W"], p["N"]
    lo, hi = (-(1 << (out_w - 1)), (1 << (out_w - 1)) - 1) if p["OUT_SIGNED"] else (0, (1 << out_w) - 1)
    mult = gen.integers(-(1 << (m_w - 1)), 1 << (m_w - 1), c)
    add = gen.integers(-(1 << (b_w - 1)), 1 << (b_w - 1), c)
    shift = max(0, acc_w + m_w - 2 - out_w)
    a_min, a_max = -(1 << (acc_w - 1)), (1 << (acc_w - 1)) - 1
    ch = np.arange(n) % c                                   # every channel, some twice or more
    acc = np.empty(n, np.int64)
    for k in range(n):                                      # distinct per channel; the extremes first
        taken = set(acc[:k][ch[:k] == ch[k]].tolist())
        pool = [a_min, a_max] + gen.integers(a_min, a_max + 1, 8).tolist()
        acc[k] = next(a for a in pool if a not in taken)
    rq = RequantParams(lo, hi, [], shift, mult, add)
    one_hot = np.zeros((n, c), np.int64)
    one_hot[np.arange(n), ch] = acc
    affine = rq.apply(one_hot)[np.arange(n), ch]
    delta = gen.integers(lo, hi + 1, n) - affine
    d_w = int(np.abs(delta).max()).bit_length() + 1
    p.update(LO=lo, HI=hi, SHIFT=shift, MULT=common.pack(mult, m_w), ADD=common.pack(add, b_w),
             D_W=d_w, P_CH=common.pack(ch, p["CH_W"]), P_ACC=common.pack(acc, acc_w),
             P_D=common.pack(delta, d_w))
    return p


def env_params():
    keys = ("C", "ACC_W", "OUT_W", "OUT_SIGNED", "M_W", "B_W", "SHIFT", "LO", "HI", "MULT", "ADD",
            "N", "CH_W", "D_W", "P_CH", "P_ACC", "P_D")
    return {k: common.param(k) for k in keys}


def reference(p) -> RequantParams:
    c, n, acc_w = p["C"], p["N"], p["ACC_W"]
    patches = np.stack([common.unpack(p["P_CH"], p["CH_W"], n),
                        common.unpack(p["P_ACC"], acc_w, n, signed=True),
                        common.unpack(p["P_D"], p["D_W"], n, signed=True)], axis=1)
    return RequantParams(p["LO"], p["HI"], [], p["SHIFT"],
                         np.array(common.unpack(p["MULT"], p["M_W"], c, signed=True), np.int64),
                         np.array(common.unpack(p["ADD"], p["B_W"], c, signed=True), np.int64),
                         patches=patches.astype(np.int64))


@common.under_gaps("random_gaps", "full_rate")
async def check(dut, p_src, p_sink):
    p = env_params()
    c, acc_w = p["C"], p["ACC_W"]
    rq = reference(p)
    gen = common.rng()
    src, sink = common.axis_pair(dut, gen, p_src, p_sink)
    await common.start(dut)
    a_min, a_max = -(1 << (acc_w - 1)), (1 << (acc_w - 1)) - 1
    acc = gen.integers(a_min, a_max + 1, (200, c))
    rows = []
    for ch, a, _ in rq.patches:                 # each patched value, alone and with neighbours
        for v in (a - 1, a, a + 1):
            row = gen.integers(a_min, a_max + 1, c)
            row[ch] = min(max(v, a_min), a_max)
            rows.append(row)
    rows.append(np.full(c, rq.patches[0, 1]))   # one channel's patched value on every channel
    acc = np.concatenate([acc, np.array(rows)])[gen.permutation(len(acc) + len(rows))]
    want = rq.apply(acc)
    assert want.min() >= p["LO"] and want.max() <= p["HI"], "reference left the output range"
    await common.check_rows(src, sink, gen, acc, want, acc_w, p["OUT_W"], bool(p["OUT_SIGNED"]),
                            n_frames=11)
    await common.assert_drained(dut, sink, "output beats")


CONFIGS = {
    "u8": dict(C=4, ACC_W=20, OUT_W=8, OUT_SIGNED=0, M_W=18, B_W=40, N=9, CH_W=2),
    "s3": dict(C=3, ACC_W=12, OUT_W=3, OUT_SIGNED=1, M_W=6, B_W=14, N=5, CH_W=2),
    "one": dict(C=1, ACC_W=6, OUT_W=2, OUT_SIGNED=0, M_W=3, B_W=6, N=2, CH_W=1),
}


@pytest.mark.parametrize("simulator", common.SIMULATORS)
@pytest.mark.parametrize("name", CONFIGS)
def test_requant_patched(simulator, name):
    seed = sum(map(ord, name))       # fixed per configuration: builds are reused
    common.run(simulator, "requant_patched", "test_requant_patched",
               draw_params(CONFIGS[name], seed), sources=["requant.v"])
