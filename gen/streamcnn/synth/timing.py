"""Static timing ESTIMATE of a synthesised core: each module's own abstract (netgraph.py)
composed bottom-up through the hierarchy, so that a path crossing blocks (a ready chain) is
found and named by the blocks it crosses; per layer and for the design the worst
register-to-register path, its fmax and the verdict against the build's target clock.

Composition works on groups: a module's start groups (its registers, input ports, its
instances' outputs) and end groups (registers, output ports, instances' inputs). A child's
composed abstract gives arcs between the child's pins; the module's own edges join them.
Nets that reach a port or an instance are charged here, with the loads inside every child
they reach (netgraph's specs). Everything is an estimate from an unplaced netlist."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import StreamcnnError
from ..target import Target
from .delay_model import MODEL, DelayModel, describe
from .netgraph import KINDS

LABEL = "ESTIMATE"
REG_OUT, REG_IN = "reg>", ">reg"          # a module's registers as start, as end
# The most flip-flop enables, resets or sets one net may drive inside a block: beyond it
# the net alone is over 0.84 ns by the model, and Vivado starts replicating its driver.
# Stall enables are constants where the core runs free (FREE), so what remains are the
# line buffers' and collectors' "a pixel arrived" enables.
CONTROL_FANOUT_BOUND = 2048


@dataclass(frozen=True)
class Path:
    delay: float = 0.0
    counts: tuple = (0,) * len(KINDS)         # per netgraph.KINDS: lut, carry4, ...
    cells: int = 0
    fanout: int = 0
    start: str = ""
    end: str = ""
    blocks: tuple = ()

    def __add__(self, b: "Path") -> "Path":
        blocks = self.blocks + tuple(x for i, x in enumerate(b.blocks)
                                     if i or not self.blocks or self.blocks[-1] != x)
        return Path(self.delay + b.delay, tuple(x + y for x, y in zip(self.counts, b.counts)),
                    self.cells + b.cells, max(self.fanout, b.fanout),
                    self.start or b.start, b.end or self.end, blocks)

    def inside(self, inst: str) -> "Path":
        """This path of a child, seen from its parent through instance `inst`."""
        return replace(self, start=f"{inst}/{self.start}" if self.start else "",
                       end=f"{inst}/{self.end}" if self.end else "",
                       blocks=(inst,) + tuple(f"{inst}/{b}" for b in self.blocks))

    def count(self, kind: str) -> int:
        return self.counts[KINDS.index(kind)]

    def report(self, m: DelayModel = MODEL) -> dict:
        c4, c8 = self.count("carry4"), self.count("carry8")
        return {"delay_ns": round(self.delay, 3), "fmax_mhz": round(m.fmax_mhz(self.delay), 1),
                "lut_levels": self.count("lut"), "carry_cells": c4 + c8, "carry4": c4,
                "carry8": c8, "carry8_equivalent": c8 + (c4 + 1) // 2,
                "muxf": self.count("muxf"), "dsp": self.count("dsp"), "cells": self.cells,
                "max_fanout": self.fanout, "start": self.start, "end": self.end,
                "blocks": top_blocks(self.blocks)}


def top_blocks(blocks: tuple) -> list[str]:
    """The top-level instances a path crosses, in order."""
    out: list[str] = []
    for b in blocks:
        head = b.split("/", 1)[0]
        if not out or out[-1] != head:
            out.append(head)
    return out


def _edge_path(e: dict, delay: float, fanout: int) -> Path:
    return Path(delay, tuple(e.get(k, 0) for k in KINDS), e["cells"], fanout,
                e["start"], e["end"])


@dataclass
class Composed:
    """A module seen from its parent: arcs between its pins and registers (first net into
    an input and the net after an output left to the parent), its pins' loads."""
    arcs: dict = field(default_factory=dict)          # (src, dst) -> Path; src/dst: reg or pin
    in_load: dict = field(default_factory=dict)
    out_load: dict = field(default_factory=dict)
    graph: "_Groups | None" = None
    unmodelled: list = field(default_factory=list)


class _Groups:
    """The group graph of one module: nodes are strings, edges carry Paths."""

    def __init__(self):
        self.succ: dict[str, list[tuple[str, Path]]] = {}
        self.internal: dict[str, Path] = {}          # instance -> its own worst reg path

    def add(self, u: str, v: str, p: Path) -> None:
        self.succ.setdefault(u, []).append((v, p))
        self.succ.setdefault(v, [])

    def order(self) -> list[str]:
        indeg = {u: 0 for u in self.succ}
        for es in self.succ.values():
            for v, _ in es:
                indeg[v] += 1
        queue = [u for u, n in indeg.items() if n == 0]
        out = []
        while queue:
            u = queue.pop()
            out.append(u)
            for v, _ in self.succ[u]:
                indeg[v] -= 1
                if not indeg[v]:
                    queue.append(v)
        self.loops = len(indeg) - len(out)
        return out

    def forward(self, src: str) -> dict[str, Path]:
        best = {src: Path()}
        for u in self.order():
            if u in best:
                for v, p in self.succ[u]:
                    cand = best[u] + p
                    if v not in best or cand.delay > best[v].delay:
                        best[v] = cand
        return best

    def backward(self, dst: str) -> dict[str, Path]:
        best = {dst: Path()}
        for u in reversed(self.order()):
            for v, p in self.succ[u]:
                if v in best:
                    cand = p + best[v]
                    if u not in best or cand.delay > best[u].delay:
                        best[u] = cand
        return best


def _name(module: str) -> str:
    return module.lstrip("\\")


def compose(own: dict[str, dict], module: str, m: DelayModel = MODEL,
            done: dict | None = None) -> Composed:
    """The composed abstract of `module` from the own abstracts of it and its submodules."""
    done = {} if done is None else done
    module = _name(module)
    if module in done:
        return done[module]
    if module not in own:
        raise StreamcnnError(f"no timing abstract for module {module}")
    a = own[module]
    kids = {inst: (compose(own, t, m, done) if _name(t) in own else None)
            for inst, t in a["boxes"].items()}
    unmodelled = [f"{i} ({t})" for i, t in a.get("unmodelled", {}).items()]

    def load(spec: dict) -> int:
        n = spec["prims"]
        for inst, pin in spec["loads"]:
            k = kids.get(inst)
            n += k.in_load.get(pin, 1) if k else 1
        if spec.get("driver"):
            k = kids.get(spec["driver"][0])
            n += k.out_load.get(spec["driver"][1], 0) if k else 0
        return n

    g = _Groups()
    for e in a["edges"]:
        src, dst = e["from"], e["to"]
        delay, fo = e["delay"], e["fanout"]
        wire = src[0] in ("in", "box") and e["cells"] == 0
        if src[0] == "box" and not (wire and dst[0] == "out"):   # its output net, here
            n = load(a["box_out"][f"{src[1]}.{src[2]}"])
            delay, fo = delay + m.net(n), max(fo, n)
        if dst[0] == "box" and not wire:    # the net into the instance
            n = load(a["box_in"][f"{dst[1]}.{dst[2]}"])
            delay, fo = delay + m.net(n), max(fo, n)
        g.add(_node(src, True), _node(dst, False), _edge_path(e, delay, fo))
    for inst, k in kids.items():
        if k is None:                       # an unknown cell: its pins as registers
            unmodelled.append(f"{inst} ({a['boxes'][inst]})")
            for key in a["box_out"]:
                if key.startswith(inst + "."):
                    g.add(REG_OUT, "bo:" + key, Path(start=key))
            for key in a["box_in"]:
                if key.startswith(inst + "."):
                    g.add("bi:" + key, REG_IN, Path(end=key))
            continue
        unmodelled += [f"{inst}/{u}" for u in k.unmodelled]
        for (src, dst), p in k.arcs.items():
            p = p.inside(inst)
            if src == "reg" and dst == "reg":
                g.internal[inst] = p
            elif src == "reg":
                g.add(REG_OUT, f"bo:{inst}.{dst}", p)
            elif dst == "reg":
                g.add(f"bi:{inst}.{src}", REG_IN, p)
            else:
                g.add(f"bi:{inst}.{src}", f"bo:{inst}.{dst}", p)
    c = Composed(graph=g, unmodelled=list(dict.fromkeys(unmodelled)))
    c.in_load = {p: load(s) for p, s in a["in"].items()}
    c.out_load = {q: load(s) for q, s in a["out"].items()}
    sources = [REG_OUT] + [f"in:{p}" for p in a["in"]]
    sinks = {REG_IN: "reg", **{f"out:{q}": q for q in a["out"]}}
    for s in sources:
        best = g.forward(s) if s in g.succ else {}
        for node, name in sinks.items():
            if node in best:
                c.arcs[("reg" if s == REG_OUT else s[3:], name)] = best[node]
    worst = [c.arcs.get(("reg", "reg"))] + list(g.internal.values())
    worst = [p for p in worst if p is not None]
    if worst:
        c.arcs[("reg", "reg")] = max(worst, key=lambda p: p.delay)
    done[module] = c
    return c


def _node(ref: list, source: bool) -> str:
    if ref[0] == "reg":
        return REG_OUT if source else REG_IN
    if ref[0] == "box":
        return f"{'bo' if source else 'bi'}:{ref[1]}.{ref[2]}"
    return f"{ref[0]}:{ref[1]}"


def per_instance(c: Composed) -> dict[str, Path]:
    """The worst register-to-register path through (or inside) each instance of a module."""
    g = c.graph
    fwd, bwd = g.forward(REG_OUT), g.backward(REG_IN)
    out = dict(g.internal)
    for node in g.succ:
        if node[:3] in ("bi:", "bo:") and node in fwd and node in bwd:
            inst = node[3:].rsplit(".", 1)[0]
            p = fwd[node] + bwd[node]
            if inst not in out or p.delay > out[inst].delay:
                out[inst] = p
    return out


def clock_for_us(target: Target, timing: dict | None) -> tuple[float, str]:
    """The clock period (ns) µs figures rest on: the target's, or the estimated fmax's where
    that is lower; and a phrase saying which."""
    fmax = (timing or {}).get("fmax_mhz")
    if not fmax:
        return target.clock_ns, f"the target {target.mhz:g} MHz (timing not estimated)"
    if fmax >= target.mhz:
        return target.clock_ns, (f"the target {target.mhz:g} MHz (estimated fmax "
                                 f"{fmax:g} MHz)")
    return 1e3 / fmax, f"the estimated fmax {fmax:g} MHz (below the target {target.mhz:g} MHz)"


def clock_of_build(build) -> tuple[float, str]:
    """clock_for_us for a build: its target, and the estimate in BUILD/reports/synth.json if
    `streamcnn synth` or `timing` made one."""
    import json
    from pathlib import Path
    f = Path(build) / "reports" / "synth.json"
    try:
        t = json.loads(f.read_text()).get("timing") if f.is_file() else None
    except ValueError:
        t = None
    return clock_for_us(Target.of_build(build), t if (t or {}).get("estimate") else None)


def control_nets(own: dict[str, dict], module: str, prefix: str = "") -> list[tuple[int, str]]:
    """(flip-flop control loads, instance path/net) of the worst such net in every instance
    under `module`, counted within the module that holds the flip-flops."""
    a = own.get(_name(module))
    if a is None:
        return []
    c = a.get("control") or {}
    out = [(c["fanout"], prefix + c["net"])] if c.get("fanout") else []
    for inst, t in sorted(a["boxes"].items()):
        out += control_nets(own, t, f"{prefix}{inst}/")
    return out


def _control_report(nets: list[tuple[int, str]]) -> dict:
    fo, net = max(nets, default=(0, ""))
    return {"fanout": fo, "net": net, "bound": CONTROL_FANOUT_BOUND,
            "within": fo <= CONTROL_FANOUT_BOUND}


def design(own: dict[str, dict], top: str, layers: dict[str, str], target: Target,
           layer_of, m: DelayModel = MODEL) -> dict:
    """synth.json's `timing`: the design's and every layer's worst register-to-register path,
    the top's port paths, the verdict against the target and the delay model used."""
    done: dict = {}
    c = compose(own, top, m, done)
    worst = c.arcs.get(("reg", "reg"), Path())
    # Per layer: the worst path through any of its blocks (perhaps a chain across many),
    # and the worst inside them; in network.v's order.
    through = per_instance(c)
    rank = {inst: i for i, inst in enumerate(layers)}
    by_layer: dict[str, Path] = {}
    inside: dict[str, Path] = {}
    for inst in sorted(through, key=lambda i: (rank.get(i, len(rank)), i)):
        layer = layer_of(inst, layers)
        for table, p in ((by_layer, through[inst]), (inside, c.graph.internal.get(inst))):
            if p is not None and (layer not in table or p.delay > table[layer].delay):
                table[layer] = p
    io = {"inputs": {}, "outputs": {}, "port_to_port": []}
    for (src, dst), p in sorted(c.arcs.items()):
        # A register outside drives an input port's net and takes an output port's.
        if src != "reg":
            p = Path(m.ff_cko + m.net(c.in_load.get(src, 1)), start=src) + p
        if dst != "reg":
            p = p + Path(m.net(c.out_load.get(dst, 0) + 1) + m.ff_setup, end=dst)
        if dst == "reg" and src != "reg":
            io["inputs"][src] = p.report(m)
        elif src == "reg" and dst != "reg":
            io["outputs"][dst] = p.report(m)
        elif src != "reg":
            io["port_to_port"].append({"from": src, "to": dst, **p.report(m)})
    nets = control_nets(own, top)
    control = {layer_of(n.split("/", 1)[0], layers): [] for _, n in nets}
    for fo, n in nets:
        control[layer_of(n.split("/", 1)[0], layers)].append((fo, n))
    fmax = m.fmax_mhz(worst.delay)
    need = worst.delay + m.uncertainty
    return {
        "estimate": True,
        "label": f"{LABEL}: Yosys netlist, unplaced and unrouted, delay model below",
        "target": {"part": target.part, "clock_ns": target.clock_ns, "mhz": target.mhz},
        "worst": worst.report(m), "fmax_mhz": round(fmax, 1),
        "slack_ns": round(target.clock_ns - need, 3),
        "verdict": "meets" if need <= target.clock_ns else "fails",
        "layers": {k: {**p.report(m), "inside": inside[k].report(m) if k in inside else None,
                       "control": _control_report(control.get(k, []))}
                   for k, p in by_layer.items()},
        "control": _control_report(nets),
        **io,
        "unmodelled": c.unmodelled, "model": m.figures(), "model_text": describe(m),
    }


def format_report(t: dict, cycles: int | None = None) -> str:
    """The printed form of synth.json's `timing`, labelled an estimate on every line that
    gives a figure."""
    tg = t["target"]
    lines = [f"static timing {LABEL} (Yosys netlist, no placement or routing) against "
             f"{tg['part']} at {tg['clock_ns']:g} ns ({tg['mhz']:g} MHz)"]
    lines.append("worst register-to-register path through each layer's blocks, and inside them; "
                 "enable FF: most flip-flop enables/resets on one net in a block:")
    head = ("layer", "delay ns", "fmax MHz", "LUT", "carry", "MUXF", "DSP", "fan-out",
            "inside: ns", "LUT", "carry", "fan-out", "enable FF", "blocks crossed")
    rows = [head]
    for name, p in list(t["layers"].items()) + [("design", {**t["worst"], "control": t.get("control")})]:
        q = p.get("inside") or {}
        own = ((f"{q['delay_ns']:.3f}", str(q["lut_levels"]), _carry(q), f"{q['max_fanout']:,}")
               if q else ("-",) * 4)
        rows.append((name, f"{p['delay_ns']:.3f}", f"{p['fmax_mhz']:.0f}", str(p["lut_levels"]),
                     _carry(p), str(p["muxf"]), str(p["dsp"]), f"{p['max_fanout']:,}", *own,
                     f"{(p.get('control') or {}).get('fanout', 0):,}", " > ".join(p["blocks"]) or "-"))
    w = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for i, r in enumerate(rows):
        if i == len(rows) - 1:
            lines.append("-" * (sum(w) + 2 * len(w)))
        lines.append("  ".join(c.ljust(w[j]) if j in (0, len(w) - 1) else c.rjust(w[j])
                               for j, c in enumerate(r)))
        if i == 0:
            lines.append("-" * (sum(w) + 2 * len(w)))
    wp = t["worst"]
    lines.append(f"worst path ({LABEL}): {wp['start']} -> {wp['end']}")
    lines.append(f"verdict ({LABEL}): estimated fmax {t['fmax_mhz']:g} MHz: "
                 f"{'meets' if t['verdict'] == 'meets' else 'FAILS'} the target "
                 f"{tg['clock_ns']:g} ns (slack {t['slack_ns']:+.3f} ns)")
    c = t.get("control")
    if c:
        lines.append(f"largest flip-flop enable/reset net in a block: {c['fanout']:,} flip-flops "
                     f"({c['net'] or '-'}); bound {c['bound']:,}: "
                     f"{'within' if c['within'] else 'ABOVE'}")
    for p in t["port_to_port"]:
        lines.append(f"combinational port path ({LABEL}): {p['from']} -> {p['to']}: "
                     f"{p['delay_ns']:.3f} ns, {p['lut_levels']} LUT, through "
                     f"{' > '.join(p['blocks']) or 'the top'}")
    if cycles is not None:
        ns, basis = clock_for_us(Target(tg["part"], tg["clock_ns"]), t)
        lines.append(f"latency {cycles:,} cycles = {cycles * ns * 1e-3:.2f} µs at {basis}")
    if t["unmodelled"]:
        lines.append(f"unmodelled cells (taken as registers): {', '.join(t['unmodelled'][:8])}")
    return "\n".join(lines + t["model_text"])


def _carry(p: dict) -> str:
    if p["carry4"] and not p["carry8"]:
        return f"{p['carry4']}xC4"
    if p["carry8"] and not p["carry4"]:
        return f"{p['carry8']}xC8"
    return str(p["carry_cells"])
