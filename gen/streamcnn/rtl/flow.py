"""Flow control of the core: where backpressure ends and credits begin. Decided once, here.

The blocks after the last one that can hold its input (`Block.stalls`: pad2d, which emits
border pixels without consuming any) run free: their m_axis_tready is tied high, so every
stall enable in them is constant and synthesis removes it, and no ready net spans them.
An `admit` block in front of them lets an image in only when the result FIFO at the end
has a place for its result (credits). Blocks before it keep the AXI-Stream handshake, with
a register slice (axis_skid) in front of each, so no ready path spans more than one block.
`output_r_TREADY` reaches `input_r_TREADY` only through registers."""
from __future__ import annotations

import math

from .blocks import Block, Core

SLACK = 4          # cycles from the last block's result to its credit coming back (FIFO + admit)


def _skid(width: int, node: str, beats: int, inst: str) -> Block:
    return Block(inst, "axis_skid", {"DATA_W": str(width), "USER_W": "1"}, width, width, node,
                 beats=beats, ports={"s_axis_tuser": "1'b0", "m_axis_tuser": ""})


def credits(beats: int, depth: int) -> tuple[int, int]:
    """(results the FIFO holds, its RAM depth) for full throughput: an image holds a credit
    from its first beat in to its result out, about beats + depth + SLACK cycles, and a
    new image comes every `beats` cycles. The FIFO holds its RAM plus its read register."""
    in_flight = math.ceil((beats + depth + SLACK) / beats) + 1
    ram = max(2, 1 << max(0, in_flight - 2).bit_length())
    return ram + 1, ram


def lower(core: Core, in_w: int, in_beats: int, n_logits: int) -> Core:
    """Insert the admit block and the register slices; mark the free-running blocks."""
    blocks, ident = core.blocks, core.names
    last_stall = max((i for i, b in enumerate(blocks) if b.stalls), default=-1)
    prefix, free = blocks[:last_stall + 1], blocks[last_stall + 1:]
    out: list[Block] = []
    for b in prefix:
        out.append(_skid(b.in_w, b.node, out[-1].beats if out else in_beats,
                         ident(b.inst + "_slice")))
        out.append(b)
    width = prefix[-1].out_w if prefix else in_w
    beats = prefix[-1].beats if prefix else in_beats
    result_stages = max(1, (n_logits - 1).bit_length())           # argmax.v's STAGES
    depth = sum(b.stages for b in free) + len(free) + result_stages
    core.result_credits, core.result_depth = credits(beats, depth)
    admit = Block(ident("admit"), "admit", {"W": str(width), "BEATS": str(beats),
                                            "CREDITS": str(core.result_credits)},
                  width, width, free[0].node if free else "result", s_last=False,
                  beats=beats, free=True, ports={"done": "result_done"})
    out.append(admit)
    for b in free:
        b.free = True
        b.params = {**b.params, "FREE": "1"}   # so each module's own netlist has no stall logic
        out.append(b)
    core.blocks = out
    return core
