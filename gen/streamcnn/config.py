"""Per-model and per-layer configuration (YAML), with hls4ml-like keys.

    Model:
      Precision: ap_fixed<16,6,AP_RND_CONV,AP_SAT>   # for float (not QKeras-quantised) tensors
      ReuseFactor: auto    # per layer: the least hardware that keeps up (lower/fold.py), or N
      Strategy: Latency
    LatencyBudget: 2%      # cycles folding may add: N, or N% of a frame's input words
    InputPrecision: ap_uint<8>       # the input stream's grid; default: from the model (the
                                     # grid of a quantiser on the input, else ap_uint<8>)
    Softmax: false        # true: the firmware computes the model's final softmax (HLS only)
    Target: {Part: xcvu9p-flgb2104-2l-e, ClockPeriod: 5}   # ns; HLS, Vivado, report, µs figures
    LayerName:
      conv1:
        Precision: {weight: ap_fixed<8,1>, bias: ap_fixed<8,1>, result: ap_fixed<16,6>}
        ReuseFactor: 4

Precision may be one type (weight, bias and result alike) or a mapping of those keys.
QKeras-quantised tensors take their types from QKeras; Precision only covers the rest.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from .errors import StreamcnnError
from .fixed import FixedType
from .target import Target

STRATEGIES = ("Latency", "Resource")
PRECISION_KEYS = ("weight", "bias", "result")
DEFAULT_PRECISION = "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"
AUTO = "auto"
# 2% of a frame keeps SVHN at one pixel per clock (1,024 words: 20 cycles) under hls4ml's
# 1,044-cycle latency; 5% of the parallel design's latency (about a frame) would not.
DEFAULT_LATENCY_BUDGET = "2%"


@dataclass(frozen=True)
class LayerConfig:
    weight: FixedType
    bias: FixedType
    result: FixedType
    reuse_factor: int | str = AUTO       # a positive integer, or AUTO
    strategy: str = "Latency"


@dataclass
class Config:
    model: LayerConfig
    input_precision: FixedType | None    # None: taken from the model (frontend.inputs)
    layers: dict[str, dict]
    source: str = "<defaults>"
    softmax: bool = False            # implement the model's final softmax (tables, softmax.py)
    target: Target = field(default_factory=Target)   # part and clock (target.py)
    latency_budget: int | str = DEFAULT_LATENCY_BUDGET   # cycles, or "N%" of a frame's words

    def budget_cycles(self, frame_words: int) -> int:
        """The cycles automatic folding may add to the fully parallel design's latency."""
        b = self.latency_budget
        return b if isinstance(b, int) else int(frame_words * float(b[:-1]) / 100)

    def fully_parallel(self) -> "Config":
        """This config with every layer's ReuseFactor 1 (the comparison for folding)."""
        layers = {k: {kk: vv for kk, vv in v.items() if kk != "ReuseFactor"}
                  for k, v in self.layers.items()}
        return replace(self, model=replace(self.model, reuse_factor=1), layers=layers)

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
            raw = path.read_bytes()
        except OSError as e:
            raise StreamcnnError(f"{path}: cannot read config ({e.strerror})") from None
        if b"\0" in raw:
            raise StreamcnnError(f"{path}: a binary file, not a YAML config")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw[:e.start].count(b"\n") + 1
            raise StreamcnnError(f"{path}: line {line}: not UTF-8 text (byte 0x{raw[e.start]:02x}); "
                                 "save the config as UTF-8") from None
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)
        except DuplicateKey as e:
            raise StreamcnnError(f"{path}: {e}") from None
        except yaml.YAMLError as e:
            raise StreamcnnError(f"{path}: invalid YAML ({_yaml_problem(e)})") from None
        return cls.from_dict({} if data is None else data, str(path))

    @classmethod
    def from_dict(cls, data: dict, source: str = "<config>") -> "Config":
        if not isinstance(data, dict):
            raise StreamcnnError(f"{source}: the config must be a mapping of keys (Model, "
                                 f"LayerName, ...), not {_kind(data)}")
        _check_keys(data, ("Model", "InputPrecision", "LayerName", "Softmax", "Target",
                           "LatencyBudget"), source)
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
        inp = data.get("InputPrecision")
        inp = None if inp is None else _parse(inp, f"{source}: InputPrecision")
        target = Target.from_config(data.get("Target"), f"{source}: Target")
        budget = _budget(data.get("LatencyBudget", DEFAULT_LATENCY_BUDGET), source)
        return cls(base, inp, {k: v or {} for k, v in layers.items()}, source, softmax, target,
                   budget)


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
        t = _parse(prec, f"{where}.Precision")
        out = replace(out, weight=t, bias=t, result=t)
    elif isinstance(prec, dict):
        _check_keys(prec, PRECISION_KEYS, f"{where}.Precision")
        out = replace(out, **{k: _parse(v, f"{where}.Precision.{k}") for k, v in prec.items()})
    elif prec is not None:
        raise StreamcnnError(f"{where}.Precision: expected a type or a mapping, got {prec!r}")
    if "ReuseFactor" in entry:
        rf = entry["ReuseFactor"]
        if isinstance(rf, str) and rf.lower() == AUTO:
            rf = AUTO
        elif not isinstance(rf, int) or isinstance(rf, bool) or rf < 1:
            raise StreamcnnError(f"{where}.ReuseFactor: expected a positive integer or auto, "
                                 f"got {rf!r}")
        out = replace(out, reuse_factor=rf)
    if "Strategy" in entry:
        st = str(entry["Strategy"]).capitalize()
        if st not in STRATEGIES:
            raise StreamcnnError(f"{where}.Strategy: {entry['Strategy']!r} is not one of "
                                 f"{', '.join(STRATEGIES)}")
        out = replace(out, strategy=st)
    return out


def _budget(value, where: str) -> int | str:
    """LatencyBudget: a number of cycles (>= 0) or a percentage "N%" of a frame's words."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.endswith("%"):
        try:
            if float(value[:-1]) >= 0:
                return value
        except ValueError:
            pass
    raise StreamcnnError(f"{where}: LatencyBudget: expected cycles (an integer >= 0) or a "
                         f"percentage of a frame such as 2%, got {value!r}")


def _parse(text, where: str) -> FixedType:
    """FixedType.parse, its error naming the config key."""
    try:
        return FixedType.parse(str(text))
    except StreamcnnError as e:
        raise StreamcnnError(f"{where}: {e}") from None


def _kind(value) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "true/false"}.get(type(value), type(value).__name__)


class DuplicateKey(yaml.YAMLError):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.safe_load, except that a key given twice in one mapping is an error: PyYAML
    keeps the last one, which silently drops the first setting."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":   # `<<: *base` may be overridden
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:                 # an unhashable key: the base class reports it
                break
            if first is not None:
                raise DuplicateKey(f"line {key_node.start_mark.line + 1}: key {key!r} given "
                                   f"twice in one mapping (first on line {first}); the second "
                                   "would silently replace the first")
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def _yaml_problem(e: yaml.YAMLError) -> str:
    """'line L, column C: problem' from a PyYAML error, on one line."""
    mark = getattr(e, "problem_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())
