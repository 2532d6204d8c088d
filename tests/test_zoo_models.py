"""The shipped models in models/: they load, run through the golden model (bit-exact where
QKeras arithmetic is exact), the pruned ones are half zeros, their recorded accuracies have
the paper's shape, and the HLS C simulation equals the golden model on each."""
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import with_real_svhn
from streamcnn.data import load
from streamcnn.frontend import from_keras
from streamcnn.frontend.load import load_keras
from streamcnn.golden import emulate, quantize_input
from streamcnn.zoo.metrics import golden_classes
from streamcnn.zoo.variants import VARIANTS

MODELS = Path(__file__).resolve().parents[1] / "models"
SHIPPED = [v for v in VARIANTS if (MODELS / f"{v}.h5").is_file()]
# The 16-bit models run through the same code as the others at twice the CI time each, and
# BP through BF's (post-training quantisation) with pruning: `make test-slow` runs them.
HEAVY = [v for v in SHIPPED if VARIANTS[v].bits == 16 or v == "bp"]
SHIPPED_CI = [pytest.param(v, marks=pytest.mark.slow) if v in HEAVY else v for v in SHIPPED]
# BF's C simulation compiles ap_fixed<16,6> everywhere (86 s): the 16-bit path, also slow.
CSIM_CI = [pytest.param(v, marks=pytest.mark.slow) if v in HEAVY or v == "bf" else v
           for v in SHIPPED]
pytestmark = pytest.mark.skipif(not SHIPPED, reason="no shipped models in models/")


def metrics(v):
    return json.loads((MODELS / f"{v}.json").read_text())


@pytest.fixture(scope="module")
def test_images():
    x, y = load("synth", "test", 2000)
    return x, y


@pytest.mark.parametrize("v", SHIPPED_CI)
def test_model_runs_through_golden_model(v, test_images):
    x, y = test_images
    model = load_keras(MODELS / f"{v}.h5")
    keras_cls = model.predict(x.astype(np.float32), batch_size=1000, verbose=0).argmax(1)
    fw_cls, how = golden_classes(model, x)
    if VARIANTS[v].bits is not None and VARIANTS[v].bits <= 8:
        assert how == "exact"
        assert np.array_equal(fw_cls, keras_cls)        # bit-exact: the same class everywhere
    else:                                               # float / 16-bit: rounding differs
        assert np.mean(fw_cls == keras_cls) >= 0.99
    # the recorded accuracy is what the model does (2,000 of the 26,032 test images)
    assert abs(np.mean(keras_cls == y) - metrics(v)["test_accuracy"]) < 0.02


@pytest.mark.parametrize("v", [v for v in SHIPPED if VARIANTS[v].pruned])
def test_pruned_models_are_half_zeros(v):
    model = load_keras(MODELS / f"{v}.h5")
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            zeros = float(np.mean(layer.kernel.numpy() == 0))
            assert abs(zeros - 0.5) <= 0.01, f"{v}/{layer.name}: {zeros:.3f} zeros"


@pytest.mark.parametrize("v", [v for v in SHIPPED if VARIANTS[v].auto])
def test_autoq_models_record_their_per_layer_choice(v):
    m = metrics(v)
    quant = {l.name: q for l, q in ((l, getattr(l, "kernel_quantizer_internal", None) or
                                     getattr(l, "quantizer", None))
                                    for l in load_keras(MODELS / f"{v}.h5").layers) if q}
    assert m["bits"] == {n: int(q.bits) for n, q in quant.items()}
    assert len(set(m["bits"].values())) > 1                 # heterogeneous, as searched
    assert max(m["bits"].values()) <= VARIANTS[v].bits
    search = metrics("aq")["autoq"]
    assert search["trials_completed"] >= 1 and search["goal"]["type"] == "energy"


def test_accuracy_curve_has_the_papers_shape():
    need = {"bf", "q6", "qp6", "q1"}
    if not need <= set(SHIPPED):
        pytest.skip(f"needs {sorted(need - set(SHIPPED))}")
    acc = {v: metrics(v)["test_accuracy"] for v in SHIPPED}
    print("\n" + ", ".join(f"{v} {100 * a:.2f}%" for v, a in acc.items()))
    assert acc["q6"] >= acc["bf"] - 0.01 and acc["qp6"] >= acc["bf"] - 0.01
    assert acc["q1"] < acc["q6"] - 0.02                 # and it falls off at the lowest widths


@pytest.mark.parametrize("v", CSIM_CI)
def test_hls_csim_equals_golden_on_shipped_model(v, tmp_path):
    from streamcnn.hls import csim
    from streamcnn.hls.project import write_project
    from streamcnn.lower import lower
    from streamcnn.zoo.metrics import firmware_config
    # float models are post-training quantised, as the paper's BF/BP
    cfg = firmware_config(VARIANTS[v].bits is None)
    graph = from_keras(MODELS / f"{v}.h5", cfg)
    hls = write_project(lower(graph, cfg), tmp_path)
    x = quantize_input(graph, with_real_svhn(load("synth", "test", 1000)[0]))
    r = csim.run(hls, graph, x)
    assert r.mismatched == 0, r.report
    assert np.array_equal(r.logits_int, emulate(graph, x).logits_int)
