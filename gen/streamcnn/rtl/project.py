"""Write BUILD/rtl/: the generated network core (network.v and one MAC module per layer),
copies of the library modules it instantiates, and files.f listing them in order, so the
folder is self-contained for simulators, Yosys and Vivado."""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..ir import Graph
from . import flow
from .blocks import Core
from .plan import plan
from .verilog import RTL_ROOT, render

CORE = "network"
WRAPPER = "streamcnn_axis"
WRAPPER_DEPS = ("axis_fifo",)
RESULT_DEPS = ("argmax", "axis_fifo")
# library modules that instantiate others
MODULE_DEPS = {"requant_patched": ("requant",), "requant": ("pipe_ctrl",),
               "pool": ("pipe_ctrl",), "argmax": ("pipe_ctrl",)}


def with_deps(modules) -> list[str]:
    """`modules` and every library module they instantiate, transitively, sorted."""
    out, todo = set(), list(modules)
    while todo:
        m = todo.pop()
        if m not in out:
            out.add(m)
            todo.extend(MODULE_DEPS.get(m, ()))
    return sorted(out)


@dataclass
class Ports:
    """The core's stream words, as Vitis HLS packs the top function's structs."""
    in_w: int            # input_r_TDATA bits (pixel: C values, padded to bytes)
    in_c: int
    in_elem_w: int
    out_w: int           # output_r_TDATA bits (logits then class index, padded to bytes)
    n_logits: int
    logit_w: int
    class_w: int
    logit_signed: bool = True


def _bytes(bits: int) -> int:
    return -(-bits // 8) * 8


def ports(graph: Graph) -> Ports:
    c = graph.input.shape[-1]
    w = graph.input.type.width
    n, lw = graph.output.shape[-1], graph.output.type.width
    cw = max(1, (n - 1).bit_length())
    return Ports(_bytes(c * w), c, w, _bytes(n * lw + cw), n, lw, cw, graph.output.type.signed)


def pixels(graph: Graph) -> int:
    """Input beats per image: a pixel per beat, or one vector."""
    return int(graph.input.shape[0] * graph.input.shape[1]) if len(graph.input.shape) == 3 else 1


def write_core(graph: Graph, build: Path) -> tuple[Path, Core, Ports]:
    p = ports(graph)
    core = flow.lower(plan(graph), p.in_c * p.in_elem_w, pixels(graph), p.n_logits)
    out = Path(build) / "rtl"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, text in core.sources.items():
        (out / name).write_text(text)
    (out / f"{CORE}.v").write_text(render("network.v.j2", name=CORE, graph=graph.name,
                                          result_depth=core.result_depth, pixels=pixels(graph),
                                          blocks=core.blocks, ports=p))
    used = {b.module for b in core.blocks if f"{b.module}.v" not in core.sources}
    library = with_deps(used | set(RESULT_DEPS))
    for m in library + list(WRAPPER_DEPS) + [WRAPPER]:
        src = RTL_ROOT / f"{m}.v"
        if src.is_file():
            shutil.copy(src, out / src.name)
    files = [f"{m}.v" for m in library] + sorted(core.sources) + [f"{CORE}.v"]
    if (out / f"{WRAPPER}.v").is_file():
        files += [f"{m}.v" for m in WRAPPER_DEPS if m not in library] + [f"{WRAPPER}.v"]
    (out / "files.f").write_text("\n".join(files) + "\n")
    info = {"core": CORE, "pixels": pixels(graph), "blocks": len(core.blocks),
            "adders": core.adders, "pipeline_stages": sum(b.stages for b in core.blocks),
            "result_fifo": {"credits": core.result_credits, "depth": core.result_depth},
            "ports": p.__dict__}
    (out / "core.json").write_text(json.dumps(info, indent=2) + "\n")
    return out, core, p
