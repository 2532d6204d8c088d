"""The lowering pass: the graph as a list of steps, each a padding or a node's work, with
the decisions both backends share: padding and fill (_padding), work per frame (_items) and
fold (_fold)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Config
from ..errors import StreamcnnError
from ..fixed import FixedType
from ..ir import Conv2D, Dense, Graph, Node, Pool2D, ZeroPad2D
from .stream import StreamFormat, stream_of


@dataclass
class Pad:
    """Border pixels around an (H, W, C) stream: a ZeroPad2D node itself (`own`), or the
    padding a convolution or pooling needs in front of it."""
    node: Node
    shape: tuple[int, int, int]            # (H, W, C) before padding
    pads: tuple[int, int, int, int]        # top, bottom, left, right
    fill: int                              # the integer a border pixel holds
    own: bool
    type: FixedType                        # element type (unchanged by padding)

    @property
    def padded(self) -> tuple[int, int, int]:
        h, w, c = self.shape
        t, b, l, r = self.pads
        return h + t + b, w + l + r, c

    @property
    def output(self) -> StreamFormat:
        h, w, c = self.padded
        return StreamFormat(h * w, c, self.type)


@dataclass
class Work:
    """A node's computation on its (padded) input stream."""
    node: Node
    shape: tuple[int, ...]                 # the input as the node sees it, after padding
    input: StreamFormat
    output: StreamFormat
    items: int                             # windows (conv, pool) or vectors it computes per frame
    reuse: int = 1                         # multiplications per multiplier (conv, dense)
    strategy: str = "Latency"
    interval: int = 1                      # fewest cycles between two of its items


@dataclass
class Lowering:
    graph: Graph
    steps: list = field(default_factory=list)      # Pad and Work, in stream order

    def works(self) -> list[Work]:
        return [s for s in self.steps if isinstance(s, Work)]


def lower(graph: Graph, config: Config | None = None) -> Lowering:
    config = config or Config.default()
    out = Lowering(graph)
    frame = stream_of(graph.input).words
    for node in graph.nodes:
        shape = node.input.shape
        pad = _padding(node)
        if pad is not None:
            out.steps.append(pad)
            if pad.own:
                continue
            shape = pad.padded
        reuse, strategy = _fold(node, config)
        items = _items(node)
        out.steps.append(Work(node, shape, stream_of(node.input), stream_of(node.output),
                              items, reuse, strategy, _interval(items, frame)))
    return out


def _interval(items: int, frame: int) -> int:
    """Fewest cycles between two items of a node: a frame's input words (one a clock at most)
    for one item a frame; else 1, as windows of a row can come back to back."""
    return frame if items == 1 else 1


def _padding(node: Node) -> Pad | None:
    """The padding step in front of a node, with its fill: zeros for convolutions, the
    smallest value for max pooling (it never wins); padded average pooling is refused."""
    if isinstance(node, ZeroPad2D):
        return Pad(node, node.input.shape, node.pads, 0, True, node.input.type)
    if not isinstance(node, (Conv2D, Pool2D)) or not any(node.pads):
        return None
    t = node.input.type
    if isinstance(node, Conv2D):
        return Pad(node, node.input.shape, node.pads, 0, False, t)
    if node.kind != "max":
        raise StreamcnnError(f"layer '{node.name}': padded average pooling is not supported")
    return Pad(node, node.input.shape, node.pads, t.min_int, False, t)


def _items(node: Node) -> int:
    """Units of work per frame: output windows of a convolution or pooling, one vector of a
    dense layer, else a word per input word."""
    if isinstance(node, (Conv2D, Pool2D)):
        return node.output.shape[0] * node.output.shape[1]
    if isinstance(node, Dense):
        return 1
    return stream_of(node.input).words


def _fold(node: Node, config: Config) -> tuple[int, str]:
    """(reuse factor, strategy) of a conv or dense layer; the reuse factor must divide the
    multiplications per output."""
    if not isinstance(node, (Conv2D, Dense)):
        return 1, "Latency"
    lc = config.layer(node.name)
    macs = int(node.weights.size // node.weights.shape[-1])
    r = lc.reuse_factor
    if r < 1 or macs % r:
        raise StreamcnnError(f"layer '{node.name}': ReuseFactor {r} does not fit its {macs} "
                             "multiplications per output (it must divide them)")
    return r, lc.strategy
