"""The per-module Yosys input files (synth/rtlil.py): a module's file must not depend on the
numbering of the design it was elaborated in, and must keep every name distinct."""
from __future__ import annotations

from streamcnn.synth import rtlil

CHILD = """attribute \\src "rtl/child.v:1.1-9.10"
module $paramod$0957aa\\child
  parameter \\C 3
  wire width 8 input 1 \\a
  wire width 8 output 2 \\y
  wire width 8 $add$rtl/child.v:4${n0}_Y
  cell $add $add$rtl/child.v:4${n0}
    parameter \\A_WIDTH 8
  end
  cell $memwr $memwr$\\rom$rtl/child.v:6${n1}
    parameter \\PRIORITY {p0}
  end
  cell $memwr $memwr$\\rom$rtl/child.v:7${n2}
    parameter \\PRIORITY {p1}
  end
  wire width 8 $0\\q[7:0]
  wire $memwr$\\rom$rtl/child.v:6${n1}_EN
end
"""
PARENT = """module \\parent
  wire width 8 input 1 \\a
  cell $paramod$0957aa\\child \\u_child
  end
end
"""


def child(n0, n1, n2, p0, p1):
    return CHILD.format(n0=n0, n1=n1, n2=n2, p0=p0, p1=p1)


def test_split_keeps_attributes_and_nested_ends():
    design = rtlil.split("autoidx 99\n" + child(5, 6, 7, 40, 41) + PARENT)
    assert list(design) == ["$paramod$0957aa\\child", "\\parent"]
    assert design["$paramod$0957aa\\child"].startswith('attribute \\src "rtl/child.v')
    assert design["\\parent"].endswith("  end\nend\n")
    assert rtlil.submodules(design["\\parent"], design) == ["$paramod$0957aa\\child"]


def test_renumbering_is_independent_of_the_design():
    low, _ = rtlil.renumber(child(5, 6, 7, 40, 41))
    high, count = rtlil.renumber(child(78345, 78346, 78399, 1003, 998))
    # Same names, but the priorities' order is reversed in `high`: that must show.
    assert low != high
    same, _ = rtlil.renumber(child(90001, 90002, 90100, 7, 12))
    assert same == low and count == 4                          # 0 of $0\q, and three others
    assert "$paramod$0957aa\\child" in low                     # a derived module's hash stays
    assert "$add$rtl/child.v:4$0_Y" in low and "$memwr$\\rom$rtl/child.v:6$1_EN" in low
    assert "PRIORITY 0" in low and "PRIORITY 1" in low and "PRIORITY 1" in high


def test_renumbering_keeps_names_distinct():
    text = child(5, 6, 7, 40, 41)
    names = [ln.split()[-1] for ln in text.splitlines() if ln.startswith(("  wire", "  cell"))]
    new = [ln.split()[-1] for ln in rtlil.renumber(text)[0].splitlines()
           if ln.startswith(("  wire", "  cell"))]
    assert len(set(new)) == len(set(names)) == len(names)


def test_module_file_has_the_module_and_stubs_of_its_children():
    design = rtlil.split(child(5, 6, 7, 40, 41) + PARENT)
    f = rtlil.module_file("\\parent", design)
    assert f.startswith("autoidx ") and f.index("module \\parent") < f.index("attribute \\blackbox 1")
    stub = f[f.index("attribute \\blackbox 1"):]
    assert "wire width 8 input 1 \\a" in stub and "parameter \\C 3" in stub
    assert "cell" not in stub and "$add" not in stub
