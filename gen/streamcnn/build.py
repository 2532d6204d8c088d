"""`streamcnn convert`: model -> BUILD/ with the IR (ir.pkl) and every backend's project."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from .config import Config
from .frontend import from_keras
from .golden import quantize_input
from .ir import Graph, Softmax, save_graph

TB_IMAGES = 16          # structured images in the HLS project's own test vectors
RTL_SKIPPED = ("Softmax: true: wrote the HLS project only; the Verilog backend has no softmax "
               "(convert with Softmax: false for BUILD/rtl)")


def has_softmax(graph: Graph) -> bool:
    return any(isinstance(n, Softmax) for n in graph.nodes)


def convert(model, build: Path, config: Config | None = None) -> Graph:
    from .data import find_real_samples, random_images
    from .hls import csim, vitis
    from .hls.project import TOP, write_project
    from .rtl.project import write_core
    config = config or Config.load(None)
    graph = from_keras(model, config)
    build = Path(build)
    build.mkdir(parents=True, exist_ok=True)
    hls = write_project(graph, config, build)
    vitis.write_tcl(hls, TOP)
    if has_softmax(graph):      # HLS only: the Verilog backend has no softmax (README)
        graph.notes.append(RTL_SKIPPED)
        shutil.rmtree(build / "rtl", ignore_errors=True)       # no stale core of an earlier run
    else:
        write_core(graph, build)
    save_graph(graph, build / "ir.pkl")
    # Test vectors for Vitis' own csim/cosim: the real SVHN images when the input fits them.
    x = random_images(TB_IMAGES, seed=0, shape=graph.input.shape)
    real = find_real_samples()
    if real is not None and real[0].shape[1:] == graph.input.shape:
        x = np.concatenate([real[0], x])
    csim.write_vectors(hls / "tb_data", graph, quantize_input(graph, x))
    return graph
