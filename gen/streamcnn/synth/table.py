"""Print a synth.json summary: run time, totals against the xcvu9p, and one row per layer."""
from __future__ import annotations

COLUMNS = ("CLB_LUT", "LUT", "LUTRAM", "SRL", "FF", "DSP", "BRAM36", "CARRY")
# hls4ml's Vivado figures for the paper's SVHN QP6 design (REFERENCE §2).
HLS4ML_QP6 = {"CLB_LUT": 118931, "DSP": 353}


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:,.1f}" if isinstance(v, float) and v != int(v) else f"{int(v):,}"


def rows(summary: dict) -> list[list[str]]:
    out = [["layer", *COLUMNS]]
    for name, r in summary.get("layers", {}).items():
        out.append([name, *(_fmt(r.get(k)) for k in COLUMNS)])
    t = summary["totals"]
    out.append(["total", *(_fmt(t.get(k)) for k in COLUMNS)])
    pct = summary.get("utilization_pct", {})
    out.append(["% xcvu9p", *(f"{pct[k]:.2f}" if k in pct else "" for k in COLUMNS)])
    return out


def format_table(summary: dict) -> str:
    table = rows(summary)
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))) for r in table]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 2, "-" * len(lines[0]))
    return "\n".join(lines)


def print_summary(summary: dict) -> None:
    who = summary.get("version") or summary["tool"]
    print(f"{summary['tool']} synthesis of {summary.get('top', 'network')} for "
          f"{summary.get('device', 'xcvu9p')}: {summary.get('seconds', 0):.1f} s ({who})")
    print(format_table(summary))
    timing = summary.get("timing")
    if timing and timing.get("estimate"):
        w = timing["worst"]
        print(f"timing ESTIMATE: worst register-to-register path {w['delay_ns']:.3f} ns "
              f"({w['lut_levels']} LUT, {w['carry_cells']} carry, fan-out {w['max_fanout']:,}), "
              f"fmax {timing['fmax_mhz']:g} MHz, {timing['verdict']} the target "
              f"{timing['target']['clock_ns']:g} ns; per layer: streamcnn timing BUILD")
    elif timing:
        print(vivado_beside_estimate(timing, summary.get("estimate")))
    if summary.get("latch_warnings"):
        print(f"warning: {len(summary['latch_warnings'])} latch warning(s), see "
              "the logs in reports/yosys/")


def vivado_beside_estimate(timing: dict, est: dict | None) -> str:
    """Vivado's routed timing and the Yosys estimate of the same design, side by side."""
    rows = [("", "Vivado (placed and routed)", "ESTIMATE (Yosys netlist + delay model)")]
    wns = timing.get("WNS")
    worst = (est or {}).get("worst") or {}
    rows.append(("worst slack", "-" if wns is None else f"{wns:+.3f} ns",
                 "-" if not est else f"{est['slack_ns']:+.3f} ns"))
    rows.append(("fmax", f"{timing['fmax_mhz']:g} MHz" if timing.get("fmax_mhz") else "-",
                 f"{est['fmax_mhz']:g} MHz" if est else "-"))
    rows.append(("target met", {True: "yes", False: "NO", None: "-"}[timing.get("met")],
                 {"meets": "yes", "fails": "NO"}.get((est or {}).get("verdict"), "-")))
    rows.append(("TNS / THS", f"{timing.get('TNS', '-')} / {timing.get('THS', '-')} ns", "-"))
    rows.append(("worst path", "BUILD/vivado/timing_summary.rpt",
                 " > ".join(worst.get("blocks", ())) or "-"))
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    if est is None:
        lines.append("(no estimate: `streamcnn timing BUILD` makes one from Yosys)")
    return "\n".join(["timing:"] + lines)


def compare_hls4ml(summary: dict) -> str:
    """Ours next to hls4ml's Vivado figures for SVHN QP6."""
    t = summary["totals"]
    return "\n".join(f"{k:8s} streamcnn {t[k]:>9,}   hls4ml {ref:>9,}"
                     for k, ref in HLS4ML_QP6.items())
