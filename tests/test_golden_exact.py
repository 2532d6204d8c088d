"""Golden model == QKeras model.predict, bit for bit (logits before the softmax)."""
import numpy as np
import pytest

from conftest import assert_exact, with_real_svhn
from cnn_factory import random_cnn
from streamcnn.data import random_images
from streamcnn.frontend import from_keras
from streamcnn.zoo import untrained_svhn

SVHN_VARIANTS = [(b, p) for b in (4, 6, 8) for p in (False, True)]


@pytest.mark.parametrize("bits,pruned", SVHN_VARIANTS)
def test_svhn_topology_exact(bits, pruned):
    model = untrained_svhn(bits, pruned=pruned, seed=bits)
    graph = from_keras(model)
    assert_exact(graph, model, with_real_svhn(random_images(500, seed=bits)))


@pytest.mark.slow
@pytest.mark.parametrize("bits,pruned", SVHN_VARIANTS)
def test_svhn_topology_exact_10k(bits, pruned):
    model = untrained_svhn(bits, pruned=pruned, seed=bits)
    assert_exact(from_keras(model), model, random_images(10_000, seed=100 + bits))


def test_pruned_models_are_half_zero():
    model = untrained_svhn(6, pruned=True)
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            assert abs(np.mean(layer.kernel.numpy() == 0) - 0.5) < 0.01, layer.name


@pytest.mark.parametrize("seed", range(20))
def test_random_cnn_exact(seed):
    model, shape = random_cnn(seed)
    graph = from_keras(model)
    assert_exact(graph, model, random_images(300, seed=seed, shape=shape))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(20))
def test_random_cnn_exact_10k(seed):
    model, shape = random_cnn(seed)
    assert_exact(from_keras(model), model, random_images(10_000, seed=500 + seed, shape=shape))


def test_requant_verified_exhaustively():
    graph = from_keras(untrained_svhn(6, pruned=True))
    req = [n for n in graph.nodes if n.op == "requant"]
    assert len(req) == 5
    for n in req:
        span = int(np.sum(n.params.steps[0].a_hi - n.params.steps[0].a_lo + 1))
        assert n.params.exhaustive and n.params.checked >= span


def test_softmax_layer_is_the_softmax_activation():
    """keras.layers.Softmax converts as Activation("softmax") does (Softmax: true keeps it)."""
    import tensorflow as tf
    from streamcnn.config import Config
    from streamcnn.errors import StreamcnnError
    from streamcnn.golden import emulate, quantize_input
    base = untrained_svhn(6, pruned=True)
    assert base.layers[-1].get_config()["activation"] == "softmax"
    x = quantize_input(from_keras(base), random_images(8, seed=3))
    logits = base.layers[-2].output
    cfg = Config.from_dict({"Softmax": True})
    graphs = [from_keras(tf.keras.Model(base.input, last(logits)), cfg)
              for last in (tf.keras.layers.Activation("softmax"), tf.keras.layers.Softmax())]
    assert [type(n).__name__ for n in graphs[1].nodes] == [type(n).__name__ for n in graphs[0].nodes]
    a, b = (emulate(g, x) for g in graphs)
    assert np.array_equal(a.logits_int, b.logits_int) and np.array_equal(a.classes, b.classes)
    with pytest.raises(StreamcnnError, match="softmax over axis 0 is not supported"):
        from_keras(tf.keras.Model(base.input, tf.keras.layers.Softmax(axis=0)(logits)))
