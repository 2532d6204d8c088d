"""One self-contained Yosys input per module of an elaborated design (RTLIL text).

Yosys numbers the internal names of the whole design with one counter (`$add$rtl/x.v:12$4711`),
so a module's text depends on every module read before it. Each module's own file is
renumbered from 0 in order of appearance, and its submodules become black-box stubs (ports
and parameters only): the file then depends on the module alone, it is small (a 16-bit
design's RTLIL is 45 MB), and its hash identifies the synthesis run exactly."""
from __future__ import annotations

import re

_CELL = re.compile(r"^  cell (\S+) ", re.MULTILINE)
# An internal name's number: `$` and digits not followed by a letter or digit (a derived
# module's `$paramod$<sha1>` stays; `$4711_EN` is a number followed by a suffix).
_NUMBER = re.compile(r"\$(\d+)(?![0-9A-Za-z])")
# Memory writes are ordered by a design-wide counter too; only their order matters.
_PRIORITY = re.compile(r"^( +parameter \\PRIORITY )(\d+)$", re.MULTILINE)


def split(text: str) -> dict[str, str]:
    """The modules of an RTLIL design: name -> text, from its attribute lines to its `end`."""
    modules: dict[str, str] = {}
    pending: list[str] = []
    name, lines = None, []
    for line in text.splitlines(keepends=True):
        if name is not None:
            lines.append(line)
            if line.rstrip("\n") == "end":          # nested blocks end indented
                modules[name] = "".join(lines)
                name, lines = None, []
        elif line.startswith("module "):
            name, lines, pending = line.split()[1], pending + [line], []
        elif line.startswith("attribute "):
            pending.append(line)
    return modules


def submodules(text: str, design: dict[str, str]) -> list[str]:
    """The modules of `design` that a module's cells instantiate, sorted."""
    return sorted({t for t in _CELL.findall(text) if t in design})


def stub(text: str) -> str:
    """A black box of a module: its ports and parameters, no contents."""
    keep = [ln for ln in text.splitlines(keepends=True)
            if ln.startswith(("module ", "  parameter ")) or ln.rstrip("\n") == "end"
            or (ln.startswith("  wire ") and any(f" {d} " in ln for d in ("input", "output", "inout")))]
    return "attribute \\blackbox 1\n" + "".join(keep)


def renumber(text: str) -> tuple[str, int]:
    """Internal-name numbers replaced by 0, 1, ... in order of first appearance (one number
    always maps to one number, so distinct names stay distinct), memory-write priorities by
    their rank; and how many names there were."""
    ids: dict[str, int] = {}
    out = _NUMBER.sub(lambda m: f"${ids.setdefault(m.group(1), len(ids))}", text)
    rank = {v: i for i, v in enumerate(sorted({int(v) for _, v in _PRIORITY.findall(out)}))}
    out = _PRIORITY.sub(lambda m: f"{m.group(1)}{rank[int(m.group(2))]}", out)
    return out, len(ids)


def module_file(module: str, design: dict[str, str]) -> str:
    """The RTLIL file that synthesises `module` alone: its text and its submodules' stubs."""
    parts = [design[module]] + [stub(design[s]) for s in submodules(design[module], design)]
    body, count = renumber("".join(parts))
    # autoidx keeps the names Yosys creates from colliding with the renumbered ones.
    return f"autoidx {count + 1}\n{body}"
