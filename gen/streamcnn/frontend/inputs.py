"""The input grid: which fixed-point values the model's input stream carries.

Decided once, here, and recorded in the IR (`Graph.input_origin`); everything that makes
inputs (test vectors, demo, bench, the RTL player) reads `graph.input.type`.
"""
from __future__ import annotations

from ..config import Config
from ..fixed import FixedType
from .quantizers import is_quantizer, output_type

DEFAULT = FixedType(8, 8, signed=False)           # raw 8-bit pixels (ap_uint<8>)
PASSIVE = ("InputLayer", "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout")


def input_type(model, config: Config) -> tuple[FixedType, str]:
    """(type, where it comes from): the config's InputPrecision, else the grid of a
    quantiser the input feeds directly, else raw 8-bit integers."""
    if config.input_precision is not None:
        return config.input_precision, f"InputPrecision in {config.source}"
    first = next((l for l in model.layers if type(l).__name__ not in PASSIVE), None)
    q = getattr(first, "quantizer", None) if type(first).__name__ == "QActivation" else None
    if q is not None and is_quantizer(q):
        where = f"layer '{first.name}' (QActivation)"
        return output_type(q, where), f"the grid of {where}, which the input feeds"
    return DEFAULT, "the default: raw 8-bit integers (set InputPrecision for another grid)"
