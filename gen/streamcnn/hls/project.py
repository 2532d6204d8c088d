"""Write BUILD/hls/: the generated network (C++ from jinja2 templates), a copy of the layer
library and test bench, and test vectors, so the folder is a self-contained Vitis HLS project."""
from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import numpy as np

from ..fixed import FixedType
from ..lower import Lowering, ports
from .paths import hls_root
from ..names import ident
from .stages import StageBuilder, int_type

TOP = "network"


def _carray(values: np.ndarray) -> str:
    """Nested C initialiser of an integer (or bool) array."""
    a = np.asarray(values)
    if a.dtype == bool:
        a = a.astype(np.int64)
    if a.ndim == 1:
        return "{" + ", ".join(str(int(v)) for v in a) + "}"
    return "{" + ",\n ".join(_carray(sub) for sub in a) + "}"


def _dims(values: np.ndarray) -> str:
    return "".join(f"[{d}]" for d in np.asarray(values).shape)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(hls_root() / "templates")),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    env.filters["carray"] = _carray
    env.filters["dims"] = _dims
    return env


def context(lowering: Lowering) -> dict:
    graph = lowering.graph
    builder = StageBuilder(lowering)
    stages = builder.build()
    for i, s in enumerate(stages):
        s.var = f"s{i}_{ident(s.name)}"
    out = graph.output
    t = out.type
    logit_t = str(FixedType(t.width, t.integer, t.signed))     # the real values, on the port
    n = out.shape[-1]
    p = ports(graph)
    return {
        "name": graph.name, "guard": "STREAMCNN_" + ident(graph.name).upper(), "top": TOP,
        "stages": stages, "typedefs": builder.typedefs, "taps": [s.name for s in stages if s.tap],
        "logits_int_t": int_type(t), "logit_t": logit_t, "logit_width": t.width,
        "class_t": f"ap_uint<{max(1, (n - 1).bit_length())}>", "n_logits": n,
        "in_pixels": p.pixels, "in_c": p.in_c,
    }


def write_project(lowering: Lowering, build: Path) -> Path:
    """Generate BUILD/hls and return it."""
    hls = Path(build) / "hls"
    root = hls_root()
    ctx = context(lowering)
    env = _env()
    (hls / "firmware").mkdir(parents=True, exist_ok=True)
    for tpl, out in (("network.h.j2", "network.h"), ("weights.h.j2", "weights.h"),
                     ("network.cpp.j2", "network.cpp")):
        (hls / "firmware" / out).write_text(env.get_template(tpl).render(**ctx))
    for sub in ("include", "tb"):
        shutil.rmtree(hls / sub, ignore_errors=True)
        shutil.copytree(root / sub, hls / sub)
    return hls
