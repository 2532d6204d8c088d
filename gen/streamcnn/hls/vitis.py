"""The Vitis HLS flow, where the tool is installed: write BUILD/hls/build_prj.tcl, run
vitis_hls (or the older vivado_hls) on it, and summarise its synthesis report as JSON."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2

from ..errors import StreamcnnError
from ..target import Target
from .paths import hls_root

TOOLS = ("vitis_hls", "vivado_hls")        # in order of preference
TCL = "build_prj.tcl"
LOG = "vitis_hls.log"
PROJECT = "streamcnn_prj"
SOLUTION = "solution1"                     # as named in the Tcl template
DEFAULT_PART = Target().part            # the config's Target decides (target.py)
STEPS = {"csim": True, "synth": True, "cosim": False, "export": False}
RESOURCES = ("BRAM_18K", "DSP", "FF", "LUT", "URAM")
# Values go into the Tcl as bare words: anything else could change the script's meaning.
_IDENT = re.compile(r"[A-Za-z_]\w*")
_WORD = re.compile(r"[A-Za-z0-9_.\-]+")


def templates_dir() -> Path:
    """`hls/templates`, installed with streamcnn (see streamcnn.assets)."""
    d = hls_root() / "templates"
    if not (d / f"{TCL}.j2").is_file():
        raise StreamcnnError(f"Vitis HLS template {TCL}.j2 not found in {d}: reinstall "
                             "streamcnn")
    return d


def write_tcl(hls_dir: Path, top: str, part: str = DEFAULT_PART,
              clock_ns: float = Target().clock_ns,
              project: str = PROJECT) -> Path:
    """Write hls_dir/build_prj.tcl and return it."""
    for what, value, pattern in (("top function", top, _IDENT), ("part", part, _WORD),
                                 ("project name", project, _WORD)):
        if not pattern.fullmatch(str(value)):
            raise StreamcnnError(f"invalid Vitis HLS {what} {value!r}: use letters, digits, "
                                 "'_' (and '-', '.' in part and project names)")
    if not float(clock_ns) > 0:
        raise StreamcnnError(f"invalid clock period {clock_ns} ns: must be positive")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    text = env.get_template(f"{TCL}.j2").render(top=top, part=part, clock_ns=float(clock_ns),
                                                project=project)
    out = Path(hls_dir) / TCL
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return out


def find_tool() -> str | None:
    """Path of vitis_hls, else vivado_hls, on PATH; None when neither is."""
    for name in TOOLS:
        path = shutil.which(name)
        if path:
            return path
    return None


def run_hls(hls_dir: Path, steps: dict[str, bool] | None = None, project: str = PROJECT) -> dict:
    """Run the requested steps (csim, synth, cosim, export; those not named are off, None
    means csim and synth) and return the synthesis summary ({} without synthesis), also
    written to hls_dir/reports/csynth.json."""
    hls_dir = Path(hls_dir)
    steps = dict(STEPS) if steps is None else dict(steps)
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise StreamcnnError(f"unknown Vitis HLS step(s) {', '.join(unknown)}: "
                             f"use {', '.join(STEPS)}")
    steps = {k: bool(steps.get(k, False)) for k in STEPS}
    tool = find_tool()
    if tool is None:
        raise StreamcnnError("vitis_hls (or vivado_hls) is not on PATH: source the Xilinx "
                             "settings64.sh of a Vitis (or Vivado) HLS install first; "
                             "`streamcnn csim` checks the project without it")
    if not (hls_dir / TCL).is_file():
        raise StreamcnnError(f"{hls_dir / TCL} not found: generate the project with "
                             "`streamcnn convert` first")
    name = Path(tool).name
    args = [f"{k}={int(v)}" for k, v in steps.items()]
    if name.startswith("vivado_hls"):
        args.append("legacy=1")
    # The tool also writes its own log into its working folder: keep it apart from ours.
    cmd = [tool, "-f", TCL, "-l", f"{name}.tool.log", "-tclargs", *args]
    log = hls_dir / LOG
    with open(log, "w") as f:
        # No stdin: should the script stop early, the tool must not wait at its prompt.
        rc = subprocess.run(cmd, cwd=hls_dir, stdout=f, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL).returncode
    if rc:
        raise StreamcnnError(f"{name} failed (exit {rc}), see {log}: {_first_error(log)}")
    if not (steps["synth"] or steps["cosim"] or steps["export"]):
        return {}
    report = parse_csynth_xml(find_csynth_xml(hls_dir, project))
    out = hls_dir / "reports" / "csynth.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return report


def _first_error(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines()
    return next((ln.strip() for ln in lines if "ERROR" in ln), lines[-1] if lines else "no output")


def find_csynth_xml(hls_dir: Path, project: str = PROJECT, top: str | None = None) -> Path:
    """The top-level synthesis report: csynth.xml, else <top>_csynth.xml (without `top`, the
    only *_csynth.xml; with several, the others are per-module reports and none is chosen)."""
    folder = Path(hls_dir) / project / SOLUTION / "syn" / "report"
    if (folder / "csynth.xml").is_file():
        return folder / "csynth.xml"
    named = [folder / f"{top}_csynth.xml"] if top else sorted(folder.glob("*_csynth.xml"))
    if len(named) == 1 and named[0].is_file():
        return named[0]
    raise StreamcnnError(f"no Vitis HLS synthesis report (csynth.xml) in {folder}: "
                         "run synthesis first (steps synth)")


def _num(text: str | None) -> int | float | None:
    """A report value: int or float; None where HLS could not tell ("undef") or left it out."""
    if text is None:
        return None
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return None


def parse_csynth_xml(path: Path) -> dict:
    """Top, part, clock, latency, interval and resources of a Vitis (or Vivado) HLS csynth.xml."""
    path = Path(path)
    if not path.is_file():
        raise StreamcnnError(f"Vitis HLS synthesis report {path} not found: run synthesis first")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise StreamcnnError(f"cannot read Vitis HLS synthesis report {path}: {e}") from None

    def text(where: str) -> str | None:
        el = root.find(where)
        return None if el is None or el.text is None else el.text.strip()

    def value(where: str) -> int | float | None:
        return _num(text(where))

    def resources(where: str) -> dict:
        # Older reports (Vivado HLS) name DSPs after the DSP48E slice.
        got = {k: value(f"{where}/{k}") for k in RESOURCES}
        if got["DSP"] is None:
            got["DSP"] = value(f"{where}/DSP48E")
        return got

    lat = "PerformanceEstimates/SummaryOfOverallLatency"
    return {
        "top": text("UserAssignments/TopModelName"),
        "part": text("UserAssignments/Part"),
        "clock_ns_target": value("UserAssignments/TargetClockPeriod"),
        "clock_ns_estimated": value("PerformanceEstimates/SummaryOfTimingAnalysis/"
                                    "EstimatedClockPeriod"),
        "latency_cycles": {"best": value(f"{lat}/Best-caseLatency"),
                           "worst": value(f"{lat}/Worst-caseLatency")},
        "interval": {"min": value(f"{lat}/Interval-min"), "max": value(f"{lat}/Interval-max")},
        "resources": resources("AreaEstimates/Resources"),
        "available": resources("AreaEstimates/AvailableResources"),
    }
