"""The scan spec (YAML): models, a grid of config options, steps, images.

    models: [models/qp6.h5, models/q4.h5]   # .h5 files, relative to the spec's folder
    grid:                                   # every combination of these lists
      ReuseFactor: [1, 2]                   # Model-level config keys
      ClockPeriod: [5, 4]                   # target clock, ns
    steps: [convert, golden, csim, rtlsim, synth]
    images: 32                              # inputs on each model's grid (golden, csim, rtlsim)
"""
from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import StreamcnnError

STEPS = ("convert", "golden", "csim", "rtlsim", "synth")     # in dependency order
NEEDS = {"golden": "convert", "csim": "convert", "rtlsim": "convert", "synth": "convert"}
# grid key -> where it goes in the config (config.py's keys)
GRID_KEYS = {"ReuseFactor": ("Model", "ReuseFactor"), "Strategy": ("Model", "Strategy"),
             "Precision": ("Model", "Precision"), "ClockPeriod": ("Target", "ClockPeriod"),
             "Part": ("Target", "Part")}
VERSION = 1                   # of the cached results; a change re-runs every point
SOURCES = (".py", ".v", ".j2", ".h", ".cpp", ".tcl", ".xdc")


def tool_digest() -> str:
    """A hash of the generator's own files (package, HLS and Verilog libraries, templates,
    test bench): cached results of another version of the tool are never reused."""
    from .. import assets
    pkg = Path(__file__).resolve().parents[1]
    files = [f for f in pkg.rglob("*") if f.suffix in SOURCES and "__pycache__" not in f.parts
             and "_assets" not in f.relative_to(pkg).parts]
    for name in assets.FOLDERS:
        files += [f for f in assets.path(name).rglob("*") if f.suffix in SOURCES
                  and "sim_build" not in f.parts and "__pycache__" not in f.parts]
    h = hashlib.sha256()
    for f in sorted(set(files)):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


@dataclass
class Point:
    name: str                 # <model stem>[/<key>=<value>,...]
    model: Path
    options: dict             # grid key -> value
    key: str = ""             # hash of the model's bytes, the options and the images

    def config(self) -> dict:
        """The config (config.py's YAML keys) of this point."""
        out: dict = {}
        for k, v in self.options.items():
            section, name = GRID_KEYS[k]
            out.setdefault(section, {})[name] = v
        return out


@dataclass
class Spec:
    path: Path
    models: list[Path]
    grid: dict[str, list]
    steps: list[str]
    images: int = 32
    points: list[Point] = field(default_factory=list)


def _fail(path, what: str):
    raise StreamcnnError(f"{path}: {what}")


def load_spec(path) -> Spec:
    path = Path(path)
    if not path.is_file():
        _fail(path, "scan spec not found")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        _fail(path, f"invalid YAML ({' '.join(str(e).split())[:160]})")
    if not isinstance(data, dict):
        _fail(path, "a scan spec is a mapping (models, grid, steps, images)")
    unknown = sorted(set(data) - {"models", "grid", "steps", "images"})
    if unknown:
        _fail(path, f"unknown key '{unknown[0]}' (have models, grid, steps, images)")
    models = data.get("models")
    if not isinstance(models, list) or not models:
        _fail(path, "models: a non-empty list of .h5 files")
    files = []
    for m in models:
        f = (path.parent / str(m)).resolve() if not Path(str(m)).is_absolute() else Path(str(m))
        if not f.is_file():
            _fail(path, f"models: {m}: no such file")
        files.append(f)
    grid = data.get("grid") or {}
    if not isinstance(grid, dict):
        _fail(path, "grid: a mapping of config option -> list of values")
    for k, v in grid.items():
        if k not in GRID_KEYS:
            _fail(path, f"grid: unknown option '{k}' (have {', '.join(GRID_KEYS)})")
        if not isinstance(v, list) or not v:
            _fail(path, f"grid.{k}: a non-empty list of values")
    steps = data.get("steps", list(STEPS))
    if not isinstance(steps, list) or not steps:
        _fail(path, "steps: a non-empty list")
    for s in steps:
        if s not in STEPS:
            _fail(path, f"steps: unknown step '{s}' (have {', '.join(STEPS)})")
    steps = [s for s in STEPS if s in steps or any(NEEDS.get(t) == s for t in steps)]
    images = data.get("images", 32)
    if isinstance(images, bool) or not isinstance(images, int) or images < 1:
        _fail(path, f"images: a positive integer, not {images!r}")
    spec = Spec(path, files, grid, steps, images)
    spec.points = _points(spec)
    return spec


def _points(spec: Spec) -> list[Point]:
    keys = list(spec.grid)
    out, names, tool = [], set(), tool_digest()
    for model in spec.models:
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        for values in itertools.product(*(spec.grid[k] for k in keys)):
            options = dict(zip(keys, values))
            name = model.stem + "".join(f"/{k}={v}" for k, v in options.items())
            if name in names:
                _fail(spec.path, f"models: two points named {name} (same file stem twice?)")
            names.add(name)
            key = hashlib.sha256(json.dumps([VERSION, tool, digest, options, spec.images],
                                            sort_keys=True).encode()).hexdigest()[:16]
            out.append(Point(name, model, options, key))
    return out
