"""`make report`: the headline arithmetic on hand-made records, and one real model measured
end to end (Verilator; Yosys is exercised by test_synth.py) with its cache."""
import json
from pathlib import Path

import pytest

from streamcnn.errors import StreamcnnError
from streamcnn.report.collect import collect
from streamcnn.report.render import BEGIN, END, headline, markdown
from streamcnn.report.run import run


def _rec(v, acc, dsp, lut, bits=6, synth=True):
    r = {"variant": v, "float_accuracy": acc, "firmware_accuracy": acc, "bits": bits,
         "pruned": v.startswith(("qp", "bp")), "auto": False,
         "rtlsim": {"latency": 1001, "ii": 1024, "mismatches": 0}}
    if synth:
        r["synth"] = {"totals": {"DSP": dsp, "CLB_LUT": lut, "FF": 1, "BRAM36": 0}}
    return r


def test_headline_picks_the_cheapest_model_within_the_loss():
    recs = [_rec("bf", 0.95, 400, 100_000, None), _rec("q8", 0.951, 300, 90_000, 8),
            _rec("qp6", 0.95, 100, 80_000), _rec("qp2", 0.90, 40, 30_000, 2),
            _rec("qp1", 0.80, 0, 10_000, 1), _rec("q4", 0.99, 1, 1, 4, synth=False)]
    dsp = headline(recs, "DSP")
    # no loss: QP6 (100 of 400) beats Q8; q4 is not synthesised so it cannot count
    assert "QP6" in dsp[0] and "75.0% fewer" in dsp[0]
    assert f"{100 * (1 - 100 / 5386):.1f}% fewer" in dsp[0]        # against hls4ml's 5,386
    # <= 6 points: QP2 (40 of 400, 5 points lost); QP1 lost 15
    assert "QP2" in dsp[1] and "90.0% fewer" in dsp[1]
    assert "QP2" in headline(recs, "CLB_LUT")[1] and "70.0% fewer" in headline(recs, "CLB_LUT")[1]
    assert "not synthesised" in headline(recs[1:], "DSP")[0]


def test_table_marks_what_is_not_measured():
    text = markdown([_rec("bf", 0.95, 400, 100_000, None), _rec("qp6", 0.95, 0, 0, synth=False)],
                    ["p.png"])
    qp6 = next(ln for ln in text.splitlines() if ln.startswith("| QP6"))
    assert "| – | – | – | – | 1,001 | 5.00 | 1,024 | 0 |" in qp6
    assert "![p.png](p.png)" in text and "hls4ml QP6 | 353 | 118,931" in text


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    """One SVHN-topology model saved as a shipped `qp4`, with its metrics."""
    from streamcnn.zoo import untrained_svhn
    d = tmp_path_factory.mktemp("zoo")
    untrained_svhn(4, pruned=True).save(d / "qp4.h5")
    (d / "qp4.json").write_text(json.dumps({"test_accuracy": 0.5, "firmware_accuracy": 0.5,
                                            "firmware_arithmetic": "exact"}))
    return d


@pytest.fixture(scope="module")
def reported(zoo, tmp_path_factory):
    """`run` over the zoo, its RTL simulation a job on a two-worker Dask LocalCluster:
    the results and work folders, copied by each test that changes them."""
    d = tmp_path_factory.mktemp("reported")
    run(zoo, d / "out", d / "work", synthesise=False, workers=2)
    return d


def _copy(reported, tmp_path):
    import shutil
    for sub in ("out", "work"):
        shutil.copytree(reported / sub, tmp_path / sub)
    return tmp_path / "out", tmp_path / "work"


def test_collect_measures_then_reuses(zoo, reported, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)           # relative folders, as `make report` passes them
    said = []
    r = collect("qp4", zoo, Path("out"), Path("work"), synthesise=False, log=said.append)
    assert said and r["rtlsim"]["mismatches"] == 0 and r["rtlsim"]["images"] > 0
    assert r["rtlsim"]["latency"] <= 1044 and r["rtlsim"]["ii"] == 1024   # hls4ml: 1,044 / 1,028
    assert "synth" not in r and r["bits"] == 4 and r["pruned"]
    said.clear()
    again = collect("qp4", zoo, Path("out"), Path("work"), synthesise=False, log=said.append)
    assert said == [] and again["rtlsim"] == r["rtlsim"]       # same Verilog: from the cache
    assert json.loads((tmp_path / "out" / "qp4.json").read_text()) == again
    on_dask = json.loads((reported / "out" / "qp4.json").read_text())
    assert on_dask == r                                        # the Dask job = in-process


def test_run_writes_table_and_plot(zoo, reported, tmp_path):
    out, work = _copy(reported, tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(f"# Tool\n\n## Results\n\n{BEGIN}\nold\n{END}\n\n## Next\n")
    run(zoo, out, work, synthesise=False, readme=readme)        # measured: nothing to run
    text = (out / "README.md").read_text()
    assert "| QP4 | 4 | yes | 50.00 | 50.00 |" in text
    # the fold table: conv1 parallel, busy on 30 x 30 windows of the 32 x 32 frame's cycles;
    # the dense layers as the lowering folds this model
    from streamcnn.frontend import from_keras, load_keras
    from streamcnn.lower import lower
    from streamcnn.zoo.metrics import firmware_config
    cfg = firmware_config(False)
    works = {w.node.name: w for w in lower(from_keras(load_keras(zoo / "qp4.h5"), cfg),
                                           cfg).works()}
    head = next(ln for ln in text.splitlines() if ln.startswith("| model | conv1 |"))
    cells = dict(zip(head.strip("| ").split(" | ")[1:], next(
        ln for ln in text.splitlines() if ln.startswith("| QP4 | 1 ·")).strip("| ").split(" | ")[1:]))
    assert cells["conv1"] == f"1 · {900 / 1024:.1%}"
    assert all(cells[n].startswith(f"{works[n].reuse} · ") for n in ("dense1", "dense2", "output"))
    top = readme.read_text()                   # its section replaced, the rest kept
    assert top.startswith("# Tool\n\n## Results\n\n" + BEGIN) and top.endswith(END + "\n\n## Next\n")
    assert "old" not in top and "| QP4 | 4 | yes | 50.00 | 50.00 |" in top
    assert "![resources_vs_bits.png](out/resources_vs_bits.png)" in top
    readme.write_text("# Tool\n")
    with pytest.raises(StreamcnnError, match="README.md: no results section"):
        run(zoo, out, work, synthesise=False, readme=readme)
    assert (out / "resources_vs_bits.png").stat().st_size > 10_000
    with pytest.raises(StreamcnnError, match="--only q5: not a shipped model"):
        run(zoo, out, work, only=["q5"])


def test_unmeasured_model_gets_a_row(zoo, reported, tmp_path):
    """A shipped model left out by --only and never measured still has its row, all "–"."""
    import shutil
    out, work = _copy(reported, tmp_path)
    models = tmp_path / "models"
    shutil.copytree(zoo, models)
    (models / "qp6.h5").write_bytes(b"")                       # not read: not measured
    (models / "qp6.json").write_text(json.dumps({"test_accuracy": 0.9, "firmware_accuracy": 0.9}))
    run(models, out, work, only=["qp4"], synthesise=False)
    text = (out / "README.md").read_text()
    assert "| QP6 | 6 | yes | 90.00 | 90.00 | – | – | – | – | – | – | – | – |" in text
    assert not (out / "qp6.json").exists()


def test_left_out_model_is_marked_when_its_verilog_changed(zoo, reported, tmp_path):
    """A model --only leaves out keeps its figures; they are marked (³) once the generator
    writes other Verilog for it than they were measured on. Here qp6 is qp4's model file,
    so qp4's figures are qp6's on the same Verilog."""
    import shutil
    out, work = _copy(reported, tmp_path)
    models = tmp_path / "models"
    shutil.copytree(zoo, models)
    for ext in ("h5", "json"):
        shutil.copy(models / f"qp4.{ext}", models / f"qp6.{ext}")
    rec = {**json.loads((out / "qp4.json").read_text()), "variant": "qp6", "bits": 6}
    (out / "qp6.json").write_text(json.dumps(rec))
    run(models, out, work, only=["qp4"], synthesise=False)
    assert "| QP6 | 6 |" in (out / "README.md").read_text()        # measured on this Verilog
    (out / "qp6.json").write_text(json.dumps({**rec, "rtl_sha256": "0" * 64}))
    run(models, out, work, only=["qp4"], synthesise=False)
    text = (out / "README.md").read_text()
    assert "| QP6³ | 6 |" in text and "`make report ONLY=qp6`" in text
    assert json.loads((out / "qp6.json").read_text())["rtl_sha256"] == "0" * 64   # kept as is
