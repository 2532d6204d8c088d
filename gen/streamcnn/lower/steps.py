"""The lowering pass: the graph as a list of steps, each a padding or a node's work, with
the decisions both backends share: padding and fill (_padding), work per frame (_items),
the rate it comes at (_Rates), fold (_fold, fold.auto) and whether a dense layer takes
its vector a pixel at a time (_stream_into_dense)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import AUTO, Config
from ..errors import StreamcnnError
from ..fixed import FixedType
from ..ir import Conv2D, Dense, Flatten, Graph, Node, Pool2D, ZeroPad2D
from . import fold
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
    interval: int = 1                      # fewest cycles between two of its items (or input
                                           # words, if it takes its vector word by word)
    auto: bool = False                     # reuse chosen by fold.auto (ReuseFactor: auto)

    @property
    def steps(self) -> int:
        """Cycles a folded MAC spends on each input word: all its reuse for a window or a
        vector in one word; a share of it for a vector that comes pixel by pixel."""
        return self.reuse // self.input.words if isinstance(self.node, Dense) else self.reuse


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
    rates = _Rates(frame)
    for node in graph.nodes:
        shape = node.input.shape
        pad = _padding(node)
        if pad is not None:
            out.steps.append(pad)
            rates.pad()
            if pad.own:
                continue
            shape = pad.padded
        reuse, strategy = _fold(node, config)
        items = _items(node)
        out.steps.append(Work(node, shape, stream_of(node.input), stream_of(node.output), items,
                              1 if reuse == AUTO else reuse, strategy, rates.work(node),
                              reuse == AUTO))
    fold.auto(out.works(), config.budget_cycles(frame))      # ReuseFactor: auto
    _stream_into_dense(out.works())
    return out


class _Rates:
    """The fewest cycles between two words of the current stream, with the input at one
    word a clock: a window of stride s needs s new words of its row, a frame's vector all
    the frame's words; padding may put border words back to back."""
    def __init__(self, frame: int):
        self.frame, self.word = frame, 1

    def pad(self):
        self.word = 1

    def work(self, node: Node) -> int:
        """The interval of this node's items; moves the rate on to its output stream."""
        if isinstance(node, (Conv2D, Pool2D)):
            self.word *= node.strides[1]
            return self.word
        if isinstance(node, Dense):
            self.word = self.frame                  # one vector a frame
            return self.frame
        interval = self.word                        # an item per input word
        if isinstance(node, Flatten):
            self.word = self.frame
        return interval


def _stream_into_dense(works: list[Work]):
    """A folded dense layer right after a Flatten of P > 1 pixels takes the pixels as they
    come (fold.streamable): no collecting, and only the last pixel's steps add latency.
    The Flatten's output then stays P words of C values, the dense layer's input likewise."""
    for flat, dense in zip(works, works[1:]):
        if fold.streamable(flat, dense, dense.reuse):
            flat.output = dense.input = flat.input
            dense.interval = flat.interval


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


def _fold(node: Node, config: Config) -> tuple[int | str, str]:
    """(reuse factor or AUTO, strategy) of a conv or dense layer; an explicit reuse factor
    must divide the multiplications per output."""
    if not isinstance(node, (Conv2D, Dense)):
        return 1, "Latency"
    lc = config.layer(node.name)
    macs = fold.weight_matrix(node).shape[0]
    r = lc.reuse_factor
    if r != AUTO and (r < 1 or macs % r):
        raise StreamcnnError(f"layer '{node.name}': ReuseFactor {r} does not fit its {macs} "
                             "multiplications per output (it must divide them)")
    return r, lc.strategy
