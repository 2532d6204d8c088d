"""`streamcnn convert`: model -> BUILD/ with the IR (ir.pkl) and every backend's project.

The build is written beside BUILD in a fresh folder and swapped in only when every backend
has succeeded, so a failed convert leaves BUILD as it was, never a mix of two models."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from .config import Config
from .frontend import from_keras
from .golden import quantize_input
from .ir import Graph, Softmax, save_graph

TB_IMAGES = 16          # structured inputs in the HLS project's own test vectors
# What convert writes; `reports` (synthesis of an earlier core) goes with them, as it would
# describe a core that is no longer there.
ARTIFACTS = ("hls", "rtl", "reports", "target.json", "ir.pkl")


def has_softmax(graph: Graph) -> bool:
    return any(isinstance(n, Softmax) for n in graph.nodes)


def rtl_skipped(graph: Graph) -> str | None:
    """The note of a build whose Verilog backend refused its model (softmax, folding)."""
    from .rtl.project import HLS_ONLY
    return next((n for n in graph.notes if HLS_ONLY in n), None)


def convert(model, build: Path, config: Config | None = None) -> Graph:
    config = config or Config.load(None)
    graph = from_keras(model, config)
    build = Path(build)
    build.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{build.name}.convert-", dir=build.parent))
    try:
        _write(graph, config, staging)
        _swap_in(staging, build)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return graph


def _write(graph: Graph, config: Config, build: Path):
    from .data import grid_samples, real_samples_for
    from .hls import csim, vitis
    from .hls.project import TOP, write_project
    from .lower import lower
    from .rtl.project import refusal, write_core
    lowering = lower(graph, config)             # how each node is built, for both backends
    hls = write_project(lowering, build)
    config.target.save(build)
    vitis.write_tcl(hls, TOP, part=config.target.part, clock_ns=config.target.clock_ns)
    reason = refusal(lowering)  # HLS only: softmax, folded layers (README)
    if reason:
        graph.notes.append(reason)
    else:
        write_core(lowering, build)
    save_graph(graph, build / "ir.pkl")
    # Test vectors for Vitis' own csim/cosim, on the model's input grid: the real SVHN
    # images first when the model takes them.
    x = grid_samples(graph.input, TB_IMAGES, seed=0)
    real = real_samples_for(graph.input)
    if real is not None:
        x = np.concatenate([real[0], x])
    csim.write_vectors(hls / "tb_data", graph, quantize_input(graph, x))


def _swap_in(staging: Path, build: Path):
    """Replace BUILD's artifacts by the staged ones; ir.pkl goes last and is removed first,
    so an interrupted swap leaves a build without an IR, which every command refuses."""
    trash = staging / ".old"
    trash.mkdir()
    for name in reversed(ARTIFACTS):
        if (build / name).exists():
            (build / name).rename(trash / name)
    for name in ARTIFACTS:
        if (staging / name).exists():
            (staging / name).rename(build / name)
