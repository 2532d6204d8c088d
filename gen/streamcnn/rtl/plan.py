"""Lowered graph -> the chain of Verilog blocks of the network core: library modules from rtl/
with their parameters, and the generated constant-weight MACs. Pure data; `project.py`
writes it out.

Every stream carries integers on the IR grid, channel c of a word at [c*W +: W].
"""
from __future__ import annotations

import numpy as np

from ..errors import StreamcnnError
from ..fixed import FixedType
from ..names import VERILOG_KEYWORDS, Identifiers
from ..lower import Lowering, Pad, Work, stream_of
from ..lower.fold import weight_matrix
from .blocks import Block, Core
from .folded import folded_mac_module
from .verilog import mac_module, vec


class Planner:
    def __init__(self, lowering: Lowering):
        self.lowering, graph = lowering, lowering.graph
        # instance names: clear of keywords and of the wires network.v.j2 declares itself
        self.ident = Identifiers(VERILOG_KEYWORDS, ("rst", "logits", "class_index", "result",
                                                    "result_last", "result_done", "result_fifo",
                                                    "ap_clk", "ap_rst_n"))
        self.core = Core(names=self.ident)
        s = stream_of(graph.input)
        self.width, self.beats = s.bits, s.words     # the current stream: word bits, beats

    def build(self) -> Core:
        for step in self.lowering.steps:
            if isinstance(step, Pad):
                self._pad(step)
                continue
            handler = getattr(self, "_" + type(step.node).__name__.lower(), None)
            if handler is None:
                raise StreamcnnError(f"layer '{step.node.name}': {step.node.op} has no RTL "
                                     "implementation")
            handler(step)
        return self.core

    def _add(self, inst, module, params, out_w, node, beats=None, **kw) -> Block:
        self.beats = self.beats if beats is None else beats
        b = Block(self.ident(inst), module, {k: str(v) for k, v in params.items()}, self.width, out_w,
                  node, beats=self.beats, **kw)
        self.core.blocks.append(b)
        self.width = out_w
        return b

    def _pad(self, pad: Pad):
        """A ZeroPad2D node keeps its name; the padding in front of a conv or pool is
        <node>_pad."""
        h, w, c = pad.shape
        top, bottom, left, right = pad.pads
        t = pad.type
        self._add(pad.node.name + ("" if pad.own else "_pad"), "pad2d",
                  {"IMG_H": h, "IMG_W": w, "C": c, "W": t.width, "TOP": top, "BOTTOM": bottom,
                   "LEFT": left, "RIGHT": right, "FILL": vec([pad.fill], t.width)}, self.width,
                  pad.node.name, beats=pad.output.words, stalls=True)

    def _window(self, node, h, w, c, t: FixedType, k: int, stride: int):
        if k == 1 and stride == 1:
            return                                   # every pixel is its own window
        self._add(node.name + "_win", "window_gen",
                  {"IMG_H": h, "IMG_W": w, "C": c, "W": t.width, "K": k, "STRIDE": stride},
                  k * k * c * t.width, node.name, s_last=False,
                  beats=((h - k) // stride + 1) * ((w - k) // stride + 1))

    def _mac(self, node, weights: np.ndarray, bias, in_t: FixedType, out_t: FixedType,
             reuse: int = 1, words: int = 1):
        """The constant-weight MAC of a window or vector: fully parallel (<layer>_mac), or
        folded by the lowering's reuse factor (<layer>_fold, folded.py), the vector in
        `words` input words."""
        name = self.ident(node.name + ("_mac" if reuse == 1 else "_fold"))
        if reuse == 1:
            text, depth, adders = mac_module(name, node.name, weights, bias, in_t.width,
                                             in_t.signed, out_t.width)
        else:
            text, depth, adders = folded_mac_module(name, node.name, weights, bias, in_t.width,
                                                    in_t.signed, out_t.width, reuse, words)
        self.core.sources[name + ".v"] = text
        self.core.adders += adders
        self._add(name, name, {}, weights.shape[1] * out_t.width, node.name, stages=depth,
                  beats=None if words == 1 else 1)

    @staticmethod
    def _square(node, what, pair):
        if pair[0] != pair[1]:
            raise StreamcnnError(f"layer '{node.name}': {what} {pair[0]}x{pair[1]} is not square; "
                                 "the RTL backend supports square windows and strides only")
        return pair[0]

    # --- one method per IR node type, each given its lowered Work --------------
    def _scale(self, work: Work):
        pass

    def _conv2d(self, work: Work):
        node = work.node
        h, w, cin = work.shape
        kh, kw, _, cout = node.weights.shape
        k = self._square(node, "kernel", (kh, kw))
        s = self._square(node, "stride", node.strides)
        self._window(node, h, w, cin, node.input.type, k, s)
        self._mac(node, weight_matrix(node), node.bias, node.input.type,
                  node.output.type, work.reuse)

    def _pool2d(self, work: Work):
        node = work.node
        h, w, c = work.shape
        t = node.input.type
        k = self._square(node, "pool", node.pool)
        s = self._square(node, "pool stride", node.strides)
        self._window(node, h, w, c, t, k, s)
        if node.kind == "max":
            self._add(node.name, "pool", {"N": k * k, "C": c, "W": t.width, "MODE": 0,
                                          "SIGNED": int(t.signed)}, c * t.width, node.name,
                      stages=max(1, (k * k - 1).bit_length()))       # pool.v's STAGES
        else:            # the IR keeps the window sum: a MAC with unit weights
            ones = np.zeros((k * k * c, c), np.int64)
            for e in range(k * k):
                ones[e * c + np.arange(c), np.arange(c)] = 1
            self._mac(node, ones, None, t, node.output.type)

    def _flatten(self, work: Work):
        pixels, c, w = work.input.words, work.input.values, work.input.type.width
        if pixels > 1 and work.output.words == 1:     # else the dense layer takes the pixels
            self._add(work.node.name, "stream_collect", {"N": pixels, "IN_W": c * w},
                      pixels * c * w, work.node.name, beats=1)

    def _dense(self, work: Work):
        node = work.node
        self._mac(node, node.weights, node.bias, node.input.type, node.output.type, work.reuse,
                  work.input.words)

    def _requant(self, work: Work):
        node = work.node
        p = node.params
        c = work.input.values
        a_w, out = node.input.type.width, node.output.type
        common = {"C": c, "ACC_W": a_w, "IN_SIGNED": int(node.input.type.signed),
                  "OUT_W": out.width, "OUT_SIGNED": int(out.signed)}
        if p.affine:
            m_w = max(int(np.abs(p.mult).max()).bit_length() + 1, 2)
            b_w = max(int(np.abs(p.add).max()).bit_length() + 1, 2)
            params = {**common, "FORM": 0, "M_W": m_w, "B_W": b_w, "SHIFT": p.shift,
                      "LO": p.lo, "HI": p.hi, "MULT": vec(p.mult, m_w), "ADD": vec(p.add, b_w)}
            if p.patches is not None:
                ch, acc, d = p.patches.T
                ch_w = max(1, (c - 1).bit_length())
                d_w = int(np.abs(d).max()).bit_length() + 1
                del params["FORM"]
                params.update(N=len(ch), CH_W=ch_w, D_W=d_w, P_CH=vec(ch, ch_w),
                              P_ACC=vec(acc, a_w), P_D=vec(d, d_w))
                self._add(node.name, "requant_patched", params, c * out.width, node.name, stages=4)
                return
        else:
            levels = max(1, max(len(s.thresholds) for s in p.steps))
            t_w = a_w + 2                            # holds +-a and the "never" value
            never = (1 << (t_w - 1)) - 1
            thr = np.full((c, levels), never, np.int64)
            for ch, s in enumerate(p.steps):
                thr[ch, :len(s.thresholds)] = s.thresholds
            params = {**common, "FORM": 1, "L": levels, "T_W": t_w,
                      "THR": vec(thr.reshape(-1), t_w),
                      "BASE": vec([s.base for s in p.steps], out.width),
                      "NEG": vec([int(s.sign < 0) for s in p.steps], 1)}
        self._add(node.name, "requant", params, c * out.width, node.name,   # requant.v's STAGES
                  stages=3 if p.affine else levels.bit_length() + 2)


def plan(lowering: Lowering) -> Core:
    return Planner(lowering).build()
