"""A module's own timing abstract, from its Yosys JSON netlist (one per-module run).

The netlist is a graph of net bits joined by the primitives' arcs (cell_timing.py). Start
points: clocked outputs ("reg"), the module's input ports, and the outputs of its submodule
instances (black boxes here). End points: clocked inputs ("reg"), output ports and the
instances' inputs. The abstract is the longest path, by estimated delay, from every start
group to every end group, with its LUT levels, carry cells, MUXF and DSP cells and largest
fan-out, plus the loads of every net that reaches a port or an instance.

A net driven by a port or an instance, and a net into an instance, is charged in the parent
(timing.compose), which knows its whole fan-out: such a net's delay is left out here and its
loads recorded instead ("spec"). Run as `python -m streamcnn.synth.netgraph NETLIST.json
MODULE OUT.json` after each Yosys run, so big netlists are read in their own process."""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from . import cell_timing as ct
from .delay_model import MODEL, DelayModel, dedicated

KINDS = (ct.LUT, ct.CARRY4, ct.CARRY8, ct.MUXF, ct.DSP, ct.MEM)
_KIND = {k: i for i, k in enumerate(KINDS)}
# A path while searching: [delay, one count per kind..., cells, fan-out, start, end]
CELLS, FO, START, END = 1 + len(KINDS), 2 + len(KINDS), 3 + len(KINDS), 4 + len(KINDS)
VERSION = 2          # of the abstract's format: part of the cache's validity
CONTROL_PINS = ("CE", "R", "S", "CLR", "PRE")      # a flip-flop's enable, reset and set


def _label(names: dict[int, str], bit: int, fallback: str) -> str:
    return names.get(bit, fallback)


def _net_names(module: dict) -> dict[int, str]:
    """A readable name per net bit: the shortest public name, `name[i]` for buses."""
    out: dict[int, tuple] = {}
    for name, n in module.get("netnames", {}).items():
        bits = n["bits"]
        for i, b in enumerate(bits):
            label = name if len(bits) == 1 else f"{name}[{i}]"
            rank = (int(n.get("hide_name", 0)), len(label), label)
            if isinstance(b, int) and (b not in out or rank < out[b]):
                out[b] = rank
    return {b: r[2] for b, r in out.items()}


class Graph:
    """Net bits (ints) and virtual nodes (one per cell arc) with weighted edges."""

    def __init__(self, module: dict, m: DelayModel = MODEL):
        self.m = m
        self.names = _net_names(module)
        # bit -> ("in", port) | ("box", inst, pin) | ("cell", type, pin)
        self.driver: dict[int, tuple] = {}
        self.prims: dict[int, int] = defaultdict(int)            # primitive data loads
        self.boxloads: dict[int, set] = defaultdict(set)         # (inst, pin) loads
        self.in_ports, self.out_ports, self.boxes = {}, {}, {}
        self.unmodelled: dict[str, str] = {}
        self.internal: list[tuple[float, str]] = []
        cells = module.get("cells", {})
        for name, p in module.get("ports", {}).items():
            bits = [b for b in p["bits"] if isinstance(b, int)]
            if p["direction"] == "input":
                self.in_ports[name] = bits
                for b in bits:
                    self.driver[b] = ("in", name)
            elif p["direction"] == "output":
                self.out_ports[name] = bits
        self.timing: dict[str, ct.CellTiming] = {}
        self.control: dict[int, int] = defaultdict(int)          # flip-flop control loads
        for name, c in cells.items():
            if c["type"] in ct.FFS:
                for pin in CONTROL_PINS:
                    for b in c.get("connections", {}).get(pin, []):
                        if isinstance(b, int):             # constants are no net
                            self.control[b] += 1
            conns = c.get("connections", {})
            widths = {p: len(b) for p, b in conns.items()}
            dirs = c.get("port_directions", {})
            t = ct.timing_of(c["type"], c.get("parameters", {}), widths, dirs, m)
            if t is None:
                self.boxes[name] = c["type"]
                if not dirs:
                    self.unmodelled[name] = c["type"]
                for pin, bits in conns.items():
                    for b in bits:
                        if not isinstance(b, int):
                            continue
                        if dirs.get(pin) == "output":
                            self.driver[b] = ("box", name, pin)
                        elif dirs.get(pin) == "input":
                            self.boxloads[b].add((name, pin))
                continue
            self.timing[name] = t
            for pin, bits in conns.items():
                for b in bits:
                    if not isinstance(b, int):
                        continue
                    if dirs.get(pin) == "output":
                        if not t.const:
                            self.driver[b] = ("cell", c["type"], pin)
                    elif dirs.get(pin) == "input" and pin not in ct.CLOCK_PINS:
                        self.prims[b] += 1
            if t.internal is not None:
                self.internal.append((t.internal, name))
        self._edges(cells)

    def fanout(self, bit: int) -> int:
        return self.prims.get(bit, 0) + len(self.boxloads.get(bit, ()))

    def deferred(self, bit: int) -> bool:
        """Driven by a port or an instance: the parent charges this net."""
        return self.driver.get(bit, ("",))[0] in ("in", "box")

    def _net(self, bit: int, sink_type: str, sink_pin: str) -> tuple[float, int]:
        """Delay and fan-out charged on the way from net `bit` into a primitive's pin."""
        d = self.driver.get(bit)
        if d is None or d[0] != "cell" or dedicated(d[1], d[2], sink_type, sink_pin):
            return 0.0, 0
        fo = self.fanout(bit)
        return self.m.net(fo), fo

    def _edges(self, cells: dict) -> None:
        self.succ: dict[int, list] = defaultdict(list)    # node -> [(node, w, kind, fo)]
        self.ends: dict[int, list] = defaultdict(list)    # node -> [(group, w, fo, label)]
        self.seeds_reg: list[tuple[int, float, str]] = []
        virtual = -1                    # virtual nodes: negative, net bits are positive
        for name, t in self.timing.items():
            conns = cells[name]["connections"]
            kind = cells[name]["type"]

            def bit(pin, i):
                bits = conns.get(pin, [])
                return bits[i] if i < len(bits) and isinstance(bits[i], int) else None

            for pin, setup in t.capture.items():
                for b in conns.get(pin, []):
                    if isinstance(b, int):
                        w, fo = self._net(b, kind, pin)
                        self.ends[b].append((("reg",), w + setup, fo, f"{name}.{pin}"))
            for pin, cko in t.launch.items():
                for b in conns.get(pin, []):
                    if isinstance(b, int):
                        self.seeds_reg.append((b, cko, _label(self.names, b, f"{name}.{pin}")))
            for arc in t.arcs:
                outs = [b for b in (bit(p, i) for p, i in arc.outs) if b is not None]
                if not outs:
                    continue
                v, virtual = virtual, virtual - 1
                for p, i in arc.ins:
                    b = bit(p, i)
                    if b is not None:
                        w, fo = self._net(b, kind, p)
                        self.succ[b].append((v, w + arc.delay, _KIND[arc.kind], fo))
                for o in outs:
                    self.succ[v].append((o, 0.0, -1, 0))
        for b, loads in self.boxloads.items():
            for inst, pin in sorted(loads):
                self.ends[b].append((("box", inst, pin), 0.0, 0, f"{inst}.{pin}"))
        for q, bits in self.out_ports.items():
            for b in bits:
                self.ends[b].append((("out", q), 0.0, 0, q))
        self.order = self._topological()

    def _topological(self) -> list[int]:
        indeg: dict[int, int] = defaultdict(int)
        for u, es in self.succ.items():
            for v, *_ in es:
                indeg[v] += 1
        nodes = set(self.succ) | set(indeg) | set(self.ends)
        queue = [n for n in nodes if indeg[n] == 0]
        order = []
        while queue:
            u = queue.pop()
            order.append(u)
            for v, *_ in self.succ.get(u, ()):
                indeg[v] -= 1
                if indeg[v] == 0:
                    queue.append(v)
        self.loops = len(nodes) - len(order)        # nodes on combinational loops: skipped
        return order

    def longest(self, seeds: list[tuple[int, float, str]], detail: bool = False):
        """Longest paths from `seeds` (bit, arrival, label) to every end group: group ->
        path list (see CELLS); with `detail`, also per register end point."""
        best: dict[int, list] = {}
        for b, t, label in seeds:
            if b not in best or t > best[b][0]:
                best[b] = [t] + [0] * len(KINDS) + [0, 0, label]
        out: dict[tuple, list] = {}
        per_end: dict[str, list] = {}
        for u in self.order:
            p = best.get(u)
            if p is None:
                continue
            for group, w, fo, label in self.ends.get(u, ()):
                d = p[0] + w
                path = [d, *p[1:FO], max(p[FO], fo), p[START], label]
                if group not in out or d > out[group][0]:
                    out[group] = path
                if detail and group == ("reg",) and (label not in per_end
                                                      or d > per_end[label][0]):
                    per_end[label] = path
            for v, w, k, fo in self.succ.get(u, ()):
                d = p[0] + w
                q = best.get(v)
                if q is None or d > q[0]:
                    q = list(p)
                    q[0] = d
                    if k >= 0:
                        q[1 + k] += 1
                        q[CELLS] += 1
                    q[FO] = max(p[FO], fo)
                    best[v] = q
        return (out, per_end) if detail else out


def _spec(g: Graph, bits) -> dict:
    """Loads of the nets on `bits`, merged (largest primitive load, every instance pin), and
    the instance driving them, if any."""
    prims, loads, driver = 0, set(), None
    for b in bits:
        prims = max(prims, g.prims.get(b, 0))
        loads |= g.boxloads.get(b, set())
        d = g.driver.get(b)
        if d and d[0] == "box":
            driver = [d[1], d[2]]
    return {"prims": prims, "loads": sorted([list(x) for x in loads]), "driver": driver}


def _edge(src: list, dst: tuple, p: list) -> dict:
    return {"from": src, "to": list(dst), "delay": round(p[0], 4),
            **{k: p[1 + i] for i, k in enumerate(KINDS)}, "cells": p[CELLS], "fanout": p[FO],
            "start": p[START], "end": p[END]}


def own_abstract(module: dict, m: DelayModel = MODEL) -> dict:
    """The module's timing abstract: edges between its start and end groups, the loads of
    its port and instance nets, its instances, and what could not be modelled."""
    g = Graph(module, m)
    edges = []
    sources = [(["reg"], g.seeds_reg)]
    sources += [(["in", p], [(b, 0.0, p) for b in bits]) for p, bits in g.in_ports.items()]
    box_out: dict[tuple, list] = defaultdict(list)
    for b, d in g.driver.items():
        if d[0] == "box":
            box_out[(d[1], d[2])].append(b)
    sources += [(["box", i, pin], [(b, 0.0, f"{i}.{pin}") for b in bits])
                for (i, pin), bits in sorted(box_out.items())]
    for src, seeds in sources:
        for dst, p in g.longest(seeds).items():
            edges.append(_edge(src, dst, p))
    for delay, name in g.internal:          # e.g. a DSP48E2's MREG -> PREG
        edges.append(_edge(["reg"], ("reg",), [delay] + [int(k == ct.DSP) for k in KINDS]
                           + [1, 0, name, name]))
    edges.sort(key=lambda e: (e["from"], e["to"]))      # independent of hash seeds
    box_in: dict[tuple, list] = defaultdict(list)
    for b, loads in g.boxloads.items():
        for x in loads:
            box_in[x].append(b)
    return {
        "version": VERSION, "model": m.figures(),
        "edges": edges,
        "in": {p: _spec(g, bits) for p, bits in g.in_ports.items()},
        "out": {q: _spec(g, bits) for q, bits in g.out_ports.items()},
        "box_out": {f"{i}.{pin}": _spec(g, bits) for (i, pin), bits in box_out.items()},
        "box_in": {f"{i}.{pin}": _spec(g, bits) for (i, pin), bits in box_in.items()},
        "boxes": dict(sorted(g.boxes.items())),
        "unmodelled": g.unmodelled, "loops": g.loops,
        "cells": len(g.timing) + len(g.boxes),
        "control": _control(g),
    }


def _control(g: Graph) -> dict:
    """The net driving the most flip-flop enables, resets or sets in this module."""
    if not g.control:
        return {"fanout": 0, "net": ""}
    b = max(sorted(g.control), key=lambda k: g.control[k])
    return {"fanout": g.control[b], "net": _label(g.names, b, f"net {b}")}


def endpoint_paths(module: dict, m: DelayModel = MODEL) -> dict[str, dict]:
    """The worst register-to-register path into every end point (`cell.pin`) of a module."""
    g = Graph(module, m)
    _, per_end = g.longest(g.seeds_reg, detail=True)
    return {k: _edge(["reg"], ("reg",), p) for k, p in per_end.items()}


def module_of(netlist: dict, module: str) -> dict:
    """A module of a Yosys JSON netlist, by its name with or without the leading backslash."""
    mods = netlist["modules"]
    for key in (module, module.lstrip("\\"), "\\" + module.lstrip("\\")):
        if key in mods:
            return mods[key]
    if len(mods) == 1:
        return next(iter(mods.values()))
    raise KeyError(module)


def main(argv: list[str]) -> int:
    netlist, module, out = argv
    a = {"module": module, **own_abstract(module_of(json.loads(Path(netlist).read_text()),
                                                    module))}
    tmp = Path(out + ".tmp")
    tmp.write_text(json.dumps(a))
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
