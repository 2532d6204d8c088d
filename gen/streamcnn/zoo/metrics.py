"""What a trained model is judged on: accuracy in Keras and in firmware arithmetic,
sparsity and bit width per layer, and its answers on the real SVHN images at hand."""
from __future__ import annotations

from pathlib import Path

import numpy as np

# Float models are post-training quantised to one type, as the paper's BF/BP (REFERENCE §1).
FLOAT_PRECISION = "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"


def firmware_config(float_model: bool):
    """The conversion config of a shipped model: FLOAT_PRECISION for float models."""
    from ..config import Config
    return Config.from_dict({"Model": {"Precision": FLOAT_PRECISION}} if float_model else {})


def sparsity(model) -> dict[str, float]:
    """Fraction of exact zeros in each stored conv/dense kernel."""
    return {l.name: float(np.mean(l.kernel.numpy() == 0)) for l in model.layers
            if hasattr(l, "kernel")}


def quantizers(model) -> dict[str, str]:
    """Each quantised layer's quantiser as QKeras prints it; float layers say float32."""
    out = {}
    for l in model.layers:
        # QKeras keeps the quantiser object in *_internal; the plain attribute may be a config
        q = getattr(l, "kernel_quantizer_internal", None) or getattr(l, "quantizer", None)
        if hasattr(l, "kernel") or q is not None:
            out[l.name] = str(q) if q is not None else "float32"
    return out


def bias_quantizers(model) -> dict[str, str]:
    """The bias quantiser of each quantised layer that has one (AQ picks it apart)."""
    return {l.name: str(l.bias_quantizer_internal) for l in model.layers
            if getattr(l, "bias_quantizer_internal", None) is not None}


def bits(model) -> dict[str, int | None]:
    """Bit width per quantised layer (kernel for conv/dense, output for activations)."""
    out = {}
    for l in model.layers:
        q = getattr(l, "kernel_quantizer_internal", None) or getattr(l, "quantizer", None)
        if hasattr(l, "kernel") or q is not None:
            out[l.name] = int(q.bits) if q is not None and hasattr(q, "bits") else None
    return out


def golden_classes(model, x: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Classes from the bit-exact golden model, or None and the reason it does not apply."""
    from ..errors import StreamcnnError
    from ..frontend import from_keras
    from ..golden import emulate, quantize_input
    float_model = not quantizers(model) or all(v == "float32" for v in quantizers(model).values())
    try:
        g = from_keras(model, firmware_config(float_model))
    except StreamcnnError as e:
        return None, str(e)
    return emulate(g, quantize_input(g, x)).classes, ("exact" if g.exact else "post-training")


def evaluate(path: Path, x: np.ndarray, y: np.ndarray) -> dict:
    from ..data import find_real_samples
    from ..frontend.load import load_keras
    model = load_keras(path)
    keras_cls = model.predict(x.astype(np.float32), batch_size=2048, verbose=0).argmax(1)
    fw_cls, how = golden_classes(model, x)
    m = {"test_accuracy": float(np.mean(keras_cls == y)),
         "sparsity": sparsity(model), "bits": bits(model),
         "quantizers": quantizers(model), "bias_quantizers": bias_quantizers(model)}
    m["firmware_accuracy"] = float(np.mean(fw_cls == y)) if fw_cls is not None else None
    m["firmware_agreement"] = float(np.mean(fw_cls == keras_cls)) if fw_cls is not None else None
    m["firmware_arithmetic"] = how
    real = find_real_samples()
    if real is not None:
        xr, yr, _ = real
        pr = model.predict(xr.astype(np.float32), verbose=0).argmax(1)
        m["real_svhn"] = {"labels": yr.tolist(), "predicted": pr.tolist(),
                          "correct": int(np.sum(pr == yr))}
    return m
