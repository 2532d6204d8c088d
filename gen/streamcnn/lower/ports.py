"""The core's two external stream words, packed as Vitis HLS packs the top function's
structs (fields in order, each word padded to whole bytes), so that the Verilog core and the
HLS IP are interchangeable on the same AXI-Stream."""
from __future__ import annotations

from dataclasses import dataclass

from ..ir import Graph
from .stream import stream_of


@dataclass
class Ports:
    in_w: int            # input_r_TDATA bits (pixel: C values, padded to bytes)
    in_c: int
    in_elem_w: int
    out_w: int           # output_r_TDATA bits (logits then class index, padded to bytes)
    n_logits: int
    logit_w: int
    class_w: int
    logit_signed: bool = True
    pixels: int = 1      # input words per frame: a pixel per word, or one vector


def _bytes(bits: int) -> int:
    return -(-bits // 8) * 8


def ports(graph: Graph) -> Ports:
    s = stream_of(graph.input)
    n, lw = graph.output.shape[-1], graph.output.type.width
    cw = max(1, (n - 1).bit_length())
    return Ports(_bytes(s.bits), s.values, s.type.width, _bytes(n * lw + cw), n, lw, cw,
                 graph.output.type.signed, s.words)
