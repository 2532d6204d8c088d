"""Parsers of Vivado's text reports (report_utilization, its -hierarchical form, and
report_timing_summary) into the resource and timing figures of synth.json."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import StreamcnnError

# "Site Type" rows -> our names; 7-series reports say Slice where UltraScale says CLB.
SITE_ROWS = {
    "CLB_LUT": ("CLB LUTs", "Slice LUTs"),
    "LUT": ("LUT as Logic",),
    "LUT_MEMORY": ("LUT as Memory",),
    "LUTRAM": ("LUT as Distributed RAM",),
    "SRL": ("LUT as Shift Register",),
    "FF": ("CLB Registers", "Slice Registers"),
    "LATCH": ("Register as Latch",),
    "CARRY": ("CARRY8", "CARRY4"),
    "MUXF7": ("F7 Muxes",),
    "MUXF8": ("F8 Muxes",),
    "BRAM36": ("Block RAM Tile",),
    "RAMB36": ("RAMB36/FIFO",),
    "RAMB18": ("RAMB18",),
    "URAM": ("URAM",),
    "DSP": ("DSPs",),
}
# report_utilization -hierarchical columns -> our names.
HIER_COLUMNS = {"Total LUTs": "CLB_LUT", "Logic LUTs": "LUT", "LUTRAMs": "LUTRAM",
                "SRLs": "SRL", "FFs": "FF", "RAMB36": "RAMB36", "RAMB18": "RAMB18",
                "URAM": "URAM", "DSP Blocks": "DSP"}
TIMING_KEYS = {"WNS(ns)": "WNS", "TNS(ns)": "TNS", "WHS(ns)": "WHS", "THS(ns)": "THS",
               "WPWS(ns)": "WPWS", "TPWS(ns)": "TPWS",
               "TNS Failing Endpoints": "TNS_failing_endpoints",
               "THS Failing Endpoints": "THS_failing_endpoints"}


def _read(path: Path, what: str) -> str:
    path = Path(path)
    if not path.is_file():
        raise StreamcnnError(f"Vivado {what} report {path} not found: run the build first")
    return path.read_text(errors="replace")


def _number(text: str):
    text = text.strip().lstrip("<")
    try:
        v = float(text)
    except ValueError:
        return None
    return int(v) if v == int(v) and "." not in text else v


def _tables(text: str):
    """Each box-drawn table as (header cells, rows of cells); a cell's leading spaces (its
    nesting level in the report) are kept."""
    header, rows = None, []
    for line in text.splitlines():
        if not line.startswith("|"):
            if line.startswith("+") or not line.strip():
                continue
            if header:
                yield header, rows
            header, rows = None, []
            continue
        cells = [c.rstrip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = [c.strip() for c in cells]
        else:
            rows.append(cells)
    if header:
        yield header, rows


def parse_utilization(text: str) -> dict:
    """Totals of report_utilization (the first row of each Site Type wins: later tables of
    the report reuse some names)."""
    found: dict[str, float | int | None] = {}
    for header, rows in _tables(text):
        if not header or header[0] != "Site Type" or "Used" not in header:
            continue
        used = header.index("Used")
        for cells in rows:
            name = cells[0].strip().rstrip("*").strip()
            if name not in found and len(cells) > used:
                found[name] = _number(cells[used])
    if not found:
        raise StreamcnnError("not a Vivado utilization report: no 'Site Type' table")
    out = {}
    for key, names in SITE_ROWS.items():
        out[key] = next((found[n] for n in names if n in found), None)
    out.pop("LUT_MEMORY")
    prims = primitives(text)
    if prims:
        out["LUT_by_size"] = {f"LUT{k}": prims.get(f"LUT{k}", 0) for k in range(1, 7)}
    return out


def primitives(text: str) -> dict[str, int]:
    """The "Primitives" table (Ref Name, Used): cells by type, as Yosys' stat counts them."""
    for header, rows in _tables(text):
        if header[:2] == ["Ref Name", "Used"]:
            return {c[0].strip(): _number(c[1]) for c in rows if len(c) >= 2}
    return {}


def parse_hierarchy(text: str) -> list[dict]:
    """report_utilization -hierarchical: one dict per row (instance, module, depth, figures)."""
    for header, rows in _tables(text):
        if header and header[0] == "Instance" and "Module" in header:
            out = []
            for cells in rows:
                if len(cells) != len(header):
                    continue
                inst = cells[0]
                depth = (len(inst) - len(inst.lstrip(" "))) // 2
                row = {"instance": inst.strip(), "module": cells[1].strip(), "depth": depth}
                for col, key in HIER_COLUMNS.items():
                    if col in header:
                        row[key] = _number(cells[header.index(col)])
                out.append(row)
            return out
    raise StreamcnnError("not a Vivado hierarchical utilization report: no 'Instance' table")


def parse_timing_summary(text: str) -> dict:
    """WNS/TNS/WHS/THS (ns) from the "Design Timing Summary" table and the clock's period."""
    at = text.find("Design Timing Summary")
    if at < 0:
        raise StreamcnnError("not a Vivado timing summary: no 'Design Timing Summary'")
    lines = text[at:].splitlines()
    head = next((i for i, ln in enumerate(lines) if "WNS(ns)" in ln), None)
    if head is None:
        raise StreamcnnError("Vivado timing summary has no WNS(ns) column")
    names = re.split(r"\s{2,}", lines[head].strip())
    values = next((ln.split() for ln in lines[head + 2:] if ln.strip()), [])
    if len(values) != len(names):
        raise StreamcnnError("Vivado timing summary: the Design Timing Summary row does not "
                             "match its header")
    out = {TIMING_KEYS[n]: _number(v) for n, v in zip(names, values) if n in TIMING_KEYS}
    out["met"] = "All user specified timing constraints are met" in text
    period = _clock_period(text)
    out["clock_ns"] = period
    if period is not None and out.get("WNS") is not None and period - out["WNS"] > 0:
        out["fmax_mhz"] = round(1000.0 / (period - out["WNS"]), 1)
    return out


def _clock_period(text: str) -> float | None:
    # Clock Summary: "clk  {0.000 2.500}  5.000  200.000"
    m = re.search(r"^\s*Clock\s+Waveform\(ns\)\s+Period\(ns\).*\n[\s-]+\n\s*\S+\s+\{[^}]*\}\s+"
                  r"([\d.]+)", text, re.MULTILINE)
    return float(m.group(1)) if m else None


def utilization_file(path: Path) -> dict:
    return parse_utilization(_read(path, "utilization"))


def hierarchy_file(path: Path) -> list[dict]:
    return parse_hierarchy(_read(path, "hierarchical utilization"))


def timing_file(path: Path) -> dict:
    return parse_timing_summary(_read(path, "timing summary"))
