"""verilator --lint-only -Wall on every rtl/*.v: defaults plus a few parameter sets.

Any warning fails. Icarus also compiles each file as plain Verilog-2005.
"""
import re
import shutil
import subprocess

import pytest

import common
from streamcnn.rtl.project import with_deps

# Non-default parameter sets (defaults are always linted); corner cases on purpose.
EXTRA = {
    "axis_skid": [{"DATA_W": 1, "USER_W": 5}],
    "axis_fifo": [{"DEPTH": 2, "OUTPUT_REG": 1}, {"DEPTH": 1024, "DATA_W": 72}],
    "window_gen": [{"IMG_H": 7, "IMG_W": 5, "C": 3, "K": 2, "STRIDE": 2},
                   {"K": 1, "STRIDE": 3}, {"IMG_H": 32, "IMG_W": 32, "K": 5, "C": 16},
                   {"IMG_W": 1, "K": 1}, {"IMG_H": 3, "IMG_W": 3, "K": 3}, {"FREE": 1}],
    "pool": [{"MODE": 1, "N": 16, "SIGNED": 0, "C": 3}, {"N": 9, "C": 2, "SIGNED": 0},
             {"N": 1}, {"FREE": 1}],
    "requant": [{"FORM": 1}, {"FREE": 1}, {"FORM": 1, "L": 1, "C": 1, "T_W": 8, "ACC_W": 12},
                {"OUT_SIGNED": 0, "OUT_W": 4, "ACC_W": 3, "M_W": 2, "B_W": 3, "SHIFT": 7},
                {"ACC_W": 24, "M_W": 18, "B_W": 48, "SHIFT": 30}],
    "argmax": [{"N": 1}, {"N": 2, "W": 3}, {"N": 16, "W": 5}, {"FREE": 1}],
    "pipe_ctrl": [{"STAGES": 4}, {"STAGES": 2, "FREE": 1}],
    "stream_collect": [{"FREE": 1}, {"N": 1, "FREE": 1}],
    "requant_patched": [{"C": 3, "CH_W": 2, "N": 3, "D_W": 3, "OUT_SIGNED": 0, "OUT_W": 2},
                        {"C": 1, "N": 1, "D_W": 9, "OUT_W": 8, "FREE": 1}],
}

SOURCES = sorted(common.RTL_DIR.glob("*.v"))
# Modules that instantiate the generated core (`network`) cannot be linted standalone;
# sim/network/test_streamcnn_axis.py lints them together with generated cores.
NEEDS_CORE = {f.stem for f in SOURCES if re.search(r"^\s*network\s", f.read_text(), re.M)}
CASES = [(f.stem, {}) for f in SOURCES] + [
    (m, p) for m, ps in EXTRA.items() for p in ps if (common.RTL_DIR / f"{m}.v").exists()]


def _files(module: str) -> list[str]:
    """The module's file and those of the library modules it instantiates."""
    return [str(common.RTL_DIR / f"{m}.v") for m in with_deps([module])]


def _id(case):
    m, p = case
    return m + ("-" + "-".join(f"{k}{v}" for k, v in p.items()) if p else "-defaults")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_verilator_lint(case):
    module, params = case
    if not common.have("verilator"):
        pytest.skip("verilator not installed")
    if module in NEEDS_CORE:
        pytest.skip("needs a generated core: linted by sim/network/test_streamcnn_axis.py")
    cmd = ["verilator", "--lint-only", "-Wall", "--top-module", module]
    cmd += [f"-G{k}={common.verilog_value(v)}" for k, v in params.items()]
    cmd += _files(module)
    r = subprocess.run(cmd, capture_output=True, text=True)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "%Warning" not in out and "%Error" not in out, out


@pytest.mark.parametrize("src", SOURCES, ids=[f.stem for f in SOURCES])
def test_icarus_verilog2005(src, tmp_path):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog not installed")
    if src.stem in NEEDS_CORE:
        pytest.skip("needs a generated core: linted by sim/network/test_streamcnn_axis.py")
    r = subprocess.run(["iverilog", *common.IVERILOG_LINT, "-s", src.stem, "-o", str(tmp_path / "a.out"),
                        *_files(src.stem)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
