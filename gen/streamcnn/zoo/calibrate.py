"""Give an untrained model realistic statistics: BatchNorm moments from data, magnitude pruning."""
from __future__ import annotations

import numpy as np


def calibrate_batchnorm(model, images: np.ndarray, seed: int = 0, negative_gamma: float = 0.0):
    """Set each BatchNorm's moving mean/variance to the moments of its input on `images`,
    with random gamma/beta, so activations spread over the quantiser's range.
    `negative_gamma` is the fraction of channels given a negative gamma (to test decreasing BN)."""
    import tensorflow as tf
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if type(layer).__name__ != "BatchNormalization":
            continue
        probe = tf.keras.Model(model.inputs, layer.input)
        a = probe.predict(images, verbose=0, batch_size=512)
        a = a.reshape(-1, a.shape[-1]).astype(np.float64)
        c = a.shape[-1]
        gamma = rng.uniform(0.3, 0.6, c) * np.where(rng.random(c) < negative_gamma, -1, 1)
        beta = rng.uniform(0.0, 0.4, c)
        w = {"gamma": gamma, "beta": beta, "moving_mean": a.mean(0), "moving_variance": a.var(0) + 1e-6}
        layer.set_weights([w[v.name.split("/")[-1].split(":")[0]] for v in layer.weights])
    return model


def prune_magnitude(model, sparsity: float = 0.5):
    """Zero the smallest-magnitude fraction of every conv/dense kernel (as magnitude pruning does)."""
    for layer in model.layers:
        if not hasattr(layer, "kernel"):
            continue
        k = layer.kernel.numpy()
        n = int(round(sparsity * k.size))
        if n:
            idx = np.argsort(np.abs(k), axis=None)[:n]
            k.reshape(-1)[idx] = 0
            layer.kernel.assign(k)
    return model


def untrained_svhn(bits: int | None = 6, pruned: bool = True, seed: int = 0):
    """The paper's topology with random weights, 50% magnitude pruning and BatchNorm moments
    calibrated on structured images: a stand-in until trained models are shipped."""
    import tensorflow as tf
    from ..data import random_images
    from .paper import svhn_cnn
    tf.keras.utils.set_random_seed(seed)
    m = svhn_cnn(bits)
    if pruned:
        prune_magnitude(m)
    return calibrate_batchnorm(m, random_images(256, seed=seed + 1000).astype(np.float32),
                               seed=seed, negative_gamma=0.1)


def wrap_for_pruning(model, schedule):
    """Wrap every conv/dense layer in tfmot's prune_low_magnitude, leaving the rest
    (Rescaling, BatchNorm, activations) as they are: tfmot refuses to wrap those."""
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    def wrap(layer):
        if hasattr(layer, "kernel") or type(layer).__name__ in ("QConv2D", "QDense", "Conv2D", "Dense"):
            return tfmot.sparsity.keras.prune_low_magnitude(layer, pruning_schedule=schedule)
        return layer.__class__.from_config(layer.get_config())

    with tfmot.sparsity.keras.prune_scope():
        return tf.keras.models.clone_model(model, clone_function=wrap)
