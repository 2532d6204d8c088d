"""Folded layers in the Verilog core (rtl/folded.py), by an explicit ReuseFactor and by
ReuseFactor: auto (lower/fold.py): equal to the golden model (and so QKeras) bit for bit
under Verilator and Icarus, within the latency budget, and refused in one line, naming the
layer, where a folded layer could not keep up with its input."""
import numpy as np
import pytest

from cnn_factory import random_cnn
from streamcnn.build import convert, rtl_skipped
from streamcnn.config import Config
from streamcnn.data import random_images
from streamcnn.golden import quantize_input
from streamcnn.rtl import rtlsim
from streamcnn.fixed import weight_bits
from streamcnn.verify import check
from streamcnn.zoo import untrained_svhn
from test_rtlsim import HLS4ML_LATENCY, svhn_images


def fold_config(model, seed: int, most: int = 16) -> Config:
    """A ReuseFactor for every dense layer: a random divisor (2..most) of its inputs; the
    other layers fully parallel (not auto)."""
    rng = np.random.default_rng(seed)
    layers = {}
    for layer in model.layers:
        if type(layer).__name__ in ("QDense", "Dense"):
            n_in = int(layer.kernel.shape[0])
            d = [r for r in range(2, most + 1) if n_in % r == 0]
            if d:
                layers[layer.name] = {"ReuseFactor": int(rng.choice(d))}
    return Config.from_dict({"Model": {"ReuseFactor": 1}, "LayerName": layers})


def assert_exact(build, graph, x, sim):
    r = rtlsim.run(build, graph, x, sim, progress=False)
    a = check(graph, x, r.logits_int, r.classes)["golden"]
    assert a.mismatched == 0, f"RTL: {a}, first image {a.first}"
    return r


def test_weight_bits_hold_every_weight_in_twos_complement():
    for w in ([[0, 1], [3, 2]], [[-4, 3]], [[-1, 0]], [[0, 0]], [[-128, 127]]):
        w = np.array(w)
        wb = weight_bits(w)
        bits = (w[..., None] >> np.arange(wb)) & 1
        back = (bits * (1 << np.arange(wb))).sum(-1) - (bits[..., -1] << wb)
        assert (back == w).all(), (w, wb)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 5])
def test_folded_random_cnn_verilator(tmp_path, seed):
    model, shape = random_cnn(seed)
    cfg = fold_config(model, seed)
    if not cfg.layers:
        pytest.skip("no dense layer with a divisor of its inputs in 2..16")
    graph = convert(model, tmp_path, cfg)
    assert sorted(p.stem for p in (tmp_path / "rtl").glob("*_fold.v")) == \
        sorted(f"{name}_fold" for name in cfg.layers)
    assert_exact(tmp_path, graph, quantize_input(graph, random_images(100, seed=seed + 100,
                                                                      shape=shape)), "verilator")


def test_folded_random_cnn_icarus(tmp_path):
    model, shape = random_cnn(4)
    cfg = fold_config(model, 4)
    graph = convert(model, tmp_path, cfg)
    assert list((tmp_path / "rtl").glob("*_fold.v"))
    assert_exact(tmp_path, graph, quantize_input(graph, random_images(1, seed=104, shape=shape)),
                 "icarus")   # one image: Icarus is slow; Verilator runs many below


@pytest.mark.parametrize("seed", [0, 2, 3])
def test_auto_folded_random_cnn_verilator(tmp_path, seed):
    """The default config (ReuseFactor: auto) folds what keeps up; bit-exact."""
    model, shape = random_cnn(seed)
    graph = convert(model, tmp_path)
    assert_exact(tmp_path, graph, quantize_input(graph, random_images(60, seed=seed + 200,
                                                                      shape=shape)), "verilator")


def test_auto_folded_svhn_keeps_throughput_within_its_latency_budget(tmp_path):
    """SVHN QP6's topology, default config (auto: convolutions and dense layers folded as
    far as their rates and the 2% budget allow) against the same model fully parallel:
    II still 1,024, the measured latency at most 20 cycles (2% of 1,024) more and below
    hls4ml's (REFERENCE.md), 0 mismatches in both."""
    model = untrained_svhn(6, pruned=True)
    lat = {}
    for name, cfg in (("auto", Config.default()),
                      ("parallel", Config.from_dict({"Model": {"ReuseFactor": 1}}))):
        graph = convert(model, tmp_path / name, cfg)
        r = assert_exact(tmp_path / name, graph, svhn_images(graph, 16), "verilator")
        assert int(r.interval.max()) == 1024
        lat[name] = int(r.latency.max())
    assert list((tmp_path / "auto" / "rtl").glob("*_fold.v"))
    assert lat["auto"] <= min(lat["parallel"] + 20, HLS4ML_LATENCY), lat


def test_a_fold_that_cannot_keep_up_gets_the_hls_project_only_and_says_why(tmp_path):
    """An MLP takes a vector every clock: folded by 2, its first layer could not."""
    from user_models import mlp_jet_tagging
    g = convert(mlp_jet_tagging(), tmp_path, Config.from_dict({"LayerName": {"fc1": {
        "ReuseFactor": 2}}}))
    note = rtl_skipped(g)
    assert not (tmp_path / "rtl").exists() and (tmp_path / "hls").is_dir()
    assert note and "layer 'fc1': ReuseFactor 2" in note and "needs 2 cycles a vector" in note
    assert "every 1 cycle" in note
