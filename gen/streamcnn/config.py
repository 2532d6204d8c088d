"""Per-model and per-layer configuration (YAML), with hls4ml-like keys.

    Model:
      Precision: ap_fixed<16,6,AP_RND_CONV,AP_SAT>   # for float (not QKeras-quantised) tensors
      ReuseFactor: 1
      Strategy: Latency
    InputPrecision: ap_uint<8>                        # the raw input stream (8-bit pixels)
    Softmax: false        # true: the firmware computes the model's final softmax (HLS only)
    LayerName:
      conv1:
        Precision: {weight: ap_fixed<8,1>, bias: ap_fixed<8,1>, result: ap_fixed<16,6>}
        ReuseFactor: 4

Precision may be one type (weight, bias and result alike) or a mapping of those keys.
QKeras-quantised tensors take their types from QKeras; Precision only covers the rest.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from .errors import StreamcnnError
from .fixed import FixedType

STRATEGIES = ("Latency", "Resource")
PRECISION_KEYS = ("weight", "bias", "result")
DEFAULT_PRECISION = "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"


@dataclass(frozen=True)
class LayerConfig:
    weight: FixedType
    bias: FixedType
    result: FixedType
    reuse_factor: int = 1
    strategy: str = "Latency"


@dataclass
class Config:
    model: LayerConfig
    input_precision: FixedType
    layers: dict[str, dict]
    source: str = "<defaults>"
    softmax: bool = False            # implement the model's final softmax (tables, softmax.py)

    def layer(self, name: str) -> LayerConfig:
        return _apply(self.model, self.layers.get(name, {}), f"{self.source}: LayerName.{name}")

    @classmethod
    def default(cls) -> "Config":
        return cls.from_dict({})

    @classmethod
    def load(cls, path: str | Path | None) -> "Config":
        if path is None:
            return cls.default()
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except OSError as e:
            raise StreamcnnError(f"{path}: cannot read config ({e.strerror})") from None
        except yaml.YAMLError as e:
            raise StreamcnnError(f"{path}: invalid YAML ({str(e).splitlines()[0]})") from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: dict, source: str = "<config>") -> "Config":
        if not isinstance(data, dict):
            raise StreamcnnError(f"{source}: the config must be a mapping")
        _check_keys(data, ("Model", "InputPrecision", "LayerName", "Softmax"), source)
        softmax = data.get("Softmax", False)
        if not isinstance(softmax, bool):
            raise StreamcnnError(f"{source}: Softmax: expected true or false, got {softmax!r}")
        p = FixedType.parse(DEFAULT_PRECISION)
        base = _apply(LayerConfig(p, p, p), data.get("Model", {}) or {}, f"{source}: Model")
        layers = data.get("LayerName", {}) or {}
        if not isinstance(layers, dict):
            raise StreamcnnError(f"{source}: LayerName must map layer names to settings")
        for name, entry in layers.items():
            _apply(base, entry or {}, f"{source}: LayerName.{name}")   # validate early
        inp = FixedType.parse(data.get("InputPrecision", "ap_uint<8>"))
        return cls(base, inp, {k: v or {} for k, v in layers.items()}, source, softmax)


def _check_keys(entry: dict, allowed, where: str):
    for key in entry:
        if key not in allowed:
            raise StreamcnnError(f"{where}: unknown key {key!r} (allowed: {', '.join(allowed)})")


def _apply(base: LayerConfig, entry: dict, where: str) -> LayerConfig:
    if not isinstance(entry, dict):
        raise StreamcnnError(f"{where}: expected a mapping of settings")
    _check_keys(entry, ("Precision", "ReuseFactor", "Strategy"), where)
    out = base
    prec = entry.get("Precision")
    if isinstance(prec, str):
        t = FixedType.parse(prec)
        out = replace(out, weight=t, bias=t, result=t)
    elif isinstance(prec, dict):
        _check_keys(prec, PRECISION_KEYS, f"{where}.Precision")
        out = replace(out, **{k: FixedType.parse(v) for k, v in prec.items()})
    elif prec is not None:
        raise StreamcnnError(f"{where}.Precision: expected a type or a mapping, got {prec!r}")
    if "ReuseFactor" in entry:
        rf = entry["ReuseFactor"]
        if not isinstance(rf, int) or isinstance(rf, bool) or rf < 1:
            raise StreamcnnError(f"{where}.ReuseFactor: expected a positive integer, got {rf!r}")
        out = replace(out, reuse_factor=rf)
    if "Strategy" in entry:
        st = str(entry["Strategy"]).capitalize()
        if st not in STRATEGIES:
            raise StreamcnnError(f"{where}.Strategy: {entry['Strategy']!r} is not one of "
                                 f"{', '.join(STRATEGIES)}")
        out = replace(out, strategy=st)
    return out
