"""The cocotb test that runs sim/network/tb_network.v: a GPI clock (no Python per cycle)
and a wait for the test bench's `done`. Stimulus and checking live in streamcnn.rtl.rtlsim."""
import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge, Timer, First


@cocotb.test()
async def play(dut):
    # The C++ clock keeps Python out of every cycle; under Icarus 11 it does not wake the
    # design's always blocks, so Icarus gets the Python clock.
    impl = os.environ.get("STREAMCNN_CLOCK_IMPL", "gpi")
    Clock(dut.clk, 5, unit="ns", impl=impl).start()
    limit = int(os.environ.get("STREAMCNN_MAX_CYCLES", "0"))
    done = RisingEdge(dut.done)
    if limit:
        timeout = Timer(5 * limit, unit="ns")
        if await First(done, timeout) is timeout:
            raise AssertionError(f"no result after {limit} cycles: the core stalled")
    else:
        await done
