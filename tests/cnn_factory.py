"""Randomised small QKeras CNNs covering the front end's layer and placement variety."""
from __future__ import annotations

import numpy as np


def random_cnn(seed: int):
    """A random small CNN: input sizes, 1-5 kernels, strides, same/valid, max/avg pooling,
    BatchNorm before/after pooling and on the input, 1-32 channels, 2-8 bits."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu
    from streamcnn.data import random_images
    from streamcnn.zoo import calibrate_batchnorm
    L = tf.keras.layers
    rng = np.random.default_rng(seed)
    tf.keras.utils.set_random_seed(seed)
    bw, ba = int(rng.integers(2, 9)), int(rng.integers(2, 9))
    shape = (int(rng.integers(6, 21)), int(rng.integers(6, 21)), int(rng.integers(1, 5)))

    def act(name):
        if rng.random() < 0.7:
            return QActivation(quantized_relu(ba, int(rng.integers(0, 3))), name=name)
        return QActivation(quantized_bits(ba, int(rng.integers(0, 3)), alpha=1), name=name)

    x_in = L.Input(shape, name="input")
    x = L.Rescaling(1 / 256, name="scale")(x_in)
    if rng.random() < 0.3:                                  # BatchNorm on the input
        x = L.BatchNormalization(name="bn_in")(x)
        x = QActivation(quantized_bits(8, 2, alpha=1), name="q_in")(x)
    for i in range(int(rng.integers(1, 4))):
        h, w = x.shape[1:3]
        if rng.random() < 0.2:
            x = L.ZeroPadding2D(((int(rng.integers(0, 2)), int(rng.integers(0, 2))),
                                 (int(rng.integers(0, 2)), int(rng.integers(0, 2)))), name=f"pad{i}")(x)
            h, w = x.shape[1:3]
        k = int(rng.integers(1, min(5, h, w) + 1))
        padding = "same" if rng.random() < 0.5 else "valid"
        stride = int(rng.integers(1, 3)) if min(h, w) > 4 else 1
        x = QConv2D(int(rng.integers(1, 33)), k, strides=stride, padding=padding,
                    use_bias=bool(rng.random() < 0.5),
                    kernel_quantizer=quantized_bits(bw, 0, alpha=1),
                    bias_quantizer=quantized_bits(bw, int(rng.integers(0, 3)), alpha=1),
                    name=f"conv{i}")(x)
        can_pool = min(x.shape[1:3]) >= 2
        pool_kind = L.MaxPooling2D if rng.random() < 0.6 else L.AveragePooling2D
        pool_pad = "same" if pool_kind is L.MaxPooling2D and rng.random() < 0.3 else "valid"
        pool = lambda n: pool_kind(2, padding=pool_pad, name=n)   # noqa: E731
        where = rng.choice(["bn_act_pool", "pool_bn_act", "bn_pool_act", "act_pool", "act"])
        if where == "bn_act_pool":
            x = act(f"act{i}")(L.BatchNormalization(name=f"bn{i}")(x))
            x = pool(f"pool{i}")(x) if can_pool else x
        elif where == "pool_bn_act":
            x = pool(f"pool{i}")(x) if can_pool else x
            x = act(f"act{i}")(L.BatchNormalization(name=f"bn{i}")(x))
        elif where == "bn_pool_act":                       # max pool inside the chain
            x = L.BatchNormalization(name=f"bnpos{i}")(x)
            x = L.MaxPooling2D(2, name=f"pool{i}")(x) if can_pool else x
            x = act(f"act{i}")(x)
        elif where == "act_pool":
            x = act(f"act{i}")(x)
            x = pool(f"pool{i}")(x) if can_pool else x
        else:
            x = act(f"act{i}")(x)
    x = L.Flatten(name="flatten")(x)
    if rng.random() < 0.5:
        x = QDense(int(rng.integers(4, 33)), use_bias=False,
                   kernel_quantizer=quantized_bits(bw, 0, alpha=1), name="dense")(x)
        x = act("act_dense")(L.BatchNormalization(name="bn_dense")(x))
    x = QDense(int(rng.integers(2, 11)), kernel_quantizer=quantized_bits(bw, 0, alpha=1),
               bias_quantizer=quantized_bits(bw, 0, alpha=1), name="logits")(x)
    model = tf.keras.Model(x_in, x, name=f"random_cnn_{seed}")
    calibrate_batchnorm(model, random_images(128, seed=seed, shape=shape).astype(np.float32),
                        seed=seed, negative_gamma=0.25)
    for layer in model.layers:                             # max pool after BN needs gamma >= 0
        if layer.name.startswith("bnpos"):
            layer.gamma.assign(np.abs(layer.gamma.numpy()))
    return model, shape
