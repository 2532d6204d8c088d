"""The paper's model family (REFERENCE.md §1) as named variants.

BF float, BP = BF + 50% pruning, Q<p> = QKeras at p bits (binary at 1, ternary at 2),
QP<p> = Q<p> + 50% pruning, AQ = AutoQKeras' per-layer choice of quantisers (searched
from BF, see autoq.py), AQP = AQ + 50% pruning. Each variant says which model it is
warm-started from: Q<p> from the next wider Q (Q16 and AQ from BF), a pruned model from
its unpruned twin.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import StreamcnnError

BITS = (16, 8, 6, 4, 3, 2, 1)
SPARSITY = 0.5
AUTO_BITS = 8       # AQ's search space stops at 8 bits, where the golden model is still exact


@dataclass(frozen=True)
class Variant:
    name: str
    bits: int | None          # None: float; AQ/AQP: the widest quantiser the search may pick
    pruned: bool
    parent: str | None        # warm start from this variant's trained model
    auto: bool = False        # per-layer quantisers chosen by AutoQKeras

    def build(self, spec: dict | None = None):
        from .paper import svhn_cnn
        return svhn_cnn(self.bits, name=f"svhn_{self.name}", spec=spec)


def _family() -> dict[str, Variant]:
    v = {"bf": Variant("bf", None, False, None), "bp": Variant("bp", None, True, "bf")}
    wider = "bf"
    for p in BITS:
        v[f"q{p}"] = Variant(f"q{p}", p, False, wider)
        v[f"qp{p}"] = Variant(f"qp{p}", p, True, f"q{p}")
        wider = f"q{p}"
    v["aq"] = Variant("aq", AUTO_BITS, False, "bf", auto=True)
    v["aqp"] = Variant("aqp", AUTO_BITS, True, "aq", auto=True)
    return v


VARIANTS = _family()


def variant(name: str) -> Variant:
    try:
        return VARIANTS[name.lower()]
    except KeyError:
        raise StreamcnnError(f"unknown model variant {name!r}; known: "
                             f"{', '.join(VARIANTS)}") from None


def warm_start(model, parent) -> list[str]:
    """Copy weights from `parent` into `model` layer by layer (same name and shapes);
    returns the names of the layers copied."""
    copied = []
    for layer in model.layers:
        try:
            src = parent.get_layer(layer.name)
        except ValueError:
            continue
        w = src.get_weights()
        if w and [a.shape for a in w] == [a.shape for a in layer.get_weights()]:
            layer.set_weights(w)
            copied.append(layer.name)
    return copied
