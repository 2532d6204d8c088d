"""Render the generated Verilog from the templates in rtl/templates (jinja2)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import mac

RTL_ROOT = Path(__file__).resolve().parents[3] / "rtl"


def _env():
    import jinja2
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(RTL_ROOT / "templates")),
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined)


def render(template: str, **ctx) -> str:
    return _env().get_template(template).render(**ctx)


@dataclass
class Named:
    name: str
    expr: str


def _extend(i: int, in_w: int, signed: bool, acc_w: int) -> str:
    """Input i of the packed word, sign- or zero-extended (or cut) to acc_w bits."""
    lo = i * in_w
    if acc_w <= in_w:
        return f"s_axis_tdata[{lo + acc_w - 1}:{lo}]"
    top = f"{{{acc_w - in_w}{{s_axis_tdata[{lo + in_w - 1}]}}}}" if signed else f"{acc_w - in_w}'d0"
    return f"{{{top}, s_axis_tdata[{lo + in_w - 1}:{lo}]}}"


def _const(v: int, w: int) -> str:
    return f"{w}'d{v % (1 << w)}"


def _sum(parts: list[tuple[int, str]], w: int) -> str:
    """+a - b + c ... of (sign, operand) pairs, modulo 2^w."""
    if not parts:
        return f"{w}'d0"
    s = ""
    for sign, op in parts:
        s += (" - " if sign < 0 else " + ") if s else ("-" if sign < 0 else "")
        s += op
    return s


def mac_module(name: str, layer: str, weights: np.ndarray, bias: np.ndarray | None,
               in_w: int, in_signed: bool, acc_w: int) -> tuple[str, int, int]:
    """The Verilog of y = bias + x @ weights; returns (text, pipeline depth, adders)."""
    trees, depth = mac.build(np.asarray(weights, np.int64), bias)
    used = sorted({t.src for tr in trees for g in tr.leaves for t in g if t.src >= 0})
    inputs = [Named(f"x{i}", _extend(i, in_w, in_signed, acc_w)) for i in used]
    levels: list[list[Named]] = [[] for _ in range(depth)]    # registers per pipeline stage
    outputs = []
    for o, tr in enumerate(trees):
        prev = []
        for j, g in enumerate(tr.leaves):
            ops = [(t.sign, _const(t.value, acc_w) if t.src < 0 else
                    (f"x{t.src}" if t.shift == 0 else f"(x{t.src} << {t.shift})")) for t in g]
            levels[0].append(Named(f"y{o}_0_{j}", _sum(ops, acc_w)))
            prev.append(levels[0][-1].name)
        for lv, groups in enumerate(tr.levels, 1):
            cur = []
            for j, g in enumerate(groups):
                levels[lv].append(Named(f"y{o}_{lv}_{j}", _sum([(1, prev[k]) for k in g], acc_w)))
                cur.append(levels[lv][-1].name)
            prev = cur
        outputs.append(prev[0])
    n_adders = mac.adders(trees)
    text = render("mac.v.j2", name=name, layer=layer, n_in=weights.shape[0], n_out=weights.shape[1],
                  in_w=in_w, in_signed=in_signed, acc_w=acc_w, depth=depth, inputs=inputs,
                  levels=levels, outputs=outputs, n_adders=n_adders)
    return text, depth, n_adders
