"""Compare the golden model with Keras/QKeras itself, image by image."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .golden import emulate, quantize_input
from .ir import Graph


@dataclass
class Agreement:
    images: int
    mismatched: int               # images whose logits differ in any bit
    max_lsb: float                # largest |golden - keras| in output LSBs
    class_agreement: float        # fraction of images with the same argmax

    @property
    def exact(self) -> bool:
        return self.mismatched == 0

    def __str__(self) -> str:
        return (f"{self.images} images: {self.mismatched} mismatched, "
                f"largest difference {self.max_lsb:g} LSB, class agreement "
                f"{100 * self.class_agreement:.2f}%")


def keras_logits(model, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The model's output before a final softmax (the logits the firmware produces)."""
    import tensorflow as tf
    last = model.layers[-1]
    is_softmax = type(last).__name__ == "Activation" and \
        getattr(last.activation, "__name__", "") == "softmax"
    probe = tf.keras.Model(model.inputs, model.layers[-2].output) if is_softmax else model
    return probe.predict(np.asarray(x, np.float32), verbose=0, batch_size=batch_size)


def compare(graph: Graph, model, x: np.ndarray) -> Agreement:
    """The logits: a Softmax node (tables, not Keras' float exp) is compared in tests."""
    from .softmax import without_softmax
    graph = without_softmax(graph)
    ref = keras_logits(model, x).astype(np.float64)
    got = emulate(graph, quantize_input(graph, x))
    lsb = np.abs(got.logits - ref) * 2.0 ** got.frac
    return Agreement(len(x), int(np.sum(np.any(lsb != 0, axis=1))), float(lsb.max(initial=0)),
                     float(np.mean(got.classes == ref.argmax(axis=1))))
