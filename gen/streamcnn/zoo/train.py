"""Train one variant of the paper's model with its recipe (REFERENCE.md §1).

Adam lr 3e-3 (amsgrad), batch 1024, early stopping (patience 10) and ReduceLROnPlateau
(x0.1 after 5 epochs) on the validation loss. Pruning follows tfmot's PolynomialDecay
0.40 -> 0.50 as in the paper, but its steps are counted in epochs of *this* data set:
the paper's 1,000 -> 8,000 steps assume 604k training images.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import StreamcnnError
from .variants import SPARSITY, Variant, warm_start

VAL_FRACTION = 0.05


@dataclass
class Recipe:
    epochs: int = 100
    batch: int = 1024
    lr: float = 3e-3
    patience: int = 10
    prune_epochs: int = 10      # sparsity reaches 50% after this many epochs
    seed: int = 0


def _dataset(x, y, batch, shuffle, seed):
    import tensorflow as tf
    d = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        d = d.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return d.batch(batch).map(lambda a, b: (tf.cast(a, tf.float32), b)).prefetch(2)


class _Progress:
    """A tqdm bar over epochs showing the figures early stopping looks at."""

    def __new__(cls, epochs: int, label: str):
        import tensorflow as tf
        from tqdm import tqdm

        class Bar(tf.keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.bar = tqdm(total=epochs, desc=label, unit="epoch", file=sys.stderr)

            def on_epoch_end(self, epoch, logs=None):
                logs = logs or {}
                self.bar.set_postfix({k: f"{logs[k]:.4f}" for k in
                                      ("loss", "accuracy", "val_loss", "val_accuracy") if k in logs})
                self.bar.update(1)

            def on_train_end(self, logs=None):
                self.bar.close()
        return Bar()


def _n_val(x) -> int:
    return max(1, int(len(x) * VAL_FRACTION))


def train(v: Variant, x: np.ndarray, y: np.ndarray, recipe: Recipe, parent=None, model=None):
    """Returns (trained Keras model with pruning stripped, history dict, notes).
    `model`: the untrained model to use instead of the variant's own (AQ's search result)."""
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot
    from .calibrate import wrap_for_pruning

    tf.keras.utils.set_random_seed(recipe.seed)
    notes = []
    model = model if model is not None else v.build()
    if parent is not None:
        copied = warm_start(model, parent)
        notes.append(f"warm start from {parent.name}: {len(copied)} layers")
    n_val = _n_val(x)
    steps = -(-(len(x) - n_val) // recipe.batch)
    callbacks = [_Progress(recipe.epochs, v.name),
                 tf.keras.callbacks.ReduceLROnPlateau(factor=0.1, patience=5, min_delta=1e-4,
                                                      cooldown=2, min_lr=1e-6)]
    start = 0
    if v.pruned:
        end = steps * min(recipe.prune_epochs, recipe.epochs)
        schedule = tfmot.sparsity.keras.PolynomialDecay(
            initial_sparsity=0.4, final_sparsity=SPARSITY,
            begin_step=0, end_step=max(1, end - 1), frequency=max(1, min(100, steps // 4)))
        model = wrap_for_pruning(model, schedule)
        callbacks.append(tfmot.sparsity.keras.UpdatePruningStep())
        start = min(recipe.prune_epochs, recipe.epochs)   # judge only fully pruned weights
    callbacks.append(tf.keras.callbacks.EarlyStopping(
        patience=recipe.patience, restore_best_weights=True, start_from_epoch=start))
    model.compile(optimizer=tf.keras.optimizers.Adam(recipe.lr, amsgrad=True),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(_dataset(x[:-n_val], y[:-n_val], recipe.batch, True, recipe.seed),
                     validation_data=_dataset(x[-n_val:], y[-n_val:], recipe.batch, False, 0),
                     epochs=recipe.epochs, callbacks=callbacks, verbose=0)
    if v.pruned:
        model = tfmot.sparsity.keras.strip_pruning(model)
    return model, hist.history, notes


def load_parent(v: Variant, out: Path, parent: str | None):
    """The parent's trained model: an explicit path, else `<out dir>/<parent>.h5` if it exists."""
    from ..frontend.load import load_keras
    if parent:
        return load_keras(parent)
    if v.parent and (out.parent / f"{v.parent}.h5").is_file():
        return load_keras(out.parent / f"{v.parent}.h5")
    return None


def _auto_model(v: Variant, x, y, par, recipe: Recipe, search):
    """AQ/AQP: the AutoQKeras search on the first training images, validated on the
    recipe's validation split (so the test set never steers it)."""
    from dataclasses import replace
    from .autoq import Search, prepare
    n_val = _n_val(x)
    s = search or Search()
    s = replace(s, images=min(s.images, len(x) - n_val))     # what it really searched on
    return prepare(v, par, _dataset(x[:s.images], y[:s.images], s.batch, True, recipe.seed),
                   _dataset(x[-n_val:], y[-n_val:], recipe.batch, False, 0), s, recipe.seed)


def run(variant_name: str, dataset: str, out: Path, recipe: Recipe, train_images=None,
        test_images=None, parent: str | None = None, command: str = "", search=None) -> dict:
    """Train, save `out` (.h5) and `out` with .json (the metrics); returns the metrics.
    `search`: AutoQKeras settings (autoq.Search) for AQ."""
    from ..data import load
    from .metrics import evaluate
    from .variants import variant
    v = variant(variant_name)
    out = Path(out).with_suffix(".h5")
    out.parent.mkdir(parents=True, exist_ok=True)
    x, y = load(dataset, "train", train_images, seed=recipe.seed)
    xt, yt = load(dataset, "test", test_images, seed=recipe.seed)
    if len(x) < 2:
        raise StreamcnnError(f"{dataset}: {len(x)} training images; need at least 2")
    par = load_parent(v, out, parent)
    model, auto = _auto_model(v, x, y, par, recipe, search) if v.auto else (None, None)
    t0 = time.perf_counter()
    model, hist, notes = train(v, x, y, recipe, par, model)
    seconds = time.perf_counter() - t0
    model.save(out, include_optimizer=False)
    m = {"variant": v.name, "dataset": dataset, "command": command,
         "train_images": int(len(x)), "test_images": int(len(xt)),
         "epochs_run": len(hist.get("loss", [])), "train_seconds": round(seconds, 1),
         "recipe": recipe.__dict__, "warm_start": par.name if par is not None else None,
         "notes": notes, "final_val_accuracy": float(hist["val_accuracy"][-1])}
    if auto is not None:
        m["autoq"] = auto
    m.update(evaluate(out, xt, yt))
    out.with_suffix(".json").write_text(json.dumps(m, indent=2) + "\n")
    return m
