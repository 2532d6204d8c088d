"""Users' own models (tests/user_models.py) through every stage: golden model against QKeras,
then HLS C simulation and Verilator RTL simulation against the golden model, bit for bit;
or a one-line refusal naming the layer."""
import numpy as np
import pytest

from streamcnn.build import convert, has_softmax
from streamcnn.data import grid_samples
from streamcnn.errors import StreamcnnError
from streamcnn.golden import quantize_input
from streamcnn.hls import csim
from streamcnn.rtl import rtlsim
from streamcnn.verify import check, compare
from user_models import CORPUS, build

GOLDEN_IMAGES, SIM_IMAGES = 300, 40


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_user_model(name, tmp_path):
    model, expect = build(name)
    if isinstance(expect, list):
        with pytest.raises(StreamcnnError) as e:
            convert(model, tmp_path / "build")
        msg = str(e.value)
        assert "\n" not in msg and all(w in msg for w in expect), msg
        assert not (tmp_path / "build" / "ir.pkl").exists()
        return
    graph = convert(model, tmp_path / "build")
    x = grid_samples(graph.input, GOLDEN_IMAGES, seed=1)
    a = compare(graph, model, x)
    print(f"\n{name}: input {graph.input.type} ({graph.input_origin}); golden vs QKeras: {a}")
    if expect == "exact":
        assert graph.exact, graph.notes
        assert a.mismatched == 0, str(a)
    else:
        assert not graph.exact and graph.notes, "an inexact model must say so"
    x_int = quantize_input(graph, x[:SIM_IMAGES])
    c = csim.run(tmp_path / "build" / "hls", graph, x_int)
    assert c.mismatched == 0, c.report
    assert check(graph, x_int, c.logits_int)["golden"].mismatched == 0
    assert not has_softmax(graph)
    r = rtlsim.run(tmp_path / "build", graph, x_int, "verilator", progress=False)
    assert check(graph, x_int, r.logits_int)["golden"].mismatched == 0
    assert np.array_equal(r.classes, c.logits_int.argmax(1))
