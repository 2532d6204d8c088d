"""Benchmarks that print figures (not timed tests)."""
from __future__ import annotations

import os
import time


from .config import Config


def load_or_default(model, config):
    """A model path, or the built-in untrained SVHN QP6 stand-in."""
    from .frontend import from_keras, load_keras
    from .zoo import untrained_svhn
    keras_model = load_keras(model) if model else untrained_svhn(6, pruned=True)
    t0 = time.perf_counter()
    graph = from_keras(keras_model, Config.load(config))
    return keras_model, graph, time.perf_counter() - t0


def bench_golden(model, images: int, config=None):
    from .data import grid_samples
    from .golden import emulate, quantize_input
    keras_model, graph, t_conv = load_or_default(model, config)
    x = quantize_input(graph, grid_samples(graph.input, images, seed=7))
    emulate(graph, x[:256])                                   # warm-up
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        emulate(graph, x)
        best = min(best, time.perf_counter() - t0)
    print(f"model: {graph.name} ({len(graph.nodes)} IR nodes), converted in {t_conv:.2f} s")
    print(f"golden model: {images} images in {best:.3f} s = {images / best:,.0f} images/s "
          f"(best of 3, {os.cpu_count()} cores)")
    return images / best


def bench_csim(model, images: int, config=None):
    """HLS C simulation: g++ compile time (uncached) and images/s, every result checked."""
    import tempfile
    from pathlib import Path
    from .data import grid_samples
    from .golden import quantize_input
    from .hls import csim
    from .hls.project import write_project
    from .lower import lower
    _, graph, _ = load_or_default(model, config)
    x = quantize_input(graph, grid_samples(graph.input, images, seed=7))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        hls = write_project(lower(graph, Config.load(config)), Path(tmp))
        t_gen = time.perf_counter() - t0
        build = csim.compile_tb(hls)
        r = csim.run(hls, graph, x)
    print(f"model: {graph.name}; C++ generated in {t_gen:.2f} s, compiled (g++ {' '.join(csim.FLAGS)}) "
          f"in {build.seconds:.1f} s")
    print(f"C simulation: {images} images in {r.seconds:.2f} s = {r.images_per_s:,.0f} images/s, "
          f"{r.mismatched} mismatches against the golden model")
    return build.seconds, r.images_per_s


def bench_rtlsim(model, images: int, config=None, simulator: str = "verilator"):
    """RTL simulation: Verilog generation, simulator build time, images/s, latency and II."""
    import json
    import tempfile
    from pathlib import Path
    import numpy as np
    from .data import grid_samples
    from .golden import quantize_input
    from .rtl import rtlsim
    from .verify import check
    from .lower import lower
    from .rtl.project import write_core
    _, graph, _ = load_or_default(model, config)
    x = quantize_input(graph, grid_samples(graph.input, images, seed=7))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        rtl, core, _ = write_core(lower(graph, Config.load(config)), Path(tmp))
        t_gen = time.perf_counter() - t0
        r = rtlsim.run(Path(tmp), graph, x, simulator)
        info = json.loads((rtl / "core.json").read_text())
    bad = check(graph, x, r.logits_int)["golden"].mismatched
    print(f"model: {graph.name}; Verilog generated in {t_gen:.2f} s ({info['blocks']} blocks, "
          f"{info['adders']:,} adders in multiplier-free MACs); {simulator} build {r.build_seconds:.1f} s")
    print(f"RTL simulation ({simulator} + cocotb): {images} images in {r.seconds:.2f} s = "
          f"{r.images_per_s:,.1f} images/s, {bad} mismatches against the golden model")
    from .synth.timing import clock_for_us
    # No synthesis here, so no timing estimate: the µs rest on the target and say so.
    ns, basis = clock_for_us(Config.load(config).target, None)
    print(f"latency {int(r.latency.max())} cycles ({r.latency.max() * ns * 1e-3:.2f} us at "
          f"{basis}; `streamcnn timing BUILD` estimates the clock it can meet), "
          f"II {int(np.max(r.interval))} cycles (hls4ml: 1,044 / 1,028)")
    return r


def bench_cse(model, config=None):
    """Per conv or dense layer: two-input adders of its constant-weight MAC as built, and
    with pair sums shared across outputs (rtl/cse.py; a count, not yet in the Verilog)."""
    from .ir import Conv2D, Dense
    from .lower.fold import weight_matrix
    from .rtl import cse, mac
    _, graph, _ = load_or_default(model, config)
    print(f"model: {graph.name}; two-input adders of each MAC, fully parallel")
    total = [0, 0]
    for n in graph.nodes:
        if isinstance(n, (Conv2D, Dense)):
            w = weight_matrix(n)
            per = [mac.terms(w, n.bias, o) for o in range(w.shape[1])]
            t0 = time.perf_counter()
            pairs, rest, uses = cse.share(per)
            before = cse.adders(per, [], [[] for _ in per])      # as built: nothing shared
            after = cse.adders(rest, pairs, uses)
            total = [total[0] + before, total[1] + after]
            print(f"  {n.name}: {before:,} -> {after:,} with {len(pairs):,} shared pair sums "
                  f"({100 * (before - after) / max(before, 1):.0f}% fewer; "
                  f"{time.perf_counter() - t0:.1f} s)")
    print(f"  all: {total[0]:,} -> {total[1]:,} ({100 * (total[0] - total[1]) / max(total[0], 1):.0f}% fewer)")
    return total


def bench_synth(model, config=None):
    """Yosys synthesis of the model's Verilog core: run time and resources per layer."""
    import tempfile
    from pathlib import Path
    from .lower import lower
    from .rtl.project import write_core
    from .synth import bench_synth as run
    _, graph, _ = load_or_default(model, config)
    with tempfile.TemporaryDirectory() as tmp:
        write_core(lower(graph, Config.load(config)), Path(tmp))
        return run(Path(tmp))


def bench_fold(model, images: int, config=None, cache=None, simulator: str = "verilator"):
    """The model folded as its config says (ReuseFactor: auto by default) against the same
    model fully parallel, side by side in one run: each layer's reuse factor, Yosys LUT, FF
    and DSP with the timing estimate, and the latency, II and mismatches RTL simulation
    measures (every output checked against the golden model)."""
    import tempfile
    from pathlib import Path
    import numpy as np
    from .data import grid_samples
    from .golden import quantize_input
    from .lower import lower
    from .rtl import rtlsim
    from .rtl.project import write_core
    from .synth import synth
    from .verify import check
    _, graph, _ = load_or_default(model, config)
    cfg = Config.load(config)
    x = quantize_input(graph, grid_samples(graph.input, images, seed=7))
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, c in (("as configured", cfg), ("fully parallel", cfg.fully_parallel())):
            build = Path(tmp) / name.replace(" ", "_")
            low = lower(graph, c)
            write_core(low, build)
            c.target.save(build)
            r = rtlsim.run(build, graph, x, simulator, progress=False)
            s = synth(build, progress=False, cache=cache)
            rows[name] = {"reuse": {w.node.name: w.reuse for w in low.works() if w.reuse > 1},
                          "latency": int(r.latency.max()), "ii": int(np.max(r.interval)),
                          "mismatches": check(graph, x, r.logits_int)["golden"].mismatched,
                          **{k: s["totals"][k] for k in ("CLB_LUT", "FF", "DSP")},
                          "fmax": s["timing"]["fmax_mhz"], "layers": s["layers"]}
    a, p = rows["as configured"], rows["fully parallel"]
    folds = ", ".join(f"{k} {v}" for k, v in a["reuse"].items()) or "none"
    print(f"model: {graph.name}; folded (reuse factor): {folds}; {images} images, {simulator}")
    print(f"{'':24}{'CLB LUT':>10}{'FF':>10}{'DSP':>6}{'latency':>9}{'II':>6}"
          f"{'mism.':>7}{'fmax est.':>11}")
    for name, r in rows.items():
        print(f"{name:24}{r['CLB_LUT']:>10,}{r['FF']:>10,}{r['DSP']:>6}{r['latency']:>9}"
              f"{r['ii']:>6}{r['mismatches']:>7}{r['fmax']:>7.1f} MHz")
    print(f"{'change':24}{a['CLB_LUT'] / p['CLB_LUT'] - 1:>+10.1%}{a['FF'] / p['FF'] - 1:>+10.1%}"
          f"{a['DSP'] - p['DSP']:>+6}{a['latency'] - p['latency']:>+9}")
    for layer, r in a["reuse"].items():
        fa, fp = a["layers"][layer], p["layers"][layer]
        print(f"  {layer} (R = {r}): {fa['CLB_LUT']:,} CLB LUT, {fa['FF']:,} FF folded; "
              f"{fp['CLB_LUT']:,} and {fp['FF']:,} parallel")
    return rows
