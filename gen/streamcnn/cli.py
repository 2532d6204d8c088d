"""The `streamcnn` command line. Errors are one line (exit 2) unless --debug."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from .cli_files import (build_folder, build_keep, check_build_output, first_line, load_array,
                        save_array, check_outputs)
from .errors import StreamcnnError
from .zoo.autoq import MODES, Search

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _graph(args, logits: bool = False):
    """The IR of args.model under args.config; `logits`: the model must end in a vector."""
    from .config import Config
    from .frontend import from_keras
    from .frontend.load import check_logits_output, load_keras
    config = Config.load(args.config)
    model = load_keras(args.model)
    if logits:
        check_logits_output(model, args.model)
    return from_keras(model, config), model, config


def cmd_info(args):
    g = _graph(args)[0]
    print(g.summary())
    for n in g.notes:
        print("note:", n)


def cmd_emulate(args):
    from .golden import emulate, quantize_input
    check_outputs({"-o": args.output, "--classes": args.classes},
                  {"--input": args.input, "model": args.model, "--config": args.config})
    g = _graph(args, logits=True)[0]
    x = load_array(args.input)
    r = emulate(g, quantize_input(g, x, source=args.input))
    save_array(args.output, r.logits)
    if args.classes:
        save_array(args.classes, r.classes)
    print(f"{len(x)} images -> {args.output} (logits on a 2^-{r.frac} grid, "
          f"{g.output.type}); classes: {np.bincount(r.classes, minlength=g.output.shape[0]).tolist()}")
    for n in g.notes:                     # e.g. where the golden model is not Keras bit for bit
        print("note:", n)


def cmd_convert(args):
    from .build import convert
    from .config import Config
    from .frontend.load import check_logits_output, load_keras
    out = check_build_output(Path(args.output), {"model": args.model,
                                                     "--config": args.config})
    config = Config.load(args.config)
    model = load_keras(args.model)
    check_logits_output(model, args.model)
    g = convert(model, out, config)
    print(f"{g.name}: {len(g.nodes)} IR nodes -> {args.output}/ir.pkl, {args.output}/hls/ "
          f"(Vitis HLS project: build_prj.tcl)")
    for n in g.notes:
        print("note:", n)


def cmd_csim(args):
    from .golden import quantize_input
    from .hls import csim
    from .ir import load_graph
    build = build_folder(args.build)
    check_outputs({"-o": args.output}, {"--input": args.input}, build_keep(build))
    g = load_graph(build / "ir.pkl")
    x = load_array(args.input)
    x_int = quantize_input(g, x, source=args.input)
    b = csim.compile_tb(build / "hls")
    print(f"compiled in {b.seconds:.1f} s" if not b.cached else "compiled (cached)")
    r = csim.run(build / "hls", g, x_int, check=not args.no_check)
    save_array(args.output, np.ldexp(r.logits_int.astype(np.float64), -g.output.type.frac))
    print(f"{len(x)} images in {r.seconds:.2f} s ({r.images_per_s:,.0f} images/s) -> {args.output}")
    if r.mismatched:
        raise StreamcnnError(f"C simulation differs from the golden model on {r.mismatched} "
                             f"images; {(r.report.splitlines() or ['no report'])[0]}")
    if not args.no_check:
        print("C simulation == golden model, bit for bit")


def cmd_rtlsim(args):
    import json
    from .golden import quantize_input
    from .ir import load_graph
    from .rtl import rtlsim
    from .build import rtl_skipped
    from .synth.timing import clock_of_build
    from .target import Target
    from .verify import check
    build = build_folder(args.build)
    out_json = Path(args.output).with_suffix(".json")
    check_outputs({"-o": args.output, "-o (its .json report)": out_json},
                  {"--input": args.input}, build_keep(build))
    g = load_graph(build / "ir.pkl")
    if rtl_skipped(g):
        raise StreamcnnError(f"{build}: no RTL here; {rtl_skipped(g)}")
    x = quantize_input(g, load_array(args.input), source=args.input)
    r = rtlsim.run(build, g, x, args.sim, gap=args.gaps, stall=args.stalls, seed=args.seed)
    save_array(args.output, np.ldexp(r.logits_int.astype(np.float64), -g.output.type.frac))
    a = check(g, x, r.logits_int, r.classes)["golden"]
    target = Target.of_build(build)
    clock_ns, clock = clock_of_build(build)      # the target, or the estimated fmax if lower
    ii = r.interval
    report = {"simulator": args.sim, "images": int(len(x)), "mismatches": a.mismatched,
              "first_mismatch": a.first,
              "latency_cycles": int(r.latency.max()), "latency_min_cycles": int(r.latency.min()),
              "latency_us": round(int(r.latency.max()) * clock_ns * 1e-3, 4),
              "latency_clock": clock, "target": str(target),
              "ii_cycles": int(ii.max()) if len(ii) else None,
              "images_per_s": round(r.images_per_s, 1), "build_seconds": round(r.build_seconds, 1),
              "tvalid_gap_pct": args.gaps, "tready_stall_pct": args.stalls}
    out_json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    if a.mismatched:
        raise StreamcnnError(f"RTL simulation differs from the golden model on {a.mismatched} "
                             f"images, first: image {a.first}")


def cmd_synth(args):
    from .synth import synth
    from .synth.table import print_summary
    opts = ({"jobs": args.jobs, "cache": args.cache} if args.tool == "yosys" else
            {"source": args.source, "dry_run": args.dry_run})
    s = synth(Path(args.build), args.tool, **opts)
    if not s.get("dry_run"):
        print_summary(s)
        print(f"-> {Path(args.build) / 'reports' / 'synth.json'}")


def cmd_timing(args):
    from .synth import timing_estimate
    from .synth.timing import format_report
    build = build_folder(args.build)
    s = timing_estimate(build, jobs=args.jobs, cache=args.cache)
    print(format_report(s["timing"]))
    print(f"-> {build / 'reports' / 'synth.json'} (timing)")


def cmd_report(args):
    from .report.run import run
    only = [v.strip().lower() for v in args.only.split(",") if v.strip()] if args.only else None
    run(Path(args.models), Path(args.output), Path(args.work), only, not args.no_synth,
        args.jobs, args.readme and Path(args.readme), args.workers, args.scheduler)


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
    if args.cse:
        from .bench import bench_cse
        bench_cse(args.model, args.config)
    if args.fold:
        from .bench import bench_fold
        bench_fold(args.model, args.fold_images, args.config, args.cache, args.sim)


def cmd_scan(args):
    from .scan import scan
    from .scan.bench import bench_scan
    if args.bench:
        bench_scan(args.spec, args.bench)
        return
    from .scan.table import markdown
    rows = scan(args.spec, args.output, args.workers, args.scheduler)
    print("\n".join(markdown(rows)))
    failed = [r["point"] for r in rows if any(k.endswith(".error") and v for k, v in r.items())]
    print(f"{len(rows)} points -> {Path(args.output) / 'scan.csv'}, scan.json, scan.md"
          + (f"; {len(failed)} with an error (first: {failed[0]})" if failed else ""))


def cmd_demo(args):
    from .demo import demo
    demo(args.model, args.images, args.config)


def cmd_data(args):
    import time
    from .data import load, preview
    check_outputs({"--preview": args.preview, "-o": args.output}, {})
    if args.preview:
        print(f"contact sheet -> {preview(args.preview, n=args.n or 100, split=args.split, seed=args.seed)}")
        return
    if args.like:
        _grid_data(args)
        return
    t0 = time.perf_counter()
    x, y = load(args.dataset, args.split, args.n, seed=args.seed)
    dt = time.perf_counter() - t0
    print(f"{args.dataset}/{args.split}: {len(x):,} images {x.shape[1:]} {x.dtype} in {dt:.2f} s "
          f"({len(x) / max(dt, 1e-9):,.0f} images/s); labels: {np.bincount(y, minlength=10).tolist()}")
    if args.output:
        with open(args.output, "wb") as f:      # exactly there (np.savez would add .npz)
            np.savez(f, x=x, y=y)
        print(f"-> {args.output}")


def _grid_data(args):
    """`data --like BUILD`: structured inputs on the grid and shape of that build's model."""
    from .data import grid_samples
    from .ir import load_graph
    g = load_graph(build_folder(args.like) / "ir.pkl")
    x = grid_samples(g.input, args.n or 1000, seed=args.seed)
    print(f"{len(x):,} inputs {x.shape[1:]} on the grid of {g.input.type} ({g.input_origin})")
    if args.output:
        with open(args.output, "wb") as f:
            np.savez(f, x=x)
        print(f"-> {args.output}")


def cmd_train(args):
    import shlex
    from .zoo.train import Recipe, run
    h5 = Path(args.output).with_suffix(".h5")
    if h5.parent.is_dir():                # train makes a missing folder
        check_outputs({"-o": h5, "-o (its .json metrics)": h5.with_suffix(".json")},
                      {"--parent model": args.parent})
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


# Numeric options and their smallest allowed value (the largest too, for percentages), checked
# before a command starts, so that nothing is written for a value that cannot work.
# `demo` checks its own (demo.py).
LIMITS = {"images": (1,), "csim_images": (1,), "rtlsim_images": (1,), "jobs": (1,),
          "n": (1,), "seed": (0,), "epochs": (1,), "batch": (1,), "prune_epochs": (0,),
          "train_images": (1,), "test_images": (1,), "search_trials": (1,),
          "search_epochs": (1,), "search_images": (1,), "gaps": (0, 99), "stalls": (0, 99)}


def check_args(args) -> None:
    for dest, lim in LIMITS.items():
        v = getattr(args, dest, None)
        if v is None or args.command == "demo":
            continue
        opt = "-n" if dest == "n" else "--" + dest.replace("_", "-")
        if len(lim) == 2 and not lim[0] <= v <= lim[1]:
            raise StreamcnnError(f"{opt} {v}: expected a percentage of cycles, {lim[0]}..{lim[1]}")
        if v < lim[0]:
            kind = "a positive" if lim[0] == 1 else "a non-negative"
            raise StreamcnnError(f"{opt} {v}: expected {kind} integer")


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
    ti = sub.add_parser("timing", help="static timing ESTIMATE of BUILD/rtl from the Yosys "
                                       "netlist: worst path per layer and for the design, "
                                       "fmax and verdict against the target clock")
    ti.add_argument("build")
    ti.add_argument("--jobs", type=int, help=JOBS_HELP)
    ti.add_argument("--cache", help="Yosys: folder of per-module statistics and timing "
                                    "abstracts, reused for unchanged modules")
    ti.set_defaults(func=cmd_timing)
    rp = sub.add_parser("report", help="the results table and plots of every shipped model "
                                       "(RTL simulation + Yosys, cached by the Verilog's hash)")
    rp.add_argument("--models", default="models")
    rp.add_argument("-o", "--output", default="results")
    rp.add_argument("--work", default="build/report", help="build folders of the models")
    rp.add_argument("--only", help="comma-separated variants to (re)measure; others keep "
                                   "their recorded figures")
    rp.add_argument("--no-synth", action="store_true", help="skip models not yet synthesised")
    rp.add_argument("--jobs", type=int, help="Yosys runs at once per model (default: the "
                                             "cores each Dask worker has to itself here)")
    rp.add_argument("--workers", type=int, help="Dask LocalCluster worker processes: models "
                                                "measured at once (default: one per core)")
    rp.add_argument("--scheduler", help="run the jobs on an existing Dask scheduler, e.g. "
                                        "tcp://HOST:8786 (workers keep their own Yosys cache)")
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
    b.add_argument("--fold", action="store_true", help="also the config's folding against "
                   "fully parallel: Yosys resources and RTL-simulated latency side by side")
    b.add_argument("--fold-images", type=int, default=16)
    b.add_argument("--cse", action="store_true", help="also each MAC's two-input adders "
                   "before and after sharing pair sums across its outputs")
    b.add_argument("--cache", help="folder of per-module Yosys results to reuse (--fold)")
    sc = sub.add_parser("scan", help="a design-space scan (SPEC.yml: models x config grid x "
                                     "steps) on Dask distributed")
    sc.add_argument("spec")
    sc.add_argument("-o", "--output", default="scan", help="folder of scan.csv, scan.json, "
                                                          "plots and the per-step cache")
    sc.add_argument("--workers", type=int, help="LocalCluster worker processes (default 2)")
    sc.add_argument("--scheduler", help="an existing Dask scheduler, e.g. tcp://HOST:8786")
    sc.add_argument("--bench", metavar="N,M", help="benchmark: the scan's wall time on N and "
                                                   "on M local workers, fresh, side by side")
    sc.set_defaults(func=cmd_scan)
    d = model_cmd("demo", cmd_demo, "QKeras -> golden model on images, compared bit for bit",
                  model_required=False)
    d.add_argument("--images", type=int, default=2000)
    da = sub.add_parser("data", help="load a data set (synthetic house numbers or SVHN), "
                                      "or write a contact sheet")
    da.add_argument("--dataset", default="synth", choices=("synth", "svhn"))
    da.add_argument("--split", default="test")
    da.add_argument("-n", type=int, help="first N images (default: the whole split)")
    da.add_argument("--seed", type=int, default=0)
    da.add_argument("--like", metavar="BUILD", help="instead: inputs on the grid and shape of "
                    "BUILD's model (structured random values over its whole range)")
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
    for s in sub.choices.values():        # --debug after the subcommand too (SUPPRESS: an
        s.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,  # absent
                       help="show tracebacks on errors")    # one keeps the top level's value)
    return p


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv                      # recorded by `train` as the command that made a model
    try:
        check_args(args)
        args.func(args)
    except StreamcnnError as e:
        if args.debug:
            raise
        print(f"streamcnn: error: {_one_line(str(e))}", file=sys.stderr)
        return 2
    except OSError as e:                  # a file the system refused: bad input, not a bug
        if args.debug:
            raise
        where = f"{e.filename}: " if e.filename else ""
        print(f"streamcnn: error: {where}{e.strerror or first_line(e)}", file=sys.stderr)
        return 2
    except Exception as e:                # a bug: still one line, the traceback with --debug
        if args.debug:
            raise
        print(f"streamcnn: internal error: {type(e).__name__}: {_one_line(first_line(e))} "
              "(a bug; --debug shows the traceback)", file=sys.stderr)
        return 1
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")).strip()


if __name__ == "__main__":
    sys.exit(main())
