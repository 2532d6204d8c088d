"""Write BUILD/rtl/: the generated network core (network.v and one MAC module per layer),
copies of the library modules it instantiates, and files.f listing them in order, so the
folder is self-contained for simulators, Yosys and Vivado."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..errors import StreamcnnError
from ..ir import Dense, Softmax
from ..lower import Lowering, Ports, fold, ports
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


HLS_ONLY = "wrote the HLS project only"      # in every note of a build without BUILD/rtl


def refusal(lowering: Lowering) -> str | None:
    """Why this backend cannot build the lowering (one line, naming the layer), or None."""
    for w in lowering.works():
        if isinstance(w.node, Softmax):
            return (f"Softmax: true: {HLS_ONLY}; the Verilog backend has no softmax "
                    "(convert with Softmax: false for BUILD/rtl)")
        if w.steps > w.interval:
            item = "pixel" if w.steps < w.reuse else "vector" if isinstance(w.node, Dense) \
                else "window"
            return (f"layer '{w.node.name}': ReuseFactor {w.reuse}: {HLS_ONLY}; folded, it "
                    f"needs {w.steps} cycles a {item}, but a {item} can come every "
                    f"{w.interval} cycle(s)")
    return None


def write_core(lowering: Lowering, build: Path) -> tuple[Path, Core, Ports]:
    reason = refusal(lowering)
    if reason:
        raise StreamcnnError(reason)
    graph = lowering.graph
    p = ports(graph)
    core = flow.lower(plan(lowering), p.in_c * p.in_elem_w, p.pixels, p.n_logits)
    out = Path(build) / "rtl"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, text in core.sources.items():
        (out / name).write_text(text)
    (out / f"{CORE}.v").write_text(render("network.v.j2", name=CORE, graph=graph.name,
                                          result_depth=core.result_depth, pixels=p.pixels,
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
    info = {"core": CORE, "pixels": p.pixels, "blocks": len(core.blocks),
            "adders": core.adders, "pipeline_stages": sum(b.stages for b in core.blocks),
            "result_fifo": {"credits": core.result_credits, "depth": core.result_depth},
            "ports": p.__dict__, "layers": fold.layers(lowering.works(), p.pixels)}
    (out / "core.json").write_text(json.dumps(info, indent=2) + "\n")
    return out, core, p
