"""The one intermediate representation every backend reads.

A Graph is a chain of nodes over integer tensors. Each tensor has a FixedType:
its elements are integers, value = int * 2**-type.frac. Nodes never hold floats.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .fixed import FixedType
from .requant import RequantParams
from .softmax import SoftmaxParams


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...]         # without the batch axis: (H, W, C) or (N,)
    type: FixedType

    @property
    def channels(self) -> int:
        return self.shape[-1]


@dataclass
class Node:
    name: str                      # the Keras layer (or layers) it comes from
    input: Tensor
    output: Tensor

    op = "node"


@dataclass
class Scale(Node):
    """Multiply by a power of two: the integers stay, only the grid changes."""
    op = "scale"


@dataclass
class Conv2D(Node):
    weights: np.ndarray = None     # int64 (kh, kw, cin, cout), on grid 2**-weight_frac
    bias: np.ndarray | None = None # int64 (cout,), on the output grid
    strides: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)   # top, bottom, left, right
    weight_type: FixedType = None
    op = "conv2d"


@dataclass
class Dense(Node):
    weights: np.ndarray = None     # int64 (nin, nout)
    bias: np.ndarray | None = None
    weight_type: FixedType = None
    op = "dense"


@dataclass
class Pool2D(Node):
    kind: str = "max"              # "max" or "avg" (avg keeps the sum: its grid absorbs 1/area)
    pool: tuple[int, int] = (2, 2)
    strides: tuple[int, int] = (2, 2)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)
    op = "pool2d"


@dataclass
class ZeroPad2D(Node):
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)
    op = "zeropad2d"


@dataclass
class Flatten(Node):
    op = "flatten"


@dataclass
class Requant(Node):
    """Element-wise accumulator -> quantised tensor (see requant.py)."""
    params: RequantParams = None
    layers: list[str] = field(default_factory=list)   # the Keras layers it stands for
    op = "requant"


@dataclass
class Softmax(Node):
    """Probabilities of the logits by lookup tables (softmax.py); only with `Softmax: true`."""
    params: "SoftmaxParams" = None
    op = "softmax"


@dataclass
class Graph:
    name: str
    input: Tensor
    nodes: list[Node]
    softmax: bool = False          # the Keras model ends in a softmax (argmax is unchanged);
                                   # a Softmax node computes it only with `Softmax: true`
    exact: bool = True             # every node equals QKeras bit for bit by construction
    notes: list[str] = field(default_factory=list)
    input_origin: str = ""         # why the input has its type (frontend/inputs.py)
    logits_layer: str = ""         # the Keras layer whose output the logits are
    logits_fused: bool = False     # ... before its own (softmax) activation

    @property
    def output(self) -> Tensor:
        return self.nodes[-1].output if self.nodes else self.input

    def summary(self) -> str:
        rows = [f"{'node':<28}{'op':<10}{'output':<16}type"]
        rows.append(f"{'input':<28}{'':<10}{str(self.input.shape):<16}{self.input.type}"
                    f"  [{self.input_origin}]")
        for n in self.nodes:
            extra = ""
            if isinstance(n, Requant):
                p = n.params
                extra = f"  [{'mult/add/shift' if p.affine else 'thresholds'}" \
                        f"{', exhaustive' if p.exhaustive else ''}]"
            rows.append(f"{n.name:<28}{n.op:<10}{str(n.output.shape):<16}{n.output.type}{extra}")
        return "\n".join(rows)


def save_graph(graph: Graph, path) -> None:
    """The IR as a pickle: backends and checks read it back from the build folder."""
    import pickle
    with open(path, "wb") as f:
        pickle.dump(graph, f)


def load_graph(path) -> Graph:
    """The IR of a build folder, or a one-line error naming the file (missing, unreadable,
    truncated, corrupt, or written by another version of streamcnn)."""
    import pickle
    from pathlib import Path
    from .errors import StreamcnnError
    again = "run `streamcnn convert` again"
    if not Path(path).is_file():
        raise StreamcnnError(f"{path}: no IR here (run `streamcnn convert` first)")
    try:
        with open(path, "rb") as f:
            graph = pickle.load(f)
    except OSError as e:
        raise StreamcnnError(f"{path}: cannot read the IR ({e.strerror})") from None
    except (ImportError, AttributeError) as e:   # a class this version does not have
        raise StreamcnnError(f"{path}: written by another version of streamcnn "
                             f"({type(e).__name__}: {e}); {again}") from None
    except Exception as e:                       # truncated, corrupt, not a pickle at all
        text = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise StreamcnnError(f"{path}: not a readable streamcnn IR, truncated or corrupt "
                             f"({type(e).__name__}{': ' + text if text else ''}); "
                             f"{again}") from None
    if not isinstance(graph, Graph):
        raise StreamcnnError(f"{path}: not a streamcnn IR (it holds a "
                             f"{type(graph).__module__}.{type(graph).__name__}); {again}")
    if not (isinstance(getattr(graph, "input", None), Tensor)
            and isinstance(getattr(graph, "nodes", None), list) and graph.nodes
            and all(isinstance(n, Node) for n in graph.nodes)):
        raise StreamcnnError(f"{path}: an incomplete streamcnn IR (no input tensor or no "
                             f"nodes); {again}")
    return graph
