"""The `streamcnn` command line. Errors are one line (exit 2) unless --debug."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from .errors import StreamcnnError
from .zoo.autoq import MODES, Search

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _load_array(path: str) -> np.ndarray:
    p = Path(path)
    if not p.is_file():
        raise StreamcnnError(f"{p}: no such input file")
    try:
        d = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise StreamcnnError(f"{p}: not a .npy/.npz array file ({e})") from None
    if isinstance(d, np.lib.npyio.NpzFile):
        if "x" not in d:
            raise StreamcnnError(f"{p}: .npz input needs an array named 'x'")
        return d["x"]
    return d


def _graph(args):
    from .config import Config
    from .frontend import from_keras
    return from_keras(args.model, Config.load(args.config))


def cmd_info(args):
    g = _graph(args)
    print(g.summary())
    for n in g.notes:
        print("note:", n)


def cmd_emulate(args):
    from .golden import emulate, quantize_input
    g = _graph(args)
    x = _load_array(args.input)
    r = emulate(g, quantize_input(g, x, source=args.input))
    np.save(args.output, r.logits)
    if args.classes:
        np.save(args.classes, r.classes)
    print(f"{len(x)} images -> {args.output} (logits on a 2^-{r.frac} grid, "
          f"{g.output.type}); classes: {np.bincount(r.classes, minlength=g.output.shape[0]).tolist()}")


def cmd_convert(args):
    from .build import convert
    from .config import Config
    g = convert(args.model, Path(args.output), Config.load(args.config))
    print(f"{g.name}: {len(g.nodes)} IR nodes -> {args.output}/ir.pkl, {args.output}/hls/ "
          f"(Vitis HLS project: build_prj.tcl)")
    for n in g.notes:
        print("note:", n)


def cmd_csim(args):
    from .golden import quantize_input
    from .hls import csim
    from .ir import load_graph
    build = Path(args.build)
    g = load_graph(build / "ir.pkl")
    x = _load_array(args.input)
    b = csim.compile_tb(build / "hls")
    print(f"compiled in {b.seconds:.1f} s" if not b.cached else "compiled (cached)")
    r = csim.run(build / "hls", g, quantize_input(g, x, source=args.input), check=not args.no_check)
    np.save(args.output, np.ldexp(r.logits_int.astype(np.float64), -g.output.type.frac))
    print(f"{len(x)} images in {r.seconds:.2f} s ({r.images_per_s:,.0f} images/s) -> {args.output}")
    if r.mismatched:
        raise StreamcnnError(f"C simulation differs from the golden model on {r.mismatched} "
                             f"images; {r.report.splitlines()[0]}")
    if not args.no_check:
        print("C simulation == golden model, bit for bit")


def cmd_rtlsim(args):
    import json
    from .golden import emulate, quantize_input
    from .ir import load_graph
    from .rtl import rtlsim
    from .build import RTL_SKIPPED, has_softmax
    build = Path(args.build)
    g = load_graph(build / "ir.pkl")
    if has_softmax(g):
        raise StreamcnnError(f"{build}: no RTL here; {RTL_SKIPPED}")
    x = quantize_input(g, _load_array(args.input), source=args.input)
    r = rtlsim.run(build, g, x, args.sim, gap=args.gaps, stall=args.stalls, seed=args.seed)
    np.save(args.output, np.ldexp(r.logits_int.astype(np.float64), -g.output.type.frac))
    gold = emulate(g, x)
    bad = np.flatnonzero((gold.logits_int != r.logits_int).any(1) | (gold.classes != r.classes))
    ii = r.interval
    report = {"simulator": args.sim, "images": int(len(x)), "mismatches": int(len(bad)),
              "first_mismatch": int(bad[0]) if len(bad) else None,
              "latency_cycles": int(r.latency.max()), "latency_min_cycles": int(r.latency.min()),
              "ii_cycles": int(ii.max()) if len(ii) else None,
              "images_per_s": round(r.images_per_s, 1), "build_seconds": round(r.build_seconds, 1),
              "tvalid_gap_pct": args.gaps, "tready_stall_pct": args.stalls}
    out_json = Path(args.output).with_suffix(".json")
    out_json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    if len(bad):
        raise StreamcnnError(f"RTL simulation differs from the golden model on {len(bad)} images, "
                             f"first: image {bad[0]}")


def cmd_synth(args):
    from .synth import synth
    from .synth.table import print_summary
    opts = ({"jobs": args.jobs, "cache": args.cache} if args.tool == "yosys" else
            {"source": args.source, "dry_run": args.dry_run})
    s = synth(Path(args.build), args.tool, **opts)
    if not s.get("dry_run"):
        print_summary(s)
        print(f"-> {Path(args.build) / 'reports' / 'synth.json'}")


def cmd_report(args):
    from .report.run import run
    only = [v.strip().lower() for v in args.only.split(",") if v.strip()] if args.only else None
    run(Path(args.models), Path(args.output), Path(args.work), only, not args.no_synth,
        args.jobs, args.readme and Path(args.readme))


def cmd_hls(args):
    import json
    from .hls import vitis
    steps = {s.strip(): True for s in args.steps.split(",") if s.strip()}
    report = vitis.run_hls(Path(args.build) / "hls", steps)
    print(json.dumps(report, indent=2) if report else "done (no synthesis report requested)")


def cmd_bench(args):
    from .bench import bench_csim, bench_golden
    bench_golden(args.model, args.images, args.config)
    if args.csim:
        bench_csim(args.model, args.csim_images, args.config)
    if args.rtlsim:
        from .bench import bench_rtlsim
        bench_rtlsim(args.model, args.rtlsim_images, args.config, args.sim)
    if args.synth:
        from .bench import bench_synth
        bench_synth(args.model, args.config)


def cmd_demo(args):
    from .demo import demo
    demo(args.model, args.images, args.config)


def cmd_data(args):
    import time
    from .data import load, preview
    if args.preview:
        print(f"contact sheet -> {preview(args.preview, n=args.n or 100, split=args.split, seed=args.seed)}")
        return
    t0 = time.perf_counter()
    x, y = load(args.dataset, args.split, args.n, seed=args.seed)
    dt = time.perf_counter() - t0
    print(f"{args.dataset}/{args.split}: {len(x):,} images {x.shape[1:]} {x.dtype} in {dt:.2f} s "
          f"({len(x) / max(dt, 1e-9):,.0f} images/s); labels: {np.bincount(y, minlength=10).tolist()}")
    if args.output:
        np.savez(args.output, x=x, y=y)
        print(f"-> {args.output}")


def cmd_train(args):
    import shlex
    from .zoo.train import Recipe, run
    r = Recipe(epochs=args.epochs, batch=args.batch, prune_epochs=args.prune_epochs, seed=args.seed)
    s = Search(trials=args.search_trials, epochs=args.search_epochs, images=args.search_images,
               mode=args.search_mode)
    cmd = "streamcnn " + " ".join(shlex.quote(a) for a in args.argv)
    m = run(args.variant, args.dataset, Path(args.output), r, args.train_images, args.test_images,
            args.parent, command=cmd, search=s)
    fw = m["firmware_accuracy"]
    print(f"{m['variant']}: test accuracy {m['test_accuracy']:.4f} (Keras), "
          f"{'n/a' if fw is None else f'{fw:.4f}'} (firmware arithmetic, {m['firmware_arithmetic']}); "
          f"{m['epochs_run']} epochs in {m['train_seconds']:.0f} s -> {Path(args.output).with_suffix('.h5')}")


JOBS_HELP = ("Yosys runs at once, one per module (default: one per core; each takes up to "
             "a few GB on the 16-bit models)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="streamcnn", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True)

    def model_cmd(name, fn, help_, model_required=True):
        s = sub.add_parser(name, help=help_)
        s.add_argument("model", nargs=None if model_required else "?",
                       help="QKeras/Keras model (.h5)" + ("" if model_required else
                                                          "; default: a built-in SVHN QP6 model"))
        s.add_argument("--config", help="YAML config (precision, reuse factor, strategy)")
        s.set_defaults(func=fn)
        return s

    model_cmd("info", cmd_info, "show the IR: layers, fixed-point types, requantisation")
    e = model_cmd("emulate", cmd_emulate, "run the bit-exact golden model")
    e.add_argument("--input", required=True, help=".npy (or .npz with 'x') of input values")
    e.add_argument("-o", "--output", required=True, help=".npy for the logits")
    e.add_argument("--classes", help=".npy for the predicted classes")
    c = model_cmd("convert", cmd_convert, "write BUILD/: the IR and the Vitis HLS project")
    c.add_argument("-o", "--output", required=True, help="build folder")
    cs = sub.add_parser("csim", help="C simulation of BUILD/hls, checked against the golden model")
    cs.add_argument("build")
    cs.add_argument("--input", required=True, help=".npy (or .npz with 'x') of input values")
    cs.add_argument("-o", "--output", required=True, help=".npy for the logits")
    cs.add_argument("--no-check", action="store_true", help="do not compare with the golden model")
    cs.set_defaults(func=cmd_csim)
    rs = sub.add_parser("rtlsim", help="RTL simulation of BUILD/rtl (cocotb), checked against "
                                       "the golden model; writes logits and a JSON report")
    rs.add_argument("build")
    rs.add_argument("--input", required=True, help=".npy (or .npz with 'x') of input values")
    rs.add_argument("-o", "--output", required=True, help=".npy for the logits (report: .json)")
    rs.add_argument("--sim", default="verilator", choices=("verilator", "icarus"))
    rs.add_argument("--gaps", type=int, default=0, help="%% of cycles with TVALID low on the input")
    rs.add_argument("--stalls", type=int, default=0, help="%% of cycles with TREADY low on the output")
    rs.add_argument("--seed", type=int, default=1)
    rs.set_defaults(func=cmd_rtlsim)
    sy = sub.add_parser("synth", help="synthesise BUILD/rtl: Yosys (open) or Vivado -> "
                                      "BUILD/reports/synth.json")
    sy.add_argument("build")
    sy.add_argument("--tool", default="yosys", choices=("yosys", "vivado"))
    sy.add_argument("--source", default="rtl", choices=("rtl", "hls"),
                    help="Vivado: the generated Verilog core or the exported Vitis HLS IP")
    sy.add_argument("--dry-run", action="store_true",
                    help="Vivado: run fpga/build.tcl under tclsh and list the commands")
    sy.add_argument("--jobs", type=int, help=JOBS_HELP)
    sy.add_argument("--cache", help="Yosys: folder of per-module statistics, reused for "
                                    "modules whose input, script and Yosys are unchanged")
    sy.set_defaults(func=cmd_synth)
    rp = sub.add_parser("report", help="the results table and plots of every shipped model "
                                       "(RTL simulation + Yosys, cached by the Verilog's hash)")
    rp.add_argument("--models", default="models")
    rp.add_argument("-o", "--output", default="results")
    rp.add_argument("--work", default="build/report", help="build folders of the models")
    rp.add_argument("--only", help="comma-separated variants to (re)measure; others keep "
                                   "their recorded figures")
    rp.add_argument("--no-synth", action="store_true", help="skip models not yet synthesised")
    rp.add_argument("--jobs", type=int, help=JOBS_HELP)
    rp.add_argument("--readme", help="also rewrite the results section of this README "
                                     "(between its results: begin/end marker lines)")
    rp.set_defaults(func=cmd_report)
    h = sub.add_parser("hls", help="run Vitis HLS on BUILD/hls (needs vitis_hls on PATH)")
    h.add_argument("build")
    h.add_argument("--steps", default="csim,synth", help="comma-separated: csim, synth, cosim, export")
    h.set_defaults(func=cmd_hls)
    b = model_cmd("bench", cmd_bench, "golden-model throughput (images/s)", model_required=False)
    b.add_argument("--images", type=int, default=10000)
    b.add_argument("--csim", action="store_true", help="also time the HLS C simulation")
    b.add_argument("--csim-images", type=int, default=500)
    b.add_argument("--rtlsim", action="store_true", help="also time the RTL simulation")
    b.add_argument("--rtlsim-images", type=int, default=1000)
    b.add_argument("--sim", default="verilator", choices=("verilator", "icarus"))
    b.add_argument("--synth", action="store_true", help="also time Yosys synthesis")
    d = model_cmd("demo", cmd_demo, "QKeras -> golden model on images, compared bit for bit",
                  model_required=False)
    d.add_argument("--images", type=int, default=2000)
    da = sub.add_parser("data", help="load a data set (synthetic house numbers or SVHN), "
                                      "or write a contact sheet")
    da.add_argument("--dataset", default="synth", choices=("synth", "svhn"))
    da.add_argument("--split", default="test")
    da.add_argument("-n", type=int, help="first N images (default: the whole split)")
    da.add_argument("--seed", type=int, default=0)
    da.add_argument("--preview", metavar="PNG", help="write a contact sheet of the synthetic set")
    da.add_argument("-o", "--output", help=".npz with x (uint8 N,32,32,3) and y")
    da.set_defaults(func=cmd_data)
    t = sub.add_parser("train", help="train a variant of the paper's SVHN model")
    t.add_argument("--variant", required=True,
                   help="bf, bp, q<p>, qp<p> (p in 16,8,6,4,3,2,1), aq, aqp")
    t.add_argument("--dataset", default="synth", choices=("synth", "svhn"))
    t.add_argument("-o", "--output", required=True, help="model path (.h5); metrics go beside it")
    t.add_argument("--parent", help="warm-start model (default: <output dir>/<parent variant>.h5)")
    t.add_argument("--epochs", type=int, default=100)
    t.add_argument("--prune-epochs", type=int, default=10, help="epochs to reach 50%% sparsity")
    t.add_argument("--batch", type=int, default=1024)
    t.add_argument("--train-images", type=int, help="first N training images (default: all)")
    t.add_argument("--test-images", type=int, help="first N test images (default: all)")
    t.add_argument("--seed", type=int, default=0)
    ds = Search()
    t.add_argument("--search-trials", type=int, default=ds.trials,
                   help="AQ: AutoQKeras trials (default: %(default)s)")
    t.add_argument("--search-epochs", type=int, default=ds.epochs,
                   help="AQ: epochs per trial (default: %(default)s)")
    t.add_argument("--search-images", type=int, default=ds.images,
                   help="AQ: first N training images each trial trains on (default: %(default)s)")
    t.add_argument("--search-mode", default=ds.mode, choices=MODES,
                   help="AQ: keras-tuner search (default: %(default)s)")
    t.set_defaults(func=cmd_train)
    return p


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv                      # recorded by `train` as the command that made a model
    try:
        args.func(args)
    except StreamcnnError as e:
        if args.debug:
            raise
        print(f"streamcnn: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
