"""A scan's results: OUT/scan.json and scan.csv (one row per point) and Pareto plots."""
from __future__ import annotations

import csv
import json
from pathlib import Path

# (x, y, file): resources against what they buy; points off the front are drawn faint
PLOTS = (("synth.CLB_LUT", "golden.accuracy", "pareto_accuracy_lut.png"),
         ("synth.CLB_LUT", "rtlsim.latency", "pareto_latency_lut.png"))


def write_table(rows: list[dict], spec, out: Path, seconds: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cols = list(dict.fromkeys(k for r in rows for k in r))
    (out / "scan.json").write_text(json.dumps({"spec": str(spec.path), "steps": spec.steps,
                                               "images": spec.images, "seconds": round(seconds, 1),
                                               "rows": rows}, indent=1) + "\n")
    with open(out / "scan.csv", "w", newline="") as f:
        w = csv.DictWriter(f, cols)
        w.writeheader()
        w.writerows(rows)
    (out / "scan.md").write_text("\n".join(markdown(rows)) + "\n")
    for x, y, name in PLOTS:
        _pareto(rows, x, y, out / name, maximise=y.endswith("accuracy"))


# the summary's columns: (heading, row key); a step's error replaces its figures
SUMMARY = (("golden vs QKeras", "golden.mismatches"), ("accuracy", "golden.accuracy"),
           ("csim mism.", "csim.mismatches"), ("latency", "rtlsim.latency"),
           ("II", "rtlsim.ii"), ("RTL mism.", "rtlsim.mismatches"), ("LUT", "synth.CLB_LUT"),
           ("FF", "synth.FF"), ("DSP", "synth.DSP"), ("fmax (est.)", "synth.fmax_mhz"),
           ("vs target clock", "synth.verdict"))


def _cell(r: dict, key: str) -> str:
    step = key.split(".")[0]
    if r.get(f"{step}.error"):
        return "–"
    v = r.get(key)
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    return f"{v:,.4g}" if isinstance(v, float) else f"{v:,}"


def markdown(rows: list[dict]) -> list[str]:
    """The scan as a Markdown table (the columns of the steps that ran) and its errors."""
    cols = [(h, k) for h, k in SUMMARY if any(k in r or f"{k.split('.')[0]}.error" in r
                                             for r in rows)]
    out = ["| point | " + " | ".join(h for h, _ in cols) + " |",
           "| --- |" + " --- |" * len(cols)]
    out += [f"| {r['point']} | " + " | ".join(_cell(r, k) for _, k in cols) + " |" for r in rows]
    errors = [(r["point"], k[:-6], v) for r in rows for k, v in r.items()
              if k.endswith(".error") and v]
    if errors:
        out += [""] + [f"- {p}, {s}: {e}" for p, s, e in errors]
    return out


def front(points: list[tuple[float, float]], maximise: bool) -> list[tuple[float, float]]:
    """The points no other point beats on both axes (less x; more y if `maximise`, else
    less y), by increasing x."""
    best, out = None, []
    for px, py in sorted(points, key=lambda p: (p[0], -p[1] if maximise else p[1])):
        if best is None or (py > best if maximise else py < best):
            out.append((px, py))
            best = py
    return out


def _pareto(rows, x: str, y: str, path: Path, maximise: bool) -> None:
    pts = [(r[x], r[y], r["point"]) for r in rows
           if isinstance(r.get(x), (int, float)) and isinstance(r.get(y), (int, float))]
    if not pts:
        path.unlink(missing_ok=True)          # nothing measured: no stale plot either
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter([p[0] for p in pts], [p[1] for p in pts], c="0.7", label="points")
    f = front([(p[0], p[1]) for p in pts], maximise)
    ax.plot([p[0] for p in f], [p[1] for p in f], "o-", c="C0", label="Pareto front")
    names: dict = {}
    for px, py, name in pts:                  # one label per place, naming every point there
        names.setdefault((px, py), []).append(name)
    for (px, py), here in names.items():
        if (px, py) in f:
            ax.annotate("\n".join(here), (px, py), fontsize=6, xytext=(3, 3),
                        textcoords="offset points")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
