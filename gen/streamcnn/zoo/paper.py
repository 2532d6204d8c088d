"""The SVHN CNN of arXiv:2101.05108 (REFERENCE.md §1), as QKeras or float Keras.

Differences from the paper, on purpose: the input is the raw 8-bit pixel stream
scaled by 1/256 (exact) instead of a float BatchNorm standardisation, so nothing is
lost before the first layer.
"""
from __future__ import annotations

FILTERS = (16, 16, 24)
DENSE = (42, 64)
CLASSES = 10


def svhn_cnn(bits: int | None = 6, name: str | None = None, input_shape=(32, 32, 3),
             spec: dict[str, dict[str, str]] | None = None):
    """bits=None gives the float model (BF); bits=p the QKeras Q<p> model.
    `spec` overrides quantisers per layer (heterogeneous models, as AutoQKeras picks them):
    {"conv1": {"kernel": "quantized_bits(4,0,alpha=1)"}, "act1": {"activation": ...},
    "output": {"kernel": ..., "bias": ...}}; layers it does not name keep `bits`."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, binary, quantized_bits, quantized_relu, ternary
    L = tf.keras.layers

    spec = spec or {}

    def wq(n, role="kernel"):
        if role in spec.get(n, {}):
            return spec[n][role]
        if bits == 1:
            return binary(alpha=1)
        if bits == 2:
            return ternary(alpha=1)
        return quantized_bits(bits, 0, alpha=1)

    def act(n):
        if "activation" in spec.get(n, {}):
            return QActivation(spec[n]["activation"], name=n)
        if bits is None:
            return L.Activation("relu", name=n)
        return QActivation(quantized_relu(bits, 0), name=n)

    def conv(f, n):
        if bits is None and n not in spec:
            return L.Conv2D(f, 3, use_bias=False, name=n)
        return QConv2D(f, 3, use_bias=False, kernel_quantizer=wq(n), name=n)

    def dense(u, n, bias=False):
        if bits is None and n not in spec:
            return L.Dense(u, use_bias=bias, name=n)
        return QDense(u, use_bias=bias, kernel_quantizer=wq(n),
                      bias_quantizer=wq(n, "bias") if bias else None, name=n)

    x_in = L.Input(input_shape, name="input")
    x = L.Rescaling(1.0 / 256, name="scale")(x_in)
    for i, f in enumerate(FILTERS, 1):
        x = conv(f, f"conv{i}")(x)
        x = L.MaxPooling2D(2, name=f"pool{i}")(x)
        x = L.BatchNormalization(name=f"bn{i}")(x)
        x = act(f"act{i}")(x)
    x = L.Flatten(name="flatten")(x)
    for i, u in enumerate(DENSE, 1):
        x = dense(u, f"dense{i}")(x)
        x = L.BatchNormalization(name=f"bn_dense{i}")(x)
        x = act(f"act_dense{i}")(x)
    x = dense(CLASSES, "output", bias=True)(x)
    x = L.Activation("softmax", name="softmax")(x)
    tag = "bf" if bits is None else f"q{bits}"
    return tf.keras.Model(x_in, x, name=name or f"svhn_{tag}")
