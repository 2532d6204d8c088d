"""axis_skid: random frames under random valid/ready gaps arrive intact; full throughput."""
import sys
from pathlib import Path

import cocotb
import pytest
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamFrame

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # sim/: shared helpers
import common  # noqa: E402


@common.under_gaps("random_gaps", "backpressure")
async def check_stream(dut, p_src, p_sink, n_frames=60):
    gen = common.rng()
    data_w, user_w = common.param("DATA_W"), common.param("USER_W")
    src, sink = common.axis_pair(dut, gen, p_src, p_sink)
    await common.start(dut)
    await common.check_passthrough(dut, src, sink, common.random_frames(gen, n_frames, data_w, user_w, 12))


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def full_throughput(dut):
    """With no gaps N beats take N cycles (+ latency): one beat per clock."""
    data_w = common.param("DATA_W")
    src, sink = common.axis_pair(dut)
    await common.start(dut)
    n = 200
    data = [i % (1 << data_w) for i in range(n)]
    await src.send(AxiStreamFrame(tdata=data, tuser=[0] * n))
    await RisingEdge(dut.m_axis_tvalid)
    t0 = cocotb.utils.get_sim_time("ns")
    rx = await sink.recv()
    cycles = round((cocotb.utils.get_sim_time("ns") - t0) / 10)
    assert common.beats(rx.tdata, n) == data
    assert cycles <= n + 2, f"{n} beats took {cycles} cycles"


@pytest.mark.parametrize("simulator", common.SIMULATORS)
@pytest.mark.parametrize("data_w,user_w", [(8, 1), (37, 3)])
def test_axis_skid(simulator, data_w, user_w):
    common.run(simulator, "axis_skid", "test_axis_skid", {"DATA_W": data_w, "USER_W": user_w})
