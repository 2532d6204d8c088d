"""Measure one shipped model: latency and II from RTL simulation, resources and the static
timing estimate from Yosys, cached under the sha256 of the Verilog they were measured on."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
import json
import shutil
from pathlib import Path


from ..errors import StreamcnnError
from ..target import Target

SIM_IMAGES = 8            # enough for latency and II; correctness is the regression's job
YOSYS_CACHE = "yosys-cache"   # under the work folder: per-module statistics, shared by models


def rtl_hash(build: Path) -> str:
    rtl = Path(build) / "rtl"
    h = hashlib.sha256()
    for name in (rtl / "files.f").read_text().split():
        h.update(name.encode() + b"\0" + (rtl / name).read_bytes())
    return h.hexdigest()


def synth_figures(s: dict) -> dict:
    """The report's part of a Yosys run's full report (synth())."""
    keep = ("CLB_LUT", "LUT", "FF", "DSP", "BRAM36", "CARRY")
    t = s["timing"]
    keep_path = ("delay_ns", "lut_levels", "carry_cells", "max_fanout", "blocks")
    # seconds: the job's wall clock; with cached modules, less than a fresh run's.
    return {"tool": s["tool"], "version": s["version"], "seconds": s["seconds"],
            "cached_modules": len(s["cached_modules"]),
            "timing": {"estimate": True, "fmax_mhz": t["fmax_mhz"], "verdict": t["verdict"],
                       "slack_ns": t["slack_ns"], "target_ns": t["target"]["clock_ns"],
                       "worst": {k: t["worst"][k] for k in keep_path},
                       "layers": {n: {k: p[k] for k in keep_path[:-1] + ("fmax_mhz",)}
                                  for n, p in t["layers"].items()}},
            "totals": {k: s["totals"].get(k) for k in keep},
            "layers": {n: {k: r.get(k) for k in ("CLB_LUT", "FF", "DSP")}
                       for n, r in s["layers"].items()}}


def unmeasured(name: str, models: Path) -> dict:
    """A model's row before any measurement: its variant and the accuracies `make models`
    recorded in models/<name>.json."""
    from ..zoo.variants import variant
    metrics = Path(models) / f"{name}.json"
    if not metrics.is_file():
        raise StreamcnnError(f"{metrics}: the model's metrics JSON is missing (run `make models`)")
    m, v = json.loads(metrics.read_text()), variant(name)
    return {"variant": name, "float_accuracy": m["test_accuracy"],
            "firmware_accuracy": m["firmware_accuracy"],
            "firmware_arithmetic": m.get("firmware_arithmetic"),
            "bits": v.bits, "pruned": v.pruned, "auto": v.auto}


@dataclass
class Pending:
    """A model's row so far, and the measurements still to make on its build."""
    name: str
    rec: dict
    conv: dict | None = None            # the packed build (scan.jobs.pack) if todo
    todo: list[str] = field(default_factory=list)      # of "rtlsim", "synth"


def prepare(name: str, models: Path, out: Path, work: Path, synthesise: bool = True,
            log=print, pack: bool = True) -> Pending:
    """Convert models/<name>.h5 and reuse OUT/<name>.json's figures where the Verilog is
    unchanged; what is left to measure is in `todo` (with the packed build if `pack`)."""
    from ..build import convert
    from ..scan import jobs
    from ..zoo.metrics import firmware_config
    from ..zoo.variants import variant
    models, out, work = Path(models), Path(out), Path(work)
    h5 = models / f"{name}.h5"
    if not h5.is_file():
        raise StreamcnnError(f"{h5}: model missing (run `make models`)")
    rec = unmeasured(name, models)            # checks the metrics JSON before any work
    build = work / name
    shutil.rmtree(build, ignore_errors=True)
    graph = convert(h5, build, firmware_config(variant(name).bits is None))
    digest = rtl_hash(build)
    path = out / f"{name}.json"
    old = json.loads(path.read_text()) if path.is_file() else {}
    same = old.get("rtl_sha256") == digest
    p = Pending(name, {**rec, "rtl_sha256": digest, "target": asdict(Target.of_build(build)),
                       **_core_figures(build)})
    if same and "rtlsim" in old:
        p.rec["rtlsim"] = old["rtlsim"]
    else:
        p.todo.append("rtlsim")
    if same and "synth" in old and (old["synth"].get("timing") or not synthesise):
        p.rec["synth"] = old["synth"]              # measured before timing: again, if allowed
    elif synthesise:
        p.todo.append("synth")
    if p.todo:
        log(f"{name}: to measure: {', '.join(p.todo)} (RTL simulation of {SIM_IMAGES} images; "
            "Yosys synthesis takes minutes)")
        p.conv = jobs.pack(build, graph) if pack else None
    return p


def _core_figures(build: Path) -> dict:
    """What the generator decided for the core: its adders and each layer's fold."""
    core = json.loads((build / "rtl" / "core.json").read_text())
    return {"adders": core["adders"], "folds": core["layers"]}


def record(p: Pending, step: str, result: dict) -> None:
    """A finished job's figures into the row; a failed job is the report's error."""
    if "error" in result:
        raise StreamcnnError(f"{p.name}: {step} failed: {result['error']}")
    p.rec[step] = ({k: result[k] for k in ("simulator", "images", "mismatches", "latency", "ii")}
                   if step == "rtlsim" else synth_figures(result))


def save(p: Pending, out: Path) -> dict:
    """OUT/<name>.json; a step not yet measured is left out, so the next run redoes it."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{p.name}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(p.rec, indent=2) + "\n")
    tmp.replace(path)
    return p.rec


def collect(name: str, models: Path, out: Path, work: Path, synthesise: bool = True,
            log=print, jobs: int | None = None) -> dict:
    """OUT/<name>.json for models/<name>.h5, re-measured only where the Verilog changed,
    with the jobs run here (run.run runs them on Dask)."""
    from ..scan.jobs import rtlsim, synthesis
    p = prepare(name, models, out, work, synthesise, log)
    for step in p.todo:
        record(p, step, rtlsim(p.conv, SIM_IMAGES, "synth") if step == "rtlsim" else
               synthesis(p.conv, str(Path(work).resolve() / YOSYS_CACHE), jobs))
    return save(p, out)
