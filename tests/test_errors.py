"""Bad models, configs and inputs give a clear one-line error naming what and where."""
import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv2D, quantized_bits, quantized_po2, quantized_relu

from streamcnn.config import Config
from streamcnn.errors import StreamcnnError
from streamcnn.frontend import from_keras
from streamcnn.golden import quantize_input
from streamcnn.zoo import calibrate_batchnorm

L = tf.keras.layers


def small(*layers, shape=(8, 8, 1)):
    x_in = L.Input(shape)
    x = L.Rescaling(1 / 256)(x_in)
    for layer in layers:
        x = layer(x)
    return tf.keras.Model(x_in, x)


def conv():
    return QConv2D(4, 3, kernel_quantizer=quantized_bits(4, 0, alpha=1), use_bias=False)


@pytest.mark.parametrize("layers,words", [
    ([conv(), L.UpSampling2D(name="up")], ["'up'", "UpSampling2D", "not supported"]),
    ([conv(), QActivation(quantized_po2(4), name="po2")], ["'po2'", "quantized_po2"]),
    ([conv(), QActivation(quantized_bits(4, 0, alpha="auto_po2"), name="qa")], ["'qa'", "alpha"]),
    ([conv(), QActivation(quantized_relu(4), name="q"), L.AveragePooling2D(3, name="avg")],
     ["'avg'", "power of two"]),
    ([conv(), L.Activation("tanh", name="th")], ["'th'", "tanh"]),
])
def test_unsupported_names_layer(layers, words):
    with pytest.raises(StreamcnnError) as e:
        from_keras(small(*layers))
    msg = str(e.value)
    assert "\n" not in msg and all(w in msg for w in words), msg


def test_max_pool_after_decreasing_batchnorm_is_refused():
    m = small(conv(), L.BatchNormalization(name="bn"), L.MaxPooling2D(2, name="mp"),
              L.BatchNormalization(name="bn_neg"), QActivation(quantized_relu(4), name="q"))
    calibrate_batchnorm(m, np.random.default_rng(0).integers(0, 256, (64, 8, 8, 1)).astype("f4"))
    m.get_layer("bn_neg").gamma.assign(-np.ones(4, np.float32))
    with pytest.raises(StreamcnnError, match="'mp'.*bn_neg"):
        from_keras(m)


def test_input_off_grid_is_reported_not_rounded():
    m = small(conv(), QActivation(quantized_relu(4)))
    g = from_keras(m)
    x = np.zeros((3, 8, 8, 1))
    x[2, 1, 5, 0] = 12.5
    with pytest.raises(StreamcnnError, match=r"frame 2, element \(1, 5, 0\) = 12.5"):
        quantize_input(g, x)
    with pytest.raises(StreamcnnError, match="expected shape"):
        quantize_input(g, np.zeros((3, 8, 8, 2)))


@pytest.mark.parametrize("cfg,words", [
    ({"Model": {"ReuseFactor": 0}}, ["Model.ReuseFactor", "positive"]),
    ({"Model": {"Strategy": "Fast"}}, ["Strategy", "Fast"]),
    ({"LayerName": {"conv1": {"Precison": "ap_fixed<8,2>"}}}, ["LayerName.conv1", "Precison"]),
    ({"Model": {"Precision": "ap_fixd<8,2>"}}, ["ap_fixd<8,2>"]),
    ({"Bogus": 1}, ["Bogus"]),
])
def test_bad_config(cfg, words):
    with pytest.raises(StreamcnnError) as e:
        Config.from_dict(cfg, "cfg.yml")
    assert all(w in str(e.value) for w in words), str(e.value)


def test_config_file_roundtrip(tmp_path):
    p = tmp_path / "c.yml"
    p.write_text("Model:\n  Precision: ap_fixed<12,4>\n  ReuseFactor: 2\n"
                 "LayerName:\n  conv1:\n    ReuseFactor: 4\n    Strategy: resource\n")
    c = Config.load(p)
    assert c.layer("conv1").reuse_factor == 4 and c.layer("conv1").strategy == "Resource"
    assert c.layer("other").reuse_factor == 2 and str(c.model.result) == "ap_fixed<12,4>"


def test_layer_name_of_no_layer_is_refused():
    """A LayerName entry for a layer the model lacks (a typo) must not be silently ignored."""
    cfg = Config.from_dict({"LayerName": {"conv_1": {"ReuseFactor": 2}}}, "cfg.yml")
    with pytest.raises(StreamcnnError, match=r"^cfg.yml: LayerName.conv_1: model '\w+' has no "
                                             "layer of that name$"):
        from_keras(small(QConv2D(4, 3, kernel_quantizer=quantized_bits(4, 0, alpha=1),
                                 use_bias=False, name="conv1")), cfg)
