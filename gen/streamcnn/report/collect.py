"""Measure one shipped model: latency and II from RTL simulation, resources and the static
timing estimate from Yosys, cached under the sha256 of the Verilog they were measured on."""
from __future__ import annotations

import hashlib
from dataclasses import asdict
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


def _rtlsim(build: Path, graph) -> dict:
    from ..data import load
    from ..golden import quantize_input
    from ..rtl import rtlsim
    from ..verify import check
    x = quantize_input(graph, load("synth", "test", SIM_IMAGES)[0])
    r = rtlsim.run(build, graph, x, progress=False)
    return {"simulator": r.simulator, "images": len(x),
            "mismatches": check(graph, x, r.logits_int, r.classes)["golden"].mismatched,
            "latency": int(r.latency.max()), "ii": int(r.interval.max())}


def _synth(build: Path, jobs: int | None, cache: Path) -> dict:
    from ..synth import synth
    s = synth(build, "yosys", progress=True, jobs=jobs, cache=cache)
    keep = ("CLB_LUT", "LUT", "FF", "DSP", "BRAM36", "CARRY")
    # seconds: this run's wall clock; with cached modules, less than a fresh run's.
    t = s["timing"]
    keep_path = ("delay_ns", "lut_levels", "carry_cells", "max_fanout", "blocks")
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


def collect(name: str, models: Path, out: Path, work: Path, synthesise: bool = True,
            log=print, jobs: int | None = None) -> dict:
    """OUT/<name>.json for models/<name>.h5, re-measured only where the Verilog changed."""
    from ..build import convert
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
    rec = {**rec, "rtl_sha256": digest, "target": asdict(Target.of_build(build)),
           "adders": json.loads((build / "rtl" / "core.json").read_text())["adders"]}
    if same and "rtlsim" in old:
        rec["rtlsim"] = old["rtlsim"]
    else:
        log(f"{name}: RTL simulation of {SIM_IMAGES} images")
        rec["rtlsim"] = _rtlsim(build, graph)
    if same and "synth" in old and (old["synth"].get("timing") or not synthesise):
        rec["synth"] = old["synth"]              # measured before timing: again, if allowed
    elif synthesise:
        log(f"{name}: Yosys synthesis (minutes; one bar step per module)")
        rec["synth"] = _synth(build, jobs, work / YOSYS_CACHE)
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rec, indent=2) + "\n")
    return rec
