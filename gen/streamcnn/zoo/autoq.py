"""AQ / AQP (REFERENCE.md §1): AutoQKeras picks a quantiser per layer of the float model
(goal: energy, as in the paper), then the chosen model is trained with the recipe like the
other Q models; AQP takes AQ's quantisers and weights and prunes to 50%.

The search space holds only quantisers the front end maps exactly (quantized_bits with
alpha=1 on kernels and biases, quantized_relu on activations, all <= 8 bits so QKeras'
float32 arithmetic stays exact), and the topology is fixed (no filter tuning): the paper's
network with heterogeneous bit widths, warm-started from BF.

AutoQKeras (qkeras 0.9.0) fails twice under Keras 2.15 (REFERENCE.md §4); both are fixed
here, in our code, only while a search runs:
1. model_quantize writes QKeras layers into the model JSON as module "keras.layers" with no
   registered name, so model_from_json cannot find QConv2D/QDense: we name their real
   module and registered name before Keras reads the JSON.
2. Every trial compiles with the reference model's one optimizer object. A Keras >= 2.11
   optimizer is bound to the variables of the first model it saw and rejects the next
   trial's ("optimizer cannot recognize variable"), so the reference gets the legacy Adam.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

from ..errors import StreamcnnError

KERNEL_BITS = (2, 3, 4, 6, 8)
BIAS_BITS = (4, 8)
ACTIVATION_BITS = (3, 4, 6, 8)
MODES = ("bayesian", "random")

# The energy goal of the hls4ml tutorial's AutoQKeras run on this network: trials are scored
# val. accuracy x (1 + delta), delta growing by 8% per halving of the estimated energy
# (qtools, Horowitz 45 nm process) against an int8 reference.
GOAL = {"type": "energy",
        "params": {"delta_p": 8.0, "delta_n": 8.0, "rate": 2.0, "stress": 1.0,
                   "process": "horowitz", "parameters_on_memory": ["sram", "sram"],
                   "activations_on_memory": ["sram", "sram"], "rd_wr_on_io": [False, False],
                   "min_sram_size": [0, 0], "source_quantizers": ["int8"],
                   "reference_internal": "int8", "reference_accumulator": "int32"}}
# the weight layers and the activations between them: what a complete choice names
WEIGHT_LAYERS = ("conv1", "conv2", "conv3", "dense1", "dense2", "output")
ACTIVATIONS = ("act1", "act2", "act3", "act_dense1", "act_dense2")


@dataclass
class Search:
    trials: int = 40
    epochs: int = 3           # per trial
    images: int = 20000       # first N training images (the validation split is kept apart)
    mode: str = "bayesian"
    batch: int = 256          # smaller than the recipe's 1,024: short trials need more steps

    def __post_init__(self):
        if self.mode not in MODES:
            raise StreamcnnError(f"search mode {self.mode!r}; known: {', '.join(MODES)}")
        for k in ("trials", "epochs", "images"):
            if getattr(self, k) < 1:
                raise StreamcnnError(f"--search-{k} must be at least 1 (got {getattr(self, k)})")


def search_space() -> dict:
    qb = {f"quantized_bits({b},0,alpha=1)": b for b in KERNEL_BITS}
    return {"kernel": qb, "linear": qb,
            "bias": {f"quantized_bits({b},0,alpha=1)": b for b in BIAS_BITS},
            "activation": {f"quantized_relu({b},0)": b for b in ACTIVATION_BITS}}


LIMIT = {"Conv2D": [8, 8, 8], "Dense": [8, 8, 8], "Activation": [8]}


@contextlib.contextmanager
def keras215_json_fix():
    """Fix 1 above: patch qkeras.utils.quantized_model_from_json while the block runs."""
    import qkeras.utils as qu
    original = qu.quantized_model_from_json

    def fixed(json_string, custom_objects=None):
        known: dict = {}
        qu._add_supported_quantized_objects(known)
        jm = json.loads(json_string)
        for layer in jm["config"]["layers"]:
            cls = known.get(layer["class_name"])
            if isinstance(cls, type):
                layer["module"] = cls.__module__
                layer["registered_name"] = layer["class_name"]
        return original(json.dumps(jm), custom_objects)

    qu.quantized_model_from_json = fixed
    try:
        yield
    finally:
        qu.quantized_model_from_json = original


def _reference(parent):
    """The float model AutoQKeras quantises: BF's trained weights, or a fresh float model."""
    import tensorflow as tf
    from .paper import svhn_cnn
    ref = parent if parent is not None else svhn_cnn(None, name="svhn_float")
    kinds = {l.name: type(l).__name__ for l in ref.layers}
    wrong = [n for n in WEIGHT_LAYERS if kinds.get(n) not in ("Conv2D", "Dense")]
    if wrong:
        raise StreamcnnError(f"AQ searches from the float model (BF); {ref.name} has no float "
                             f"layer {wrong[0]!r}")
    ref.compile(optimizer=tf.keras.optimizers.legacy.Adam(3e-3, amsgrad=True),   # fix 2
                loss="sparse_categorical_crossentropy", metrics=["acc"])
    return ref


def spec_from_choice(values: dict) -> dict[str, dict[str, str]]:
    """AutoQKeras' hyperparameters ("<layer>_<role>_quantizer": q) as a per-layer spec."""
    spec: dict[str, dict[str, str]] = {}
    for key, q in values.items():
        for role in ("kernel", "bias", "activation"):
            if key.endswith(f"_{role}_quantizer"):
                spec.setdefault(key[:-len(f"_{role}_quantizer")], {})[role] = q
    missing = [n for n in WEIGHT_LAYERS if "kernel" not in spec.get(n, {})] + \
              [n for n in ACTIVATIONS if "activation" not in spec.get(n, {})]
    if missing:
        raise StreamcnnError(f"AutoQKeras chose no quantiser for {', '.join(missing)}")
    return spec


def spec_of(model) -> dict[str, dict[str, str]]:
    """The per-layer quantisers of a trained QKeras model (AQP takes AQ's)."""
    spec: dict[str, dict[str, str]] = {}
    for l in model.layers:
        for role, attr in (("kernel", "kernel_quantizer_internal"),
                           ("bias", "bias_quantizer_internal"), ("activation", "quantizer")):
            q = getattr(l, attr, None)
            if q is not None and not isinstance(q, (str, dict)):
                spec.setdefault(l.name, {})[role] = str(q)
    return spec


def search(parent, train_data, val_data, s: Search, seed: int):
    """Run AutoQKeras; returns (per-layer spec of the best trial, what the search did)."""
    import tensorflow as tf
    from qkeras.autoqkeras import AutoQKeras
    tf.keras.utils.set_random_seed(seed)
    ref = _reference(parent)
    extra = {"num_initial_points": max(2, s.trials // 4)} if s.mode == "bayesian" else {}
    print(f"AutoQKeras {s.mode} search: {s.trials} trials x {s.epochs} epochs on "
          f"{s.images:,} images", file=sys.stderr)
    t0 = time.perf_counter()
    # AutoQKeras prints every trial's model summary: keep them off the terminal
    with tempfile.TemporaryDirectory() as tmp, keras215_json_fix(), \
            contextlib.redirect_stdout(io.StringIO()):
        aq = AutoQKeras(ref, metrics=["acc"], goal=GOAL, output_dir=os.path.join(tmp, "aq"),
                        mode=s.mode, quantization_config=search_space(), limit=LIMIT,
                        transfer_weights=parent is not None, tune_filters="none",
                        tune_filters_exceptions="^$", max_trials=s.trials, seed=seed, **extra)
        aq.fit(train_data, validation_data=val_data, epochs=s.epochs, verbose=0,
               callbacks=[tf.keras.callbacks.EarlyStopping(patience=s.epochs)])
        oracle = aq.tuner.oracle
        done = [t for t in oracle.trials.values() if t.score is not None]
        if not done:
            raise StreamcnnError("AutoQKeras: no trial completed")
        best = oracle.get_best_trials(1)[0]
        reference_energy = float(aq.hypermodel.target.reference_size)
    seconds = time.perf_counter() - t0

    def row(t):
        return {"score": round(float(t.score), 4),
                "val_accuracy": round(float(t.metrics.get_best_value("val_acc")), 4),
                "energy": float(t.metrics.get_last_value("trial"))}
    info = {"searched_from": parent.name if parent is not None else "untrained float model",
            "settings": asdict(s), "goal": GOAL, "search_space": search_space(),
            "trials_completed": len(done), "reference_energy": reference_energy,
            "best": {"trial": best.trial_id, **row(best)},
            "trials": [row(t) for t in sorted(done, key=lambda t: int(t.trial_id))],
            "search_seconds": round(seconds, 1)}
    return spec_from_choice(best.hyperparameters.values), info


def prepare(v, parent, train_data, val_data, s: Search, seed: int):
    """The model an AQ/AQP variant trains, and what to record about how it was chosen:
    AQ searches from its parent (BF), AQP takes the quantisers of its parent (AQ)."""
    if not v.pruned:
        spec, info = search(parent, train_data, val_data, s, seed)
    elif parent is None:
        raise StreamcnnError(f"{v.name} takes its quantisers from the trained {v.parent} model: "
                             f"train {v.parent} beside it first, or pass --parent")
    else:
        spec, info = spec_of(parent), {"quantizers_from": parent.name}
    info["spec"] = spec
    return v.build(spec), info
