"""Lowering: the IR graph -> how each node is built, decided once for every backend.

The HLS and Verilog backends read a `Lowering` instead of the graph alone: which padding
steps run before which node and with what fill, the stream format on every edge (words per
frame, values per word, element type), the rate at which each node receives work (windows
or vectors per frame) and its fold (reuse factor and strategy from the config)."""
from .ports import Ports, ports
from .steps import Lowering, Pad, Work, lower
from .stream import StreamFormat, stream_of

__all__ = ["Lowering", "Pad", "Ports", "StreamFormat", "Work", "lower", "ports", "stream_of"]
