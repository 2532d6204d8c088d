"""Load a Keras/QKeras model (object or .h5 file), with tfmot pruning wrappers stripped."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import StreamcnnError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def custom_objects() -> dict:
    from qkeras.utils import _add_supported_quantized_objects
    objs: dict = {}
    _add_supported_quantized_objects(objs)
    return objs


def load_keras(source):
    """A Keras model from an in-memory model or a .h5/.keras path; pruning stripped."""
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise StreamcnnError(f"{path}: no such model file")
        try:
            with tfmot.sparsity.keras.prune_scope():
                model = tf.keras.models.load_model(path, custom_objects=custom_objects(),
                                                   compile=False)
        except (OSError, ValueError, TypeError, KeyError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise StreamcnnError(f"{path}: cannot load Keras model ({first})") from None
    else:
        model = source
    if not isinstance(model, tf.keras.Model):
        raise StreamcnnError(f"expected a Keras model, got {type(model).__name__}")
    if any(type(l).__name__ == "PruneLowMagnitude" for l in model.layers):
        model = _fresh_copy(tfmot.sparsity.keras.strip_pruning(model))
    return model


def _fresh_copy(model):
    """strip_pruning reuses the wrapped layers, so each is called in two graphs and its
    `input`/`output` become ambiguous; a clone with copied weights owns its layers."""
    import tensorflow as tf
    with tf.keras.utils.custom_object_scope(custom_objects()):
        fresh = tf.keras.models.clone_model(model)
    fresh.set_weights(model.get_weights())
    return fresh
