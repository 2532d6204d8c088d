"""Run a vendor Tcl script under the system tclsh with the vendor's commands replaced by
stand-ins that record their arguments: the script's syntax, option handling and command order
are checked without the tool (a dry run)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import StreamcnnError

VIVADO_COMMANDS = (
    "create_project", "set_part", "read_verilog", "read_vhdl", "read_xdc", "read_ip",
    "import_ip", "update_ip_catalog", "create_ip", "generate_target", "synth_ip",
    "set_property", "get_property", "current_project", "current_fileset", "get_files",
    "get_ips", "get_ports", "get_cells", "synth_design", "opt_design", "place_design",
    "phys_opt_design", "route_design", "write_checkpoint", "report_utilization",
    "report_timing_summary", "report_drc", "report_power")

# Each stand-in records [name, args...] and returns a token naming the call, so getters
# nested in other commands stay readable. `exit` prints the record, one tab-separated call
# a line, then really exits with the script's code (it may be called from inside a proc).
HARNESS = r"""
set ::calls {}
foreach name $::commands {
    proc $name args [format {lappend ::calls [list %s {*}$args]; return "<%s>"} $name $name]
}
proc dump {} { foreach call $::calls { puts [join $call \t] }; flush stdout }
rename exit real_exit
proc exit {{code 0}} { lappend ::calls [list exit $code]; dump; real_exit $code }
set script [lindex $argv 0]
set argv [lrange $argv 1 end]
set argc [llength $argv]
source $script
dump
"""


@dataclass
class Recorded:
    returncode: int
    calls: list[list[str]]
    stderr: str

    @property
    def names(self) -> list[str]:
        return [c[0] for c in self.calls]


def tclsh() -> str:
    path = shutil.which("tclsh")
    if path is None:
        raise StreamcnnError("tclsh is not installed (apt-get install tcl): the dry run "
                             "executes the Vivado script with it")
    return path


def record(script: Path, args: list[str], commands=VIVADO_COMMANDS,
           cwd: Path | None = None, timeout: float = 60) -> Recorded:
    """Source `script` with `args` as its argv; every command in `commands` is recorded."""
    harness = "set ::commands {%s}\n%s" % (" ".join(commands), HARNESS)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "harness.tcl").write_text(harness)
        r = subprocess.run([tclsh(), str(Path(tmp) / "harness.tcl"), str(script), *args],
                           text=True, capture_output=True, cwd=cwd, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    calls = [line.split("\t") for line in r.stdout.splitlines() if line]
    return Recorded(r.returncode, calls, r.stderr)


def format_calls(calls: list[list[str]]) -> str:
    """The calls as Tcl-like command lines, for printing."""
    return "\n".join(" ".join(c) for c in calls)
