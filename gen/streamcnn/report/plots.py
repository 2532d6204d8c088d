"""Resources and accuracy against weight bit width: Q and QP as curves, BF/BP as lines."""
from __future__ import annotations

from pathlib import Path

PANELS = (("firmware_accuracy", "firmware accuracy (%)", 100.0),
          ("CLB_LUT", "LUT", 1.0), ("FF", "FF", 1.0), ("DSP", "DSP", 1.0))


def _value(r: dict, key: str, scale: float):
    if key == "firmware_accuracy":
        return r[key] * scale
    return ((r.get("synth") or {}).get("totals") or {}).get(key)


def plot(records: list[dict], out: Path) -> list[str]:
    """Writes OUT/resources_vs_bits.png; returns the file names written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    by = {r["variant"]: r for r in records}
    fig, axes = plt.subplots(2, 2, figsize=(9, 7))
    axes = axes.ravel()
    for ax, (key, label, scale) in zip(axes, PANELS):
        for prefix, style in (("q", "o-"), ("qp", "s--")):
            pts = sorted((r["bits"], _value(r, key, scale)) for r in records
                         if not r["auto"] and r["bits"] is not None
                         and r["variant"] == f"{prefix}{r['bits']}")
            pts = [(b, v) for b, v in pts if v is not None]
            if pts:
                ax.plot(*zip(*pts), style, label=prefix.upper() + "⟨p⟩")
        for ref, color in (("bf", "tab:gray"), ("bp", "tab:red")):
            v = _value(by[ref], key, scale) if ref in by else None
            if v is not None:
                ax.axhline(v, color=color, lw=1, ls=":", label=ref.upper())
        for auto, marker in (("aq", "^"), ("aqp", "v")):
            v = _value(by[auto], key, scale) if auto in by else None
            if v is not None:
                ax.plot([8.5], [v], marker, label=auto.upper() + " (per-layer)")
        ax.set_xlabel("weight bits p")
        ax.set_title(label)
        ax.set_xscale("log", base=2)
        ax.set_xlim(0.8, 20)
        ax.set_xticks([1, 2, 3, 4, 6, 8, 16])
        ax.set_xticklabels(["1", "2", "3", "4", "6", "8", "16"])
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    name = "resources_vs_bits.png"
    fig.savefig(out / name, dpi=110)
    plt.close(fig)
    return [name]
