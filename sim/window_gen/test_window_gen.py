"""window_gen against numpy sliding windows: several images back to back, random gaps."""
import sys
from pathlib import Path

import cocotb
import pytest
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamFrame

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # sim/: shared helpers
import common  # noqa: E402


def cfg():
    return {k: common.param(k) for k in ("IMG_H", "IMG_W", "C", "W", "K", "STRIDE")}


def ref_windows(img, k, s):
    """Valid-padding windows of an (H, W, C) image, flattened in (ky, kx, c) order."""
    h, w, _ = img.shape
    return [img[oy:oy + k, ox:ox + k, :].reshape(-1)
            for oy in range(0, h - k + 1, s) for ox in range(0, w - k + 1, s)]


async def stream_images(dut, n_images, p_src, p_sink):
    p = cfg()
    gen = common.rng()
    src, sink = common.axis_pair(dut, gen, p_src, p_sink)
    await common.start(dut)
    # Signed pixels over the full W-bit range, extremes included.
    lo, hi = -(1 << (p["W"] - 1)), (1 << (p["W"] - 1)) - 1
    imgs = gen.integers(lo, hi + 1, (n_images, p["IMG_H"], p["IMG_W"], p["C"]))
    imgs[0, 0, 0, :] = lo
    imgs[0, -1, -1, :] = hi
    for img in imgs:   # one frame per image; its pixels follow the previous image's directly
        await src.send(AxiStreamFrame(tdata=[common.pack(px, p["W"]) for px in img.reshape(-1, p["C"])]))
    n_el = p["K"] * p["K"] * p["C"]
    for i, img in enumerate(imgs):
        rx = await sink.recv()   # cut at m_axis_tlast: checks the last-window flag too
        want = ref_windows(img, p["K"], p["STRIDE"])
        got = [common.unpack(v, p["W"], n_el, signed=True) for v in common.beats(rx.tdata)]
        assert len(got) == len(want), f"image {i}: {len(got)} windows, expected {len(want)}"
        for j, (g, w) in enumerate(zip(got, want)):
            assert g == w.tolist(), f"image {i} window {j}: {g} != {w.tolist()}"
    await common.assert_drained(dut, sink, "windows")
    return imgs


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def random_gaps(dut):
    await stream_images(dut, 3, 0.3, 0.3)


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def heavy_backpressure(dut):
    await stream_images(dut, 2, 0.1, 0.8)


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def back_to_back(dut):
    """No gaps anywhere: N images take N*H*W cycles, one pixel per clock."""
    p = cfg()
    n = 3
    t = [0, 0]

    async def timer():
        await RisingEdge(dut.s_axis_tvalid)
        t[0] = cocotb.utils.get_sim_time("ns")
        while True:
            await RisingEdge(dut.clk)
            if int(dut.m_axis_tvalid.value) and int(dut.m_axis_tlast.value):
                t[1] = cocotb.utils.get_sim_time("ns")

    cocotb.start_soon(timer())
    await stream_images(dut, n, 0.0, 0.0)
    cycles = round((t[1] - t[0]) / 10)
    assert cycles <= n * p["IMG_H"] * p["IMG_W"] + 1, f"{n} images took {cycles} cycles"


CONFIGS = [  # IMG_H, IMG_W, C, W, K, STRIDE
    (6, 7, 1, 8, 3, 1),    # 3x3 stride 1, non-square, one channel
    (8, 6, 3, 5, 2, 2),    # 2x2 stride 2 (pooling), three channels, odd width
    (7, 8, 2, 4, 3, 2),    # stride 2 with a leftover last column
]
EXTRA = [
    (5, 4, 2, 3, 1, 2),    # K = 1 (no line buffer), subsampling
    (4, 4, 1, 6, 4, 1),    # window as large as the image: one window per image
]


def _run(simulator, c):
    names = ("IMG_H", "IMG_W", "C", "W", "K", "STRIDE")
    common.run(simulator, "window_gen", "test_window_gen", dict(zip(names, c)))


@pytest.mark.parametrize("simulator", common.SIMULATORS)
@pytest.mark.parametrize("c", CONFIGS, ids=lambda c: "x".join(map(str, c)))
def test_window_gen(simulator, c):
    _run(simulator, c)


@pytest.mark.parametrize("simulator", ["icarus"])       # corner cases: no C++ build
@pytest.mark.parametrize("c", EXTRA, ids=lambda c: "x".join(map(str, c)))
def test_window_gen_edges(simulator, c):
    _run(simulator, c)
