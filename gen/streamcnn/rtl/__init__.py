"""Verilog backend: IR -> a streaming core of rtl/ modules and generated constant-weight MACs,
simulated with cocotb (Verilator, Icarus)."""
