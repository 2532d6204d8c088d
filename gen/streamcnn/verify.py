"""The one comparison: a firmware output (golden model, C or RTL simulation) against the
golden model and against Keras/QKeras itself, image by image.

The logits are what the graph's last node before an optional Softmax node computes; the
Keras layer that holds them is recorded by the front end (`Graph.logits_layer`), so a final
softmax in any spelling (an Activation or Softmax layer, or fused into the last Dense) is
left out the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import StreamcnnError
from .golden import emulate
from .ir import Graph


@dataclass
class Agreement:
    images: int
    mismatched: int               # images whose logits differ in any bit
    max_lsb: float                # largest |output - reference| in output LSBs
    class_agreement: float        # fraction of images with the same argmax
    first: int | None = None      # first mismatched image
    against: str = "Keras"

    @property
    def exact(self) -> bool:
        return self.mismatched == 0

    def __str__(self) -> str:
        return (f"{self.images} images against {self.against}: {self.mismatched} mismatched, "
                f"largest difference {self.max_lsb:g} LSB, class agreement "
                f"{100 * self.class_agreement:.2f}%")


def keras_logits(graph: Graph, model, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Keras' output at the graph's logits (before a final softmax), for inputs x as the
    Keras model takes them."""
    import tensorflow as tf
    name, fused = graph.logits_layer, graph.logits_fused
    if not name:
        raise StreamcnnError(f"{graph.name}: the IR does not record its logits layer "
                             "(converted by an older streamcnn); convert the model again")
    layer = model.get_layer(name)
    out = layer.output
    if fused:                     # the layer's own activation is the softmax: apply it without
        cfg = dict(layer.get_config(), activation="linear", name=f"{name}_logits")
        twin = type(layer).from_config(cfg)
        out = twin(layer.input)
        twin.set_weights(layer.get_weights())
    probe = model if out is model.output else tf.keras.Model(model.inputs, out)
    return probe.predict(np.asarray(x, np.float32), verbose=0, batch_size=batch_size)


def agreement(graph: Graph, got_int: np.ndarray, ref: np.ndarray, against: str,
              classes_differ: np.ndarray | None = None) -> Agreement:
    """got_int (integers on the graph's output grid) against reference values ref; an image
    also counts as mismatched where `classes_differ` (the firmware's own class index)."""
    from .softmax import without_softmax
    frac = without_softmax(graph).output.type.frac
    got = np.asarray(got_int, np.int64)
    ref = np.asarray(ref, np.float64).reshape(got.shape)
    lsb = np.abs(np.ldexp(got.astype(np.float64), -frac) - ref) * 2.0 ** frac
    wrong = np.any(lsb != 0, axis=1)
    if classes_differ is not None:
        wrong |= classes_differ
    bad = np.flatnonzero(wrong)
    return Agreement(len(got), len(bad), float(lsb.max(initial=0)),
                     float(np.mean(got.argmax(axis=1) == ref.argmax(axis=1))) if len(got) else 1.0,
                     int(bad[0]) if len(bad) else None, against)


def check(graph: Graph, x_int: np.ndarray, got_int: np.ndarray | None = None,
          got_classes: np.ndarray | None = None, model=None,
          x: np.ndarray | None = None) -> dict[str, Agreement]:
    """Compare firmware logits `got_int` (default: the golden model's own), and the class
    indices it computed itself if any, with the golden model and, given the Keras `model`
    and its inputs `x`, with Keras."""
    from .softmax import without_softmax
    logits = without_softmax(graph)
    gold = emulate(logits, x_int)
    got = gold.logits_int if got_int is None else np.asarray(got_int, np.int64)
    out = {}
    if got_int is not None:
        differ = None if got_classes is None else np.asarray(got_classes) != gold.classes
        out["golden"] = agreement(graph, got, gold.logits, "the golden model", differ)
    if model is not None:
        out["keras"] = agreement(graph, got, keras_logits(graph, model, x), "Keras")
    return out


def compare(graph: Graph, model, x: np.ndarray) -> Agreement:
    """The golden model's logits against Keras on inputs x (as the Keras model takes them)."""
    from .golden import quantize_input
    return check(graph, quantize_input(graph, x), model=model, x=x)["keras"]
