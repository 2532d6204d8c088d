"""HLS backend: the generated C++ (compiled with g++ against Xilinx's ap_types headers)
equals the golden model bit for bit, compiles without warnings, and names the layer of a
mismatch."""
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from cnn_factory import random_cnn
from conftest import with_real_svhn
from streamcnn.config import Config
from streamcnn.data import random_images
from streamcnn.errors import StreamcnnError
from streamcnn.frontend import from_keras
from streamcnn.golden import emulate, quantize_input
from streamcnn.hls import csim
from streamcnn.hls.project import write_project
from streamcnn.zoo import untrained_svhn


def csim_equals_golden(graph, hls, x):
    x_int = quantize_input(graph, x)
    r = csim.run(hls, graph, x_int)
    want = emulate(graph, x_int)
    assert r.mismatched == 0, r.report
    assert np.array_equal(r.logits_int, want.logits_int)
    assert np.array_equal(r.classes, want.classes)
    return r


@pytest.fixture(scope="module")
def svhn_qp6(tmp_path_factory):
    graph = from_keras(untrained_svhn(6, pruned=True, seed=6))
    return graph, write_project(graph, Config.default(), tmp_path_factory.mktemp("qp6"))


def test_svhn_qp6_csim_exact(svhn_qp6):
    graph, hls = svhn_qp6
    csim_equals_golden(graph, hls, with_real_svhn(random_images(1000, seed=60)))


def test_generated_cpp_has_no_warnings(svhn_qp6):
    graph, hls = svhn_qp6
    build = csim.compile_tb(hls)
    assert "-Wall" in csim.FLAGS and "-Wextra" in csim.FLAGS
    assert build.warnings == []


@pytest.mark.parametrize("bits", [4, 8])
def test_svhn_other_widths_csim_exact(bits, tmp_path):
    graph = from_keras(untrained_svhn(bits, pruned=False, seed=bits))
    hls = write_project(graph, Config.default(), tmp_path)
    csim_equals_golden(graph, hls, with_real_svhn(random_images(300, seed=bits)))


@pytest.mark.slow
@pytest.mark.parametrize("bits,pruned", [(b, p) for b in (4, 6, 8) for p in (False, True)])
def test_svhn_csim_exact_1000(bits, pruned, tmp_path):
    graph = from_keras(untrained_svhn(bits, pruned=pruned, seed=bits))
    hls = write_project(graph, Config.default(), tmp_path)
    csim_equals_golden(graph, hls, random_images(1000, seed=200 + bits))


@pytest.mark.parametrize("seed", range(20))
def test_random_cnn_csim_exact(seed, tmp_path):
    model, shape = random_cnn(seed)
    graph = from_keras(model)
    hls = write_project(graph, Config.default(), tmp_path)
    csim_equals_golden(graph, hls, random_images(200, seed=seed, shape=shape))


def test_mismatch_names_the_layer(tmp_path):
    """Corrupt one conv2 weight in the generated C++: the test bench must fail and name conv2."""
    graph = from_keras(untrained_svhn(6, pruned=False, seed=3))
    hls = write_project(graph, Config.default(), tmp_path)
    weights = hls / "firmware" / "weights.h"
    text = weights.read_text()
    head, body = text.split("conv2_w", 1)
    body = re.sub(r"-?\d+(?=[,}])", lambda m: str(int(m.group()) + 1), body, count=1)
    weights.write_text(head + "conv2_w" + body)
    x_int = quantize_input(graph, random_images(50, seed=1))
    r = csim.run(hls, graph, x_int)
    assert r.mismatched > 0
    assert "first differing layer: conv2" in r.report


def test_reuse_factor_must_fit(tmp_path):
    graph = from_keras(untrained_svhn(6, pruned=True))
    bad = Config.from_dict({"LayerName": {"conv1": {"ReuseFactor": 5}}})   # 27 MACs per output
    with pytest.raises(StreamcnnError, match="conv1.*ReuseFactor 5"):
        write_project(graph, bad, tmp_path)
    ok = Config.from_dict({"LayerName": {"conv1": {"ReuseFactor": 3}, "dense1": {"ReuseFactor": 4}}})
    hls = write_project(graph, ok, tmp_path)
    assert "II=CFG::reuse" in (hls / "include" / "streamcnn" / "conv2d.h").read_text()
    assert "static const int reuse = 3;" in (hls / "firmware" / "network.h").read_text()
    csim_equals_golden(graph, hls, random_images(20, seed=5))


def test_cli_convert_and_csim(tmp_path):
    model = untrained_svhn(6, pruned=True, seed=9)
    model.save(tmp_path / "m.h5")
    x = random_images(40, seed=9)
    np.save(tmp_path / "x.npy", x)
    run = lambda *a: subprocess.run([sys.executable, "-m", "streamcnn.cli", *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=600)
    r = run("convert", str(tmp_path / "m.h5"), "-o", str(tmp_path / "b"))
    assert r.returncode == 0, r.stderr
    for f in ("firmware/network.cpp", "build_prj.tcl", "tb_data/input.bin", "tb_data/expected.bin"):
        assert (tmp_path / "b" / "hls" / f).is_file(), f
    r = run("csim", str(tmp_path / "b"), "--input", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy"))
    assert r.returncode == 0, r.stderr
    graph = from_keras(model)
    assert np.array_equal(np.load(tmp_path / "y.npy"), emulate(graph, quantize_input(graph, x)).logits)
    r = run("csim", str(tmp_path / "nothing"), "--input", str(tmp_path / "x.npy"), "-o", "y.npy")
    assert r.returncode == 2 and "convert" in r.stderr
    if not any(shutil.which(t) for t in ("vitis_hls", "vivado_hls")):
        r = run("hls", str(tmp_path / "b"))
        assert r.returncode == 2 and "vitis_hls" in r.stderr and r.stderr.count("\n") == 1


# --- Resource strategy: BLOCK = nin*nout/R shared multipliers (resource.h) ----------------
def resource_config(graph, pick):
    """Strategy Resource on every conv/dense layer, ReuseFactor = pick(node, divisors of nin)."""
    from streamcnn.ir import Conv2D, Dense
    layers = {}
    for n in graph.nodes:
        if isinstance(n, (Conv2D, Dense)):
            nin = int(np.prod(n.weights.shape[:-1]))
            divs = [d for d in range(1, nin + 1) if nin % d == 0]
            layers[n.name] = {"Strategy": "Resource", "ReuseFactor": pick(n, divs)}
    return Config.from_dict({"LayerName": layers}), {k: v["ReuseFactor"] for k, v in layers.items()}


# conv1 27, conv2/conv3 144, dense1 96, dense2 42, output 64 inputs per output
SVHN_REUSE = [
    {"conv1": 1, "conv2": 1, "conv3": 1, "dense1": 1, "dense2": 1, "output": 1},
    {"conv1": 3, "conv2": 16, "conv3": 9, "dense1": 8, "dense2": 7, "output": 64},
    {"conv1": 27, "conv2": 144, "conv3": 4, "dense1": 96, "dense2": 42, "output": 2},
]


@pytest.mark.parametrize("reuse", SVHN_REUSE, ids=["R1", "R3-16-9-8-7-64", "Rmax"])
def test_svhn_resource_csim_exact(reuse, svhn_qp6, tmp_path):
    graph = svhn_qp6[0]
    cfg = Config.from_dict({"Model": {"Strategy": "Resource"},
                            "LayerName": {k: {"ReuseFactor": r} for k, r in reuse.items()}})
    hls = write_project(graph, cfg, tmp_path)
    net = (hls / "firmware" / "network.h").read_text()
    for name, r in reuse.items():      # every MAC is the shared-multiplier form, BLOCK = nin*nout/R
        cfg_text = net.split(f"struct {name}_cfg", 1)[1].split("};", 1)[0]
        assert "_resource" in cfg_text.splitlines()[0]
        ints = dict(re.findall(r"static const int (\w+) = (\d+);", cfg_text))
        assert int(ints["reuse"]) == r and int(ints["block"]) == int(ints["nin"]) * int(ints["nout"]) // r
    assert csim.compile_tb(hls).warnings == []
    csim_equals_golden(graph, hls, with_real_svhn(random_images(60, seed=61)))


@pytest.mark.parametrize("seed", [0, 7, 18])
def test_random_cnn_resource_csim_exact(seed, tmp_path):
    model, shape = random_cnn(seed)
    graph = from_keras(model)
    rng = np.random.default_rng(seed)
    cfg, reuse = resource_config(graph, lambda n, divs: int(rng.choice(divs)))
    assert reuse
    hls = write_project(graph, cfg, tmp_path)
    assert "_resource<" in (hls / "firmware" / "network.cpp").read_text()
    assert csim.compile_tb(hls).warnings == []
    csim_equals_golden(graph, hls, random_images(40, seed=seed, shape=shape))


def test_resource_weights_are_transposed_rom(svhn_qp6, tmp_path):
    """Resource weights: flat, w[j*nin + i]; a corrupted product is found and named."""
    graph = svhn_qp6[0]
    cfg = Config.from_dict({"LayerName": {"dense1": {"Strategy": "Resource", "ReuseFactor": 8}}})
    hls = write_project(graph, cfg, tmp_path)
    dense1 = next(n for n in graph.nodes if n.name == "dense1")
    text = (hls / "firmware" / "weights.h").read_text()
    body = text.split("dense1_w[4032] = {", 1)[1].split("}", 1)[0]
    assert [int(v) for v in body.split(",")] == dense1.weights.T.reshape(-1).tolist()
    weights = hls / "firmware" / "weights.h"
    head, rest = text.split("dense1_w[4032] = {", 1)
    rest = re.sub(r"-?\d+", lambda m: str(int(m.group()) + 1), rest, count=1)
    weights.write_text(head + "dense1_w[4032] = {" + rest)
    r = csim.run(hls, graph, quantize_input(graph, random_images(50, seed=2)))
    assert r.mismatched > 0 and "first differing layer: dense1" in r.report


@pytest.mark.parametrize("layers,words", [
    ({"conv2": {"Strategy": "Resource", "ReuseFactor": 5}}, ["'conv2'", "ReuseFactor 5", "144"]),
    ({"dense2": {"Strategy": "Resource", "ReuseFactor": 4}}, ["'dense2'", "ReuseFactor 4", "42"]),
    ({"output": {"Strategy": "resource", "ReuseFactor": 128}}, ["'output'", "ReuseFactor 128", "64"]),
])
def test_invalid_reuse_fails_before_writing(layers, words, svhn_qp6, tmp_path):
    with pytest.raises(StreamcnnError) as e:
        write_project(svhn_qp6[0], Config.from_dict({"LayerName": layers}), tmp_path)
    msg = str(e.value)
    assert "\n" not in msg and all(w in msg for w in words), msg
    assert not (tmp_path / "hls").exists()


def test_invalid_strategy_fails_at_convert(tmp_path):
    """The CLI: one line naming the layer's setting, exit 2, nothing written."""
    (tmp_path / "c.yml").write_text("LayerName:\n  conv1:\n    Strategy: Dataflow\n")
    r = subprocess.run([sys.executable, "-m", "streamcnn.cli", "convert", "no-model-needed.h5",
                        "-o", str(tmp_path / "b"), "--config", str(tmp_path / "c.yml")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert all(w in r.stderr for w in ("LayerName.conv1.Strategy", "'Dataflow'", "Latency, Resource"))
    assert not (tmp_path / "b").exists()

