"""`streamcnn train` on a small subset of the synthetic set: the smoke model CI trains.
The shipped models in models/ are trained with the same command on the full set."""
import json

import numpy as np
import pytest

from streamcnn.cli import main
from streamcnn.frontend.load import load_keras
from streamcnn.zoo.variants import VARIANTS, variant

SMALL = ["--dataset", "synth", "--train-images", "3000", "--test-images", "500",
         "--epochs", "2", "--prune-epochs", "1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """q6 then qp6 in one folder: qp6 must warm-start from q6 on its own."""
    d = tmp_path_factory.mktemp("models")
    for v in ("q6", "qp6"):
        assert main(["train", "--variant", v, "-o", str(d / v)] + SMALL) == 0
    return d


def test_pruned_model_is_half_zeros_and_firmware_agrees(trained):
    m = json.loads((trained / "qp6.json").read_text())
    assert m["warm_start"] == "svhn_q6"
    assert set(m["sparsity"]) == {"conv1", "conv2", "conv3", "dense1", "dense2", "output"}
    # the stored kernels themselves, not only the metrics
    model = load_keras(trained / "qp6.h5")
    for name in m["sparsity"]:
        zeros = float(np.mean(model.get_layer(name).kernel.numpy() == 0))
        assert abs(zeros - 0.5) <= 0.01, name
        assert zeros == m["sparsity"][name]
    assert m["firmware_arithmetic"] == "exact"
    assert m["firmware_agreement"] == 1.0          # golden model == Keras on every test image
    assert m["firmware_accuracy"] == m["test_accuracy"]
    assert set(m["bits"].values()) == {6}
    assert "--variant qp6" in m["command"]


def test_unpruned_model_has_no_pruning(trained):
    m = json.loads((trained / "q6.json").read_text())
    assert m["warm_start"] is None                  # no q8 beside it
    assert max(m["sparsity"].values()) < 0.2
    assert m["epochs_run"] == 2 and m["train_images"] == 3000 and m["test_images"] == 500


def test_family_chain():
    assert variant("QP4").parent == "q4" and variant("q4").parent == "q6"
    assert variant("q16").parent == "bf" and variant("bp").parent == "bf"
    assert variant("aq").parent == "bf" and variant("aqp").parent == "aq"
    assert variant("aqp").pruned and variant("aq").auto and not variant("q8").auto
    assert len(VARIANTS) == 18


def test_unknown_variant_is_one_line_error(tmp_path, capsys):
    assert main(["train", "--variant", "q5", "-o", str(tmp_path / "x")] + SMALL) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown model variant 'q5'" in err and len(err.splitlines()) == 1
