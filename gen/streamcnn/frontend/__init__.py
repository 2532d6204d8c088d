"""Front end: a QKeras/Keras model -> the IR graph."""
from __future__ import annotations

from ..config import Config
from ..ir import Graph
from . import layers  # noqa: F401  (registers the layer handlers)
from .convert import Converter
from .load import load_keras


def from_keras(source, config: Config | None = None) -> Graph:
    """Convert a Keras/QKeras model (object or file path) into the IR."""
    model = load_keras(source)
    return Converter(model, config or Config.default()).run()


__all__ = ["from_keras", "load_keras"]
