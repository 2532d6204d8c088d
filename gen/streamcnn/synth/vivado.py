"""The Vivado flow of fpga/build.tcl: the wrapper and the core (the generated Verilog, or the
Vitis HLS IP) out of context on the build's target (part and clock, BUILD/target.json),
summarised in synth.json's format.
Without Vivado, a dry run executes the script under tclsh and lists the commands it issues."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .. import assets
from ..errors import StreamcnnError
from ..target import Target
from . import resources as res
from . import tclrecord
from . import vivado_reports as rpt

BUILD_TCL = "build.tcl"
XDC = "constraints.xdc"
OUT = "vivado"                          # BUILD/vivado: sources list, log, reports, checkpoints
LOG = "vivado.log"
WRAPPER, WRAPPER_FILES = "streamcnn_axis", ("axis_fifo.v", "streamcnn_axis.v")
SOURCES = ("rtl", "hls")
_STEP = re.compile(r"^(Starting \w+|Phase [\d.]+ [^|]+?)\s*(\||$)")


def script() -> Path:
    return assets.folder("fpga") / BUILD_TCL


def find_vivado() -> str | None:
    return shutil.which("vivado")


def hls_ip(build: Path) -> Path:
    """The ip_catalog zip Vitis HLS exported (2020.2+: impl/export.zip; older: impl/ip/)."""
    impl = Path(build) / "hls" / "streamcnn_prj" / "solution1" / "impl"
    found = [impl / "export.zip"] + sorted((impl / "ip").glob("*.zip"))
    zips = [z for z in found if z.is_file()]
    if not zips:
        raise StreamcnnError(f"no exported Vitis HLS IP in {impl}: run the HLS flow with "
                             "export (steps csim, synth, export) first")
    return zips[0]


def constraints(target: Target) -> str:
    """fpga/constraints.xdc with the clock period of the build's target."""
    text = (assets.folder("fpga") / XDC).read_text()
    text, n = re.subn(r"-period\s+[0-9.]+", f"-period {target.clock_ns:.3f}", text)
    if n != 1:
        raise StreamcnnError(f"{assets.folder('fpga') / XDC}: expected one create_clock -period")
    return f"# {target}: written by streamcnn from fpga/{XDC}\n" + text


def tcl_args(build: Path, source: str = "rtl", top: str | None = None) -> list[str]:
    """Write BUILD/vivado/sources.f and return build.tcl's arguments for this build."""
    build = Path(build)
    if source not in SOURCES:
        raise StreamcnnError(f"unknown Vivado source {source!r}: use {' or '.join(SOURCES)}")
    rtl = build / "rtl"
    files_f = rtl / "files.f"
    if not files_f.is_file():
        raise StreamcnnError(f"{files_f} not found: generate the Verilog core with "
                             "`streamcnn convert` first")
    files = [ln.strip() for ln in files_f.read_text().splitlines() if ln.strip()]
    has_wrapper = all(f in files for f in WRAPPER_FILES)
    top = top or (WRAPPER if has_wrapper else "network")
    if source == "hls":
        if top != WRAPPER or not has_wrapper:
            raise StreamcnnError("the HLS IP is built under the AXI-Stream wrapper, which "
                                 f"{files_f} does not list")
        files = list(WRAPPER_FILES)
    out = build / OUT
    out.mkdir(exist_ok=True)
    (out / "sources.f").write_text("".join(f"../rtl/{f}\n" for f in files))
    target = Target.of_build(build)
    args = [f"files={OUT}/sources.f", f"out={OUT}", f"top={top}", f"part={target.part}",
            f"xdc={OUT}/{XDC}"]
    (out / XDC).write_text(constraints(target))
    if top == WRAPPER:
        p = json.loads((rtl / "core.json").read_text())
        ports = p["ports"]
        args += [f"generic=C={ports['in_c']}", f"generic=PIXELS={p['pixels']}",
                 f"generic=IN_W={ports['in_w']}", f"generic=OUT_W={ports['out_w']}"]
    if source == "hls":
        args.append(f"ip={hls_ip(build).resolve()}")
    return args


def record_commands(build: Path, source: str = "rtl", top: str | None = None,
                    show: bool = True) -> dict:
    """Execute build.tcl under tclsh, Vivado's commands recorded; print and return them."""
    args = tcl_args(build, source, top)
    r = tclrecord.record(script(), args, cwd=Path(build))
    if r.returncode:
        raise StreamcnnError(f"{BUILD_TCL} failed in the dry run (exit {r.returncode}): "
                             f"{r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}")
    if show:
        print(f"vivado is not run (dry run): {BUILD_TCL} would issue {len(r.calls)} commands")
        print(tclrecord.format_calls(r.calls))
    return {"tool": "vivado", "dry_run": True, "commands": r.calls}


def run(build: Path, source: str = "rtl", top: str | None = None, dry_run: bool = False,
        progress: bool = True) -> dict:
    """Run Vivado on the build (or, with dry_run, only record the Tcl's commands)."""
    build = Path(build)
    if dry_run:
        return record_commands(build, source, top)
    vivado = find_vivado()
    if vivado is None:
        raise StreamcnnError("vivado is not on PATH: source the settings64.sh of a Vivado "
                             "install, or use the dry run (--dry-run) to check the flow")
    args = tcl_args(build, source, top)
    cmd = [vivado, "-mode", "batch", "-nojournal", "-log", f"{OUT}/{LOG}",
           "-source", str(script()), "-tclargs", *args]
    out = build / OUT
    t0 = time.perf_counter()
    rc = _stream(cmd, build, progress)
    seconds = time.perf_counter() - t0
    if rc:
        raise StreamcnnError(f"vivado failed (exit {rc}), see {out / LOG}: {_first_error(out)}")
    return summarise(out, network_v=build / "rtl" / "network.v", seconds=seconds,
                     top=_arg(args, "top"), version=_version(out / LOG))


def _arg(args: list[str], key: str) -> str:
    return next(a.split("=", 1)[1] for a in args if a.startswith(key + "="))


def _stream(cmd: list[str], cwd: Path, progress: bool) -> int:
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=None, desc="vivado", file=sys.stderr, mininterval=0.5,
                   bar_format="{desc} [{elapsed}]")
    proc = None
    try:
        # No stdin: should the script stop early, Vivado must not wait at its prompt.
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, errors="replace")
        for line in proc.stdout:
            m = _STEP.match(line)
            if bar is not None and m:
                bar.set_description_str(f"vivado: {m.group(1)[:40]}", refresh=False)
                bar.update(0)
        return proc.wait()
    finally:
        if proc is not None and proc.poll() is None:     # interrupted: do not leave it running
            proc.kill()
            proc.wait()
        if bar is not None:
            bar.close()


def _first_error(out: Path) -> str:
    log = out / LOG
    lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
    return next((ln.strip() for ln in lines if ln.startswith(("ERROR", "build.tcl:"))),
                lines[-1].strip() if lines else "no log")


def _version(log: Path) -> str | None:
    text = log.read_text(errors="replace") if log.is_file() else ""
    m = re.search(r"Vivado v\S+(?: \(64-bit\))?", text)
    return m.group(0) if m else None


def summarise(out: Path, network_v: Path | None = None, seconds: float | None = None,
              top: str = WRAPPER, version: str | None = None) -> dict:
    """synth.json from the reports in `out` (utilization, timing; per layer when the
    hierarchical report is there)."""
    out = Path(out)
    totals = rpt.utilization_file(out / "utilization.rpt")
    totals["BRAM36"] = totals["BRAM36"] if totals["BRAM36"] is not None else (
        (totals["RAMB36"] or 0) + (totals["RAMB18"] or 0) / 2)
    layers, instances = {}, {}
    hier = out / "utilization_hier.rpt"
    if hier.is_file():
        instances = block_rows(rpt.hierarchy_file(hier))
        known = res.layer_map(network_v) if network_v else {}
        for inst, row in instances.items():
            row["layer"] = res.layer_of(inst, known)
            figures = {k: v for k, v in row.items() if k not in ("module", "layer")}
            layers[row["layer"]] = res.add(layers.get(row["layer"], {}), figures)
    return {"tool": "vivado", "version": version, "top": top, "device": res.DEVICE,
            "part": res.PART, "seconds": None if seconds is None else round(seconds, 2),
            "totals": totals, "available": dict(res.AVAILABLE),
            "utilization_pct": res.utilization(totals),
            "timing": rpt.timing_file(out / "timing_summary.rpt"),
            "layers": layers, "instances": instances}


def block_rows(rows: list[dict], core: str = "network") -> dict[str, dict]:
    """The core's blocks (the rows one level below the `core` module) by instance name."""
    at = next((i for i, r in enumerate(rows)
               if r["module"] == core or (r["module"] == "(top)" and r["instance"] == core)),
              None)
    if at is None:
        return {}
    depth, out = rows[at]["depth"], {}
    for r in rows[at + 1:]:
        if r["depth"] <= depth:
            break
        if r["depth"] == depth + 1:
            fig = {k: v for k, v in r.items() if k not in ("instance", "module", "depth")}
            fig["BRAM36"] = (fig.get("RAMB36") or 0) + (fig.get("RAMB18") or 0) / 2
            out[r["instance"]] = {"module": r["module"], **fig}
    return out
