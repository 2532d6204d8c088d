"""The command line: emulate from a saved (pruned, tfmot-wrapped) .h5, info, errors."""
import subprocess
import sys

import numpy as np
import pytest
import tensorflow_model_optimization as tfmot

from streamcnn.data import random_images
from streamcnn.frontend import from_keras, load_keras
from streamcnn.verify import keras_logits
from streamcnn.zoo import untrained_svhn, wrap_for_pruning


def run(*args):
    return subprocess.run([sys.executable, "-m", "streamcnn.cli", *args],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def pruned_h5(tmp_path_factory):
    """A QKeras model still wrapped by tfmot's pruning wrappers, saved as .h5."""
    model = untrained_svhn(6, pruned=False)
    schedule = tfmot.sparsity.keras.ConstantSparsity(0.5, 0, frequency=1)
    wrapped = wrap_for_pruning(model, schedule)
    wrapped.compile("adam", "categorical_crossentropy")
    x = random_images(64, seed=3).astype(np.float32)
    wrapped.fit(x, np.eye(10)[np.arange(64) % 10], epochs=1, batch_size=8, verbose=0,
                callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
    path = tmp_path_factory.mktemp("m") / "qp6.h5"
    wrapped.save(path)
    return path, wrapped


def test_emulate_pruned_h5(pruned_h5, tmp_path):
    path, wrapped = pruned_h5
    x = random_images(200, seed=4)
    np.save(tmp_path / "x.npy", x)
    r = run("emulate", str(path), "--input", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy"),
            "--classes", str(tmp_path / "c.npy"))
    assert r.returncode == 0, r.stderr
    y = np.load(tmp_path / "y.npy")
    stripped = load_keras(path)
    assert np.array_equal(y, keras_logits(from_keras(stripped), stripped, x).astype(np.float64))
    assert np.array_equal(np.load(tmp_path / "c.npy"), y.argmax(1))
    k = tfmot.sparsity.keras.strip_pruning(wrapped).get_layer("conv2").kernel.numpy()
    assert abs(np.mean(k == 0) - 0.5) < 0.01


def test_info_lists_layers(pruned_h5):
    r = run("info", str(pruned_h5[0]))
    assert r.returncode == 0, r.stderr
    assert "bn1/act1" in r.stdout and "exhaustive" in r.stdout


def test_error_is_one_line(tmp_path):
    r = run("emulate", str(tmp_path / "missing.h5"), "--input", "x.npy", "-o", "y.npy")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "missing.h5" in r.stderr
    assert "Traceback" not in r.stderr
    r = run("--debug", "emulate", str(tmp_path / "missing.h5"), "--input", "x.npy", "-o", "y.npy")
    assert "Traceback" in r.stderr
