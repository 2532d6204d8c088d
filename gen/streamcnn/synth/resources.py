"""Xilinx UltraScale+ primitives -> the resource figures both flows report (synth.json's
schema), the xcvu9p's capacity, and the instance -> IR layer map of the network core."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..target import Target

DEVICE = "xcvu9p"
PART = Target().part          # the default target: the capacities below are its
# xcvu9p capacity (DS890; the figures hls4ml quotes): 8 LUTs share one CARRY8.
AVAILABLE = {"LUT": 1182240, "CLB_LUT": 1182240, "FF": 2364480, "DSP": 6840, "BRAM36": 2160,
             "URAM": 960, "CARRY": 1182240 // 8}
# The figures of the summary table, in print order.
KEYS = ("CLB_LUT", "LUT", "LUTRAM", "SRL", "FF", "DSP", "BRAM36", "URAM", "CARRY")

LUTS = {f"LUT{k}": k for k in range(1, 7)}
FFS = ("FDRE", "FDSE", "FDCE", "FDPE")
LATCHES = ("LDCE", "LDPE")
# LUTs each distributed-RAM primitive occupies (UG574).
LUTRAM = {"RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM512X1S": 8,
          "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1D": 8,
          "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8}
SRLS = ("SRL16E", "SRLC16E", "SRLC32E")
DSPS = ("DSP48E2", "DSP48E1")
# Yosys 0.70 maps adders to CARRY4 even for xcup; Vivado retargets each to a CARRY8.
CARRIES = ("CARRY8", "CARRY4")
BRAM36 = {"RAMB36E2": 1.0, "FIFO36E2": 1.0, "RAMB18E2": 0.5, "FIFO18E2": 0.5,
          "RAMB36E1": 1.0, "RAMB18E1": 0.5}


def from_cells(cells: dict[str, int]) -> dict:
    """Resource figures of a bag of primitive cells ({type: count}); other types are ignored.
    INV counts as the LUT1 it becomes in Vivado."""
    c = Counter({k: int(v) for k, v in cells.items()})
    by_size = {name: c[name] for name in LUTS}
    by_size["LUT1"] += c["INV"]
    lut = sum(by_size.values())
    lutram = sum(n * c[k] for k, n in LUTRAM.items())
    srl = sum(c[k] for k in SRLS)
    bram36 = sum(f * c[k] for k, f in BRAM36.items())
    return {
        "CLB_LUT": lut + lutram + srl, "LUT": lut, "LUTRAM": lutram, "SRL": srl,
        "FF": sum(c[k] for k in FFS + LATCHES), "LATCH": sum(c[k] for k in LATCHES),
        "DSP": sum(c[k] for k in DSPS),
        "BRAM36": int(bram36) if bram36 == int(bram36) else bram36,
        "RAMB36": c["RAMB36E2"] + c["RAMB36E1"] + c["FIFO36E2"],
        "RAMB18": c["RAMB18E2"] + c["RAMB18E1"] + c["FIFO18E2"],
        "URAM": c["URAM288"], "CARRY": sum(c[k] for k in CARRIES),
        "MUXF7": c["MUXF7"], "MUXF8": c["MUXF8"],
        "LUT_by_size": by_size,
    }


def utilization(totals: dict) -> dict:
    """Percent of the xcvu9p, for the figures it has a capacity for."""
    return {k: round(100.0 * totals[k] / AVAILABLE[k], 3) for k in AVAILABLE
            if totals.get(k) is not None}


def add(a: dict, b: dict) -> dict:
    """Sum of two resource dicts (nested per-size counts included)."""
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict):
            out[k] = add(out.get(k, {}), v)
        elif isinstance(v, (int, float)):
            out[k] = out.get(k, 0) + v
    return out


_BLOCK = re.compile(r"^// (\S+)[ \t]*\n(?:\w+)\s*(?:#\s*\((?:.|\n)*?\n\)\s*)?(\w+)\s*\(",
                    re.MULTILINE)
_SUFFIX = re.compile(r"_(win|mac|pad)$")


def layer_map(network_v: Path) -> dict[str, str]:
    """Instance name -> IR layer, from the `// <layer>` line the generator writes above each
    block of network.v (layer names may hold '/', which instance names cannot)."""
    text = Path(network_v).read_text() if Path(network_v).is_file() else ""
    return {inst: layer for layer, inst in _BLOCK.findall(text)}


def layer_of(inst: str, known: dict[str, str]) -> str:
    """The instance's layer; without a `// <layer>` line, its name less _win/_mac/_pad."""
    return known.get(inst) or _SUFFIX.sub("", inst)
