"""The target: FPGA part and clock period, decided once (config `Target:`) and saved in the
build (BUILD/target.json); the HLS and Vivado flows, the report, bench and rtlsim's µs
figures all read it from there."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import StreamcnnError

FILE = "target.json"
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Target:
    part: str = "xcvu9p-flgb2104-2l-e"      # the paper's VU9P, -2 speed grade
    clock_ns: float = 5.0                   # 200 MHz, the paper's clock

    def __post_init__(self):
        if not isinstance(self.part, str) or not _PART.fullmatch(self.part):
            raise StreamcnnError(f"Target.Part: {self.part!r} is not a part name "
                                 "(e.g. xcvu9p-flgb2104-2l-e)")
        if isinstance(self.clock_ns, bool) or not isinstance(self.clock_ns, (int, float)) \
                or not 0.1 <= float(self.clock_ns) <= 1000:
            raise StreamcnnError(f"Target.ClockPeriod: {self.clock_ns!r} is not a clock period "
                                 "in ns (0.1 to 1000)")

    @property
    def mhz(self) -> float:
        return 1e3 / self.clock_ns

    def us(self, cycles: float) -> float:
        """Cycles as microseconds at this clock."""
        return cycles * self.clock_ns * 1e-3

    def __str__(self) -> str:
        return f"{self.part} at {self.clock_ns:g} ns ({self.mhz:g} MHz)"

    @classmethod
    def from_config(cls, entry, where: str) -> "Target":
        if entry is None:
            return cls()
        if not isinstance(entry, dict):
            raise StreamcnnError(f"{where}: expected a mapping with Part and ClockPeriod (ns)")
        unknown = sorted(set(entry) - {"Part", "ClockPeriod"})
        if unknown:
            raise StreamcnnError(f"{where}: unknown key {unknown[0]!r} (allowed: Part, ClockPeriod)")
        d = cls()
        return cls(entry.get("Part", d.part), entry.get("ClockPeriod", d.clock_ns))

    def save(self, build: Path) -> None:
        (Path(build) / FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def of_build(cls, build: Path) -> "Target":
        """The build's target; a build made before targets were saved has the default."""
        f = Path(build) / FILE
        if not f.is_file():
            return cls()
        try:
            d = json.loads(f.read_text())
            return cls(d["part"], d["clock_ns"])
        except (ValueError, KeyError, TypeError) as e:
            raise StreamcnnError(f"{f}: unreadable ({type(e).__name__}); run `streamcnn "
                                 "convert` again") from None
