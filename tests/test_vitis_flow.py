"""The Vitis HLS flow without Vitis: build_prj.tcl is run by the system tclsh against
recording stand-ins for the HLS commands (catching Tcl syntax, naming and ordering errors),
and the csynth.xml parser reads reports written in the layout Vitis/Vivado HLS use."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import streamcnn
from streamcnn.errors import StreamcnnError
from streamcnn.hls import vitis

HLS_COMMANDS = ("open_project", "set_top", "add_files", "open_solution", "set_part",
                "create_clock", "csim_design", "csynth_design", "cosim_design", "export_design",
                "config_export", "config_compile", "config_interface", "config_dataflow",
                "close_project", "close_solution")

# Stand-ins that record each call as one tab-separated line once the script has ended;
# `exit` ends the sourced script (return from `source`) instead of tclsh itself.
HARNESS = """
set ::calls {}
foreach name {%s} {
    proc $name args [format {lappend ::calls [list %%s {*}$args]} $name]
}
proc exit {{code 0}} { lappend ::calls [list exit $code]; return -code return }
set script [lindex $argv 0]
set argv [lrange $argv 1 end]
set argc [llength $argv]
source $script
foreach call $::calls { puts [join $call \\t] }
""" % " ".join(HLS_COMMANDS)

TB_ARGV = "tb_data/input.bin tb_data/expected.bin tb_data/hashes.bin output.bin"


@pytest.fixture
def tclsh():
    path = shutil.which("tclsh")
    if path is None:
        pytest.skip("tclsh is not installed (apt-get install tcl): needed to run build_prj.tcl")
    return path


def run_tcl(tclsh, tcl: Path, *tclargs: str, cwd: Path | None = None) -> list[list[str]]:
    cwd = cwd or tcl.parent
    harness = (cwd / tcl).resolve().parent / "harness.tcl"
    harness.write_text(HARNESS)
    r = subprocess.run([tclsh, str(harness), str(tcl), *tclargs], capture_output=True,
                       text=True, cwd=cwd, timeout=60)
    assert r.returncode == 0, r.stderr
    return [line.split("\t") for line in r.stdout.splitlines()]


def names(calls):
    return [c[0] for c in calls]


def setup_calls(hls: Path, top="network", part=vitis.DEFAULT_PART, period="5",
                flow=("-flow_target", "vivado")):
    here = str(hls.resolve())
    cflags = f"-std=c++14 -I{here}/include -I{here}/firmware"
    return [["open_project", "-reset", "streamcnn_prj"],
            ["set_top", top],
            ["add_files", "firmware/network.cpp", "-cflags", cflags],
            ["add_files", "-tb", "tb/tb_network.cpp", "-cflags", cflags],
            ["add_files", "-tb", "tb_data"],
            ["open_solution", "-reset", *flow, "solution1"],
            ["set_part", part],
            ["create_clock", "-period", period, "-name", "default"]]


def test_default_steps_are_csim_then_synthesis(tmp_path, tclsh):
    tcl = vitis.write_tcl(tmp_path, "network")
    assert tcl == tmp_path / "build_prj.tcl"
    calls = run_tcl(tclsh, tcl)
    assert calls == setup_calls(tmp_path) + [["csim_design", "-argv", TB_ARGV],
                                             ["csynth_design"], ["exit", "0"]]


def test_all_steps_in_order(tmp_path, tclsh):
    tcl = vitis.write_tcl(tmp_path, "network")
    calls = run_tcl(tclsh, tcl, "csim=1", "synth=1", "cosim=1", "export=1")
    assert calls[:8] == setup_calls(tmp_path)
    assert calls[8:] == [["csim_design", "-argv", TB_ARGV], ["csynth_design"],
                         ["cosim_design", "-argv", TB_ARGV],
                         ["export_design", "-format", "ip_catalog"], ["exit", "0"]]


def test_only_synthesis(tmp_path, tclsh):
    tcl = vitis.write_tcl(tmp_path, "network")
    calls = run_tcl(tclsh, tcl, "csim=0", "synth=1", "cosim=0", "export=0")
    assert names(calls)[8:] == ["csynth_design", "exit"]
    assert "csim_design" not in names(calls) and "cosim_design" not in names(calls)


def test_cosim_and_export_imply_synthesis(tmp_path, tclsh):
    tcl = vitis.write_tcl(tmp_path, "network")
    calls = run_tcl(tclsh, tcl, "csim=0", "synth=0", "cosim=1")
    assert names(calls)[8:] == ["csynth_design", "cosim_design", "exit"]
    calls = run_tcl(tclsh, tcl, "csim=0", "synth=0", "export=1")
    assert names(calls)[8:] == ["csynth_design", "export_design", "exit"]


def test_parameters_and_legacy_vivado_hls(tmp_path, tclsh):
    tcl = vitis.write_tcl(tmp_path, "my_net", part="xc7z020clg400-1", clock_ns=3.333,
                          project="other_prj")
    calls = run_tcl(tclsh, tcl, "legacy=1", "csim=0")
    expected = setup_calls(tmp_path, top="my_net", part="xc7z020clg400-1", period="3.333",
                           flow=())
    expected[0][-1] = "other_prj"
    assert calls == expected + [["csynth_design"], ["exit", "0"]]


def test_started_from_another_folder(tmp_path, tclsh):
    hls = tmp_path / "build" / "hls"
    vitis.write_tcl(hls, "network")
    # a relative script path, started elsewhere: paths still resolve beside the script
    calls = run_tcl(tclsh, Path("build/hls/build_prj.tcl"), cwd=tmp_path)
    assert calls[:8] == setup_calls(hls)


def test_unknown_option_stops_before_any_command(tmp_path, tclsh):
    tcl = vitis.write_tcl(tmp_path, "network")
    assert run_tcl(tclsh, tcl, "cosimm=1") == [["exit", "2"]]


def test_tcl_names_no_machine_path(tmp_path):
    text = vitis.write_tcl(tmp_path, "network").read_text()
    root = str(Path(streamcnn.__file__).resolve().parents[2])
    assert str(tmp_path) not in text and root not in text
    assert "set_top network" in text and "set_part xcvu9p-flgb2104-2l-e" in text


def test_write_tcl_rejects_bad_values(tmp_path):
    for kwargs in ({"top": "net work"}, {"top": "n;exit"}, {"top": "net", "part": "a b"},
                   {"top": "net", "project": "[exit]"}, {"top": "net", "clock_ns": 0}):
        with pytest.raises(StreamcnnError):
            vitis.write_tcl(tmp_path, **kwargs)


def test_missing_templates(tmp_path, monkeypatch):
    (tmp_path / "include" / "streamcnn").mkdir(parents=True)      # a library without templates
    monkeypatch.setattr(vitis, "hls_root", lambda: tmp_path)
    with pytest.raises(StreamcnnError, match="build_prj.tcl.j2 not found"):
        vitis.write_tcl(tmp_path, "network")


# Vitis HLS (2020.2 and later) layout; the InterfaceSummary and loop tables are abridged.
VITIS_XML = """<profile>
    <ReportVersion>
        <Version>2022.2</Version>
    </ReportVersion>
    <UserAssignments>
        <unit>ns</unit>
        <ProductFamily>virtexuplus</ProductFamily>
        <Part>xcvu9p-flgb2104-2L-e</Part>
        <TopModelName>network</TopModelName>
        <TargetClockPeriod>5.00</TargetClockPeriod>
        <ClockUncertainty>1.35</ClockUncertainty>
        <FlowTarget>vivado</FlowTarget>
    </UserAssignments>
    <PerformanceEstimates>
        <PipelineType>dataflow</PipelineType>
        <SummaryOfTimingAnalysis>
            <unit>ns</unit>
            <EstimatedClockPeriod>3.650</EstimatedClockPeriod>
        </SummaryOfTimingAnalysis>
        <SummaryOfOverallLatency>
            <unit>clock cycles</unit>
            <Best-caseLatency>2051</Best-caseLatency>
            <Average-caseLatency>2051</Average-caseLatency>
            <Worst-caseLatency>2060</Worst-caseLatency>
            <Best-caseRealTimeLatency>10.255 us</Best-caseRealTimeLatency>
            <Average-caseRealTimeLatency>10.255 us</Average-caseRealTimeLatency>
            <Worst-caseRealTimeLatency>10.300 us</Worst-caseRealTimeLatency>
            <Interval-min>1025</Interval-min>
            <Interval-max>1030</Interval-max>
        </SummaryOfOverallLatency>
        <SummaryOfLoopLatency/>
    </PerformanceEstimates>
    <AreaEstimates>
        <Resources>
            <BRAM_18K>12</BRAM_18K>
            <DSP>34</DSP>
            <FF>5678</FF>
            <LUT>9012</LUT>
            <URAM>0</URAM>
        </Resources>
        <AvailableResources>
            <BRAM_18K>4320</BRAM_18K>
            <DSP>6840</DSP>
            <FF>2364480</FF>
            <LUT>1182240</LUT>
            <URAM>960</URAM>
        </AvailableResources>
    </AreaEstimates>
    <InterfaceSummary>
        <RtlPorts>
            <name>ap_clk</name>
            <Object>network</Object>
            <Type>return value</Type>
            <IOProtocol>ap_ctrl_hs</IOProtocol>
            <Dir>in</Dir>
            <Bits>1</Bits>
        </RtlPorts>
    </InterfaceSummary>
</profile>
"""

# Vivado HLS layout: DSP48E, no URAM on a 7-series part, "undef" where latency varies.
VIVADO_XML = """<profile>

<ReportVersion>
<Version>2019.2</Version>
</ReportVersion>

<UserAssignments>
<unit>ns</unit>
<ProductFamily>zynq</ProductFamily>
<Part>xc7z020-clg400-1</Part>
<TopModelName>network</TopModelName>
<TargetClockPeriod>10.00</TargetClockPeriod>
<ClockUncertainty>1.25</ClockUncertainty>
</UserAssignments>

<PerformanceEstimates>
<PipelineType>dataflow</PipelineType>
<SummaryOfTimingAnalysis>
<unit>ns</unit>
<EstimatedClockPeriod>8.510</EstimatedClockPeriod>
</SummaryOfTimingAnalysis>
<SummaryOfOverallLatency>
<unit>clock cycles</unit>
<Best-caseLatency>300</Best-caseLatency>
<Average-caseLatency>undef</Average-caseLatency>
<Worst-caseLatency>undef</Worst-caseLatency>
<Interval-min>120</Interval-min>
<Interval-max>undef</Interval-max>
</SummaryOfOverallLatency>
</PerformanceEstimates>

<AreaEstimates>
<Resources>
<BRAM_18K>4</BRAM_18K>
<DSP48E>7</DSP48E>
<FF>1500</FF>
<LUT>2600</LUT>
</Resources>
<AvailableResources>
<BRAM_18K>280</BRAM_18K>
<DSP48E>220</DSP48E>
<FF>106400</FF>
<LUT>53200</LUT>
</AvailableResources>
</AreaEstimates>

</profile>
"""


def report_dir(hls: Path) -> Path:
    d = hls / "streamcnn_prj" / "solution1" / "syn" / "report"
    d.mkdir(parents=True)
    return d


def test_parse_vitis_report(tmp_path):
    xml = report_dir(tmp_path) / "csynth.xml"
    xml.write_text(VITIS_XML)
    assert vitis.find_csynth_xml(tmp_path) == xml
    r = vitis.parse_csynth_xml(xml)
    assert r == {
        "top": "network", "part": "xcvu9p-flgb2104-2L-e",
        "clock_ns_target": 5.0, "clock_ns_estimated": 3.65,
        "latency_cycles": {"best": 2051, "worst": 2060},
        "interval": {"min": 1025, "max": 1030},
        "resources": {"BRAM_18K": 12, "DSP": 34, "FF": 5678, "LUT": 9012, "URAM": 0},
        "available": {"BRAM_18K": 4320, "DSP": 6840, "FF": 2364480, "LUT": 1182240,
                      "URAM": 960},
    }
    assert isinstance(r["latency_cycles"]["best"], int)
    assert isinstance(r["clock_ns_target"], float)
    json.dumps(r)


def test_parse_vivado_hls_report(tmp_path):
    xml = report_dir(tmp_path) / "network_csynth.xml"       # only the per-top copy
    xml.write_text(VIVADO_XML)
    assert vitis.find_csynth_xml(tmp_path, top="network") == xml
    assert vitis.find_csynth_xml(tmp_path) == xml
    r = vitis.parse_csynth_xml(xml)
    assert r == {
        "top": "network", "part": "xc7z020-clg400-1",
        "clock_ns_target": 10.0, "clock_ns_estimated": 8.51,
        "latency_cycles": {"best": 300, "worst": None},
        "interval": {"min": 120, "max": None},
        "resources": {"BRAM_18K": 4, "DSP": 7, "FF": 1500, "LUT": 2600, "URAM": None},
        "available": {"BRAM_18K": 280, "DSP": 220, "FF": 106400, "LUT": 53200, "URAM": None},
    }


def test_missing_and_broken_reports(tmp_path):
    with pytest.raises(StreamcnnError, match="csynth.xml"):
        vitis.parse_csynth_xml(tmp_path / "csynth.xml")
    with pytest.raises(StreamcnnError, match="synthesis"):
        vitis.find_csynth_xml(tmp_path)
    d = report_dir(tmp_path)
    for sub in ("network_csynth.xml", "network_Loop_1_csynth.xml"):   # top not known
        (d / sub).write_text(VITIS_XML)
    with pytest.raises(StreamcnnError, match="csynth.xml"):
        vitis.find_csynth_xml(tmp_path)
    (d / "csynth.xml").write_text("<profile><UserAssignments>")
    with pytest.raises(StreamcnnError, match="cannot read"):
        vitis.parse_csynth_xml(d / "csynth.xml")


def test_without_vitis_on_path(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert vitis.find_tool() is None
    vitis.write_tcl(tmp_path, "network")
    with pytest.raises(StreamcnnError, match="vitis_hls") as e:
        vitis.run_hls(tmp_path, {"csim": True, "synth": True})
    assert "PATH" in str(e.value) and "\n" not in str(e.value)
    assert not (tmp_path / "vitis_hls.log").exists()


def test_unknown_step(tmp_path):
    with pytest.raises(StreamcnnError, match="cosimm"):
        vitis.run_hls(tmp_path, {"cosimm": True})
