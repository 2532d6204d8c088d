"""The `streamcnn` command line. Errors are one line (exit 2) unless --debug."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from .errors import StreamcnnError

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


def cmd_demo(args):
    from .demo import demo
    demo(args.model, args.images, args.config)


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
    h = sub.add_parser("hls", help="run Vitis HLS on BUILD/hls (needs vitis_hls on PATH)")
    h.add_argument("build")
    h.add_argument("--steps", default="csim,synth", help="comma-separated: csim, synth, cosim, export")
    h.set_defaults(func=cmd_hls)
    b = model_cmd("bench", cmd_bench, "golden-model throughput (images/s)", model_required=False)
    b.add_argument("--images", type=int, default=10000)
    b.add_argument("--csim", action="store_true", help="also time the HLS C simulation")
    b.add_argument("--csim-images", type=int, default=500)
    d = model_cmd("demo", cmd_demo, "QKeras -> golden model on images, compared bit for bit",
                  model_required=False)
    d.add_argument("--images", type=int, default=2000)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
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
