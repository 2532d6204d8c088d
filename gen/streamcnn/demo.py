"""`make demo`: QKeras model -> IR -> golden model, checked bit for bit against QKeras."""
from __future__ import annotations

import time


from .bench import load_or_default
from .data import find_real_samples, random_images
from .verify import compare


def demo(model=None, images: int = 2000, config=None):
    keras_model, graph, t_conv = load_or_default(model, config)
    src = model or "built-in SVHN QP6 stand-in (paper topology, 6-bit, 50% pruned, untrained)"
    print(f"model: {src}")
    print(f"converted to the IR in {t_conv:.2f} s:\n")
    print(graph.summary())
    for n in graph.notes:
        print("note:", n)
    req = [n for n in graph.nodes if n.op == "requant"]
    checked = sum(n.params.checked for n in req)
    print(f"\nrequantisation: {len(req)} chains, {checked:,} accumulator values checked against "
          f"Keras, {sum(n.params.exhaustive for n in req)}/{len(req)} exhaustively")

    real = find_real_samples()
    if real is not None:
        x, y, path = real
        a = compare(graph, keras_model, x)
        from .golden import emulate, quantize_input
        cls = emulate(graph, quantize_input(graph, x)).classes
        print(f"real SVHN ({path.name}): {a}; predicted {cls.tolist()}, labels {y.tolist()}")
    else:
        print("real SVHN samples not found (set SVHN_DIR to the folder holding "
              "svhn_test_first4.npz): skipped")
    x = random_images(images, seed=1)
    t0 = time.perf_counter()
    a = compare(graph, keras_model, x)
    dt = time.perf_counter() - t0
    print(f"structured random images: {a} ({dt:.1f} s incl. QKeras)")
    verdict = "bit-exact" if a.exact else "NOT bit-exact"
    print(f"\nsummary: golden model vs QKeras is {verdict} on {a.images + (len(real[0]) if real else 0)}"
          f" images; exact by construction: {graph.exact}")
    return a
