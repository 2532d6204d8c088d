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
Sparsity is the fraction of zero weights in the stored conv/dense kernels.
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
        bits = "float" if all(b is None for b in kb) else "/".join(sorted({str(b) for b in kb}))
        sp = sum(m["sparsity"].values()) / len(m["sparsity"])
        real = m.get("real_svhn", {}).get("correct", "n/a")
        out.append(f"| {m['variant'].upper()} | {bits} | {_pct(m['test_accuracy'])} | "
                   f"{_pct(m['firmware_accuracy'])} | {100 * sp:.1f} | {real} | {m['epochs_run']} | "
                   f"{m['train_seconds']:.0f} s | `{m['command']}` |")
    return "\n".join(out) + "\n"


def main(argv=None):
    import sys
    folder = Path((argv or sys.argv[1:] or ["models"])[0])
    (folder / "README.md").write_text(markdown(folder))
    print(f"{len(rows(folder))} models -> {folder / 'README.md'}")


if __name__ == "__main__":
    main()
