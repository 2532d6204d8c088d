"""C simulation: compile the generated project with g++ (cached by content) and stream
images through it; the test bench compares every result with the golden model."""
from __future__ import annotations

import hashlib
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import StreamcnnError
from ..golden import emulate
from ..ir import Graph, Scale
from .aptypes import include_dir

CXX = "g++"
# HLS pragmas are meant for the HLS compiler only: g++ rightly ignores them.
FLAGS = ["-std=c++14", "-O2", "-Wall", "-Wextra", "-Wno-unknown-pragmas"]
HASH_MULT = np.uint64(0x9E3779B97F4A7C15)       # as in hls/include/streamcnn/tap.h
BATCH = 256


@dataclass
class Build:
    binary: Path
    seconds: float               # compile time (0 when cached)
    cached: bool
    warnings: list[str]          # compiler warnings located in the project's own code


@dataclass
class CsimResult:
    logits_int: np.ndarray       # (N, classes) int64 on the output grid
    classes: np.ndarray
    mismatched: int
    report: str                  # the test bench's output (first mismatch, its layer)
    seconds: float

    @property
    def images_per_s(self) -> float:
        return len(self.classes) / self.seconds if self.seconds else float("inf")


def _sources(hls: Path) -> list[Path]:
    files = sorted((hls / "firmware").glob("*")) + sorted((hls / "include").rglob("*.h"))
    return files + [hls / "tb" / "tb_network.cpp"]


def _check_project(hls: Path) -> None:
    """A one-line error for a build without (a complete) HLS project."""
    if not hls.is_dir():
        raise StreamcnnError(f"{hls}: no HLS project in this build (run `streamcnn convert`)")
    for f in (hls / "tb" / "tb_network.cpp", hls / "firmware" / "network.cpp", hls / "include"):
        if not f.exists():
            raise StreamcnnError(f"{f}: missing from the HLS project; run `streamcnn convert` "
                                 "again")


def compile_tb(hls: Path, flags: list[str] = FLAGS) -> Build:
    hls = Path(hls)
    _check_project(hls)
    ap = include_dir()
    cmd = [CXX, *flags, "-isystem", str(ap), "-I", str(hls / "include"), "-I", str(hls / "firmware"),
           str(hls / "tb" / "tb_network.cpp"), str(hls / "firmware" / "network.cpp")]
    key = hashlib.sha256(" ".join(cmd[:len(flags) + 1]).encode())
    for f in _sources(hls):
        key.update(f.name.encode() + f.read_bytes())
    binary = hls / "csim" / f"tb_{key.hexdigest()[:16]}"
    log = binary.with_suffix(".log")
    if binary.exists():
        return Build(binary, 0.0, True,
                     own_warnings(log.read_text(errors="replace"), ap) if log.is_file() else [])
    binary.parent.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd + ["-o", str(binary)], capture_output=True, text=True,
                           errors="replace")
    except FileNotFoundError:
        raise StreamcnnError(f"{CXX} not found: the C simulation needs a C++ compiler "
                             "(Debian: apt-get install g++)") from None
    seconds = time.perf_counter() - t0
    log.write_text(r.stderr)
    if r.returncode:
        lines = r.stderr.splitlines()
        first = next((ln for ln in lines if ": error:" in ln or ": fatal error:" in ln),
                     next((ln for ln in lines if "error" in ln), " ".join(r.stderr.split())[:200]))
        raise StreamcnnError(f"C simulation build failed: {first.strip()} (full log: {log})")
    return Build(binary, seconds, False, own_warnings(r.stderr, ap))


def own_warnings(stderr: str, ap: Path) -> list[str]:
    """Warnings whose location is not in the third-party ap_types headers (which warn on
    their own, even as system headers, when g++ inlines them)."""
    return [ln for ln in stderr.splitlines()
            if ": warning:" in ln and not ln.startswith(str(ap))]


def tap_nodes(graph: Graph) -> list[str]:
    """IR nodes whose stage output the test bench hashes (every node that is a stage)."""
    return [n.name for n in graph.nodes if not isinstance(n, Scale)]


def golden_vectors(graph: Graph, x_int: np.ndarray):
    """Expected results (logits and class per image) and per-stage hashes."""
    names = tap_nodes(graph)
    expected, hashes = [], []
    for b in range(0, len(x_int), BATCH):
        r = emulate(graph, x_int[b:b + BATCH], trace=True)
        expected.append(np.concatenate([r.logits_int, r.classes[:, None]], axis=1))
        hashes.append(np.stack([_hash(r.trace[n]) for n in names], axis=1))
    return np.concatenate(expected).astype(np.int64), np.concatenate(hashes).astype(np.uint64)


def _hash(values: np.ndarray) -> np.ndarray:
    v = values.reshape(len(values), -1).astype(np.uint64)
    k = np.arange(v.shape[1], dtype=np.uint64)
    with np.errstate(over="ignore"):
        return (v * (k * HASH_MULT + np.uint64(1))).sum(axis=1, dtype=np.uint64)


def write_vectors(folder: Path, graph: Graph, x_int: np.ndarray, check: bool = True) -> np.ndarray:
    """The test bench's input.bin, expected.bin and hashes.bin (the last two empty without
    `check`); returns the expected results."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    np.asarray(x_int).astype(np.int32).tofile(folder / "input.bin")
    if check:
        expected, hashes = golden_vectors(graph, x_int)
    else:
        expected, hashes = np.zeros(0, np.int64), np.zeros(0, np.uint64)
    expected.tofile(folder / "expected.bin")
    hashes.tofile(folder / "hashes.bin")
    return expected


def run(hls: Path, graph: Graph, x_int: np.ndarray, check: bool = True) -> CsimResult:
    """Compile if needed, run every image, and return the C simulation's results."""
    hls = Path(hls)
    build = compile_tb(hls)
    x_int = np.asarray(x_int, dtype=np.int64)
    n = len(x_int)
    work = hls / "csim" / "run"
    expected = write_vectors(work, graph, x_int, check)
    t0 = time.perf_counter()
    r = subprocess.run([str(build.binary)] + [str(work / f) for f in
                       ("input.bin", "expected.bin", "hashes.bin", "output.bin")],
                       capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if r.returncode not in (0, 1) or not (work / "output.bin").exists():
        log = work / "run.log"
        log.write_text(r.stdout + r.stderr)
        said = " ".join((r.stderr or r.stdout).split())[:200] or "no output"
        raise StreamcnnError(f"C simulation of {build.binary.name} failed (exit {r.returncode}): "
                             f"{said} (full log: {log})")
    out = np.fromfile(work / "output.bin", dtype=np.int64)
    if n == 0 or out.size % n or out.size // n != graph.output.shape[-1] + 1:
        raise StreamcnnError(f"{work / 'output.bin'}: {out.size} values from the C simulation, "
                             f"not {n} results of {graph.output.shape[-1]} logits and a class; "
                             "run `streamcnn convert` again")
    out = out.reshape(n, -1)
    mismatched = int(np.sum(np.any(out != expected, axis=1))) if check else 0
    return CsimResult(out[:, :-1], out[:, -1], mismatched, r.stdout.strip(), seconds)
