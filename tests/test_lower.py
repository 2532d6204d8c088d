"""The lowering stage: padding, stream formats and folding decided once, and both backends
building what it decided (not re-deriving it from the graph or the config)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from streamcnn.build import convert, rtl_skipped
from streamcnn.config import Config
from streamcnn.errors import StreamcnnError
from streamcnn.frontend import from_keras
from streamcnn.hls.project import context
from streamcnn.ir import Conv2D, Dense, Pool2D, ZeroPad2D
from streamcnn.lower import Pad, Work, lower
from streamcnn.rtl.plan import plan
from streamcnn.rtl.project import write_core


def _model():
    """ZeroPadding2D, a 'same' convolution and a padded max pooling over a signed tensor."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, quantized_bits
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(3)
    q = quantized_bits(4, 0, alpha=1)
    x_in = L.Input((7, 7, 2))
    x = QActivation(quantized_bits(8, 0, alpha=1), name="q_in")(x_in)
    x = L.ZeroPadding2D(1, name="zp")(x)
    x = QConv2D(3, 3, padding="same", kernel_quantizer=q, bias_quantizer=q, name="conv1")(x)
    x = QActivation(quantized_bits(5, 1, alpha=1), name="a1")(x)
    x = L.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = QDense(4, kernel_quantizer=q, bias_quantizer=q, name="out")(L.Flatten()(x))
    return tf.keras.Model(x_in, x)


@pytest.fixture(scope="module")
def graph():
    return from_keras(_model(), Config.default())


def test_padding_steps_carry_the_fill_each_node_needs(graph):
    low = lower(graph)
    pads = [s for s in low.steps if isinstance(s, Pad)]
    kinds = [(type(p.node), p.own) for p in pads]
    assert kinds == [(ZeroPad2D, True), (Conv2D, False), (Pool2D, False)]
    zp, conv, pool = pads
    assert zp.fill == 0 and conv.fill == 0
    t = pool.node.input.type                      # signed 5-bit: max pooling pads with -16
    assert t.signed and pool.fill == -(1 << (t.width - 1))
    # the node's own Work sees the padded shape, not the IR tensor's
    work = next(s for s in low.steps if isinstance(s, Work) and s.node is pool.node)
    h, w, c = pool.node.input.shape
    tp, bt, lf, rt = pool.node.pads
    assert work.shape == (h + tp + bt, w + lf + rt, c)
    assert work.items == pool.node.output.shape[0] * pool.node.output.shape[1]


def test_both_backends_pad_with_the_lowerings_fill(graph):
    low = lower(graph)
    fills = [s.fill for s in low.steps if isinstance(s, Pad)]
    hls = [s.ints["fill"] for s in context(low)["stages"] if s.func == "pad2d"]
    rtl = [b for b in plan(low).blocks if b.module == "pad2d"]
    assert hls == fills
    w = [b.params["W"] for b in rtl]
    assert [int(b.params["FILL"].split("'h")[1], 16) for b in rtl] == \
        [f % (1 << int(wb)) for f, wb in zip(fills, w)]
    # and the RTL block of the padding in front of a node is named after it
    assert [b.inst for b in rtl] == ["zp", "conv1_pad", "pool1_pad"]


def test_stream_formats_are_the_tensors_words(graph):
    for w in lower(graph).works():
        t = w.node.input
        if len(t.shape) == 3:
            assert (w.input.words, w.input.values) == (t.shape[0] * t.shape[1], t.shape[2])
        else:
            assert (w.input.words, w.input.values) == (1, int(np.prod(t.shape)))
        assert w.input.bits == w.input.values * t.type.width


def test_backends_read_the_fold_from_the_lowering_not_the_config(graph):
    low = lower(graph, Config.from_dict({"LayerName": {"conv1": {"ReuseFactor": 2}}}))
    conv = next(w for w in low.works() if w.node.name == "conv1")
    assert conv.reuse == 2                                   # 3x3x2 = 18 inputs: 2 divides
    hls = next(s for s in context(low)["stages"] if s.name == "conv1" and s.func == "conv2d")
    assert hls.ints["reuse"] == 2
    conv.reuse = 3                                           # a decision changed after lowering
    hls = next(s for s in context(low)["stages"] if s.name == "conv1" and s.func == "conv2d")
    assert hls.ints["reuse"] == 3


def test_a_reuse_factor_that_does_not_divide_is_refused_naming_the_layer(graph):
    with pytest.raises(StreamcnnError, match=r"layer 'conv1': ReuseFactor 4 does not fit its 18"):
        lower(graph, Config.from_dict({"LayerName": {"conv1": {"ReuseFactor": 4}}}))


def test_folded_layers_get_hls_only_and_a_note_not_a_silent_parallel_core(tmp_path, capsys):
    cfg = Config.from_dict({"LayerName": {"conv1": {"ReuseFactor": 2}}})
    g = convert(_model(), tmp_path / "b", cfg)
    assert (tmp_path / "b" / "hls" / "firmware" / "network.cpp").is_file()
    assert not (tmp_path / "b" / "rtl").exists()
    note = rtl_skipped(g)
    assert note and "layer 'conv1': ReuseFactor 2" in note
    assert "needs 2 cycles a window, but a window can come every 1 cycle" in note
    with pytest.raises(StreamcnnError, match="layer 'conv1': ReuseFactor 2"):
        write_core(lower(g, cfg), tmp_path / "c")
    from streamcnn.cli import main
    np.save(tmp_path / "x.npy", np.zeros((1, 7, 7, 2)))
    code = main(["rtlsim", str(tmp_path / "b"), "--input", str(tmp_path / "x.npy"),
                 "-o", str(tmp_path / "y.npy")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1
    assert "no RTL here" in err[0] and "layer 'conv1': ReuseFactor 2" in err[0]


def test_unfolded_build_records_the_input_stream(graph, tmp_path):
    rtl, _, p = write_core(lower(graph), tmp_path)
    info = json.loads((rtl / "core.json").read_text())
    assert info["pixels"] == graph.input.shape[0] * graph.input.shape[1] == p.pixels


@pytest.fixture(scope="module")
def svhn():
    from streamcnn.zoo import untrained_svhn
    return from_keras(untrained_svhn(6, pruned=True), Config.default())


def test_rates_follow_the_strides(svhn):
    """At one pixel a clock, a stride-s window needs s new pixels of its row: conv1 may get
    a window every cycle, pool1 (stride 2) every 2, conv2 likewise, pool2 and conv3 every 4,
    pool3 every 8; a dense layer gets one vector a frame (32 x 32 pixels)."""
    parallel = Config.from_dict({"Model": {"ReuseFactor": 1}})
    got = {w.node.name: w.interval for w in lower(svhn, parallel).works()
           if isinstance(w.node, (Conv2D, Pool2D, Dense))}
    assert got == {"conv1": 1, "pool1": 2, "conv2": 2, "pool2": 4, "conv3": 4, "pool3": 8,
                   "dense1": 1024, "dense2": 1024, "output": 1024}


def test_dense_after_flatten_takes_the_pixels_as_they_come(svhn):
    """dense1 folded by 8 over the 2 x 2 pixels of 24 channels: 2 steps a pixel, no collect;
    by 6 (not a multiple of 4 pixels) it takes the collected vector."""
    for reuse, words, steps in ((8, 4, 2), (6, 1, 6)):
        cfg = Config.from_dict({"Model": {"ReuseFactor": 1},
                                "LayerName": {"dense1": {"ReuseFactor": reuse}}})
        works = {w.node.name: w for w in lower(svhn, cfg).works()}
        d, f = works["dense1"], works["flatten"]
        assert (d.input.words, d.input.values, d.steps) == (words, 96 // words, steps)
        assert f.output == d.input
        blocks = [b.module for b in plan(lower(svhn, cfg)).blocks]
        assert ("stream_collect" in blocks) == (words == 1)


def test_auto_folds_within_the_budget_and_the_rates(svhn):
    """ReuseFactor: auto (the default): every fold fits between two of the layer's items and
    the estimated added cycles (R + 1 a fold; S + 1 for S steps a pixel) stay in the
    budget; a zero budget builds everything fully parallel."""
    for budget, cycles in (("2%", 20), (40, 40), (0, 0)):
        cfg = Config.from_dict({"LatencyBudget": budget})
        assert cfg.budget_cycles(1024) == cycles
        works = lower(svhn, cfg).works()
        folded = [w for w in works if w.reuse > 1]
        assert all(w.auto and w.steps <= w.interval for w in folded)
        assert sum(w.steps + 1 for w in folded) <= cycles
        assert bool(folded) == (cycles > 0)


@pytest.mark.parametrize("bad", ["fast", -1, "x%", True])
def test_a_bad_latency_budget_is_refused_in_one_line(bad):
    with pytest.raises(StreamcnnError, match=r"<config>: LatencyBudget: expected cycles"):
        Config.from_dict({"LatencyBudget": bad})
