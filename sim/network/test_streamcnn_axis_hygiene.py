"""streamcnn_axis interface hygiene, on the cores of test_streamcnn_axis.py: s_axis_tready low
in reset, never X while tvalid is low (Icarus: 4-state), frames lost behind a long frame still
answered and counted, and a PIXELS that differs from the core's stopping the simulation.
Streams whose markers matter beat by beat are played by hand (`Driver`), not by cocotbext-axi,
whose source idles with 0 and holds tvalid low in reset.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cocotb
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge, with_timeout
from cocotb.types import LogicArray
from cocotbext.axi import AxiStreamBus, AxiStreamSink

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import test_streamcnn_axis as base  # noqa: E402  (its cores, vectors and checks)
from test_streamcnn_axis import common  # noqa: E402

HOOK = "STREAMCNN_NETWORK_PIXELS"      # the core's pixel count, as streamcnn_axis.v reads it


# ---- cocotb side ------------------------------------------------------------------------

def hygiene_vectors():
    h = dict(np.load(os.environ["STREAMCNN_HYGIENE"]))
    for k in ("x_exp", "l_exp"):
        h[k] = [int(w, 16) for w in h[k]]
    return h


class Driver:
    """s_axis by hand: tvalid held until the beat is taken; idle cycles put 0 or X on tdata,
    tuser and tlast. Counts the beats taken while rst was high (AXI-Stream: none may be)."""

    def __init__(self, dut, x_idle=False):
        self.dut, self.x_idle, self.in_reset = dut, x_idle, 0
        self.idle()

    def idle(self):
        d = self.dut
        d.s_axis_tvalid.value = 0
        for s in (d.s_axis_tdata, d.s_axis_tuser, d.s_axis_tlast):
            s.value = LogicArray("X" * len(s)) if self.x_idle else 0

    async def play(self, words, user, last, gaps=None):
        d = self.dut
        for w, u, t in zip(words, user, last):
            for _ in range(gaps() if gaps else 0):
                self.idle()
                await RisingEdge(d.clk)
            d.s_axis_tdata.value, d.s_axis_tuser.value = int(w), int(u)
            d.s_axis_tlast.value, d.s_axis_tvalid.value = int(t), 1
            while True:
                await RisingEdge(d.clk)          # values before the edge: this cycle's
                if str(d.s_axis_tready.value) == "1":
                    self.in_reset += str(d.rst.value) == "1"
                    break
        self.idle()


def image_beats(v, idx):
    """Whole images, tuser on each first pixel and tlast on each last one."""
    words = np.concatenate([v["words"][i] for i in idx])
    px = v["words"].shape[1]
    user = np.tile(np.eye(1, px, dtype=int)[0], len(idx))
    return words, user, np.tile(np.eye(1, px, px - 1, dtype=int)[0], len(idx))


def watch_ready(dut, bad, when):
    """Record the cycles where `when()` holds and s_axis_tready is not 0 (after the edge's
    updates: tready is combinational). `when` returns 'low' (must be 0) or 'known' (0 or 1)."""
    async def run():
        cycle = 0
        while True:
            await RisingEdge(dut.clk)
            await ReadOnly()
            cycle += 1
            need, r = when(), str(dut.s_axis_tready.value)
            if (need == "low" and r != "0") or (need == "known" and r not in "01"):
                bad.append((cycle, need, r))
    cocotb.start_soon(run())


def sink_for(dut):
    s = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst, byte_lanes=1)
    s.log.setLevel("WARNING")
    return s


@cocotb.test()
async def ready_low_in_reset(dut):
    """Beats offered while rst is high (at start-up, and again between images) are not taken:
    tready is 0 every reset cycle, and the images offered across the reset come out exact."""
    from cocotb.clock import Clock
    v = base.vectors()
    px = v["words"].shape[1]
    drv, sink, bad = Driver(dut), sink_for(dut), []
    watch_ready(dut, bad, lambda: "low" if str(dut.rst.value) == "1" else None)
    dut.rst.value = 1
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    for first in (0, 2):
        dut.rst.value = 1
        done = cocotb.start_soon(drv.play(*image_beats(v, [first, first + 1])))
        await ClockCycles(dut.clk, 4)
        dut.rst.value = 0
        assert not bad, f"s_axis_tready not 0 in reset (cycle, rule, value): {bad[:5]}"
        assert drv.in_reset == 0, f"{drv.in_reset} beats taken while rst was high"
        await with_timeout(base.expect(sink, v["good"][first:first + 2], [0, 0]),
                           *base.budget(2 * px))
        await done
        await base.settle(dut, sink, images_done=2, frames_short=0, frames_long=0,
                          pixels_dropped=0)


@cocotb.test(skip="icarus" not in (getattr(cocotb, "SIM_NAME", None) or "").lower())
async def ready_known_when_idle(dut):
    """X on tdata, tuser and tlast whenever tvalid is low, through good, short (padding) and
    long (dropping) frames under gaps and a stalling sink: tready is always 0 or 1 after reset,
    and the results are the golden model's."""
    gen, h = common.rng(), hygiene_vectors()
    drv, sink, bad = Driver(dut, x_idle=True), sink_for(dut), []
    sink.set_pause_generator(common.pauses(gen, 0.3))
    await common.start(dut)
    watch_ready(dut, bad, lambda: "known")
    gaps = lambda: int(gen.choice([0, 0, 1, 2, 5]))      # noqa: E731
    done = cocotb.start_soon(drv.play(h["x_words"], h["x_user"], h["x_last"], gaps))
    await with_timeout(base.expect(sink, h["x_exp"], h["x_flag"],
                                   strict=common.param("VALIDATE") == 1),
                       *base.budget(6 * len(h["x_words"])))
    await done
    assert not bad, f"s_axis_tready unknown (cycle, rule, value): {bad[:5]}"


@cocotb.test()
async def lost_frames_answered(dut):
    """Frames whose tlast is missing, then frames without tuser on their first pixel: every
    frame sent gets one result beat (a lost frame's is flagged), frames_lost counts them, and
    the frames after are exact."""
    gen, h = common.rng(), hygiene_vectors()
    src, sink = common.axis_pair(dut, gen, p_src=0.2)
    sink.set_pause_generator(base.bursty(gen))
    await common.start(dut)
    for f in base.frames(h["l_words"], h["l_user"], h["l_last"]):
        await src.send(f)
    await with_timeout(base.expect(sink, h["l_exp"], h["l_flag"],
                                   strict=common.param("VALIDATE") == 1),
                       *base.budget(4 * len(h["l_words"])))
    short, long_, lost, dropped = (int(x) for x in h["l_counts"])
    await base.settle(dut, sink, images_done=len(h["l_exp"]), frames_short=short,
                      frames_long=long_, frames_lost=lost, pixels_dropped=dropped)


# ---- pytest side ------------------------------------------------------------------------

def _stream(plan, p):
    """plan: (pixels, tuser on the first, tlast on the last) -> words, user, last."""
    words = np.concatenate([f[0] for f in plan])
    user = np.concatenate([np.eye(1, len(f[0]), dtype=int)[0] * f[1] for f in plan])
    last = np.concatenate([np.eye(1, len(f[0]), len(f[0]) - 1, dtype=int)[0] * f[2]
                           for f in plan])
    return words, user, last


def _plan(core, path):
    """The X stream (good, short, long frames) and the lost-frame stream, with each result the
    core must give (golden model of the image it sees) and its flag; saved as .npz."""
    from streamcnn.data import random_images
    from streamcnn.golden import emulate, quantize_input
    g, ports = core["graph"], core["info"]["ports"]
    h, w, c = g.input.shape
    p = h * w
    x = quantize_input(g, random_images(20, seed=11, shape=(h, w, c))).reshape(-1, p, c)
    pack = lambda a: (np.asarray(a, np.int64) << 8 * np.arange(c)).sum(-1)    # noqa: E731

    def golden(imgs):
        r = emulate(g, np.asarray(imgs).reshape(-1, h, w, c))
        n, lw = ports["n_logits"], ports["logit_w"]
        return [f"{common.pack(lg, lw) | int(k) << (n * lw):x}" for lg, k in
                zip(r.logits_int, r.classes)]

    zero = np.zeros_like(x[0])
    k = p // 3
    cut = np.concatenate([x[1][:k], zero[k:]])
    xs = _stream([(x[0], 1, 1), (x[1][:k], 1, 1), (x[2], 1, 1),
                  (np.concatenate([x[3], x[4][:5]]), 1, 1), (x[5], 1, 1)], p)
    x_seen, x_flag = [x[0], cut, x[2], x[3], x[5]], [0, 1, 0, 1, 0]
    # (pixels, tuser, tlast), image the core must see, flag
    lost = [((x[6], 1, 0), x[6], 1), ((x[7], 0, 1), zero, 1),            # the audit's case
            ((x[8], 1, 1), x[8], 0),
            ((x[9], 1, 0), x[9], 1), ((x[10], 0, 0), zero, 1), ((x[11], 0, 1), zero, 1),
            ((x[12], 1, 0), x[12], 1), ((x[13], 1, 1), x[13], 0),        # tuser: not lost
            ((np.concatenate([x[14], x[15][:k]]), 1, 1), x[14], 1),     # long by k < PIXELS
            ((x[16], 0, 1), x[16], 0)]
    ls = _stream([f[0] for f in lost], p)
    counts = [0, 4, 3, 3 * p + k]         # short, long, lost, dropped
    np.savez(path, x_words=pack(xs[0]), x_user=xs[1], x_last=xs[2], x_exp=golden(x_seen),
             x_flag=np.array(x_flag), l_words=pack(ls[0]), l_user=ls[1], l_last=ls[2],
             l_exp=golden([f[1] for f in lost]), l_flag=np.array([f[2] for f in lost]),
             l_counts=np.array(counts))


@pytest.fixture(scope="module")
def cores(tmp_path_factory):
    made = {}

    def make(name):
        if name not in made:
            tmp = tmp_path_factory.mktemp(name)
            core = base._make_core(name, tmp)
            _plan(core, tmp / "hygiene.npz")
            made[name] = dict(core, hygiene=tmp / "hygiene.npz")
        return made[name]
    return make


CASES = [("icarus", "small", 1, 2), ("icarus", "small", 0, 16), ("verilator", "svhn", 1, 16)]


@pytest.mark.parametrize("simulator,core,validate,depth", CASES,
                         ids=[f"{s}-{c}-validate{v}-depth{d}" for s, c, v, d in CASES])
def test_streamcnn_axis_hygiene(simulator, core, validate, depth, cores, monkeypatch):
    if not common.have(simulator):
        pytest.skip(f"{simulator} not installed")
    c = cores(core)
    flags = f"{os.environ.get('MAKEFLAGS', '')} CFG_CXXFLAGS_PCH_I=-include"   # as in base
    monkeypatch.setenv("MAKEFLAGS", flags.strip())
    common.run(simulator, "streamcnn_axis", "test_streamcnn_axis_hygiene",
               base._params(c, validate, depth), sources=["axis_fifo.v"] + c["files"],
               tag=c["tag"], extra_env={"STREAMCNN_VECTORS": str(c["vectors"]),
                                        "STREAMCNN_HYGIENE": str(c["hygiene"])})


def _hooked(c, tmp):
    """The core's files in files.f order, its pixel count defined first where the core does not
    define it yet (what the generator is asked to write into network.v)."""
    net = next(f for f in c["files"] if Path(f).name == "network.v")
    if HOOK in Path(net).read_text():
        return list(c["files"])
    hook = tmp / "network_pixels.v"
    hook.write_text(f"`define {HOOK} {c['info']['pixels']}\n")
    return [str(hook)] + c["files"]


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog not installed")
def test_pixels_mismatch_stops(cores, tmp_path):
    """Wrapper compiled after the core (files.f's order): PIXELS one off stops the simulation at
    time 0 with a message naming PIXELS and both counts; the right PIXELS runs on."""
    c = cores("small")
    files = _hooked(c, tmp_path) + [str(common.RTL_DIR / f) for f in ("axis_fifo.v",
                                                                      "streamcnn_axis.v")]
    px = c["info"]["pixels"]
    for pixels in (px, px + 1, px - 1):
        params = dict(base._params(c, 1), PIXELS=pixels)
        out = tmp_path / f"p{pixels}.vvp"
        r = subprocess.run(["iverilog", "-g2005", "-o", str(out), "-s", "streamcnn_axis"]
                           + [f"-Pstreamcnn_axis.{k}={v}" for k, v in params.items()] + files,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        r = subprocess.run(["vvp", "-n", str(out)], capture_output=True, text=True, timeout=60)
        log = r.stdout + r.stderr
        if pixels == px:
            assert r.returncode == 0 and "FATAL" not in log, log
        else:
            assert r.returncode != 0 and "FATAL" in log, f"PIXELS={pixels} ran on: {log}"
            assert f"PIXELS = {pixels}" in log and f"{px} pixels" in log, log
