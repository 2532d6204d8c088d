"""Float (post-training quantised) and 16-bit models: float32 itself is inexact there,
so the flow reports the agreement instead of claiming bit-exactness."""
import numpy as np
import pytest

from streamcnn.config import Config
from streamcnn.data import random_images
from streamcnn.frontend import from_keras
from streamcnn.verify import compare
from streamcnn.zoo import untrained_svhn


# Both are minutes of CI: the shipped BF's C simulation checks post-training quantisation in
# CI, and test_wide_outputs_get_a_rounded_affine_form the 16-bit model.
@pytest.mark.parametrize("bits,precision", [
    pytest.param(None, "ap_fixed<16,6,AP_RND_CONV,AP_SAT>", marks=pytest.mark.slow),
    pytest.param(16, None, marks=pytest.mark.slow)])
def test_agreement_is_reported(bits, precision):
    model = untrained_svhn(bits, pruned=True)
    cfg = Config.from_dict({"Model": {"Precision": precision}} if precision else {})
    graph = from_keras(model, cfg)
    assert not graph.exact
    assert any("float32" in n or "post-training" in n for n in graph.notes)
    a = compare(graph, model, random_images(500, seed=2))
    print(f"\\n{graph.name}: {a}")
    assert a.class_agreement >= 0.95          # 16-bit fixed point tracks float closely
    assert a.max_lsb > 0                      # and the difference is measured, not hidden


def test_ptq_precision_comes_from_config():
    model = untrained_svhn(None, pruned=True)
    graph = from_keras(model, Config.from_dict({
        "Model": {"Precision": "ap_fixed<10,4,AP_RND,AP_SAT>"},
        "LayerName": {"conv1": {"Precision": {"weight": "ap_fixed<6,1>"}}}}))
    conv1 = next(n for n in graph.nodes if n.name == "conv1")
    assert conv1.weight_type.width <= 6
    assert any(str(n.output.type) == "ap_fixed<10,4,AP_RND,AP_SAT>" for n in graph.nodes)


@pytest.mark.slow          # a 16-bit SVHN model's front end: minutes
def test_wide_outputs_get_a_rounded_affine_form():
    """16-bit outputs after a float BatchNorm would need 65,535 thresholds per channel: the
    front end rounds them to y = clip((a*M + B) >> S), checked here against the exact
    thresholds it found in Keras (kept in the node), not against its own arithmetic."""
    from streamcnn.ir import Requant
    from streamcnn.requant import APPROX_MULT_BITS, MAX_TABLE_LEVELS, steps_eval
    graph = from_keras(untrained_svhn(16, pruned=True))
    nodes = [n for n in graph.nodes if isinstance(n, Requant)]
    approx = [n for n in nodes if n.params.approximate]
    assert approx and not graph.exact
    assert any("rounded affine" in note for note in graph.notes)
    for n in nodes:
        p = n.params
        assert p.affine or max(len(s.thresholds) for s in p.steps) <= MAX_TABLE_LEVELS
    for n in approx:
        p = n.params
        assert int(np.abs(p.mult).max()) < 2 ** (APPROX_MULT_BITS + 1), n.name
        for c, st in enumerate(p.steps):
            # every level's first accumulator and the one below it
            x = np.concatenate([st.thresholds, st.thresholds - 1])
            a = np.clip(st.sign * x, st.a_lo, st.a_hi)
            acc = np.zeros((len(a), len(p.steps)), np.int64)
            acc[:, c] = a
            got, want = p.apply(acc)[:, c], steps_eval(st, a)
            assert np.abs(got - want).max() <= 1, (n.name, c)
            # a level may start one accumulator step early or late (QKeras rounds ties to
            # even, which no affine form follows); over the whole range that is rare
            a = np.random.default_rng(c).integers(st.a_lo, st.a_hi + 1, 20000)
            acc = np.zeros((len(a), len(p.steps)), np.int64)
            acc[:, c] = a
            miss = p.apply(acc)[:, c] != steps_eval(st, a)
            assert np.mean(miss) < 0.005, (n.name, c)
