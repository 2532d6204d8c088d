"""Lowered graph -> the HLS dataflow stages: one library call per stage, with its config and
constant arrays. Pure data; `project.py` renders it into C++.

Inside the C++ every tensor is an integer on its IR grid (ap_int/ap_uint of the IR width);
the result port shows the logits as ap_fixed. Scale nodes change only the grid: no stage.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import StreamcnnError
from ..fixed import FixedType
from ..ir import Tensor
from ..lower import Lowering, Pad, Work
from .. import softmax as sm
from ..names import Identifiers


@dataclass
class Stage:
    name: str                       # IR node name (taps and messages use it)
    func: str                       # streamcnn::<func><cfg>
    cfg: str                        # config struct name
    out_t: str                      # element typedef of the output stream
    out_c: int                      # values per output word
    types: dict[str, str]           # typedefs inside the config struct
    ints: dict[str, int]            # static const ints of the config struct
    arrays: list[tuple[str, str, np.ndarray]] = field(default_factory=list)  # name, type, values
    tap: bool = True                # hashed in C simulation (pad stages are not IR nodes)
    comment: str = ""
    var: str = ""                   # the C++ stream variable (named by project.py)


def int_type(t: FixedType) -> str:
    return f"ap_int<{t.width}>" if t.signed else f"ap_uint<{t.width}>"


def int_type_for(lo: int, hi: int) -> str:
    return int_type(FixedType.for_range(int(lo), int(hi), 0))


def c_int_type(values) -> str:
    """The smallest C integer type of a constant array. Constant arrays use C types, not
    ap_int: ap_int constructors would make every element a run-time initialisation in C
    simulation (slow to compile), and HLS narrows constant operands to their values anyway."""
    v = np.asarray(values, np.int64)
    lo, hi = (int(v.min()), int(v.max())) if v.size else (0, 0)
    for bits in (8, 16, 32):
        if -(1 << (bits - 1)) <= lo and hi < (1 << (bits - 1)):
            return f"int{bits}_t"
    return "int64_t"


class StageBuilder:
    def __init__(self, lowering: Lowering):
        self.lowering, graph = lowering, lowering.graph
        self.ident = Identifiers()               # C++ names: always with a suffix or prefix
        self.stages: list[Stage] = []
        self.elem = "input_t"                    # element typedef of the current stream
        self.typedefs: list[tuple[str, str, str]] = [("input_t", int_type(graph.input.type),
                                                      f"input: {graph.input.type}")]

    def build(self) -> list[Stage]:
        for step in self.lowering.steps:
            if isinstance(step, Pad):
                self._pad(step)
                continue
            handler = getattr(self, "_" + type(step.node).__name__.lower(), None)
            if handler is None:
                raise StreamcnnError(f"layer '{step.node.name}': {step.node.op} has no HLS "
                                     "implementation")
            handler(step)
        return self.stages

    # --- helpers --------------------------------------------------------------
    def _typedef(self, tensor: Tensor) -> str:
        name = "t_" + self.ident(tensor.name)     # never a config struct's member (in_t, out_t)
        if name not in (t[0] for t in self.typedefs):
            self.typedefs.append((name, int_type(tensor.type), f"{tensor.name}: {tensor.type}"))
        return name

    def _add(self, node_name: str, func: str, out: Tensor | None, types: dict, ints: dict,
             arrays=(), tap=True, suffix="", out_c=None, comment="") -> Stage:
        cfg = self.ident(node_name) + suffix + "_cfg"
        out_t = self._typedef(out) if out is not None else self.elem
        st = Stage(node_name, func, cfg, out_t, out_c or out.shape[-1], types, ints, list(arrays),
                   tap, comment)
        self.stages.append(st)
        self.elem = out_t
        return st

    def _pad(self, pad: Pad):
        """A ZeroPad2D node is a stage of its own (tapped); the padding in front of a conv or
        pool is a helper stage, not an IR node (not tapped). Keeps its element type."""
        h, w, c = pad.shape
        t, b, l, r = pad.pads
        self._add(pad.node.name, "pad2d", None, {"t": self.elem},
                  {"h": h, "w": w, "c": c, "top": t, "bottom": b, "left": l, "right": r,
                   "fill": pad.fill}, tap=pad.own, suffix="" if pad.own else "_pad", out_c=c)

    # --- one method per IR node type, each given its lowered Work --------------
    def _scale(self, work: Work):
        pass                                        # same integers, finer grid

    def _conv2d(self, work: Work):
        node = work.node
        h, w, cin = work.shape
        kh, kw, _, cout = node.weights.shape
        ho, wo, _ = node.output.shape
        ints = {"h": h, "w": w, "cin": cin, "cout": cout, "kh": kh, "kw": kw,
                "sh": node.strides[0], "sw": node.strides[1], "ho": ho, "wo": wo}
        self._mac(work, "conv2d", node.weights.reshape(-1, cout), ints)

    def _pool2d(self, work: Work):
        node = work.node
        h, w, c = work.shape
        ho, wo, _ = node.output.shape
        self._add(node.name, "pool2d", node.output,
                  {"in_t": self.elem, "out_t": self._typedef(node.output)},
                  {"h": h, "w": w, "c": c, "kh": node.pool[0], "kw": node.pool[1],
                   "sh": node.strides[0], "sw": node.strides[1], "ho": ho, "wo": wo,
                   "is_max": int(node.kind == "max")})

    def _flatten(self, work: Work):
        pixels, c = work.input.words, work.input.values
        self._add(work.node.name, "flatten", None, {"t": self.elem},
                  {"pixels": pixels, "c": c, "n": pixels * c}, out_c=pixels * c)

    def _dense(self, work: Work):
        self._mac(work, "dense", work.node.weights, {})

    def _mac(self, work: Work, func: str, w2d: np.ndarray, ints: dict):
        """A conv2d or dense stage; w2d is (inputs per output, outputs). Latency: the weights
        as the node holds them, multipliers on constants; Resource: a flat ROM, transposed
        (resource.h), shared by nin * nout / reuse multipliers."""
        node = work.node
        nin, nout = w2d.shape
        reuse = work.reuse
        in_t, acc_t = self.elem, self._typedef(node.output)
        b = _bias(node)
        w_t, b_t = c_int_type(node.weights), c_int_type(b)
        ints = {**ints, "nin": nin, "nout": nout, "reuse": reuse}
        weights = node.weights
        if work.strategy == "Resource":
            func += "_resource"
            ints["block"] = nin * nout // reuse
            weights = w2d.T.reshape(-1)
        self._add(node.name, func, node.output, {"in_t": in_t, "acc_t": acc_t, "w_t": w_t, "b_t": b_t},
                  ints, [(self.ident(node.name) + "_w", w_t, weights), (self.ident(node.name) + "_b", b_t, b)])

    def _requant(self, work: Work):
        node = work.node
        p = node.params
        pixels, c = work.input.words, work.input.values
        in_t, out_t = self.elem, self._typedef(node.output)
        a_lo = np.array([s.a_lo for s in p.steps], np.int64)
        a_hi = np.array([s.a_hi for s in p.steps], np.int64)
        base = self.ident(node.name)
        if p.affine:
            ends = np.concatenate([a_lo * p.mult + p.add, a_hi * p.mult + p.add, [p.lo, p.hi]])
            types = {"in_t": in_t, "out_t": out_t, "wide_t": int_type_for(ends.min(), ends.max()),
                     "m_t": c_int_type(p.mult), "b_t": c_int_type(p.add)}
            ints = {"pixels": pixels, "c": c, "shift": p.shift, "lo": p.lo, "hi": p.hi}
            arrays = [(base + "_m", types["m_t"], p.mult), (base + "_b", types["b_t"], p.add)]
            if p.patches is None:
                self._add(node.name, "requant_affine", node.output, types, ints, arrays,
                          comment="y = clip((a * M + B) >> S, lo, hi)")
                return
            ch, acc, d = p.patches.T
            types.update(ch_t=c_int_type(ch), a_t=c_int_type(acc), d_t=c_int_type(d))
            self._add(node.name, "requant_patched", node.output, types,
                      {**ints, "patches": len(p.patches)},
                      arrays + [(base + "_pch", types["ch_t"], ch), (base + "_pacc", types["a_t"], acc),
                                (base + "_pd", types["d_t"], d)],
                      comment="y = clip((a * M + B) >> S, lo, hi) + delta at listed (channel, a)")
            return
        w = node.input.type.width
        levels = max(1, max(len(s.thresholds) for s in p.steps))
        never = (1 << (w + 1)) - 1                  # above any |a| < 2^(w-1): never reached
        thr = np.full((c, levels), never, np.int64)
        for ch, s in enumerate(p.steps):
            thr[ch, :len(s.thresholds)] = s.thresholds
        bases = np.array([s.base for s in p.steps], np.int64)
        base_hi = int((bases + levels).max())
        types = {"in_t": in_t, "out_t": out_t, "x_t": f"ap_int<{w + 1}>", "thr_t": c_int_type(thr),
                 "base_t": int_type_for(min(bases.min(), 0), base_hi), "b0_t": c_int_type(bases)}
        self._add(node.name, "requant_thresholds", node.output, types,
                  {"pixels": pixels, "c": c, "levels": levels},
                  [(base + "_thr", types["thr_t"], thr), (base + "_base", types["b0_t"], bases),
                   (base + "_neg", "bool", np.array([s.sign < 0 for s in p.steps], np.int64))],
                  comment="y = base + #(thresholds <= sign * a)")

    def _softmax(self, work: Work):
        node = work.node
        p = node.params
        w = node.input.type.width
        types = {"in_t": self.elem, "out_t": self._typedef(node.output),
                 "d_t": f"ap_uint<{w + 1 + p.lshift}>", "exp_t": f"ap_uint<{sm.EXP_BITS + 1}>",
                 "sum_t": f"ap_uint<{p.sum_bits}>", "inv_t": f"ap_uint<{sm.INV_FRAC + 1}>",
                 "prod_t": f"ap_uint<{sm.EXP_BITS + sm.INV_FRAC + 2}>",
                 "etab_t": c_int_type(p.exp_table), "itab_t": c_int_type(p.inv_table)}
        base = self.ident(node.name)
        self._add(node.name, "softmax", node.output, types,
                  {"n": p.n, "ii": (p.n + 1) // 2,    # two exp lookups per cycle (softmax.h)
                   "lshift": p.lshift, "rshift": p.rshift, "rnd": p.rnd, "exp_size": sm.EXP_SIZE,
                   "exp_bits": sm.EXP_BITS, "sum_bits": p.sum_bits,
                   "inv_bits": sm.INV_BITS, "inv_frac": sm.INV_FRAC, "out_frac": p.out_frac},
                  [(base + "_exp", types["etab_t"], p.exp_table),
                   (base + "_inv", types["itab_t"], p.inv_table)],
                  comment="p = e^-(max - z) / sum by tables (softmax.py)")


def _bias(node) -> np.ndarray:
    cout = node.weights.shape[-1]
    return node.bias if node.bias is not None else np.zeros(cout, np.int64)
