"""`make report`: the paper's results table for every shipped model, from real runs.

Per model: convert, simulate the generated Verilog (latency, II, mismatches), synthesise it
with Yosys, and take the accuracies from the model's metrics JSON. Every figure is cached in
OUT/<variant>.json under the hash of the Verilog it was measured on, so a second run only
redoes what changed; then OUT/README.md and the plots are written from those files.
"""
from .collect import collect
from .render import headline, markdown

__all__ = ["collect", "headline", "markdown"]
