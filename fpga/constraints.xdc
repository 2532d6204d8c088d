# streamcnn, out of context on the xcvu9p: 200 MHz (5.000 ns), the clock of the paper's
# design. The clock port is `clk` on the AXI-Stream wrapper and `ap_clk` on the bare core
# (or the Vitis HLS IP), so whichever exists is constrained. No I/O placement or I/O delays:
# the block sits inside a larger trigger design, and register-to-register paths are its own.
create_clock -period 5.000 -name clk [get_ports -quiet {clk ap_clk}]
