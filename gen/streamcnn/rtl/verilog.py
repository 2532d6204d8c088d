"""Render the generated Verilog from the templates in rtl/templates (jinja2)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import assets
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


@dataclass
class Named:
    name: str
    expr: str
    width: int = 0


def signed_width(lo: int, hi: int) -> int:
    """Bits of the narrowest two's complement word holding every value in [lo, hi]."""
    return 1 + max(hi.bit_length() if hi > 0 else 0, (-lo - 1).bit_length() if lo < 0 else 0)


def _resize(name: str, w_src: int, w: int) -> str:
    """`name` (two's complement, w_src bits) sign-extended or cut to w bits."""
    if w == w_src:
        return name
    if w < w_src:
        return f"{name}[{w - 1}:0]"
    return f"{{{{{w - w_src}{{{name}[{w_src - 1}]}}}}, {name}}}"


def _part(name: str, w_src: int, lo: int, w: int) -> str:
    """Bits lo and up of `name` (w_src bits), i.e. name >>> lo, sign-extended or cut to w."""
    if not lo:
        return _resize(name, w_src, w)
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


def _shifted(name: str, w_src: int, k: int, w: int) -> str:
    """The parts of a concatenation {...} that is (name << k) on w bits."""
    if k >= w:
        return f"{w}'d0"
    return _resize(name, w_src, w - k) + (f", {k}'d0" if k else "")


def _input(i: int, in_w: int, signed: bool, w: int) -> str:
    """Input i of the packed word as a w-bit two's complement value (or its low w bits)."""
    lo = i * in_w
    if w <= in_w:
        return f"s_axis_tdata[{lo + w - 1}:{lo}]"
    top = f"{{{w - in_w}{{s_axis_tdata[{lo + in_w - 1}]}}}}" if signed else f"{w - in_w}'d0"
    return f"{{{top}, s_axis_tdata[{lo + in_w - 1}:{lo}]}}"


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
    x_lo, x_hi = (-(1 << (in_w - 1)), (1 << (in_w - 1)) - 1) if in_signed else (0, (1 << in_w) - 1)
    x_w = min(signed_width(x_lo, x_hi), acc_w)
    inputs = [Named(f"x{i}", _input(i, in_w, in_signed, x_w), x_w) for i in used]
    levels: list[list[Named]] = [[] for _ in range(depth)]    # sums per adder level
    outputs = []
    for o, tr in enumerate(trees):
        prev = []                        # (name, width, lo, hi, low zero bits) of the level below
        for j, g in enumerate(tr.leaves):
            lo = hi = 0
            for t in g:
                a, b = (t.value, t.value) if t.src < 0 else (x_lo << t.shift, x_hi << t.shift)
                a, b = (a, b) if t.sign > 0 else (-b, -a)
                lo, hi = lo + a, hi + b
            w = min(signed_width(lo, hi), acc_w)
            tz = min([w - 1] + [_zeros((t.sign * t.value) % (1 << w)) if t.src < 0 else t.shift
                                for t in g])
            ops = [(t.sign, t.value >> tz) if t.src < 0 else
                   (t.sign, "{" + _shifted(f"x{t.src}", x_w, t.shift - tz, w - tz) + "}")
                   for t in g]
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
        outputs.append(Named(f"out{o}", _resize(prev[0][0], prev[0][1], acc_w), acc_w))
    n_adders = mac.adders(trees)
    # Each level: its sums and whether they are registers.
    per_level = [{"sums": sums, "registered": reg} for sums, reg in zip(levels, mac.registered(depth))]
    n_stages = sum(mac.registered(depth))
    text = render("mac.v.j2", name=name, layer=layer, n_in=weights.shape[0], n_out=weights.shape[1],
                  in_w=in_w, in_signed=in_signed, acc_w=acc_w, depth=n_stages, levels=per_level,
                  n_levels=depth, inputs=inputs, outputs=outputs, n_adders=n_adders)
    return text, n_stages, n_adders
