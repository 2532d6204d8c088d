"""Timing arcs of the Xilinx UltraScale+ primitives that synth_xilinx leaves in a netlist.

A primitive has clocked outputs (start points, with their clock-to-out), clocked inputs
(end points, with their setup), combinational arcs from inputs to outputs, and, for a DSP48E2
with pipeline registers, register-to-register paths of its own. Clock pins carry no data.
Anything not listed here is not a primitive: a submodule (a black box whose abstract comes
from its own run), or an unknown cell, reported as unmodelled."""
from __future__ import annotations

from dataclasses import dataclass, field

from .delay_model import MODEL, DelayModel

CLOCK_PINS = {"C", "CLK", "WCLK", "CLKARDCLK", "CLKBWRCLK", "G", "CLKA", "CLKB"}
CONSTANTS = {"VCC", "GND"}
FFS = {"FDRE", "FDSE", "FDCE", "FDPE", "LDCE", "LDPE"}     # latches taken as registers
# Arc kinds, counted along a path (netgraph.KINDS indexes them).
LUT, CARRY4, CARRY8, MUXF, DSP, MEM = "lut", "carry4", "carry8", "muxf", "dsp", "mem"


@dataclass
class Arc:
    """Inputs (pin, bit index) to outputs (pin, bit index) through one cell."""
    ins: list[tuple[str, int]]
    outs: list[tuple[str, int]]
    delay: float
    kind: str


@dataclass
class CellTiming:
    launch: dict[str, float] = field(default_factory=dict)    # output pin -> clock-to-out
    capture: dict[str, float] = field(default_factory=dict)   # input pin -> setup
    arcs: list[Arc] = field(default_factory=list)
    internal: float | None = None     # worst register-to-register path inside the cell
    const: bool = False               # a constant driver: its outputs never switch


def param(params: dict, name: str, default=0):
    """A Yosys JSON parameter: integers are written as binary strings."""
    v = params.get(name)
    if v is None:
        return default
    if isinstance(v, str):
        s = v.strip()
        return int(s, 2) if s and set(s) <= {"0", "1"} else s
    return v


def _all(pins: dict[str, int], names) -> list[tuple[str, int]]:
    return [(p, i) for p in names if p in pins for i in range(pins[p])]


def timing_of(kind: str, params: dict, widths: dict[str, int], dirs: dict[str, str],
              m: DelayModel = MODEL) -> CellTiming | None:
    """The timing of a cell of type `kind` (pin widths from its connections), or None if it
    is not a known primitive."""
    ins = [p for p in widths if dirs.get(p) == "input" and p not in CLOCK_PINS]
    outs = [p for p in widths if dirs.get(p) == "output"]
    if kind in CONSTANTS:
        return CellTiming(const=True)
    if kind.startswith("LUT") or kind == "INV":
        return CellTiming(arcs=[Arc(_all(widths, ins), _all(widths, outs), m.lut, LUT)])
    if kind in ("MUXF7", "MUXF8", "MUXF9"):
        return CellTiming(arcs=[Arc(_all(widths, ins), _all(widths, outs), m.muxf, MUXF)])
    if kind in ("CARRY4", "CARRY8"):
        return _carry(kind, widths, m)
    if kind in FFS:
        ctrl = {p: m.ff_setup_ctrl for p in ins if p != "D"}
        return CellTiming(launch={"Q": m.ff_cko}, capture={"D": m.ff_setup, **ctrl})
    if kind.startswith("SRL"):
        addr = [p for p in ins if p.startswith("A")]
        return CellTiming(launch={p: m.srl_cko for p in outs},
                          capture={p: m.mem_setup for p in ins if p not in addr},
                          arcs=[Arc(_all(widths, addr), _all(widths, ["Q"]), m.srl_addr, MEM)]
                          if addr else [])
    if kind.startswith("RAM") and not kind.startswith("RAMB"):
        # Distributed RAM: written on the clock, read asynchronously from the address pins.
        addr = [p for p in ins if p.startswith(("A", "DPRA"))]
        return CellTiming(capture={p: m.mem_setup for p in ins},
                          arcs=[Arc(_all(widths, addr), _all(widths, outs), m.lutram_read, MEM)])
    if kind.startswith(("RAMB", "FIFO", "URAM")):
        def cko(pin: str) -> float:
            reg = {"A": param(params, "DOA_REG"), "B": param(params, "DOB_REG")}
            side = "A" if "ADOUT" in pin else "B" if "BDOUT" in pin else ""
            return m.bram_cko_reg if side and reg[side] == 1 else m.bram_cko
        return CellTiming(launch={p: cko(p) for p in outs},
                          capture={p: m.bram_setup for p in ins})
    if kind in ("DSP48E2", "DSP48E1"):
        return _dsp(params, widths, ins, outs, m)
    return None


def _carry(kind: str, widths: dict[str, int], m: DelayModel) -> CellTiming:
    n = 8 if kind == "CARRY8" else 4
    stage = m.carry8_stage if n == 8 else m.carry4_stage
    k = kind.lower()
    arcs = []
    for i in range(n):       # S[i], DI[i] -> every output bit at or above i
        up = [(p, j) for p in ("CO", "O") for j in range(i, min(n, widths.get(p, 0)))]
        arcs.append(Arc([(p, i) for p in ("S", "DI") if widths.get(p, 0) > i], up,
                        m.carry_in, k))
    for ci, low in (("CI", 0), ("CYINIT", 0), ("CI_TOP", 4)):
        if ci in widths:
            arcs.append(Arc([(ci, 0)], [("CO", j) for j in range(low, widths.get("CO", 0))],
                            stage, k))
            arcs.append(Arc([(ci, 0)], [("O", j) for j in range(low, widths.get("O", 0))],
                            m.carry_out, k))
    return CellTiming(arcs=arcs)


_AB = {"A": "AREG", "ACIN": "AREG", "B": "BREG", "BCIN": "BREG", "D": "DREG",
       "INMODE": "INMODEREG"}
_C = {"C": "CREG", "PCIN": None, "CARRYIN": "CARRYINREG", "CARRYCASCIN": None,
      "OPMODE": "OPMODEREG", "ALUMODE": "ALUMODEREG", "CARRYINSEL": "CARRYINSELREG",
      "MULTSIGNIN": None}


def _dsp(params: dict, widths: dict[str, int], ins: list[str], outs: list[str],
         m: DelayModel) -> CellTiming:
    """DSP48E2 as three register stages: inputs [A/B/C... REG] -> multiplier [MREG] -> ALU
    [PREG] -> P. Without any register it is one combinational cell of dsp_comb."""
    mreg, preg = param(params, "MREG") > 0, param(params, "PREG") > 0
    t = CellTiming()
    p_outs = [p for p in outs if p not in ("ACOUT", "BCOUT")]
    launch_p, internal = [], []
    for pin in ins:
        if pin in _AB or pin in _C:
            reg = (_AB | _C)[pin]
            registered = bool(reg) and param(params, reg) > 0
            ab = pin in _AB
            to_p = (m.dsp_ab_p if ab and not mreg else m.dsp_stage)   # input stage to the next
            entry = 0.0 if registered else m.dsp_pin
            if registered:
                t.capture[pin] = m.mem_setup
            if ab and mreg:                  # ... which is MREG, then M -> P
                if registered:
                    internal.append(m.dsp_stage)
                else:
                    t.capture[pin] = entry + m.dsp_stage
                if preg:
                    internal.append(m.dsp_stage)
                else:
                    launch_p.append(m.dsp_stage + m.dsp_pin)
                continue
            if preg:
                if registered:
                    internal.append(to_p)
                else:
                    t.capture[pin] = entry + to_p
            elif registered:
                launch_p.append(to_p + m.dsp_pin)
            else:                           # no register between pin and P
                delay = m.dsp_comb if ab else m.dsp_stage + 2 * m.dsp_pin
                t.arcs.append(Arc(_all(widths, [pin]), _all(widths, p_outs), delay, DSP))
        elif pin.startswith(("CE", "RST")):
            t.capture[pin] = m.mem_setup
    if preg:
        launch_p.append(m.dsp_cko)
    for p in p_outs:
        if launch_p:
            t.launch[p] = max(launch_p)
    for cas, src in (("ACOUT", ("A", "ACIN")), ("BCOUT", ("B", "BCIN"))):
        if cas in outs:
            if param(params, _AB[src[0]]) > 0:
                t.launch[cas] = m.dsp_cko
            else:
                t.arcs.append(Arc(_all(widths, src), _all(widths, [cas]), m.dsp_pin, DSP))
    t.internal = max(internal) if internal else None
    return t
