"""The Vivado flow without Vivado: fpga/build.tcl is run by the system tclsh against recording
stand-ins for Vivado's commands, and the report parsers read fixture reports written in the
layout of Vivado's report_utilization / report_timing_summary (tests/data/vivado)."""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

import streamcnn
from streamcnn.errors import StreamcnnError
from streamcnn.synth import synth, tclrecord, vivado
from streamcnn.synth import vivado_reports as rpt

DATA = Path(__file__).parent / "data" / "vivado"
CORE = ["argmax.v", "window_gen.v", "requant.v", "conv1_mac.v", "dense1_mac.v", "network.v"]
NETWORK_V = """module network (input wire ap_clk);
// conv1
window_gen #(
    .K(3)
) conv1_win (
);

// conv1
conv1_mac conv1_mac (
);

// bn1/act1
requant #(
    .C(16)
) bn1_act1 (
);

// Result: every logit and the index of the first maximum, in one word per image.
argmax #(
    .N(10)
) result (
);
endmodule
"""


@pytest.fixture
def tclsh():
    if shutil.which("tclsh") is None:
        pytest.skip("tclsh is not installed (apt-get install tcl): needed to run build.tcl")


def fake_build(root: Path, wrapper=True) -> Path:
    """A build folder as `streamcnn convert` writes it (sources are placeholders)."""
    rtl = root / "rtl"
    rtl.mkdir(parents=True)
    files = CORE + (list(vivado.WRAPPER_FILES) if wrapper else [])
    for f in files:
        (rtl / f).write_text(NETWORK_V if f == "network.v" else f"// {f}\n")
    (rtl / "files.f").write_text("\n".join(files) + "\n")
    ports = {"in_w": 24, "in_c": 3, "in_elem_w": 8, "out_w": 160, "n_logits": 10,
             "logit_w": 15, "class_w": 4}
    (rtl / "core.json").write_text(json.dumps({"core": "network", "pixels": 1024,
                                               "ports": ports}))
    return root


def record(build: Path, **kw) -> tclrecord.Recorded:
    r = tclrecord.record(vivado.script(), vivado.tcl_args(build, **kw), cwd=build)
    assert r.returncode == 0, r.stderr
    return r


def test_commands_in_order(tmp_path, tclsh):
    r = record(fake_build(tmp_path))
    names = r.names
    reads = [c[1] for c in r.calls if c[0] == "read_verilog"]
    assert [Path(p).name for p in reads] == CORE + list(vivado.WRAPPER_FILES)
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in reads)
    steps = ["read_xdc", "synth_design", "opt_design", "place_design", "route_design",
             "report_utilization", "report_timing_summary"]
    at = [names.index(s) for s in steps]
    assert at == sorted(at) and max(names.index("read_verilog"), 0) < at[0]
    assert names[:2] == ["create_project", "read_verilog"] and names[-1] == "exit"
    assert r.calls[-1] == ["exit", "0"]
    synth_call = r.calls[names.index("synth_design")]
    text = " ".join(synth_call)
    assert "-part xcvu9p-flgb2104-2l-e" in text and "-mode out_of_context" in text
    assert "-top streamcnn_axis" in text
    for g in ("C=3", "PIXELS=1024", "IN_W=24", "OUT_W=160"):
        assert f"-generic {g}" in text
    xdc = r.calls[names.index("read_xdc")]
    assert xdc[1:3] == ["-mode", "out_of_context"] and Path(xdc[3]).name == "constraints.xdc"
    reports = [c for c in r.calls if c[0].startswith("report_")]
    files = {Path(c[c.index("-file") + 1]).name for c in reports}
    assert files == {"utilization.rpt", "utilization_hier.rpt", "timing_summary.rpt"}
    assert ["-hierarchical"] == [a for c in reports for a in c if a == "-hierarchical"]
    checkpoints = [Path(c[-1]).name for c in r.calls if c[0] == "write_checkpoint"]
    assert checkpoints == ["post_synth.dcp", "post_route.dcp"]


def test_bare_core_and_synthesis_only(tmp_path, tclsh):
    build = fake_build(tmp_path, wrapper=False)
    args = vivado.tcl_args(build) + ["impl=0"]
    r = tclrecord.record(vivado.script(), args, cwd=build)
    assert r.returncode == 0, r.stderr
    assert not {"opt_design", "place_design", "route_design"} & set(r.names)
    synth_call = " ".join(r.calls[r.names.index("synth_design")])
    assert "-top network" in synth_call and "-generic" not in synth_call


def test_hls_ip_as_core(tmp_path, tclsh):
    build = fake_build(tmp_path)
    impl = build / "hls" / "streamcnn_prj" / "solution1" / "impl"
    impl.mkdir(parents=True)
    with zipfile.ZipFile(impl / "export.zip", "w") as z:
        z.writestr("component.xml", "<component/>")
    r = record(build, source="hls")
    reads = [Path(c[1]).name for c in r.calls if c[0] == "read_verilog"]
    assert reads == list(vivado.WRAPPER_FILES)          # the IP replaces the Verilog core
    names = r.names
    add = r.calls[names.index("update_ip_catalog")]
    assert add[1] == "-add_ip" and add[2].endswith("export.zip")
    create = r.calls[names.index("create_ip")]
    assert create[1:3] == ["-vlnv", "xilinx.com:hls:network:1.0"]
    assert names.index("generate_target") < names.index("read_xdc") < names.index("synth_design")


def test_missing_inputs(tmp_path, tclsh):
    build = fake_build(tmp_path)
    (build / "rtl" / "requant.v").unlink()
    r = tclrecord.record(vivado.script(), vivado.tcl_args(build), cwd=build)
    assert r.returncode == 2 and r.calls == [["exit", "2"]]      # stopped before any command
    assert "requant.v" in r.stderr and "not found" in r.stderr
    r = tclrecord.record(vivado.script(), ["files=nowhere.f"], cwd=build)
    assert r.returncode == 2 and "files list" in r.stderr
    r = tclrecord.record(vivado.script(), ["files=x.f", "bogus=1"], cwd=build)
    assert r.returncode == 2 and "bogus" in r.stderr
    with pytest.raises(StreamcnnError, match="files.f not found"):
        vivado.tcl_args(tmp_path / "empty")
    with pytest.raises(StreamcnnError, match="export"):
        vivado.tcl_args(build, source="hls")


def test_without_vivado_on_path(tmp_path, monkeypatch):
    build = fake_build(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    with pytest.raises(StreamcnnError, match="vivado is not on PATH") as e:
        synth(build, tool="vivado")
    assert "\n" not in str(e.value)
    assert not (build / "reports" / "synth.json").exists()


def test_dry_run_prints_commands(tmp_path, tclsh, capsys):
    build = fake_build(tmp_path)
    r = synth(build, tool="vivado", dry_run=True, progress=False)
    out = capsys.readouterr().out
    assert r["dry_run"] and [c[0] for c in r["commands"]][-1] == "exit"
    assert "dry run" in out and "synth_design -top streamcnn_axis" in out
    assert "route_design" in out
    assert not (build / "reports" / "synth.json").exists()


def test_parse_utilization():
    got = rpt.utilization_file(DATA / "utilization.rpt")
    assert got == {"CLB_LUT": 52113, "LUT": 51790, "LUTRAM": 288, "SRL": 35, "FF": 61022,
                   "LATCH": 0, "CARRY": 6120, "MUXF7": 210, "MUXF8": 48, "BRAM36": 5.5,
                   "RAMB36": 4, "RAMB18": 3, "URAM": 0, "DSP": 61,
                   "LUT_by_size": {"LUT1": 655, "LUT2": 14011, "LUT3": 15304, "LUT4": 8890,
                                   "LUT5": 4102, "LUT6": 9210}}
    # logic LUTs are counted per LUT site; two small LUTs may share one (O5 and O6)
    assert sum(got["LUT_by_size"].values()) >= got["LUT"]


def test_parse_timing_summary():
    met = rpt.timing_file(DATA / "timing_summary.rpt")
    assert met == {"WNS": 0.742, "TNS": 0.0, "TNS_failing_endpoints": 0, "WHS": 0.021,
                   "THS": 0.0, "THS_failing_endpoints": 0, "WPWS": 1.958, "TPWS": 0.0,
                   "met": True, "clock_ns": 5.0, "fmax_mhz": 234.9}
    failing = rpt.timing_file(DATA / "timing_failing.rpt")
    assert (failing["WNS"], failing["TNS"], failing["WHS"], failing["THS"]) == \
        (-0.315, -12.774, -0.012, -0.03)
    assert failing["met"] is False and failing["TNS_failing_endpoints"] == 97
    assert failing["fmax_mhz"] == pytest.approx(1000 / 5.315, abs=0.1)


def test_parse_hierarchy_blocks_of_the_core():
    rows = rpt.hierarchy_file(DATA / "utilization_hier.rpt")
    assert rows[0]["instance"] == "streamcnn_axis" and rows[0]["depth"] == 0
    blocks = vivado.block_rows(rows)
    # the core's children only: not the wrapper's FIFO, not the line RAM inside conv2_win
    assert list(blocks) == ["bn1_act1", "conv1_mac", "conv1_win", "conv2_mac", "conv2_win",
                            "dense1_mac", "result"]
    assert blocks["conv2_win"]["module"] == "window_gen__parameterized1"
    assert blocks["dense1_mac"]["BRAM36"] == 2 and blocks["bn1_act1"]["DSP"] == 61


def test_summary_matches_the_yosys_format(tmp_path):
    for f in ("utilization.rpt", "utilization_hier.rpt", "timing_summary.rpt"):
        shutil.copy(DATA / f, tmp_path / f)
    (tmp_path / "network.v").write_text(NETWORK_V)
    s = vivado.summarise(tmp_path, tmp_path / "network.v", seconds=600.0)
    json.dumps(s)
    assert s["totals"]["CLB_LUT"] == 52113 and s["utilization_pct"]["DSP"] == \
        pytest.approx(100 * 61 / 6840, abs=1e-3)
    assert s["timing"]["WNS"] == 0.742
    assert s["layers"]["conv1"]["CLB_LUT"] == 4021 + 120        # _mac and _win together
    assert s["layers"]["bn1/act1"]["DSP"] == 61                  # named as the IR names it
    assert s["instances"]["result"]["layer"] == "result"
    for key in ("tool", "version", "seconds", "totals", "available", "utilization_pct",
                "layers", "instances"):
        assert key in s


def test_wns_is_printed_beside_the_estimate():
    """make synth TOOL=vivado prints the routed WNS beside the Yosys estimate of the same design
    (a report in Xilinx's format; the estimate's fields as timing.design writes them)."""
    from streamcnn.synth.table import vivado_beside_estimate
    routed = rpt.timing_file(DATA / "timing_failing.rpt")
    est = {"slack_ns": 0.312, "fmax_mhz": 212.9, "verdict": "meets",
           "worst": {"blocks": ["pool1_win", "pool1"]}}
    text = vivado_beside_estimate(routed, est)
    slack = next(ln for ln in text.splitlines() if ln.startswith("worst slack"))
    assert "-0.315 ns" in slack and "+0.312 ns" in slack
    fmax = next(ln for ln in text.splitlines() if ln.startswith("fmax"))
    assert f"{routed['fmax_mhz']:g} MHz" in fmax and "212.9 MHz" in fmax
    assert "NO" in next(ln for ln in text.splitlines() if ln.startswith("target met"))
    assert "pool1_win > pool1" in text and "ESTIMATE" in text
    assert "no estimate" in vivado_beside_estimate(routed, None)


def test_not_a_report(tmp_path):
    bad = tmp_path / "bad.rpt"
    bad.write_text("nothing to see\n")
    for parse in (rpt.utilization_file, rpt.hierarchy_file, rpt.timing_file):
        with pytest.raises(StreamcnnError):
            parse(bad)
    with pytest.raises(StreamcnnError, match="not found"):
        rpt.utilization_file(tmp_path / "missing.rpt")


def test_flow_files_name_no_machine_path():
    root = Path(streamcnn.__file__).resolve().parents[2]
    for f in (root / "fpga").iterdir():
        text = f.read_text()
        assert str(root) not in text and "/home/" not in text and "/tmp/" not in text
    assert "xcvu9p-flgb2104-2l-e" in (root / "fpga" / "build.tcl").read_text()
    assert "-period 5.000" in (root / "fpga" / "constraints.xdc").read_text()


def test_the_target_reaches_vivado_and_vitis(tmp_path, tclsh):
    """Config `Target:` -> BUILD/target.json -> Vivado's part and clock, and the HLS Tcl's."""
    import tensorflow as tf
    from qkeras import QConv2D, QDense, quantized_bits
    from streamcnn.build import convert
    from streamcnn.config import Config
    from streamcnn.target import Target
    L = tf.keras.layers
    x_in = L.Input((6, 6, 1))
    x = QConv2D(2, 3, kernel_quantizer=quantized_bits(4, 0, alpha=1), use_bias=False)(
        L.Rescaling(1 / 256)(x_in))
    x = QDense(3, kernel_quantizer=quantized_bits(4, 0, alpha=1), use_bias=False)(L.Flatten()(x))
    cfg = Config.from_dict({"Target": {"Part": "xcku5p-ffvb676-2-e", "ClockPeriod": 3.2}})
    convert(tf.keras.Model(x_in, x), tmp_path, cfg)
    assert Target.of_build(tmp_path) == Target("xcku5p-ffvb676-2-e", 3.2)
    assert Target(clock_ns=4).us(250) == 1.0 and Target().mhz == 200
    r = record(tmp_path)
    assert "-part xcku5p-ffvb676-2-e" in " ".join(r.calls[r.names.index("synth_design")])
    xdc = tmp_path / r.calls[r.names.index("read_xdc")][3]
    assert "create_clock -period 3.200 " in xdc.read_text()
    hls_tcl = (tmp_path / "hls" / "build_prj.tcl").read_text()
    assert "xcku5p-ffvb676-2-e" in hls_tcl and "-period 3.2 " in hls_tcl
    with pytest.raises(StreamcnnError, match="Target.ClockPeriod"):
        Config.from_dict({"Target": {"ClockPeriod": "fast"}})
    with pytest.raises(StreamcnnError, match="unknown key 'Clock'"):
        Config.from_dict({"Target": {"Clock": 5}})
