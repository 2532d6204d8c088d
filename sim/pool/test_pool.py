"""pool (max / floor average) against numpy, random windows incl. extremes and ties."""
import sys
from pathlib import Path

import pytest
from cocotbext.axi import AxiStreamFrame

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # sim/: shared helpers
import common  # noqa: E402


def reference(win, mode):
    """win: (n_windows, N, C) ints -> (n_windows, C)."""
    return win.max(axis=1) if mode == 0 else win.sum(axis=1) // win.shape[1]   # floor


@common.under_gaps("random_gaps", "full_rate", "backpressure")
async def check(dut, p_src, p_sink, n_frames=20):
    n, c, w = common.param("N"), common.param("C"), common.param("W")
    mode, signed = common.param("MODE"), common.param("SIGNED")
    gen = common.rng()
    src, sink = common.axis_pair(dut, gen, p_src, p_sink)
    await common.start(dut)
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if signed else (0, (1 << w) - 1)
    frames = []
    for f in range(n_frames):
        k = int(gen.integers(1, 9))
        win = gen.integers(lo, hi + 1, (k, n, c))
        if f == 0:   # all-min, all-max, and a small range forcing ties
            win[0], win[-1] = lo, hi
        if f == 1:
            win[:] = gen.integers(lo, lo + 2, (k, n, c))
        frames.append(win)
        await src.send(AxiStreamFrame(tdata=[common.pack(x.reshape(-1), w) for x in win]))
    for f, win in enumerate(frames):
        rx = await sink.recv()          # cut at tlast: frame boundaries are checked too
        got = [common.unpack(v, w, c, signed=bool(signed)) for v in common.beats(rx.tdata)]
        want = reference(win, mode).tolist()
        assert got == want, f"frame {f}: got {got}, expected {want}\nwindows {win.tolist()}"
    await common.assert_drained(dut, sink, "output beats")


NAMES = ("N", "C", "W", "MODE", "SIGNED")
CONFIGS = [
    (4, 3, 8, 0, 1),     # 2x2 max, signed
    (9, 2, 5, 0, 0),     # 3x3 max, unsigned
    (4, 2, 6, 1, 1),     # 2x2 average, signed (floor)
]
EXTRA = [
    (16, 1, 4, 1, 0),    # 4x4 average, unsigned
    (1, 2, 3, 0, 1),     # degenerate N = 1
]


@pytest.mark.parametrize("simulator", common.SIMULATORS)
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(map(str, c)))
def test_pool(simulator, cfg):
    common.run(simulator, "pool", "test_pool", dict(zip(NAMES, cfg)))


@pytest.mark.parametrize("simulator", ["icarus"])       # more configurations: no C++ build
@pytest.mark.parametrize("cfg", EXTRA, ids=lambda c: "-".join(map(str, c)))
def test_pool_edges(simulator, cfg):
    common.run(simulator, "pool", "test_pool", dict(zip(NAMES, cfg)))
