"""`streamcnn report`: collect every shipped model, then write OUT/README.md and the plots."""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import StreamcnnError
from .collect import collect, unmeasured
from .plots import plot
from .render import markdown, update_readme


def run(models: Path, out: Path, work: Path, only: list[str] | None = None,
        synthesise: bool = True, jobs: int | None = None,
        readme: Path | None = None) -> list[dict]:
    """Measure the shipped models (or `only` these), write OUT/README.md and the plots, and
    the results section of `readme` when given."""
    from ..zoo.variants import VARIANTS
    models, out = Path(models), Path(out)
    shipped = [v for v in VARIANTS if (models / f"{v}.h5").is_file()]
    if not shipped:
        raise StreamcnnError(f"{models}: no shipped models (*.h5) found")
    unknown = sorted(set(only or []) - set(shipped))
    if unknown:
        raise StreamcnnError(f"--only {unknown[0]}: not a shipped model; have {', '.join(shipped)}")
    records = []
    for v in shipped:
        if only and v not in only:             # its earlier figures, or a row of "–"
            path = out / f"{v}.json"
            records.append(json.loads(path.read_text()) if path.is_file()
                           else unmeasured(v, models))
            continue
        records.append(collect(v, models, out, Path(work), synthesise, jobs=jobs))
    names = plot(records, out)
    (out / "README.md").write_text(markdown(records, names))
    if readme is not None:
        update_readme(readme, records, [os.path.relpath(out / n, Path(readme).parent)
                                        for n in names])
    print(f"-> {out / 'README.md'} ({len(records)} models; "
          f"{sum(1 for r in records if r.get('synth'))} synthesised)")
    return records
