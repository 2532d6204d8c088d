"""The bad-input corpus, part 2: output paths, build folders (csim, rtlsim) and the real
command line.

One `streamcnn convert` of the small model of part 1 (test_bad_inputs.py), its C and Icarus
simulations compiled once; a case that corrupts the build works on a copy.
"""
import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QDense

from streamcnn.cli import main
from streamcnn.errors import StreamcnnError
from streamcnn.ir import load_graph
from test_bad_inputs import Q4, L, _x, fails, golden, run, savez, small_model


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """(folder with small.h5, x.npy, c.yml; the build; the images)."""
    d = tmp_path_factory.mktemp("builds")
    small_model().save(d / "small.h5")
    x = np.random.default_rng(1).integers(0, 256, (5, 8, 8, 1)).astype(np.uint8)
    np.save(d / "x.npy", x)
    (d / "c.yml").write_text("Model:\n  ReuseFactor: 1\n")
    b = d / "B"
    assert main(["convert", str(d / "small.h5"), "-o", str(b)]) == 0
    assert main(["csim", str(b), "--input", str(d / "x.npy"), "-o", str(d / "c.npy")]) == 0
    assert main(["rtlsim", str(b), "--input", str(d / "x.npy"), "-o", str(d / "r.npy"),
                 "--sim", "icarus"]) == 0
    return d, b, x


@pytest.fixture
def copy(build, tmp_path):
    """A private copy of the build, to corrupt."""
    return shutil.copytree(build[1], tmp_path / "B", symlinks=True)


def in_dir(d, *names):
    return sorted(p.name for p in d.iterdir() if p.name not in names)


# --- simulations that work ----------------------------------------------------------------
def test_csim_and_rtlsim_equal_the_golden_model(build, tmp_path):
    d, b, x = build
    gold = golden(d / "small.h5", x)
    assert np.array_equal(np.load(d / "c.npy"), gold)
    assert np.array_equal(np.load(d / "r.npy"), gold)
    assert json.loads((d / "r.json").read_text())["mismatches"] == 0
    assert main(["csim", str(b), "--input", str(d / "x.npy"), "-o", str(tmp_path / "n.npy"),
                 "--no-check"]) == 0
    assert np.array_equal(np.load(tmp_path / "n.npy"), gold)


def test_output_without_npy_suffix_is_written_exactly_there(build, tmp_path):
    d, _, x = build
    assert main(["emulate", str(d / "small.h5"), "--input", str(d / "x.npy"),
                 "-o", str(tmp_path / "logits")]) == 0
    assert in_dir(tmp_path) == ["logits"]
    assert np.array_equal(np.load(tmp_path / "logits"), golden(d / "small.h5", x))


# --- output paths: refused before anything is written --------------------------------------
def _outputs(d, b, t):
    m, x, c = d / "small.h5", d / "x.npy", d / "c.yml"
    em = ["emulate", m, "--input", x, "--config", c]
    return {
        "emulate_o_is_input": (em + ["-o", x], ["-o", "is also the --input"]),
        "emulate_o_is_model": (em + ["-o", m], ["-o", "is also the model"]),
        "emulate_o_is_config": (em + ["-o", c], ["is also the --config"]),
        "emulate_classes_is_o": (em + ["-o", t / "y.npy", "--classes", t / "y.npy"],
                                 ["--classes and -o", "same file"]),
        "emulate_classes_is_input": (em + ["-o", t / "y.npy", "--classes", x], ["--classes"]),
        "emulate_o_missing_folder": (em + ["-o", t / "nope" / "y.npy"], ["folder", "nope",
                                                                       "does not exist"]),
        "emulate_o_folder": (em + ["-o", t], ["a folder"]),
        "emulate_o_symlink_to_input": (em + ["-o", t / "link.npy"], ["is also the --input"]),
        "emulate_o_dotdot_input": (em + ["-o", d / "B" / ".." / "x.npy"], ["is also the --input"]),
        "csim_o_is_input": (["csim", b, "--input", x, "-o", x], ["is also the --input"]),
        "csim_o_is_ir": (["csim", b, "--input", x, "-o", b / "ir.pkl"], ["the build's IR"]),
        "csim_o_in_hls": (["csim", b, "--input", x, "-o", b / "hls" / "y.npy"], ["build's hls/"]),
        "csim_o_missing_folder": (["csim", b, "--input", x, "-o", t / "no" / "y.npy"],
                                  ["does not exist"]),
        "rtlsim_o_is_input": (["rtlsim", b, "--input", x, "-o", x], ["is also the --input"]),
        "rtlsim_o_json": (["rtlsim", b, "--input", x, "-o", t / "y.json"], ["same file"]),
        "rtlsim_o_in_rtl": (["rtlsim", b, "--input", x, "-o", b / "rtl" / "y.npy"],
                            ["build's rtl/"]),
        "rtlsim_report_is_input": (["rtlsim", b, "--input", t / "y.json", "-o", t / "y.npy"],
                                   ["its .json report", "--input"]),
        "convert_o_is_model": (["convert", m, "-o", m], ["a file, not a build folder"]),
        "convert_o_is_config": (["convert", m, "--config", c, "-o", c], ["a file"]),
        "convert_o_other_folder": (["convert", m, "-o", d], ["not a build", "c.yml"]),
        "convert_model_in_rtl": (["convert", b / "rtl" / "m.h5", "-o", b], ["inside",
                                                                            "convert replaces"]),
        "convert_o_saved_model_folder": (["convert", t, "-o", t], ["also the model"]),
        "train_o_is_parent": (["train", "--variant", "qp6", "-o", m, "--parent", m],
                              ["is also the --parent model"]),
        "data_o_missing_folder": (["data", "-n", "2", "-o", t / "no" / "d.npz"],
                                  ["-o", "does not exist"]),
        "data_preview_missing_folder": (["data", "--preview", t / "no" / "p.png"], ["--preview"]),
    }


CASES = list(_outputs(Path("d"), Path("b"), Path("t")))


@pytest.mark.parametrize("case", CASES)
def test_output_path_refused(build, capsys, tmp_path, case):
    d, b, _ = build
    os.symlink(d / "x.npy", tmp_path / "link.npy")
    if case == "rtlsim_report_is_input":
        with open(tmp_path / "y.json", "wb") as f:
            np.save(f, build[2])
    argv, words = _outputs(d, b, tmp_path)[case]
    before = {p: p.stat().st_mtime_ns for p in (d / "x.npy", d / "small.h5", d / "c.yml",
                                                 b / "ir.pkl")}
    fails(capsys, argv, *words)
    assert in_dir(tmp_path, "link.npy") == (["y.json"] if case == "rtlsim_report_is_input"
                                            else []), \
        "written or made something"
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert in_dir(d, "B") == ["c.npy", "c.yml", "r.json", "r.npy", "small.h5", "x.npy"]


def test_convert_makes_a_missing_build_folder(build, tmp_path):
    d, _, _ = build
    assert main(["convert", str(d / "small.h5"), "-o", str(tmp_path / "a" / "b")]) == 0
    g = load_graph(tmp_path / "a" / "b" / "ir.pkl")
    assert g.input.shape == (8, 8, 1) and in_dir(tmp_path / "a" / "b") == ["hls", "ir.pkl", "rtl", "target.json"]


# --- build folders ------------------------------------------------------------------------
def _spoil(b, how):
    """Corrupt the copy b of a build; returns the words the error must hold."""
    ir = b / "ir.pkl"
    if how == "truncated_ir":
        ir.write_bytes(ir.read_bytes()[:100])
        return ["ir.pkl", "truncated"]
    if how == "junk_ir":
        ir.write_bytes(b"junk\n")
        return ["ir.pkl", "corrupt"]
    if how == "empty_ir":
        ir.write_bytes(b"")
        return ["ir.pkl", "EOFError"]
    if how == "dict_ir":
        ir.write_bytes(pickle.dumps({"nodes": []}))
        return ["ir.pkl", "not a streamcnn IR", "builtins.dict"]
    if how == "old_version_ir":
        ir.write_bytes(ir.read_bytes().replace(b"streamcnn.ir", b"streamcnn.iq"))
        return ["ir.pkl", "another version of streamcnn", "convert` again"]
    if how == "no_nodes_ir":
        g = load_graph(ir)
        g.nodes = []
        ir.write_bytes(pickle.dumps(g))
        return ["ir.pkl", "incomplete"]
    if how == "ir_folder":
        ir.unlink()
        ir.mkdir()
        return ["ir.pkl", "no IR here"]
    if how == "no_ir":
        ir.unlink()
        return ["ir.pkl", "no IR here"]
    if how == "no_hls":
        shutil.rmtree(b / "hls")
        return ["hls", "no HLS project"]
    if how == "no_tb":
        (b / "hls" / "tb" / "tb_network.cpp").unlink()
        return ["tb_network.cpp", "missing"]
    if how == "cpp_error":
        with open(b / "hls" / "firmware" / "network.cpp", "a") as f:
            f.write("\nthis is not C++;\n")
        return ["network.cpp:", "error", "full log:", ".log"]
    if how == "no_rtl":
        shutil.rmtree(b / "rtl")
        return ["rtl", "no generated RTL"]
    if how == "no_files_f":
        (b / "rtl" / "files.f").unlink()
        return ["files.f", "missing"]
    if how == "missing_v":
        (b / "rtl" / "requant.v").unlink()
        return ["requant.v", "missing", "files.f"]
    if how == "verilog_error":
        with open(b / "rtl" / "requant.v", "a") as f:
            f.write("\ngarbage here;\n")
        return ["requant.v:", "syntax error", "build.log"]
    if how == "core_json":
        (b / "rtl" / "core.json").write_text("{")
        return ["core.json", "unreadable"]
    raise AssertionError(how)


CSIM = ["truncated_ir", "junk_ir", "empty_ir", "dict_ir", "old_version_ir", "no_nodes_ir",
        "ir_folder", "no_ir", "no_hls", "no_tb", "cpp_error"]
RTLSIM = ["truncated_ir", "old_version_ir", "no_rtl", "no_files_f", "missing_v",
          "verilog_error", "core_json"]


@pytest.mark.parametrize("cmd,how", [("csim", h) for h in CSIM] + [("rtlsim", h) for h in RTLSIM])
def test_spoilt_build(build, copy, capsys, cmd, how):
    words = _spoil(copy, how)
    extra = ["--sim", "icarus"] if cmd == "rtlsim" else []
    fails(capsys, [cmd, copy, "--input", build[0] / "x.npy", "-o", copy.parent / "y.npy",
                   *extra], *words)
    assert not (copy.parent / "y.npy").exists()


@pytest.mark.parametrize("cmd", ["csim", "rtlsim"])
@pytest.mark.parametrize("where,words", [("missing", ["no such build folder"]),
                                         ("file", ["a file, not a build folder"]),
                                         ("empty", ["ir.pkl", "no IR here"])])
def test_not_a_build(build, capsys, tmp_path, cmd, where, words):
    b = tmp_path / "notbuild"
    if where == "file":
        b.write_text("x")
    elif where == "empty":
        b.mkdir()
    fails(capsys, [cmd, b, "--input", build[0] / "x.npy", "-o", tmp_path / "y.npy"],
          "notbuild", *words)


@pytest.mark.parametrize("cmd", ["csim", "rtlsim"])
def test_simulation_input_is_checked(build, capsys, tmp_path, cmd):
    d, b, x = build
    for bad, words in [(x[:, :4], ["expected shape (N, 8, 8, 1)"]), (x[:0], ["no frames"]),
                       (x + 0.25, ["not exactly representable", "InputPrecision"])]:
        np.save(tmp_path / "bad.npy", bad)
        fails(capsys, [cmd, b, "--input", tmp_path / "bad.npy", "-o", tmp_path / "y.npy",
                       "--sim", "icarus"][:None if cmd == "rtlsim" else 6], "bad.npy", *words)
    assert in_dir(tmp_path) == ["bad.npy"]


def test_load_graph_of_something_else(tmp_path):
    p = tmp_path / "ir.pkl"
    savez(tmp_path / "x.npz", x=np.zeros(1))
    p.write_bytes(pickle.dumps(np.zeros(3)))
    with pytest.raises(StreamcnnError, match=r"ir.pkl: not a streamcnn IR \(it holds a numpy"):
        load_graph(p)
    with pytest.raises(StreamcnnError, match="x.npz: not a readable streamcnn IR"):
        load_graph(tmp_path / "x.npz")


# --- the real command (subprocess): one line, no traceback; --debug shows it -------------
@pytest.mark.parametrize("how", ["verilog_error", "cpp_error", "junk_ir"])
def test_command_line_spoilt_build(build, copy, how):
    words = _spoil(copy, how)
    cmd = "csim" if how == "cpp_error" else "rtlsim"        # rtlsim: Verilator, the default
    if how == "verilog_error":
        words = ["requant.v:", "%Error", "build.log"]
    r = run(cmd, copy, "--input", build[0] / "x.npy", "-o", copy.parent / "y.npy")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr and all(w in r.stderr for w in words), r.stderr


def test_command_line_output_is_input(build, tmp_path):
    d, _, _ = build
    x = tmp_path / "x.npy"
    shutil.copy(d / "x.npy", x)
    r = run("emulate", d / "small.h5", "--input", x, "-o", x)
    assert r.returncode == 2 and "is also the --input" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert x.read_bytes() == (d / "x.npy").read_bytes()


@pytest.mark.parametrize("case", ["two_out", "dup_config", "complex", "epochs0"])
def test_command_line_one_line(build, tmp_path, case):
    d = build[0]
    if case == "two_out":
        i = L.Input((8, 8, 1))
        f = L.Flatten()(L.Rescaling(1 / 256)(i))
        tf.keras.Model(i, [QDense(5, **Q4)(f), QDense(3, **Q4)(f)]).save(tmp_path / "two.h5")
    (tmp_path / "c.yml").write_text("Model:\n  ReuseFactor: 1\nModel:\n  ReuseFactor: 2\n")
    np.save(tmp_path / "cx.npy", _x() + 1j)
    argv, words = {
        "two_out": (["convert", tmp_path / "two.h5", "-o", tmp_path / "b"], ["2 outputs"]),
        "dup_config": (["info", d / "small.h5", "--config", tmp_path / "c.yml"], ["'Model'"]),
        "complex": (["emulate", d / "small.h5", "--input", tmp_path / "cx.npy", "-o",
                     tmp_path / "y.npy"], ["cx.npy", "complex input values"]),
        "epochs0": (["train", "--variant", "qp6", "-o", tmp_path / "m.h5", "--epochs", "0"],
                    ["--epochs 0"]),
    }[case]
    r = run(*argv)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr and all(w in r.stderr for w in words), r.stderr
    assert in_dir(tmp_path, "two.h5") == ["c.yml", "cx.npy"]


@pytest.mark.parametrize("where", ["after the subcommand", "at the end"])
def test_command_line_debug_anywhere(where):
    args = ["info", "--debug", "missing.h5"] if where == "after the subcommand" else \
        ["info", "missing.h5", "--debug"]
    r = run(*args)
    assert r.returncode != 0 and "Traceback" in r.stderr and "missing.h5" in r.stderr
