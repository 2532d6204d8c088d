"""Flow control of generated cores (streamcnn/rtl/flow.py), checked on the netlist Yosys
elaborates: no combinational path from output_r_TREADY to input_r_TREADY, and none from
output_r_TREADY to any block's stall enable. The checker is shown to find such a path
where one exists (a library block on its own, whose ready passes straight through)."""
import json
import subprocess
from pathlib import Path

import pytest
from streamcnn.build import convert
from streamcnn.synth.yosys import _command, read_files_f
from user_models import build

RTL = Path(__file__).resolve().parents[1] / "rtl"
# Yosys' word-level registers after `prep`: a path through one of these is not combinational.
REGISTERS = {"$dff", "$dffe", "$sdff", "$sdffe", "$sdffce", "$adff", "$adffe", "$aldff",
             "$aldffe", "$dffsr", "$dffsre", "$ff"}


def netlist(cwd: Path, sources: list[str], top: str) -> dict:
    """The flattened word-level netlist of `top` (Yosys `prep`), as JSON."""
    script = cwd / "prep.ys"
    script.write_text(f"read_verilog {' '.join(sources)}\nprep -flatten -top {top}\n"
                      "write_json prep.json\n")
    subprocess.run(_command() + ["-s", "prep.ys"], cwd=cwd, check=True, capture_output=True)
    return json.loads((cwd / "prep.json").read_text())["modules"][top]


def comb_reach(module: dict, source: str) -> set[int]:
    """The net bits reached from port `source` through combinational cells only. Any cell
    that is not a register (memories included) passes every input bit to every output bit:
    an over-approximation, so 'not reached' is a proof."""
    fanout: dict[int, list[int]] = {}
    for cell in module["cells"].values():
        if cell["type"] in REGISTERS:
            continue
        dirs = cell["port_directions"]
        ins = [b for p, bits in cell["connections"].items() if dirs[p] == "input" for b in bits]
        outs = [b for p, bits in cell["connections"].items() if dirs[p] == "output" for b in bits]
        for b in ins:
            fanout.setdefault(b, []).extend(outs)
    todo = list(module["ports"][source]["bits"])
    seen = set(todo)
    while todo:
        for nxt in fanout.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def ready_reaches(module: dict, from_port: str, to_port: str) -> bool:
    return bool(comb_reach(module, from_port) & set(module["ports"][to_port]["bits"]))


def test_the_checker_finds_a_ready_path_through_a_block(tmp_path):
    """pool's s_axis_tready = !m_axis_tvalid || m_axis_tready: a path the checker must see."""
    m = netlist(tmp_path, [str(RTL / "pool.v"), str(RTL / "pipe_ctrl.v")], "pool")
    assert ready_reaches(m, "m_axis_tready", "s_axis_tready")
    assert not ready_reaches(m, "s_axis_tvalid", "s_axis_tready")


@pytest.mark.parametrize("name", ["mnist_style_cnn", "cifar_style_cnn_same_padding",
                                  "mlp_jet_tagging"])
def test_output_ready_has_no_combinational_path_to_input_ready(name, tmp_path):
    """Whole core free-running (mnist, mlp), or with padded layers in front of admit (cifar:
    two pad2d, behind register slices)."""
    model, _ = build(name)
    convert(model, tmp_path)
    m = netlist(tmp_path, read_files_f(tmp_path / "rtl"), "network")
    assert not ready_reaches(m, "output_r_TREADY", "input_r_TREADY")
    # output_r_TREADY reaches only the result FIFO and admit's credit count: no register of
    # any other block depends on it in the same cycle, so no stall enable spans the core.
    reached = comb_reach(m, "output_r_TREADY")
    blocks = {instance(n) for n, net in m["netnames"].items() if set(net["bits"]) & reached}
    assert blocks - {None, "result_fifo", "admit"} == set(), blocks


def instance(net: str) -> str | None:
    """The block a flattened net name belongs to, None for the top level's own nets."""
    head = net.removeprefix("$flatten\\").split("$", 1)[0]
    return head.split(".", 1)[0] if "." in head else None
