"""The results table (Markdown) and its headline reductions, computed from the records."""
from __future__ import annotations

from pathlib import Path

from ..errors import StreamcnnError
from ..synth.timing import clock_for_us
from ..target import Target

# hls4ml + Vivado 2020.1 on the same topology, 50% pruned (REFERENCE §2)
HLS4ML = {"bp": {"DSP": 5386, "CLB_LUT": 123948, "FF": 43435, "latency": 1044, "ii": 1028},
          "qp6": {"DSP": 353, "CLB_LUT": 118931, "FF": 30702, "latency": 1044, "ii": 1028}}
MAX_LOSS = 0.06           # the paper's second headline: at most 6 points of accuracy lost


def _n(v) -> str:
    return "–" if v is None else f"{int(v):,}"


def _bits(r: dict) -> str:
    if r["auto"]:
        return "auto"
    return "float" if r["bits"] is None else str(r["bits"])


def row(r: dict) -> str:
    t = (r.get("synth") or {}).get("totals", {})
    sim = r.get("rtlsim") or {}
    lat = sim.get("latency")
    timing = (r.get("synth") or {}).get("timing")
    ns, _ = clock_for_us(target(r), timing)       # the lower of target and estimated fmax
    us = "–" if lat is None else f"{lat * ns * 1e-3:.2f}"
    fmax = "–" if not timing else f"{timing['fmax_mhz']:.0f}"
    name = r["variant"].upper() + ("³" if _stale(r) else "")
    return (f"| {name} | {_bits(r)} | {'yes' if r['pruned'] else 'no'} | "
            f"{100 * r['float_accuracy']:.2f} | {100 * r['firmware_accuracy']:.2f} | "
            f"{_n(t.get('DSP'))} | {_n(t.get('CLB_LUT'))} | {_n(t.get('FF'))} | "
            f"{_n(t.get('BRAM36'))} | {_n(lat)} | {us} | {_n(sim.get('ii'))} | "
            f"{_n(sim.get('mismatches'))} | {fmax} |")


def _stale(r: dict) -> bool:
    """Measured on other Verilog than this generator writes for the model now (report.run
    converts it to find out), or synthesised before the timing estimate existed."""
    return r.get("stale", False) or (bool(r.get("synth")) and not r["synth"].get("timing"))


def notes(records: list[dict]) -> list[str]:
    """The table's footnotes: which clock the µs rest on, what the fmax is, and which rows
    describe an earlier core."""
    targets = ", ".join(sorted({str(target(r)) for r in records}))
    stale = ([f"³ measured on Verilog an earlier version of the generator wrote for the "
              f"model; not yet re-measured on what it writes now "
              f"(`make report ONLY={','.join(r['variant'] for r in records if _stale(r))}`)."]
             if any(_stale(r) for r in records) else [])
    return ["¹ at the clock the design can meet: the lower of the target clock "
            f"({targets}) and the estimated fmax.",
            "² static timing ESTIMATE from the Yosys netlist (`streamcnn timing BUILD`): "
            "worst register-to-register path, UltraScale+ cell delays and a fan-out-dependent "
            "net delay, no placement or routing (model and sources: "
            "`gen/streamcnn/synth/delay_model.py`); \"–\": not estimated, µs at the target.",
            *stale]


def target(r: dict) -> Target:
    """The record's target (records made before targets were saved: the default)."""
    t = r.get("target") or {}
    return Target(**t) if t else Target()


def _cut(v: float, base: float, who: str) -> str:
    return f"n/a ({who} uses none)" if not base else f"{100 * (1 - v / base):.1f}% fewer"


def headline(records: list[dict], resource: str = "DSP") -> list[str]:
    """Lowest `resource` at no accuracy loss and at <= 6 points lost, against our BF and
    against hls4ml's 50%-pruned ap_fixed<16,6> design (the paper's reference point)."""
    done = {r["variant"]: r for r in records if r.get("synth")}
    bf = done.get("bf")
    if bf is None:
        return [f"- {resource}: BF is not synthesised yet, so no reduction can be computed."]
    base, acc = bf["synth"]["totals"][resource], bf["firmware_accuracy"]
    out = []
    for label, floor in (("no accuracy loss", acc), (f"at most {100 * MAX_LOSS:.0f} points "
                                                     "lost", acc - MAX_LOSS)):
        ok = [r for v, r in done.items() if v != "bf" and r["firmware_accuracy"] >= floor]
        if not ok:
            out.append(f"- {resource}, {label}: no synthesised model qualifies yet.")
            continue
        best = min(ok, key=lambda r: (r["synth"]["totals"][resource],
                                      r["synth"]["totals"]["CLB_LUT"]))
        v = best["synth"]["totals"][resource]
        ref = HLS4ML["bp"][resource]
        out.append(f"- {resource}, {label}: {best['variant'].upper()} "
                   f"({100 * best['firmware_accuracy']:.2f}% vs BF {100 * acc:.2f}%) uses "
                   f"{v:,} against BF's {base:,}: {_cut(v, base, 'BF')}; against hls4ml's "
                   f"pruned 16-bit design's {ref:,}: {_cut(v, ref, 'it')}.")
    return out


TABLE_HEAD = ("| model | bits | pruned | float acc. % | firmware acc. % | DSP | LUT | FF | "
              "BRAM36 | latency (cycles) | latency (µs)¹ | II (cycles) | RTL mismatches | "
              "est. fmax (MHz)² |")


def table(records: list[dict]) -> list[str]:
    return [TABLE_HEAD, "|" + " --- |" * (TABLE_HEAD.count("|") - 1)] + [row(r) for r in records]


def markdown(records: list[dict], plots: list[str]) -> str:
    lines = ["# Results", "",
             "The paper's table for every shipped model (`models/`), regenerated by `make report`.",
             "Accuracy: synthetic test split (26,032 images); \"firmware\" is the golden model,",
             "which the C and RTL simulations equal bit for bit. Resources: Yosys `synth_xilinx",
             "-family xcup` of the generated Verilog core (out of context, one Yosys run per",
             "module; LUT = CLB LUTs incl. LUTRAM/SRL). Latency and II: Verilator simulation",
             "of that Verilog, first pixel accepted to result. \"–\": not measured yet.", ""]
    lines += table(records)
    lines += ["", *notes(records)]
    lines += ["", "hls4ml + Vivado 2020.1 on the same topology (REFERENCE §2; a different "
              "synthesiser, so LUT counts compare only roughly):", "",
              "| design | DSP | LUT | FF | latency | II |", "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| hls4ml {v.upper()} | {h['DSP']:,} | {h['CLB_LUT']:,} | {h['FF']:,} | "
              f"{h['latency']:,} | {h['ii']:,} |" for v, h in HLS4ML.items()]
    lines += ["", *fold_table(records)]
    lines += ["", "## Headline reductions (computed)", ""]
    lines += headline(records, "DSP") + headline(records, "CLB_LUT")
    lines += ["", "Every multiplication by a weight is an adder tree of shifted inputs here, so",
              "DSPs appear only in the per-channel requantisation multiplies; LUTs are this",
              "architecture's critical resource.", ""]
    lines += [f"![{p}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


def fold_table(records: list[dict]) -> list[str]:
    """Per conv and dense layer: the reuse factor the lowering chose, the fraction of a
    frame's cycles its MAC works, and its Yosys CLB LUTs."""
    names = list(dict.fromkeys(n for r in records for n in r.get("folds", {})))
    if not names:
        return []
    out = ["## Folding per layer", "",
           "Each cell: reuse factor R (`ReuseFactor: auto`), busy (the share of a frame's "
           "cycles, at one pixel per clock, the layer's MAC works: its windows or vectors "
           "times R), CLB LUTs. \"–\": not recorded (measured before folding was reported).",
           "", "| model | " + " | ".join(names) + " |", "|" + " --- |" * (len(names) + 1)]
    for r in records:
        folds, synth = r.get("folds", {}), (r.get("synth") or {}).get("layers", {})
        cells = []
        for n in names:
            f = folds.get(n)
            lut = synth.get(n, {}).get("CLB_LUT")
            cells.append("–" if f is None else f"{f['reuse']} · {f['busy']:.1%}"
                         + (f" · {lut:,}" if lut is not None else ""))
        out.append(f"| {r['variant'].upper()}{'³' if _stale(r) else ''} | "
                   + " | ".join(cells) + " |")
    return out


BEGIN, END = "<!-- results: begin (written by make report) -->", "<!-- results: end -->"


def readme_block(records: list[dict], plots: list[str]) -> str:
    """The table, the headline reductions and the plots, for a README section; plot paths
    relative to the README."""
    return "\n".join([BEGIN, ""] + table(records) + [""] + notes(records)
                     + ["", "Headline reductions, computed from the table:", ""]
                     + headline(records, "DSP") + headline(records, "CLB_LUT")
                     + [""] + [f"![{Path(p).name}]({p})" for p in plots] + ["", END])


def update_readme(readme: Path, records: list[dict], plots: list[str]) -> None:
    """Replace the marked results section of `readme` with readme_block()."""
    text = Path(readme).read_text() if Path(readme).is_file() else ""
    if BEGIN not in text or END not in text:
        raise StreamcnnError(f"{readme}: no results section to update (add the lines "
                             f"{BEGIN} and {END})")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    Path(readme).write_text(head + readme_block(records, plots) + tail)
