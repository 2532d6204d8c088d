"""The core as a chain of Verilog blocks: what plan.py decides and flow.py connects."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..names import Identifiers


@dataclass
class Block:
    inst: str                       # instance name
    module: str                     # Verilog module
    params: dict[str, str]          # parameter -> Verilog literal
    in_w: int                       # s_axis_tdata bits
    out_w: int                      # m_axis_tdata bits
    node: str                       # the IR node it implements (part of)
    s_last: bool = True             # has an s_axis_tlast port
    stages: int = 1                 # register stages on its data path (for the latency budget)
    beats: int = 1                  # output beats per image
    stalls: bool = False            # may hold its input while its output is ready (pad2d)
    free: bool = False              # runs without backpressure (flow.py decides)
    ports: dict[str, str] = field(default_factory=dict)   # further port -> Verilog expression


@dataclass
class Core:
    blocks: list[Block] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)   # generated file name -> text
    adders: int = 0                                           # two-input adders in all MACs
    names: Identifiers | None = None                          # instance names given so far
    result_credits: int = 0                                   # results the output FIFO holds
    result_depth: int = 0                                     # its RAM depth (flow.py)
