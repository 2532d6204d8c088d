"""The conformance corpus: QKeras models written the way users write them.

Inputs in [0, 1) or signed behind an input quantiser, raw pixels behind Rescaling, float
inputs behind BatchNorm; fused activations (functions, quantiser objects and strings);
string quantisers; MLPs; folded BatchNorm; Dropout, Reshape, ZeroPadding2D; a final softmax
in each of its three spellings; 1 to 16 bits. Each entry says what the tool must do with it:
"exact" (bit-exact to QKeras by construction), "inexact" (post-training quantised, said in
notes, agreement reported) or a list of words of the one-line refusal.
"""
from __future__ import annotations

import numpy as np

CORPUS: dict = {}


def model(expect="exact"):
    def deco(fn):
        CORPUS[fn.__name__] = (fn, expect)
        return fn
    return deco


def _q():
    import qkeras
    import tensorflow as tf
    return qkeras, tf.keras.layers


def qb(bits, integer=0):
    from qkeras import quantized_bits
    return quantized_bits(bits, integer, alpha=1)


def qdense(n, bits=6, bias=True, **kw):
    from qkeras import QDense
    return QDense(n, kernel_quantizer=qb(bits), bias_quantizer=qb(bits) if bias else None,
                  use_bias=bias, **kw)


def qconv(f, k=3, bits=6, bias=True, **kw):
    from qkeras import QConv2D
    return QConv2D(f, k, kernel_quantizer=qb(bits), bias_quantizer=qb(bits) if bias else None,
                   use_bias=bias, **kw)


def qrelu(bits=6, integer=0, **kw):
    from qkeras import QActivation, quantized_relu
    return QActivation(quantized_relu(bits, integer), **kw)


def unit_input(shape, bits=8):
    """Input in [0, 1) on the grid of quantized_bits(bits, 0, keep_negative=False)."""
    from qkeras import QActivation, quantized_bits
    import tensorflow as tf
    x_in = tf.keras.layers.Input(shape, name="x")
    return x_in, QActivation(quantized_bits(bits, 0, keep_negative=False), name="q_in")(x_in)


def seq(x_in, x, *layers, name):
    import tensorflow as tf
    for layer in layers:
        x = layer(x)
    return tf.keras.Model(x_in, x, name=name)


# --- MLPs ---------------------------------------------------------------------------
@model()
def mlp_jet_tagging():
    """hls4ml tutorial's jet tagger: 16 -> 64 -> 32 -> 32 -> 5, softmax."""
    qk, L = _q()
    x_in = L.Input((16,))
    x = qk.QActivation(qk.quantized_bits(8, 3), name="q_in")(x_in)
    layers = []
    for i, n in enumerate((64, 32, 32)):
        layers += [qdense(n, name=f"fc{i + 1}"), qrelu(6, name=f"relu{i + 1}")]
    return seq(x_in, x, *layers, qdense(5, name="output"), L.Activation("softmax"), name="jet")


@model()
def mlp_fused_relu_function():
    qk, L = _q()
    x_in, x = unit_input((12,))
    return seq(x_in, x, qdense(16, activation="relu", name="fc1"), qrelu(4, name="q1"),
               qdense(4, name="out"), name="mlp_relu")


@model()
def mlp_fused_quantizer_object():
    qk, L = _q()
    x_in, x = unit_input((10,))
    return seq(x_in, x, qdense(12, activation=qk.quantized_relu(5), name="fc1"),
               qdense(3, activation=qk.quantized_bits(8, 3, alpha=1), name="fc2"), name="mlp_qobj")


@model()
def mlp_string_quantizers():
    qk, L = _q()
    x_in = L.Input((8,))
    x = qk.QActivation("quantized_bits(6,2)", name="q_in")(x_in)
    return seq(x_in, x,
               qk.QDense(10, kernel_quantizer="quantized_bits(4,0,1)",
                         bias_quantizer="quantized_bits(4,0,1)", name="fc1"),
               qk.QActivation("quantized_relu(4)", name="a1"),
               qk.QDense(4, kernel_quantizer="quantized_bits(4,0,1)",
                         bias_quantizer="quantized_bits(4,0,1)", activation="quantized_relu(6)",
                         name="fc2"), name="mlp_strings")


@model()
def mlp_softmax_fused():
    qk, L = _q()
    x_in, x = unit_input((6,))
    return seq(x_in, x, qdense(8, name="fc1"), qrelu(6), qdense(5, activation="softmax", name="out"),
               name="mlp_sm_fused")


@model()
def mlp_softmax_layer():
    qk, L = _q()
    x_in, x = unit_input((6,))
    return seq(x_in, x, qdense(8, name="fc1"), qrelu(6), qdense(5, name="logits"), L.Softmax(),
               name="mlp_sm_layer")


@model()
def mlp_dropout():
    qk, L = _q()
    x_in, x = unit_input((9,))
    return seq(x_in, x, L.Dropout(0.2), qdense(7, name="fc1"), qrelu(4), L.Dropout(0.3),
               qdense(3, name="fc2"), name="mlp_dropout")


@model()
def mlp_binary_ternary():
    qk, L = _q()
    x_in, x = unit_input((12,))
    return seq(x_in, x,
               qk.QDense(16, kernel_quantizer=qk.binary(alpha=1), use_bias=False, name="fc1"),
               qk.QActivation(qk.binary(alpha=1), name="sign1"),
               qk.QDense(8, kernel_quantizer=qk.ternary(alpha=1), use_bias=False, name="fc2"),
               qk.QActivation(qk.ternary(alpha=1), name="tern2"),
               qdense(4, bits=2, name="out"), name="mlp_bin")


@model()
def mlp_signed_input_no_bias():
    qk, L = _q()
    x_in = L.Input((10,))
    x = qk.QActivation(qk.quantized_bits(8, 0, alpha=1), name="q_in")(x_in)   # [-1, 1)
    return seq(x_in, x, qdense(6, bias=False, name="fc1"), qrelu(6, 2), qdense(2, bias=False, name="out"),
               name="mlp_signed")


@model("inexact")
def mlp_16bit():
    """16-bit weights and activations: Keras' float32 sums round, so it cannot be exact."""
    qk, L = _q()
    x_in = L.Input((8,))
    x = qk.QActivation(qk.quantized_bits(16, 5), name="q_in")(x_in)
    return seq(x_in, x, qdense(32, bits=16, name="fc1"), qrelu(16, 6), qdense(4, bits=16, name="out"),
               name="mlp16")


@model("inexact")
def mlp_float_keras():
    """A plain Keras model: post-training quantised with the config's precision."""
    qk, L = _q()
    x_in = L.Input((8,))
    return seq(x_in, L.Rescaling(1 / 256)(x_in), L.Dense(6, activation="relu", name="fc1"),
               L.Dense(3, name="out"), name="mlp_float")


@model("inexact")
def mlp_kernel_quantizer_without_bias_quantizer():
    qk, L = _q()
    x_in, x = unit_input((8,))
    return seq(x_in, x, qk.QDense(6, kernel_quantizer=qb(6), name="fc1"), qrelu(6),
               qdense(3, name="out"), name="mlp_float_bias")


@model()
def mlp_batchnorm_between():
    qk, L = _q()
    x_in, x = unit_input((10,))
    return seq(x_in, x, qdense(12, bias=False, name="fc1"), L.BatchNormalization(name="bn1"),
               qrelu(5, name="a1"), qdense(4, name="out"), name="mlp_bn")


# --- CNNs ---------------------------------------------------------------------------
@model()
def mnist_style_cnn():
    qk, L = _q()
    x_in, x = unit_input((12, 12, 1))
    return seq(x_in, x, qconv(4, 3, activation=qk.quantized_relu(4), name="conv1"),
               L.MaxPooling2D(2), qconv(6, 3, name="conv2"), qrelu(4, name="a2"), L.Flatten(),
               qdense(10, name="dense"), L.Activation("softmax"), name="mnist")


@model()
def cifar_style_cnn_same_padding():
    qk, L = _q()
    x_in, x = unit_input((10, 10, 3))
    return seq(x_in, x, qconv(4, 3, padding="same", bias=False, name="conv1"),
               L.BatchNormalization(name="bn1"), qrelu(6, name="a1"), L.MaxPooling2D(2),
               qconv(6, 3, padding="same", bias=False, name="conv2"),
               L.BatchNormalization(name="bn2"), qrelu(6, name="a2"), L.MaxPooling2D(2),
               L.Flatten(), qdense(10, name="logits"), name="cifar")


@model()
def cnn_fused_relu_string():
    qk, L = _q()
    x_in, x = unit_input((8, 8, 2))
    return seq(x_in, x, qconv(3, 3, activation="relu", name="conv1"), qrelu(4, name="q1"),
               L.Flatten(), qdense(4, name="out"), name="cnn_relu")


@model()
def cnn_fused_quantizer_string():
    qk, L = _q()
    x_in, x = unit_input((8, 8, 1))
    return seq(x_in, x, qk.QConv2D(4, 3, kernel_quantizer="quantized_bits(4,0,1)",
                                   bias_quantizer="quantized_bits(4,0,1)",
                                   activation="quantized_relu(4)", name="conv1"),
               L.Flatten(), qdense(3, name="out"), name="cnn_qstr")


@model()
def cnn_linear_activation_and_relu_layer():
    qk, L = _q()
    x_in, x = unit_input((7, 9, 1))
    return seq(x_in, x, qconv(3, 2, activation="linear", name="conv1"), L.ReLU(name="relu1"),
               qrelu(4, name="q1"), L.Flatten(), qdense(3, name="out"), name="cnn_lin")


@model()
def cnn_qconv2d_batchnorm_folded():
    qk, L = _q()
    x_in, x = unit_input((8, 8, 1))
    return seq(x_in, x, qk.QConv2DBatchnorm(4, 3, kernel_quantizer=qb(6), bias_quantizer=qb(8, 3),
                                            name="convbn"),
               qrelu(6, name="a1"), L.Flatten(), qdense(3, name="out"), name="cnn_folded")


@model()
def cnn_zero_padding_and_strides():
    qk, L = _q()
    x_in, x = unit_input((9, 9, 2))
    return seq(x_in, x, L.ZeroPadding2D(1), qconv(4, 3, strides=2, name="conv1"), qrelu(5),
               qconv(3, 2, strides=2, padding="same", name="conv2"), qrelu(5, 1),
               L.Flatten(), qdense(3, name="out"), name="cnn_pad")


@model()
def cnn_average_pooling():
    qk, L = _q()
    x_in, x = unit_input((8, 8, 1))
    return seq(x_in, x, qconv(4, 3, name="conv1"), qrelu(4, name="a1"), L.AveragePooling2D(2),
               L.Flatten(), qdense(3, name="out"), name="cnn_avg")


@model()
def cnn_reshape_as_flatten():
    qk, L = _q()
    x_in, x = unit_input((6, 6, 1))
    return seq(x_in, x, qconv(2, 3, name="conv1"), qrelu(4, name="a1"), L.Reshape((32,)),
               qdense(3, name="out"), name="cnn_reshape")


@model()
def cnn_raw_pixels_rescaling():
    """The zoo's own convention: raw 8-bit pixels scaled by 1/256."""
    qk, L = _q()
    x_in = L.Input((8, 8, 3))
    return seq(x_in, L.Rescaling(1 / 256)(x_in), qconv(4, 3, name="conv1"), qrelu(6),
               L.MaxPooling2D(2), L.Flatten(), qdense(5, name="out"), name="cnn_raw")


@model("inexact")
def cnn_input_batchnorm_paper_style():
    """The paper's model starts with a float BatchNorm on the input: post-training quantised."""
    qk, L = _q()
    x_in, x = unit_input((8, 8, 3))
    return seq(x_in, x, L.BatchNormalization(name="bn_in"), qconv(4, 3, bias=False, name="conv1"),
               L.BatchNormalization(name="bn1"), qrelu(6, name="a1"), L.Flatten(),
               qdense(4, name="out"), name="cnn_bn_in")


@model()
def cnn_input_batchnorm_quantised():
    """BatchNorm on the input, then a quantiser: exact."""
    qk, L = _q()
    x_in, x = unit_input((8, 8, 1))
    return seq(x_in, x, L.BatchNormalization(name="bn_in"),
               qk.QActivation(qk.quantized_bits(8, 2, alpha=1), name="q_bn"),
               qconv(3, 3, name="conv1"), qrelu(6), L.Flatten(), qdense(3, name="out"),
               name="cnn_bn_q")


@model()
def cnn_1x1_and_signed_activations():
    qk, L = _q()
    x_in, x = unit_input((6, 6, 3))
    return seq(x_in, x, qconv(4, 1, name="conv1"),
               qk.QActivation(qk.quantized_bits(4, 1, alpha=1), name="a1"),
               qconv(2, 3, name="conv2"), qrelu(3, name="a2"), L.Flatten(), qdense(2, name="out"),
               name="cnn_1x1")


@model()
def cnn_two_bit_ternary():
    qk, L = _q()
    x_in, x = unit_input((8, 8, 1), bits=4)
    return seq(x_in, x, qk.QConv2D(4, 3, kernel_quantizer=qk.ternary(alpha=1), use_bias=False,
                                   name="conv1"),
               qrelu(2, name="a1"), L.Flatten(), qdense(3, bits=2, name="out"), name="cnn_2bit")


@model()
def cnn_one_bit_binary():
    qk, L = _q()
    x_in, x = unit_input((6, 6, 1), bits=1)
    return seq(x_in, x, qk.QConv2D(4, 3, kernel_quantizer=qk.binary(alpha=1), use_bias=False,
                                   name="conv1"),
               qk.QActivation(qk.binary(alpha=1), name="sign1"), L.Flatten(),
               qk.QDense(3, kernel_quantizer=qk.binary(alpha=1), use_bias=False, name="out"),
               name="cnn_1bit")


@model()
def cnn_non_square_input_softmax_layer():
    qk, L = _q()
    x_in, x = unit_input((6, 11, 2))
    return seq(x_in, x, qconv(3, 3, name="conv1"), qrelu(6, 1, name="a1"), L.MaxPooling2D(2),
               L.Flatten(), qdense(4, name="logits"), L.Softmax(), name="cnn_wide")


@model()
def cnn_deep_narrow():
    qk, L = _q()
    x_in, x = unit_input((12, 12, 1))
    layers = []
    for i in range(3):
        layers += [qconv(2 + i, 3, bits=5, name=f"conv{i + 1}"), qrelu(5, name=f"a{i + 1}")]
    return seq(x_in, x, *layers, L.Flatten(), qdense(4, bits=5, name="out"), name="cnn_deep")


@model()
def cnn_wide_bias_quantizer():
    qk, L = _q()
    x_in, x = unit_input((7, 7, 1))
    return seq(x_in, x, qk.QConv2D(3, 3, kernel_quantizer=qb(3), bias_quantizer=qb(10, 4),
                                   name="conv1"),
               qrelu(6, 2), L.Flatten(), qdense(3, name="out"), name="cnn_bias")


@model()
def flatten_only():
    qk, L = _q()
    x_in, x = unit_input((3, 3, 2))
    return seq(x_in, x, L.Flatten(), name="flatten_only")


# --- refused in one line --------------------------------------------------------------
@model(["'up'", "UpSampling2D", "not supported"])
def refused_upsampling():
    qk, L = _q()
    x_in, x = unit_input((6, 6, 1))
    return seq(x_in, x, qconv(2, 3, name="conv1"), qrelu(4), L.UpSampling2D(name="up"),
               L.Flatten(), qdense(2, name="out"), name="up")


@model(["'th'", "tanh"])
def refused_tanh_activation():
    qk, L = _q()
    x_in, x = unit_input((6,))
    return seq(x_in, x, qdense(4, activation="tanh", name="th"), name="tanh")


def build(name: str, seed: int = 0):
    """The corpus model `name`, its weights random (seeded) and its BatchNorm statistics
    calibrated on inputs of its own grid; returns (model, expectation)."""
    import tensorflow as tf
    from streamcnn.zoo import calibrate_batchnorm
    fn, expect = CORPUS[name]
    tf.keras.utils.set_random_seed(seed)
    m = fn()
    rng = np.random.default_rng(seed)
    for layer in m.layers:                 # biases off zero, so their quantisers matter
        if getattr(layer, "use_bias", False) and hasattr(layer, "bias"):
            layer.bias.assign(rng.normal(0, 0.3, layer.bias.shape).astype(np.float32))
    x = _calibration_inputs(m, seed)
    calibrate_batchnorm(m, x, seed=seed)
    for layer in m.layers:                 # QConv2DBatchnorm: its inner BatchNorm likewise
        if hasattr(layer, "get_folded_weights"):
            c = layer.filters
            rng = np.random.default_rng(seed)
            layer.batchnorm.set_weights([rng.uniform(0.3, 0.6, c), rng.uniform(0, 0.4, c),
                                         rng.normal(0, 0.3, c), rng.uniform(0.2, 1.0, c)])
    return m, expect


def _calibration_inputs(m, seed: int) -> np.ndarray:
    shape = tuple(int(d) for d in m.input_shape[1:])
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (256,) + shape).astype(np.float32) / 256


@model()
def names_that_clash_in_cpp_and_verilog():
    """Layer names that are C++/Verilog keywords or the generated code's own names."""
    qk, L = _q()
    x_in, x = unit_input((6,))
    return seq(x_in, x, qdense(5, name="out"), qrelu(4, name="reg"), qdense(4, name="in"),
               qrelu(4, name="logits"), qdense(3, name="wire"), name="module")
