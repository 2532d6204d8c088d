"""models/README.md: the shipped models' figures, regenerated from their metrics JSONs."""
from __future__ import annotations

import json
from pathlib import Path

from .variants import VARIANTS

HEADER = """# Shipped models

The paper's SVHN CNN family (REFERENCE.md §1) trained on the synthetic house-number set
(`streamcnn data`), with the paper's recipe. Each `<variant>.h5` has a `<variant>.json`
beside it with every figure below and the exact command that retrains it; `make models`
retrains the missing ones in warm-start order. This file is written by
`python -m streamcnn.zoo.table models`.

Accuracy is on the synthetic test split; "firmware" is the bit-exact golden model (the
float models BF/BP are post-training quantised to `ap_fixed<16,6>`, so they are not exact).
Sparsity is the fraction of zero weights in the stored conv/dense kernels. AQ/AQP quantise
each layer differently (AutoQKeras' choice, listed below the table); their "weight bits"
are the widths that occur.
"""


def rows(folder: Path) -> list[dict]:
    found = {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
    return [found[v] for v in VARIANTS if v in found]


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.2f}"


def markdown(folder: Path) -> str:
    out = [HEADER, "| model | weight bits | test acc. % (Keras) | firmware acc. % | sparsity % "
           "| real SVHN (of 4) | epochs | train time | retrain |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for m in rows(folder):
        kb = [b for n, b in m["bits"].items() if n in m["sparsity"]]
        bits = "float" if all(b is None for b in kb) else "/".join(map(str, sorted(set(kb))))
        sp = sum(m["sparsity"].values()) / len(m["sparsity"])
        real = m.get("real_svhn", {}).get("correct", "n/a")
        out.append(f"| {m['variant'].upper()} | {bits} | {_pct(m['test_accuracy'])} | "
                   f"{_pct(m['firmware_accuracy'])} | {100 * sp:.1f} | {real} | {m['epochs_run']} | "
                   f"{m['train_seconds']:.0f} s | `{m['command']}` |")
    return "\n".join(out + _autoq(rows(folder))) + "\n"


def _autoq(models: list[dict]) -> list[str]:
    """Per-layer bits of the AutoQKeras models and how the search ran."""
    auto = [m for m in models if "autoq" in m]
    if not auto:
        return []
    layers = list(auto[0]["bits"])
    out = ["", "## AutoQKeras models: bits per layer (kernel for conv/dense, output for "
           "activations)", "", "| model | " + " | ".join(layers) + " | output bias |",
           "| --- |" + " --- |" * (len(layers) + 1)]
    for m in auto:
        bias = m.get("bias_quantizers", {}).get("output", "n/a")
        out.append(f"| {m['variant'].upper()} | " + " | ".join(str(m["bits"][n]) for n in layers)
                   + f" | `{bias}` |")
    for m in auto:
        a = m["autoq"]
        if "settings" in a:
            s = a["settings"]
            out += ["", f"{m['variant'].upper()}: AutoQKeras {s['mode']} search from "
                    f"{a['searched_from']} with goal {a['goal']['type']}, {a['trials_completed']} "
                    f"trials x {s['epochs']} epochs on {s['images']:,} training images (batch "
                    f"{s['batch']}) in {a['search_seconds']:.0f} s; best trial: score "
                    f"{a['best']['score']:.4f}, val. accuracy {100 * a['best']['val_accuracy']:.2f}%, "
                    f"energy {a['best']['energy']:,.0f} (int8 reference {a['reference_energy']:,.0f}). "
                    "Its model was then trained with the recipe, warm-started from "
                    f"{m['warm_start']}."]
    return out


def main(argv=None):
    import sys
    folder = Path((argv or sys.argv[1:] or ["models"])[0])
    (folder / "README.md").write_text(markdown(folder))
    print(f"{len(rows(folder))} models -> {folder / 'README.md'}")


if __name__ == "__main__":
    main()
