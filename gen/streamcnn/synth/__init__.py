"""FPGA synthesis of a build's Verilog core: Yosys (open, always available) or Vivado (where
installed), both summarised as BUILD/reports/synth.json in one format (see resources.py);
Yosys' also holds the static timing estimate (timing.py) under `timing`."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import StreamcnnError

TOOLS = ("yosys", "vivado")


def synth(build: Path, tool: str = "yosys", progress: bool = True, **options) -> dict:
    """Synthesise BUILD/rtl with `tool`, write BUILD/reports/synth.json and return it.
    Yosys options: top, jobs (parallel runs, one per module; default one per core), cache
    (a folder of per-module statistics to reuse where a module is unchanged).
    Vivado options (see vivado.run): top, source ("rtl" or "hls"), dry_run."""
    build = Path(build)
    if tool not in TOOLS:
        raise StreamcnnError(f"unknown synthesis tool {tool!r}: use {' or '.join(TOOLS)}")
    if not build.is_dir():
        raise StreamcnnError(f"build folder {build} not found: run `streamcnn convert` first")
    if tool == "yosys":
        from . import yosys
        top, jobs = options.pop("top", "network"), options.pop("jobs", None)
        cache = options.pop("cache", None)
        if options:
            raise StreamcnnError(f"Yosys synthesis takes no option {sorted(options)[0]}")
        raw = yosys.run(build, top, progress, jobs, cache)
        summary = yosys.summarise(raw, build / "rtl" / "network.v", top)
        summary["timing"] = estimate(raw, build, top)
    else:
        from . import vivado
        summary = vivado.run(build, progress=progress, **options)
        if summary.get("dry_run"):
            return summary              # nothing was synthesised: keep any earlier report
        summary["estimate"] = estimate_beside(build, progress)
    out = build / "reports" / "synth.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def estimate(raw: dict, build: Path, top: str = "network") -> dict:
    """The static timing estimate of a Yosys run (timing.design) against the build's target."""
    from ..target import Target
    from . import resources as res
    from .timing import design
    return design(raw["abstracts"], top, res.layer_map(Path(build) / "rtl" / "network.v"),
                  Target.of_build(build), res.layer_of)


def estimate_beside(build: Path, progress: bool = True) -> dict:
    """The static timing estimate of the design Vivado just placed and routed, for its report
    to print beside the WNS: a Yosys run on the same Verilog, its per-module results cached
    in the build (BUILD/reports/yosys_cache) so a second Vivado run reuses them."""
    from . import yosys
    raw = yosys.run(build, "network", progress, cache=Path(build) / "reports" / "yosys_cache")
    return estimate(raw, build)


def timing_estimate(build: Path, progress: bool = True, **options) -> dict:
    """BUILD/reports/synth.json with its timing estimate: composed again from the module
    abstracts of that report's Yosys run (no synthesis), else after synthesising with Yosys
    (options as for synth)."""
    from . import yosys
    f = Path(build) / "reports" / "synth.json"
    try:
        summary = json.loads(f.read_text()) if f.is_file() else {}
    except ValueError:
        summary = {}
    if summary.get("tool") == "vivado":
        raise StreamcnnError(f"{f} holds Vivado's synthesis; the estimate needs Yosys' netlist "
                             "and would replace it: `streamcnn synth BUILD` (Yosys) first")
    own = yosys.abstracts(build) if summary.get("tool") == "yosys" else {}
    top = summary.get("top", "network")
    if top in own:
        summary["timing"] = estimate({"abstracts": own}, build, top)
        f.write_text(json.dumps(summary, indent=2) + "\n")
        return summary
    return synth(build, "yosys", progress, **options)


def bench_synth(build: Path, tool: str = "yosys") -> dict:
    """`streamcnn bench --synth`: synthesise, then print the time and the resource table."""
    from .table import print_summary
    summary = synth(build, tool)
    print_summary(summary)
    return summary
