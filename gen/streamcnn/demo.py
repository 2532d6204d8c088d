"""`make demo`: QKeras model -> IR -> golden model, checked bit for bit against QKeras.

Exit status 0 only when the golden model equals QKeras on every image."""
from __future__ import annotations

import time

import numpy as np

from .bench import load_or_default
from .data import grid_samples, real_samples_for
from .errors import StreamcnnError
from .golden import emulate, quantize_input
from .verify import compare


def demo(model=None, images: int = 2000, config=None):
    keras_model, graph, t_conv = load_or_default(model, config)
    src = model or "built-in SVHN QP6 stand-in (paper topology, 6-bit, 50% pruned, untrained)"
    print(f"model: {src}")
    print(f"input: {graph.input.shape} on the grid of {graph.input.type} ({graph.input_origin})")
    print(f"converted to the IR in {t_conv:.2f} s:\n")
    print(graph.summary())
    for n in graph.notes:
        print("note:", n)
    req = [n for n in graph.nodes if n.op == "requant"]
    checked = sum(n.params.checked for n in req)
    print(f"\nrequantisation: {len(req)} chains, {checked:,} accumulator values checked against "
          f"Keras, {sum(n.params.exhaustive for n in req)}/{len(req)} exhaustively")

    results = []
    real = real_samples_for(graph.input)
    if real is not None:
        x, y, path = real
        a = compare(graph, keras_model, x)
        cls = emulate(graph, quantize_input(graph, x)).classes
        hits = int(np.sum(cls == y))
        print(f"real SVHN ({path.name}): {a}; predicted {cls.tolist()}, labels {y.tolist()} "
              f"({hits} of {len(y)} right)")
        results.append(a)
    elif len(graph.input.shape) == 3 and graph.input.shape == (32, 32, 3):
        print("real SVHN samples not found (set SVHN_DIR to the folder holding "
              "svhn_test_first4.npz): skipped")
    x = grid_samples(graph.input, images, seed=1)
    t0 = time.perf_counter()
    a = compare(graph, keras_model, x)
    dt = time.perf_counter() - t0
    print(f"structured random inputs on the input grid: {a} ({dt:.1f} s incl. QKeras)")
    results.append(a)
    total = sum(r.images for r in results)
    bad = sum(r.mismatched for r in results)
    print(f"\nsummary: golden model vs QKeras is {'bit-exact' if not bad else 'NOT bit-exact'} "
          f"on {total} images; exact by construction: {graph.exact}")
    if bad:
        why = ("as the notes above say" if not graph.exact else
               "although every layer was proven exact: please report this as a bug")
        raise StreamcnnError(f"golden model differs from QKeras on {bad} of {total} images, {why}")
    return a
