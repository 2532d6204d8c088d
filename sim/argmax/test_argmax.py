"""argmax against numpy.argmax (ties -> lowest index), logits passed through."""
import sys
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamFrame

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # sim/: shared helpers
import common  # noqa: E402


async def collect_index(dut, out):
    """m_axis_index at every output handshake (the sink only records tdata/tlast)."""
    while True:
        await RisingEdge(dut.clk)
        if int(dut.m_axis_tvalid.value) and int(dut.m_axis_tready.value):
            out.append(int(dut.m_axis_index.value))


def logit_rows(gen, n_rows, n, w, signed):
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if signed else (0, (1 << w) - 1)
    rows = [gen.integers(lo, hi + 1, (n_rows, n)),
            gen.integers(max(lo, -1), 2, (n_rows, n)),     # many ties
            np.full((2, n), lo), np.full((2, n), hi),      # all equal: index 0
            ]
    last_max = np.full((1, n), lo)
    last_max[0, -1] = hi                                   # maximum in the last slot
    twin = gen.integers(lo, lo + 2, (1, n))
    twin[0, [n // 2, n - 1]] = hi                          # two maxima: the earlier wins
    return np.concatenate(rows + [last_max, twin])


@common.under_gaps("random_gaps", "full_rate")
async def check(dut, p_src, p_sink):
    n, w, signed = common.param("N"), common.param("W"), bool(common.param("SIGNED"))
    gen = common.rng()
    src, sink = common.axis_pair(dut, gen, p_src, p_sink)
    await common.start(dut)
    idx = []
    cocotb.start_soon(collect_index(dut, idx))
    x = logit_rows(gen, 150, n, w, signed)
    x = x[gen.permutation(len(x))]
    frames = np.split(np.arange(len(x)), np.sort(gen.choice(np.arange(1, len(x)), 15, replace=False)))
    for rows in frames:
        await src.send(AxiStreamFrame(tdata=[common.pack(x[r], w) for r in rows]))
    got_logits = []
    for i, rows in enumerate(frames):
        rx = await sink.recv()          # cut at tlast: frame boundaries are checked too
        beats = common.beats(rx.tdata)
        assert len(beats) == len(rows), f"frame {i}: {len(beats)} beats, expected {len(rows)}"
        got_logits += [common.unpack(v, w, n, signed=signed) for v in beats]
    await common.assert_drained(dut, sink, "output beats")
    assert got_logits == x.tolist(), "logits not passed through unchanged"
    want = np.argmax(x, axis=1).tolist()
    assert len(idx) == len(want)
    bad = [(r, x[r].tolist(), idx[r], want[r]) for r in range(len(want)) if idx[r] != want[r]]
    assert not bad, f"{len(bad)} wrong indices, first (row, logits, got, expected): {bad[0]}"


@pytest.mark.parametrize("simulator", common.SIMULATORS)
@pytest.mark.parametrize("n,w,signed", [(10, 16, 1), (3, 4, 1), (5, 8, 0)])
def test_argmax(simulator, n, w, signed):
    common.run(simulator, "argmax", "test_argmax", {"N": n, "W": w, "SIGNED": signed})


@pytest.mark.parametrize("simulator", ["icarus"])       # more sizes: no C++ build
@pytest.mark.parametrize("n,w", [(1, 8), (16, 7)])
def test_argmax_edges(simulator, n, w):
    common.run(simulator, "argmax", "test_argmax", {"N": n, "W": w, "SIGNED": 1})
