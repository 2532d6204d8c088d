"""The delay model of the static timing ESTIMATE (timing.py): UltraScale+ cell delays and a
fan-out-dependent net delay, each figure with where it comes from.

No public data sheet lists UltraScale+ CLB delays any more (DS923 gives only maximum
frequencies), so the CLB figures are those Vivado's own timing model prints for an UltraScale+
part in public post-synthesis reports; they are for speed grade -1, slower than the VU9P's -2,
hence conservative here. Where no public figure was found, the value is a stated guess on the
slow side. Placement and routing are unknown: the net delay grows with fan-out because the
loads of a net spread over an area that grows with their number, so the farthest wire grows
about as the square root (the cells' own delays do not depend on it here)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

VIVADO = ("Vivado 2021.2 report_timing on UltraScale+ xczu3eg, speed grade -1 (public "
          "post-synthesis reports; -1 is slower than -2)")
DS923 = "AMD DS923 (Virtex UltraScale+ data sheet) v1.20, speed grade -2, VCCINT 0.85 V"
GUESS = "no public figure found: a guess, on the slow side"


@dataclass(frozen=True)
class DelayModel:
    """Delays in ns. Every arc of a cell has one of these; see SOURCES."""
    lut: float = 0.18             # LUT1..LUT6 (and INV) any input -> O
    muxf: float = 0.15            # MUXF7/F8/F9 any input -> O
    carry_in: float = 0.245       # CARRY8 S[i]/DI[i] -> CO[j]/O[j] (j >= i)
    carry8_stage: float = 0.030   # CARRY8 CI -> CO[7]: one more cell of a chain
    carry4_stage: float = 0.015   # CARRY4: half a CARRY8 (Vivado packs two into one)
    carry_out: float = 0.11       # CARRY8/4 CI -> O[j]: leaving the chain
    ff_cko: float = 0.10          # FD* C -> Q
    ff_setup: float = 0.03        # FD* D setup
    ff_setup_ctrl: float = 0.10   # FD* CE, R, S, CLR, PRE setup (or recovery)
    srl_cko: float = 1.20         # SRL16E/SRLC32E CLK -> Q
    srl_addr: float = 0.30        # SRL address A -> Q (dynamic length)
    lutram_read: float = 0.30     # distributed RAM read address -> data out
    mem_setup: float = 0.30       # SRL, LUTRAM, DSP input setup
    bram_cko: float = 1.80        # RAMB18/36 CLK -> DO without output register
    bram_cko_reg: float = 0.60    # ... with DOA_REG/DOB_REG
    bram_setup: float = 0.50      # RAMB18/36 input setup
    dsp_stage: float = 1.29        # DSP48E2 register -> register, all registers: 1/775 MHz
    dsp_ab_p: float = 1.84         # A/B register -> P register without MREG: 1/544 MHz
    dsp_comb: float = 3.00        # DSP48E2 A/B pin -> P pin, no register: 1/410 MHz + pins
    dsp_cko: float = 0.60         # DSP48E2 CLK -> P (PREG) or other output register
    dsp_pin: float = 0.30         # into or out of a DSP48E2 between pin and register
    net_base: float = 0.30        # a net to one load
    net_spread: float = 0.012     # ... + this x sqrt(fan-out)
    uncertainty: float = 0.05     # clock uncertainty taken off every period
    fmax_cap_mhz: float = 775.0   # global clock tree maximum (BUFG) at -2

    def net(self, fanout: int) -> float:
        """Delay of a net to its farthest load, from its fan-out (loads, clock pins excluded)."""
        return self.net_base + self.net_spread * math.sqrt(max(1, fanout))

    def fmax_mhz(self, delay_ns: float) -> float:
        """Clock a register-to-register path of `delay_ns` allows, capped at the clock tree's."""
        return min(self.fmax_cap_mhz, 1e3 / (delay_ns + self.uncertainty))

    def figures(self) -> dict:
        return asdict(self)


MODEL = DelayModel()

SOURCES = {
    "lut": f"{VIVADO}: LUT1..LUT6 I->O 0.04-0.179 ns; the largest taken for every LUT",
    "muxf": f"{VIVADO}: MUXF7 I0->O 0.087 ns; select not seen, so 0.15 for every input",
    "carry_in": f"{VIVADO}: CARRY8 S[1]->CO[7] 0.245 ns (DI->CO[7] 0.177, DI[2]->O[4] 0.189)",
    "carry8_stage": f"{VIVADO}: CARRY8 CI->CO[7] 0.030 ns",
    "carry4_stage": "half of carry8_stage: Yosys maps adders to CARRY4, Vivado packs two "
                    "in series into one CARRY8",
    "carry_out": f"{VIVADO}: CARRY8 CI->O[4] 0.109 ns (CI->O[0] 0.072)",
    "ff_cko": f"{VIVADO}: FDRE C->Q 0.093 ns",
    "ff_setup": f"{VIVADO}: FDRE setup C->D 0.027 ns",
    "ff_setup_ctrl": f"{VIVADO}: FDRE setup C->CE 0.043 ns; R/S/CLR/PRE not seen: 0.10",
    "srl_cko": GUESS, "srl_addr": GUESS, "lutram_read": GUESS, "mem_setup": GUESS,
    "bram_cko": GUESS, "bram_cko_reg": GUESS, "bram_setup": GUESS,
    "dsp_stage": f"{DS923}: DSP48E2 FMAX with all registers 775 MHz",
    "dsp_ab_p": f"{DS923}: FMAX_MULT_NOMREG (two-register multiply without MREG) 544 MHz",
    "dsp_comb": f"{DS923}: FMAX_NOPIPELINEREG 410 MHz (2.44 ns register to register), plus "
                "0.56 ns for unregistered pins (a guess)",
    "dsp_cko": GUESS, "dsp_pin": GUESS,
    "net_base": f"{VIVADO} estimate unplaced nets at 0.16-0.29 ns; 0.30 taken as a placed net",
    "net_spread": "assumption: loads spread over an area growing with their number; "
                  "+1.2 ns at 10,000 loads (a net across a clock region), +2.2 ns at 33,000",
    "uncertainty": f"{VIVADO}: clock uncertainty 0.035 ns; 0.05 taken",
    "fmax_cap_mhz": f"{DS923}: FMAX of a global clock tree (BUFG) 775 MHz",
}

# Connections on dedicated wires inside a slice or a column: no routed net (Vivado: 0.007 ns
# CO->CI, 0.025 ns LUT->MUXF7). (driver type, driver pin, sink type, sink pin); "*" any.
DEDICATED = {("CARRY8", "CO", "CARRY8", "CI"), ("CARRY4", "CO", "CARRY4", "CI"),
             ("CARRY4", "CO", "CARRY8", "CI"), ("CARRY8", "CO", "CARRY4", "CI"),
             ("LUT*", "O", "MUXF7", "I0"), ("LUT*", "O", "MUXF7", "I1"),
             ("MUXF7", "O", "MUXF8", "I0"), ("MUXF7", "O", "MUXF8", "I1"),
             ("MUXF8", "O", "MUXF9", "I0"), ("MUXF8", "O", "MUXF9", "I1"),
             ("DSP48E2", "PCOUT", "DSP48E2", "PCIN"), ("DSP48E2", "ACOUT", "DSP48E2", "ACIN"),
             ("DSP48E2", "BCOUT", "DSP48E2", "BCIN"),
             ("DSP48E2", "CARRYCASCOUT", "DSP48E2", "CARRYCASCIN")}


def dedicated(driver_type: str, driver_pin: str, sink_type: str, sink_pin: str) -> bool:
    d = "LUT*" if driver_type.startswith("LUT") else driver_type
    return (d, driver_pin, sink_type, sink_pin) in DEDICATED


def describe(model: DelayModel = MODEL) -> list[str]:
    """The model's figures and sources, for printing beside every estimate."""
    f = model
    lines = [
        "delay model (ns; UltraScale+, for the VU9P's -2 speed grade; an ESTIMATE: no "
        "placement or routing):",
        f"  LUT {f.lut}, MUXF7/8 {f.muxf}; CARRY8 S/DI->CO/O {f.carry_in}, CI->CO {f.carry8_stage} "
        f"per CARRY8 ({f.carry4_stage} per CARRY4), CI->O {f.carry_out}",
        f"  FF clock-to-out {f.ff_cko}, setup D {f.ff_setup}, CE/R/S {f.ff_setup_ctrl}; SRL "
        f"clock-to-out {f.srl_cko}, address {f.srl_addr}; LUTRAM read {f.lutram_read}; "
        f"BRAM clock-to-out {f.bram_cko} ({f.bram_cko_reg} registered)",
        f"  DSP48E2 register to register {f.dsp_stage:.2f} ({f.dsp_ab_p:.2f} without MREG), "
        f"combinational A/B->P {f.dsp_comb}, clock-to-out {f.dsp_cko}",
        f"  net {f.net_base} + {f.net_spread} x sqrt(fan-out) (dedicated carry/MUXF/DSP cascade "
        f"wires 0); clock uncertainty {f.uncertainty}; fmax capped at {f.fmax_cap_mhz:g} MHz",
        "  sources: " + VIVADO + "; " + DS923 + "; the rest stated guesses (see "
        "streamcnn.synth.delay_model.SOURCES)",
    ]
    return lines
