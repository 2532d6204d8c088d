"""The scan's jobs, as they run on a Dask worker. Each takes its inputs as values (the
model's bytes, the build as a .tar.gz) and returns a dict of figures, with the worker's
address and the job's wall time; a job that fails returns its one-line error instead of
raising, so one bad point never stops a scan."""
from __future__ import annotations

import io
import os
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ARCHIVE = "archive"          # convert's result key holding the build (not cached on disk)
BUILD_PARTS = ("ir.pkl", "target.json", "hls", "rtl")


def _worker() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def _one_line(e: BaseException) -> str:
    from ..errors import StreamcnnError
    text = " ".join(str(e).split())
    return text if isinstance(e, StreamcnnError) else f"{type(e).__name__}: {text}"


def job(fn):
    """Time `fn`, record the worker and turn an exception into {"error": one line}."""
    def run(*args):
        t0 = time.perf_counter()
        try:
            out = fn(*args)
        except Exception as e:                # a failed point is a row, not a crash
            out = {"error": _one_line(e)}
        out.update(worker=_worker(), seconds=round(time.perf_counter() - t0, 2))
        return out
    run.__name__ = fn.__name__
    return run


def _needs(upstream: dict, step: str):
    from ..errors import StreamcnnError
    if "error" in upstream:
        raise StreamcnnError(f"not run: {step} failed")


@contextmanager
def _model_file(model: bytes):
    with tempfile.TemporaryDirectory(prefix="streamcnn-scan-") as tmp:
        path = Path(tmp) / "model.h5"
        path.write_bytes(model)
        yield path


@contextmanager
def _unpacked(conv: dict):
    """The build of a convert job's result, in a temporary folder."""
    _needs(conv, "convert")
    with tempfile.TemporaryDirectory(prefix="streamcnn-scan-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(conv[ARCHIVE]), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


def _inputs(graph, images: int):
    from ..data import grid_samples
    return grid_samples(graph.input, images, seed=0)


def pack(build: Path, graph) -> dict:
    """A convert result: the build as a .tar.gz and what the other steps need to know."""
    import json
    from ..build import rtl_skipped
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for part in BUILD_PARTS:
            if (build / part).exists():
                tar.add(build / part, arcname=part)
    core = build / "rtl" / "core.json"
    adders = json.loads(core.read_text())["adders"] if core.is_file() else None
    return {ARCHIVE: buf.getvalue(), "exact": graph.exact, "adders": adders,
            "rtl_skipped": rtl_skipped(graph)}


@job
def convert(model: bytes, config: dict) -> dict:
    from ..build import convert as run
    from ..config import Config
    with _model_file(model) as path, tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp) / "build"
        return pack(build, run(path, build, Config.from_dict(config, "scan point")))


@job
def golden(conv: dict, model: bytes, images: int) -> dict:
    """The golden model against QKeras on the point's inputs, and its accuracy on the
    synthetic SVHN test images where the model takes SVHN images."""
    import numpy as np
    from ..frontend.load import load_keras
    from ..golden import emulate, quantize_input
    from ..ir import load_graph
    from ..verify import compare
    with _unpacked(conv) as build, _model_file(model) as path:
        graph = load_graph(build / "ir.pkl")
        keras = load_keras(path)
        a = compare(graph, keras, _inputs(graph, images))
        out = {"mismatches": a.mismatched, "max_lsb": a.max_lsb}
        if graph.input.shape == (32, 32, 3) and graph.output.shape == (10,):
            from ..data import load
            x, y = load("synth", "test", images)
            out["accuracy"] = float(np.mean(emulate(graph, quantize_input(graph, x)).classes == y))
        return out


@job
def csim(conv: dict, images: int) -> dict:
    from ..golden import quantize_input
    from ..hls import csim as run
    from ..ir import load_graph
    with _unpacked(conv) as build:
        graph = load_graph(build / "ir.pkl")
        r = run.run(build / "hls", graph, quantize_input(graph, _inputs(graph, images)))
        return {"mismatches": r.mismatched, "images_per_s": round(r.images_per_s)}


def _rtl(conv: dict):
    from ..errors import StreamcnnError
    _needs(conv, "convert")
    if conv.get("rtl_skipped"):
        raise StreamcnnError(f"not run: no Verilog core ({conv['rtl_skipped']})")


@job
def rtlsim(conv: dict, images: int, dataset: str | None = None) -> dict:
    """Latency, II and mismatches against the golden model on the point's inputs, or on the
    first `images` test images of `dataset` (the report: the synthetic house numbers)."""
    from ..golden import quantize_input
    from ..ir import load_graph
    from ..rtl import rtlsim as run
    from ..verify import check
    _rtl(conv)
    with _unpacked(conv) as build:
        graph = load_graph(build / "ir.pkl")
        if dataset:
            from ..data import load
            x = load(dataset, "test", images)[0]
        else:
            x = _inputs(graph, images)
        x = quantize_input(graph, x)
        r = run.run(build, graph, x, progress=False)
        bad = check(graph, x, r.logits_int, r.classes)["golden"].mismatched
        return {"simulator": r.simulator, "images": len(x), "mismatches": bad,
                "latency": int(r.latency.max()), "ii": int(r.interval.max())}


def yosys_cache() -> Path:
    """Per-module Yosys results on this worker, shared by every point it runs
    ($STREAMCNN_YOSYS_CACHE, else under $STREAMCNN_CACHE or ~/.cache/streamcnn)."""
    if os.environ.get("STREAMCNN_YOSYS_CACHE"):
        return Path(os.environ["STREAMCNN_YOSYS_CACHE"])
    root = os.environ.get("STREAMCNN_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "streamcnn") / "yosys-scan"


@job
def synthesis(conv: dict, cache: str | None = None, jobs: int | None = 1) -> dict:
    """Yosys on the whole build: synth()'s full report (resources per layer, the timing
    estimate), with the per-module cache at `cache` or the worker's own; `jobs` Yosys runs
    at once (None: one per core)."""
    from ..synth import synth as run
    _rtl(conv)
    with _unpacked(conv) as build:
        return run(build, "yosys", progress=False, jobs=jobs,
                   cache=Path(cache) if cache else yosys_cache())


def synth(conv: dict) -> dict:
    """The scan's synth step: totals, fmax and verdict of `synthesis`."""
    s = synthesis(conv)
    if "error" in s:
        return s
    t = s["timing"]
    return {**{k: s["totals"].get(k) for k in ("CLB_LUT", "FF", "DSP", "BRAM36")},
            "fmax_mhz": t["fmax_mhz"], "verdict": t["verdict"],
            "cached_modules": len(s["cached_modules"]), "worker": s["worker"],
            "seconds": s["seconds"]}


JOBS = {"convert": convert, "golden": golden, "csim": csim, "rtlsim": rtlsim, "synth": synth}
