"""Render the generated Verilog from the templates in rtl/templates (jinja2)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import assets
from ..fixed import signed_width
from . import mac

RTL_ROOT = assets.path("rtl")           # the Verilog library and rtl/templates


def _env():
    import jinja2
    templates = assets.folder("rtl") / "templates"
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined)


def render(template: str, **ctx) -> str:
    return _env().get_template(template).render(**ctx)


LITERAL_BITS = 1024       # Icarus' scanner rejects tokens of a few ten thousand characters


def vec(values, w: int) -> str:
    """A packed vector literal, element 0 in the low bits, two's complement per element;
    long ones as a concatenation of 1,024-bit pieces."""
    word, total = 0, w * len(values)
    for i, v in enumerate(values):
        word |= (int(v) % (1 << w)) << (i * w)
    if total <= LITERAL_BITS:
        return f"{total}'h{word:x}"
    pieces = []
    for lo in range(0, total, LITERAL_BITS):
        n = min(LITERAL_BITS, total - lo)
        pieces.append(f"{n}'h{(word >> lo) & ((1 << n) - 1):x}")
    return "{" + ", ".join(reversed(pieces)) + "}"


@dataclass
class Named:
    name: str
    expr: str
    width: int = 0


def resized(name: str, w_src: int, w: int) -> str:
    """`name` (two's complement, w_src bits) sign-extended or cut to w bits."""
    if w == w_src:
        return name
    if w < w_src:
        return f"{name}[{w - 1}:0]"
    return f"{{{{{w - w_src}{{{name}[{w_src - 1}]}}}}, {name}}}"


def _part(name: str, w_src: int, lo: int, w: int) -> str:
    """Bits lo and up of `name` (w_src bits), i.e. name >>> lo, sign-extended or cut to w."""
    if not lo:
        return resized(name, w_src, w)
    if w <= w_src - lo:
        return f"{name}[{lo + w - 1}:{lo}]"
    return f"{{{{{w - w_src + lo}{{{name}[{w_src - 1}]}}}}, {name}[{w_src - 1}:{lo}]}}"


def _zeros(v: int) -> int:
    """Trailing zero bits of v (a large number for 0)."""
    return (v & -v).bit_length() - 1 if v else 1 << 30


def _low_zeros(expr: str, tz: int) -> str:
    """A w-bit sum whose low tz bits are known zero: the adder works on the bits above only
    (`expr` is on w - tz bits), so synthesis neither builds nor registers the zeros."""
    return f"{{{expr}, {tz}'d0}}" if tz else expr


def shifted(name: str, w_src: int, k: int, w: int) -> str:
    """The parts of a concatenation {...} that is (name << k) on w bits."""
    if k >= w:
        return f"{w}'d0"
    return resized(name, w_src, w - k) + (f", {k}'d0" if k else "")


def input_slice(i: int, in_w: int, signed: bool, w: int, src: str = "s_axis_tdata") -> str:
    """Input i of the packed word `src` as a w-bit two's complement value (or its low w bits)."""
    lo = i * in_w
    if w <= in_w:
        return f"{src}[{lo + w - 1}:{lo}]"
    top = f"{{{w - in_w}{{{src}[{lo + in_w - 1}]}}}}" if signed else f"{w - in_w}'d0"
    return f"{{{top}, {src}[{lo + in_w - 1}:{lo}]}}"


def input_range(in_w: int, signed: bool) -> tuple[int, int]:
    return (-(1 << (in_w - 1)), (1 << (in_w - 1)) - 1) if signed else (0, (1 << in_w) - 1)


class ShiftedInputs:
    """Leaf terms of a constant-weight MAC: +-(x[src] << shift), or a constant."""
    def __init__(self, x_lo: int, x_hi: int, x_w: int):
        self.x_lo, self.x_hi, self.x_w = x_lo, x_hi, x_w

    def range(self, t: mac.Term) -> tuple[int, int]:
        a, b = ((t.value, t.value) if t.src < 0 else (self.x_lo << t.shift, self.x_hi << t.shift))
        return (a, b) if t.sign > 0 else (-b, -a)

    def zeros(self, t: mac.Term, w: int) -> int:
        return _zeros((t.sign * t.value) % (1 << w)) if t.src < 0 else t.shift

    def operand(self, t: mac.Term, tz: int, w: int) -> str | int:
        """The term without its sign, >> tz, on w bits (an int for a constant)."""
        if t.src < 0:
            return t.value >> tz
        return "{" + shifted(f"x{t.src}", self.x_w, t.shift - tz, w) + "}"


def tree_sums(o: int, tr: mac.Tree, leaf, acc_w: int, levels: list[list[Named]]) -> Named:
    """Output o's adder tree as Named sums appended per level to `levels`; returns the root.
    `leaf` gives each leaf term's range, known low zero bits and operand text."""
    prev = []                        # (name, width, lo, hi, low zero bits) of the level below
    for j, g in enumerate(tr.leaves):
        lo = sum(leaf.range(t)[0] for t in g)
        hi = sum(leaf.range(t)[1] for t in g)
        w = min(signed_width(lo, hi), acc_w)
        tz = min([w - 1] + [leaf.zeros(t, w) for t in g])
        ops = [(t.sign, leaf.operand(t, tz, w - tz)) for t in g]
        levels[0].append(Named(f"y{o}_0_{j}", _low_zeros(_sum(ops, w - tz), tz), w))
        prev.append((levels[0][-1].name, w, lo, hi, tz))
    for lv, groups in enumerate(tr.levels, 1):
        cur = []
        for j, g in enumerate(groups):
            lo = sum(prev[k][2] if sg > 0 else -prev[k][3] for sg, k in g)
            hi = sum(prev[k][3] if sg > 0 else -prev[k][2] for sg, k in g)
            w = min(signed_width(lo, hi), acc_w)
            tz = min([w - 1] + [prev[k][4] for _, k in g])
            ops = [(sg, "{" + _part(prev[k][0], prev[k][1], tz, w - tz) + "}") for sg, k in g]
            levels[lv].append(Named(f"y{o}_{lv}_{j}", _low_zeros(_sum(ops, w - tz), tz), w))
            cur.append((levels[lv][-1].name, w, lo, hi, tz))
        prev = cur
    return Named(prev[0][0], "", prev[0][1])


def _sum(parts: list[tuple[int, str | int]], w: int) -> str:
    """+a - b + c ... of (sign, operand) pairs, modulo 2^w; an int operand is a constant.

    With two or more operands subtracted, each is added inverted instead (-b = ~b + 1 mod
    2^w) and the ones join the constant: Yosys maps a + b - c and a + ~b + ~c + 2 to one
    carry-save level and one carry chain, but a - b - c to two chained subtracters (on a
    ternary sum of shifted 4-bit inputs: 2 LUT + 2 CARRY4, 2.11 ns by `streamcnn timing`'s
    model, against 2 LUT + 4 CARRY4, 2.79 ns)."""
    const = sum(sign * op for sign, op in parts if isinstance(op, int))
    ops = [(sign, op) for sign, op in parts if isinstance(op, str)]
    negs = [op for sign, op in ops if sign < 0]
    if len(negs) >= 2:
        ops = [(1, op) for sign, op in ops if sign > 0] + [(1, f"~{op}") for op in negs]
        const += len(negs)
    if const % (1 << w) or not ops:
        ops.append((1, f"{w}'d{const % (1 << w)}"))
    s = ""
    # an added operand first: -a + b would be a negation (a carry chain) and an addition
    for sign, op in sorted(ops, key=lambda p: p[0] < 0):
        s += (" - " if sign < 0 else " + ") if s else ("-" if sign < 0 else "")
        s += op
    return s


def mac_module(name: str, layer: str, weights: np.ndarray, bias: np.ndarray | None,
               in_w: int, in_signed: bool, acc_w: int) -> tuple[str, int, int]:
    """The Verilog of y = bias + x @ weights; returns (text, register stages, adders).

    Every register is as wide as the exact range of its partial sum (at most acc_w, where
    arithmetic modulo 2^acc_w is still exact for the final sum): synthesis gets no adder
    bits that can only ever hold sign copies."""
    trees, depth = mac.build(np.asarray(weights, np.int64), bias)
    used = sorted({t.src for tr in trees for g in tr.leaves for t in g if t.src >= 0})
    x_lo, x_hi = input_range(in_w, in_signed)
    x_w = min(signed_width(x_lo, x_hi), acc_w)
    inputs = [Named(f"x{i}", input_slice(i, in_w, in_signed, x_w), x_w) for i in used]
    levels: list[list[Named]] = [[] for _ in range(depth)]    # sums per adder level
    leaf = ShiftedInputs(x_lo, x_hi, x_w)
    outputs = []
    for o, tr in enumerate(trees):
        root = tree_sums(o, tr, leaf, acc_w, levels)
        outputs.append(Named(f"out{o}", resized(root.name, root.width, acc_w), acc_w))
    n_adders = mac.adders(trees)
    # Each level: its sums and whether they are registers.
    per_level = [{"sums": sums, "registered": reg} for sums, reg in zip(levels, mac.registered(depth))]
    n_stages = sum(mac.registered(depth))
    text = render("mac.v.j2", name=name, layer=layer, n_in=weights.shape[0], n_out=weights.shape[1],
                  in_w=in_w, in_signed=in_signed, acc_w=acc_w, depth=n_stages, levels=per_level,
                  n_levels=depth, inputs=inputs, outputs=outputs, n_adders=n_adders)
    return text, n_stages, n_adders
