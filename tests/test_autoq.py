"""`streamcnn train --variant aq|aqp` with a tiny but real AutoQKeras search (bayesian,
2 trials x 1 epoch on under 3,000 images) from the shipped BF: CI's smoke run of the command
that made models/aq.h5 and models/aqp.h5."""
import json
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_exact
from streamcnn.cli import main
from streamcnn.data import load
from streamcnn.errors import StreamcnnError
from streamcnn.frontend import from_keras
from streamcnn.frontend.load import load_keras
from streamcnn.golden import quantize_input
from streamcnn.zoo.autoq import (ACTIVATION_BITS, ACTIVATIONS, KERNEL_BITS, WEIGHT_LAYERS,
                                 keras215_json_fix, spec_from_choice)
from streamcnn.zoo.metrics import quantizers

MODELS = Path(__file__).resolve().parents[1] / "models"
SMALL = ["--dataset", "synth", "--train-images", "3000", "--test-images", "500",
         "--epochs", "1", "--prune-epochs", "1"]
SEARCH = ["--search-trials", "2", "--search-epochs", "1", "--search-images", "3000"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """aq searched from the shipped BF (an untrained float model where it is missing),
    then aqp beside it, which must find aq on its own."""
    d = tmp_path_factory.mktemp("aq")
    bf = ["--parent", str(MODELS / "bf.h5")] if (MODELS / "bf.h5").is_file() else []
    assert main(["train", "--variant", "aq", "-o", str(d / "aq")] + SMALL + SEARCH + bf) == 0
    assert main(["train", "--variant", "aqp", "-o", str(d / "aqp")] + SMALL) == 0
    return d


def _bits(q: str) -> int:
    return int(re.match(r"quantized_(?:bits|relu)\((\d+),", q).group(1))


def test_search_is_recorded(trained):
    m = json.loads((trained / "aq.json").read_text())
    a = m["autoq"]
    assert a["settings"] == {"trials": 2, "epochs": 1, "images": 2850,     # 5% kept for val.
                             "mode": "bayesian", "batch": 256}
    assert a["goal"]["type"] == "energy" and a["trials_completed"] == 2
    assert len(a["trials"]) == 2
    assert a["best"]["score"] == max(t["score"] for t in a["trials"]) > 0
    assert 0 < a["best"]["energy"] < a["reference_energy"]          # below the int8 reference
    assert "--search-trials 2" in m["command"]
    if m["warm_start"] == "svhn_bf":            # from the trained BF: far above chance already
        assert m["test_accuracy"] > 0.2


def test_bits_are_recorded_per_layer(trained):
    m = json.loads((trained / "aq.json").read_text())
    spec = m["autoq"]["spec"]
    assert set(spec) == set(WEIGHT_LAYERS) | set(ACTIVATIONS)
    stored = quantizers(load_keras(trained / "aq.h5"))
    for layer in WEIGHT_LAYERS:
        assert m["bits"][layer] == _bits(spec[layer]["kernel"]) in KERNEL_BITS
        assert stored[layer].startswith(f"quantized_bits({m['bits'][layer]},0,")
    for layer in ACTIVATIONS:
        assert m["bits"][layer] == _bits(spec[layer]["activation"]) in ACTIVATION_BITS
        assert stored[layer] == spec[layer]["activation"]
    assert _bits(m["bias_quantizers"]["output"]) == _bits(spec["output"]["bias"])


@pytest.mark.parametrize("v", ["aq", "aqp"])
def test_golden_model_equals_keras(trained, v):
    m = json.loads((trained / f"{v}.json").read_text())
    assert m["firmware_arithmetic"] == "exact"
    assert m["firmware_agreement"] == 1.0 and m["firmware_accuracy"] == m["test_accuracy"]
    model = load_keras(trained / f"{v}.h5")
    graph = from_keras(model)
    x = load("synth", "test", 500)[0]
    assert_exact(graph, model, quantize_input(graph, x))            # logits, bit for bit


def test_pruned_model_keeps_aq_quantizers_and_is_half_zeros(trained):
    m = json.loads((trained / "aqp.json").read_text())
    aq = json.loads((trained / "aq.json").read_text())
    assert m["warm_start"] == "svhn_aq" and m["autoq"]["quantizers_from"] == "svhn_aq"
    assert m["bits"] == aq["bits"] and m["quantizers"] == aq["quantizers"]
    model = load_keras(trained / "aqp.h5")
    for name in WEIGHT_LAYERS:
        zeros = float(np.mean(model.get_layer(name).kernel.numpy() == 0))
        assert abs(zeros - 0.5) <= 0.01, name
        assert zeros == m["sparsity"][name]


def test_aqp_without_aq_is_one_line_error(tmp_path, capsys):
    assert main(["train", "--variant", "aqp", "-o", str(tmp_path / "aqp")] + SMALL) == 2
    err = capsys.readouterr().err.strip()
    assert "trained aq model" in err and len(err.splitlines()) == 1


def test_bad_search_budget_is_one_line_error(tmp_path, capsys):
    assert main(["train", "--variant", "aq", "-o", str(tmp_path / "aq"), "--search-trials", "0"]
                + SMALL) == 2
    err = capsys.readouterr().err.strip()
    assert "--search-trials 0: expected a positive integer" in err and len(err.splitlines()) == 1


def test_incomplete_choice_is_an_error():
    with pytest.raises(StreamcnnError, match="act_dense2"):
        spec_from_choice({f"{n}_kernel_quantizer": "quantized_bits(4,0,alpha=1)"
                          for n in WEIGHT_LAYERS} |
                         {f"{n}_activation_quantizer": "quantized_relu(4,0)"
                          for n in ACTIVATIONS[:-1]})


def test_json_fix_lets_model_quantize_build_qkeras_layers():
    """REFERENCE §4 fix 1, on QKeras' own model_quantize, and undone after the block."""
    import qkeras.utils as qu
    from streamcnn.zoo.paper import svhn_cnn
    original = qu.quantized_model_from_json
    with keras215_json_fix():
        q = qu.model_quantize(svhn_cnn(None), {"conv1": {"kernel_quantizer":
                                                         "quantized_bits(3,0,alpha=1)"}}, 8)
    assert qu.quantized_model_from_json is original
    assert type(q.get_layer("conv1")).__name__ == "QConv2D"
    assert str(q.get_layer("conv1").kernel_quantizer_internal).startswith("quantized_bits(3,0,")
