"""Walk a Keras model layer by layer and build the IR graph.

The converter keeps the current exact integer tensor and, on top of it, a pending
chain of element-wise layers. A quantiser closes the chain into a Requant node; a
layer that needs exact integers (a MAC, padding) closes it with post-training
quantisation when the model gives no quantiser there, or refuses.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..config import Config
from ..errors import StreamcnnError
from ..fixed import FixedType
from ..ir import Conv2D, Dense, Graph, Node, Requant, Softmax, Tensor
from ..softmax import OUT_TYPE as SOFTMAX_TYPE
from ..softmax import params_for as softmax_params
from .chain import Chain
from .inputs import input_type

HANDLERS: dict[str, Callable] = {}


def handles(*class_names: str):
    """Register a handler for Keras layer classes (by class name, as hls4ml does)."""
    def deco(fn):
        for n in class_names:
            HANDLERS[n] = fn
        return fn
    return deco


class Converter:
    def __init__(self, model, config: Config):
        self.model = model
        self.config = config
        shape = tuple(int(d) for d in model.input_shape[1:])
        in_type, self.input_origin = input_type(model, config)
        self.input = Tensor("input", shape, in_type)
        self.cur = self.input
        self.lo, self.hi = self._type_bounds(self.input)
        self.nodes: list[Node] = []
        self.chain: Chain | None = None
        self.deferred: list[tuple] = []   # (name, build, chain index) of layers met mid-chain
        self.ptq_type: FixedType | None = None          # float MAC output awaiting its cast
        self.softmax: str | bool = False     # the final softmax layer's name, once met
        self.logits_layer, self.logits_fused = "", False   # the Keras layer holding the logits
        self.exact = True
        self.notes: list[str] = []

    # --- state ----------------------------------------------------------------
    @staticmethod
    def _type_bounds(t: Tensor):
        c = t.shape[-1]
        return np.full(c, t.type.min_int, np.int64), np.full(c, t.type.max_int, np.int64)

    def emit(self, node: Node, lo=None, hi=None):
        """Append a node; lo/hi are per-channel integer bounds of its output."""
        # backends name stages, config structs and instances after nodes: names stay unique
        taken = {n.name for n in self.nodes}
        base, k = node.name, 1
        while node.name in taken:
            k += 1
            node.name = f"{base}_{k}"
        self.nodes.append(node)
        self.cur = node.output
        if lo is None:
            lo, hi = self._type_bounds(node.output)
        self.lo, self.hi = np.asarray(lo, np.int64), np.asarray(hi, np.int64)

    def tensor(self, name: str, shape, type_: FixedType) -> Tensor:
        return Tensor(name, tuple(int(s) for s in shape), type_)

    def rank(self) -> int:
        return len(self.cur.shape) + 1

    @property
    def pending(self) -> bool:
        return self.chain is not None or self.ptq_type is not None

    def elementwise(self, name: str, fn: Callable, nondecreasing: bool):
        if self.chain is None:
            self.chain = Chain(self.cur, (self.lo, self.hi), self.rank(), self._producer())
        self.chain.add(name, fn, nondecreasing)

    def _producer(self) -> tuple[str, bool] | None:
        """The MAC feeding a new chain directly in Keras (no layer deferred in between):
        the chain is evaluated behind it, as TensorFlow fuses the two."""
        last = self.nodes[-1] if self.nodes else None
        if self.deferred or last is None or last.output is not self.cur:
            return None
        if isinstance(last, (Conv2D, Dense)):
            return ("conv" if isinstance(last, Conv2D) else "dense", last.bias is not None)
        return None

    def defer(self, name: str, build: Callable[[], None], needs_monotone: bool):
        """A structural layer inside a pending chain: it is emitted after the chain's Requant.

        That reordering is exact for a flatten, and for max pooling when every chain
        op after the pool is non-decreasing (max commutes with those); checked at close.
        """
        self.deferred.append((name, build, len(self.chain.ops) if needs_monotone else None))

    def close(self, out_type: FixedType, exact: bool, where: str):
        """Turn the pending chain (possibly empty) into a Requant node."""
        chain = self.chain or Chain(self.cur, (self.lo, self.hi), self.rank())
        for name, _, since in self.deferred:
            if since is not None and not all(chain.nondecreasing[since:]):
                raise StreamcnnError(
                    f"layer '{name}': max pooling before {', '.join(chain.names[since:])} "
                    "(a decreasing BatchNorm) cannot be made exact; quantise before pooling")
        self.chain, self.ptq_type = None, None
        params = chain.requant(out_type, exact)
        names = chain.names or [where]
        # a bare cast after layer `where` (nothing element-wise between): its own node name
        name = "/".join(chain.names) if chain.names else f"{where}/cast"
        out = self.tensor(name if not chain.names else names[-1], chain.start.shape, out_type)
        lo = np.array([min(steps_ends(s)) for s in params.steps])
        hi = np.array([max(steps_ends(s)) for s in params.steps])
        if chain.start is self.input and out_type == self.input.type and _identity(params, self.lo, self.hi):
            self.notes.append(f"{name}: the input is already on its grid, so it is no node")
        else:
            self.emit(Requant(name, chain.start, out, params=params, layers=names), lo, hi)
        if not exact or params.approximate:
            self.exact = False
        self.notes.extend(params.notes if params.approximate or params.patches is not None else [])
        deferred, self.deferred = self.deferred, []
        for _, build, _ in deferred:
            build()

    def require_exact(self, where: str):
        """Called by layers that consume integers: resolve a pending chain first."""
        if not self.pending:
            return
        t = self.ptq_type or self.config.layer(where).result
        names = ", ".join(self.chain.names) if self.chain else "a float layer"
        self.notes.append(f"{where}: input ({names}) is not quantised; "
                          f"post-training quantised to {t}")
        self.close(t, exact=False, where=where)

    # --- driver ---------------------------------------------------------------
    def run(self) -> Graph:
        layers = self.model.layers
        unknown = sorted(set(self.config.layers) - {layer.name for layer in layers})
        if unknown:
            raise StreamcnnError(f"{self.config.source}: LayerName.{unknown[0]}: model "
                                 f"'{self.model.name}' has no layer of that name")
        for i, layer in enumerate(layers):
            kind = type(layer).__name__
            if i > 0 and len(layer._inbound_nodes) and not _follows(layer, layers[i - 1]):
                raise StreamcnnError(f"layer '{layer.name}' ({kind}): only a single chain of "
                                     "layers is supported (branches found)")
            if self.softmax:
                raise StreamcnnError(f"layer '{layer.name}' ({kind}): layers after the softmax "
                                     "are not supported")
            handler = HANDLERS.get(kind)
            if handler is None:
                raise StreamcnnError(f"layer '{layer.name}': {kind} is not supported")
            handler(self, layer)
            if not self.softmax:
                self.logits_layer = layer.name
        if self.pending:
            self.require_exact("output")
        if self.config.softmax:
            self.softmax_node()
        return Graph(self.model.name, self.input, self.nodes, bool(self.softmax), self.exact,
                     self.notes, self.input_origin, self.logits_layer, self.logits_fused)


    def softmax_node(self):
        """`Softmax: true`: the model's final softmax as an IR node on the logits."""
        if not self.softmax:
            raise StreamcnnError(f"{self.config.source}: Softmax: true, but model "
                                 f"'{self.model.name}' does not end in a softmax")
        if len(self.cur.shape) != 1:
            raise StreamcnnError(f"layer '{self.softmax}': softmax of a {self.cur.shape} tensor; "
                                 "only a vector of logits is supported")
        out = self.tensor(self.softmax, self.cur.shape, SOFTMAX_TYPE)
        self.emit(Softmax(self.softmax, self.cur, out,
                          params=softmax_params(self.cur.type, self.cur.shape[0])))


def _identity(params, lo, hi) -> bool:
    """Does the requantiser return every integer of [lo, hi] unchanged (all channels)?"""
    span = int((hi - lo).max(initial=0)) + 1
    if span * len(lo) > 1 << 20:
        return False
    a = np.minimum(lo[None, :] + np.arange(span)[:, None], hi[None, :])
    return bool(np.array_equal(params.apply(a), a))


def steps_ends(st) -> tuple[int, int]:
    return st.base, st.base + len(st.thresholds)


def _follows(layer, prev) -> bool:
    inbound = layer._inbound_nodes[0].inbound_layers
    inbound = inbound if isinstance(inbound, list) else [inbound]
    return len(inbound) == 1 and inbound[0] is prev
