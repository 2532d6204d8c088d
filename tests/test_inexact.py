"""Float (post-training quantised) and 16-bit models: float32 itself is inexact there,
so the flow reports the agreement instead of claiming bit-exactness."""
import pytest

from streamcnn.config import Config
from streamcnn.data import random_images
from streamcnn.frontend import from_keras
from streamcnn.verify import compare
from streamcnn.zoo import untrained_svhn


@pytest.mark.parametrize("bits,precision", [(None, "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"),
                                            (16, None)])
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
