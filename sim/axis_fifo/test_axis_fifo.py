"""axis_fifo: order/integrity under random gaps, exact capacity, full throughput."""
import sys
from pathlib import Path

import cocotb
import pytest
from cocotb.triggers import ClockCycles, RisingEdge
from cocotbext.axi import AxiStreamFrame

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # sim/: shared helpers
import common  # noqa: E402


async def count_accepted(dut, counter):
    """Count input handshakes (tvalid & tready at a rising edge)."""
    while True:
        await RisingEdge(dut.clk)
        if int(dut.s_axis_tvalid.value) and int(dut.s_axis_tready.value):
            counter[0] += 1


@common.under_gaps("random_gaps", "slow_consumer", "slow_producer")
async def check_stream(dut, p_src, p_sink, n_frames=60):
    gen = common.rng()
    data_w, user_w = common.param("DATA_W"), common.param("USER_W")
    src, sink = common.axis_pair(dut, gen, p_src, p_sink)
    await common.start(dut)
    frames = common.random_frames(gen, n_frames, data_w, user_w, 3 * common.param("DEPTH") - 1)
    await common.check_passthrough(dut, src, sink, frames)


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def capacity_and_throughput(dut):
    """A stalled consumer fills exactly DEPTH + output stages; then it drains at 1 beat/clock."""
    depth, data_w = common.param("DEPTH"), common.param("DATA_W")
    cap = depth + (2 if common.param("OUTPUT_REG") else 1)
    src, sink = common.axis_pair(dut)
    sink.pause = True
    await common.start(dut)
    accepted = [0]
    cocotb.start_soon(count_accepted(dut, accepted))
    n = 3 * depth + 10
    data = [(7 * i + 3) % (1 << data_w) for i in range(n)]
    await src.send(AxiStreamFrame(tdata=data, tuser=[1] * n))
    await ClockCycles(dut.clk, 2 * n)
    assert accepted[0] == cap, f"accepted {accepted[0]} beats with the output stalled, expected {cap}"
    assert int(dut.s_axis_tready.value) == 0
    sink.pause = False
    await RisingEdge(dut.m_axis_tready)
    t0 = cocotb.utils.get_sim_time("ns")
    rx = await sink.recv()
    cycles = round((cocotb.utils.get_sim_time("ns") - t0) / 10)
    assert common.beats(rx.tdata, n) == data
    assert cycles <= n + 1, f"{n} beats took {cycles} cycles"


@pytest.mark.parametrize("simulator", common.SIMULATORS)
@pytest.mark.parametrize("depth,data_w,user_w,output_reg", [(16, 8, 1, 0), (4, 33, 2, 1)])
def test_axis_fifo(simulator, depth, data_w, user_w, output_reg):
    common.run(simulator, "axis_fifo", "test_axis_fifo", {
        "DEPTH": depth, "DATA_W": data_w, "USER_W": user_w, "OUTPUT_REG": output_reg})
