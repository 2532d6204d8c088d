"""admit: images pass intact and in order, an image is admitted only while a result place
is free (never more than CREDITS outstanding, whatever the consumer does), ready is low in
reset, and with enough credits the stream runs at one beat per clock."""
import sys
from pathlib import Path

import cocotb
import pytest
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from cocotbext.axi import AxiStreamFrame

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # sim/: shared helpers
import common  # noqa: E402

LATENCY = 5          # cycles from an image's last beat out to its result (the pipeline)


async def results(dut, gen, p_stall: float, log: dict):
    """The pipeline and the consumer: each image's result is ready LATENCY cycles after its
    last beat left admit; the consumer takes one result per cycle unless it stalls, and
    `done` pulses for each. Counts outstanding images and asserts the bound every cycle."""
    credits, ready_at = common.param("CREDITS"), []
    dut.done.value = 0
    cycle = 0
    while True:
        await RisingEdge(dut.clk)
        cycle += 1
        if int(dut.rst.value):
            continue
        if int(dut.s_axis_tvalid.value) and int(dut.s_axis_tready.value):
            log["in"] += 1
            if log["in"] % common.param("BEATS") == 1 or common.param("BEATS") == 1:
                log["outstanding"] += 1
        if int(dut.done.value):
            log["outstanding"] -= 1
            log["done"] += 1
        assert 0 <= log["outstanding"] <= credits, f"{log['outstanding']} outstanding"
        log["max"] = max(log["max"], log["outstanding"])
        if int(dut.m_axis_tvalid.value) and int(dut.m_axis_tlast.value):
            ready_at.append(cycle + LATENCY)
        await FallingEdge(dut.clk)
        take = bool(ready_at) and ready_at[0] <= cycle and gen.random() >= p_stall
        if take:
            ready_at.pop(0)
        dut.done.value = int(take)


async def run_images(dut, p_src, p_stall, n=40):
    gen = common.rng()
    w, beats = common.param("W"), common.param("BEATS")
    src, sink = common.axis_pair(dut, gen, p_src, 0.0)
    log = {"in": 0, "outstanding": 0, "done": 0, "max": 0}
    cocotb.start_soon(results(dut, gen, p_stall, log))
    await common.start(dut)
    images = [common.randbits(gen, w, beats) for _ in range(n)]
    for img in images:
        await src.send(AxiStreamFrame(tdata=img))
    for i, img in enumerate(images):
        rx = await sink.recv()
        assert common.beats(rx.tdata, beats) == img, f"image {i} changed"
    await ClockCycles(dut.clk, 4 * LATENCY + 20 * common.param("CREDITS"))
    assert log["done"] == n and log["outstanding"] == 0, log
    return log


@common.under_gaps("full_rate", "random_gaps", "slow_consumer", timeout_ms=2)
async def images_pass_within_credits(dut, p_src, p_sink):
    log = await run_images(dut, p_src, p_sink)
    if p_sink > 0.5:       # a slow consumer uses every place, and no more (checked each cycle)
        assert log["max"] == common.param("CREDITS"), log


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def ready_low_in_reset(dut):
    dut.s_axis_tvalid.value = 1
    dut.done.value = 0
    common.axis_pair(dut)
    from cocotb.clock import Clock
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    await RisingEdge(dut.clk)          # a synchronous reset: from its first clock edge on
    for _ in range(4):
        await FallingEdge(dut.clk)
        assert int(dut.s_axis_tready.value) == 0, "ready in reset"
    dut.rst.value = 0
    await ClockCycles(dut.clk, 2)
    await FallingEdge(dut.clk)
    assert int(dut.s_axis_tready.value) == 1


def enough_credits() -> bool:
    beats, credits = common.param("BEATS", 1), common.param("CREDITS", 1)
    return beats + LATENCY + 4 <= credits * beats


@cocotb.test(timeout_time=1, timeout_unit="ms", skip=not enough_credits())
async def full_throughput(dut):
    """Credits for the whole round trip: N images of BEATS beats take N * BEATS cycles."""
    gen = common.rng()
    w, beats = common.param("W"), common.param("BEATS")
    src, sink = common.axis_pair(dut)
    log = {"in": 0, "outstanding": 0, "done": 0, "max": 0}
    cocotb.start_soon(results(dut, gen, 0.0, log))
    await common.start(dut)
    n = 30
    await src.send(AxiStreamFrame(tdata=common.randbits(gen, w, n * beats)))
    await RisingEdge(dut.m_axis_tvalid)
    t0 = cocotb.utils.get_sim_time("ns")
    for _ in range(n):
        await sink.recv()
    cycles = round((cocotb.utils.get_sim_time("ns") - t0) / 10)
    assert cycles <= n * beats + 2, f"{n * beats} beats took {cycles} cycles"


@pytest.mark.parametrize("simulator", common.SIMULATORS)
@pytest.mark.parametrize("w,beats,credits", [(8, 1, 9), (12, 4, 3), (5, 7, 1)])
def test_admit(simulator, w, beats, credits):
    common.run(simulator, "admit", "test_admit", {"W": w, "BEATS": beats, "CREDITS": credits})
