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
    """A Keras model from an in-memory model or a .h5/.keras path (or a SavedModel folder);
    pruning stripped; refused in one line unless it has one input of fixed shape (H, W, C)
    or (N,) and one output (check_model)."""
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    where = "model"
    if isinstance(source, (str, Path)):
        path = Path(source)
        where = str(path)
        _check_model_file(path)
        try:
            with tfmot.sparsity.keras.prune_scope():
                model = tf.keras.models.load_model(path, custom_objects=custom_objects(),
                                                   compile=False)
        except StreamcnnError:
            raise
        except Exception as e:            # h5py, Keras and TF raise almost any type here
            hint = ("; QKeras models load from .h5: save with model.save('name.h5')"
                    if path.suffix.lower() == ".keras" else "")
            raise StreamcnnError(f"{path}: cannot load Keras model ({_first_line(e)}){hint}") \
                from None
    else:
        model = source
    if not isinstance(model, tf.keras.Model):
        raise StreamcnnError(f"{where}: expected a Keras model, got {type(model).__name__}")
    check_model(model, where)
    if any(type(l).__name__ == "PruneLowMagnitude" for l in model.layers):
        model = _fresh_copy(tfmot.sparsity.keras.strip_pruning(model))
    return model


HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _check_model_file(path: Path) -> None:
    """Refuse what is plainly no model before Keras sees it (its messages for these name
    internal objects, or the wrong format)."""
    if not path.exists():
        raise StreamcnnError(f"{path}: no such model file")
    if path.is_dir():
        if not any((path / f).is_file() for f in ("saved_model.pb", "saved_model.pbtxt")):
            raise StreamcnnError(f"{path}: a folder, not a model file (.h5) or SavedModel "
                                 "folder (no saved_model.pb in it)")
        return
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise StreamcnnError(f"{path}: cannot read model file ({e.strerror})") from None
    import h5py
    if head != HDF5_SIGNATURE and not h5py.is_hdf5(path):
        if head.startswith(b"PK\x03\x04"):
            return                            # a zip: the .keras format, Keras reads it
        if path.suffix.lower() in (".h5", ".hdf5"):
            raise StreamcnnError(f"{path}: not an HDF5 file, so not a Keras .h5 model")
        raise StreamcnnError(f"{path}: not a Keras model file (neither HDF5 .h5 nor .keras)")
    try:
        with h5py.File(path, "r") as h:
            has_config = "model_config" in h.attrs
    except OSError as e:
        raise StreamcnnError(f"{path}: unreadable HDF5 file ({_first_line(e)})") from None
    if not has_config:
        raise StreamcnnError(f"{path}: an HDF5 file without a Keras model in it (no "
                             "model_config: weights only, or other data?)")


def _first_line(e: Exception) -> str:
    import re
    text = re.sub(r"<([\w.]+) object at 0x[0-9a-fA-F]+>", r"\1", str(e).strip())
    return text.splitlines()[0] if text else type(e).__name__


def check_model(model, where: str = "model") -> None:
    """One input of fixed shape (H, W, C) or (N,), one output and at least one layer:
    anything else is refused here, in one line naming the tensors."""
    name = f"{where}: model '{model.name}'" if where != "model" else f"model '{model.name}'"
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise StreamcnnError(f"{name} is not built (it has no input tensor; give it an Input "
                             "layer or call it on data first)")
    if len(inputs) != 1:
        raise StreamcnnError(f"{name} has {len(inputs)} inputs ({_names(inputs)}); streamcnn "
                             "takes models with one input")
    outputs = model.outputs
    if len(outputs) != 1:
        raise StreamcnnError(f"{name} has {len(outputs)} outputs ({_names(outputs)}); streamcnn "
                             "takes models with one output (not converting one of them only)")
    shape = tuple(inputs[0].shape)[1:]
    if any(d is None for d in shape):
        raise StreamcnnError(f"{name}: input '{_name(inputs[0])}' has shape "
                             f"{_shape(inputs[0])}; every dimension but the batch must be fixed")
    if len(shape) not in (1, 3):
        raise StreamcnnError(f"{name}: input '{_name(inputs[0])}' has shape "
                             f"{_shape(inputs[0])}; streamcnn takes images (N, H, W, C) or "
                             "vectors (N, features)")
    if not [l for l in model.layers if type(l).__name__ != "InputLayer"]:
        raise StreamcnnError(f"{name} has no layers to convert")


def check_logits_output(model, where: str = "model") -> None:
    """The firmware (and `emulate`'s classes) need one vector of logits per image; the
    golden model alone runs any output shape, so only the commands that need it check."""
    out = model.outputs[0]
    if len(tuple(out.shape)) != 2:
        raise StreamcnnError(f"{where}: model '{model.name}': output '{_name(out)}' has shape "
                             f"{_shape(out)}; streamcnn needs a vector of logits (N, classes): "
                             "end the model with Flatten and Dense")


def _name(t) -> str:
    return getattr(t, "name", "?").split("/")[0]


def _names(ts) -> str:
    return ", ".join(_name(t) for t in ts)


def _shape(t) -> str:
    return "(" + ", ".join("N" if i == 0 else str(d) for i, d in enumerate(tuple(t.shape))) + ")"


def _fresh_copy(model):
    """strip_pruning reuses the wrapped layers, so each is called in two graphs and its
    `input`/`output` become ambiguous; a clone with copied weights owns its layers."""
    import tensorflow as tf
    with tf.keras.utils.custom_object_scope(custom_objects()):
        fresh = tf.keras.models.clone_model(model)
    fresh.set_weights(model.get_weights())
    return fresh
