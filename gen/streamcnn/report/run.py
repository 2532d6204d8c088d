"""`streamcnn report`: collect every shipped model, then write OUT/README.md and the plots.

Models are converted here; their RTL simulations and Yosys runs are the scan's jobs
(streamcnn.scan.jobs) on Dask distributed: a LocalCluster on this machine, or the cluster
at --scheduler. A model's figures are saved as soon as its last job is done, so an
interrupted report keeps every finished model."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tqdm import tqdm

from ..errors import StreamcnnError
from .collect import SIM_IMAGES, YOSYS_CACHE, Pending, prepare, record, save, unmeasured
from .plots import plot
from .render import markdown, update_readme


def _submit(c, p: Pending, step: str, cache: str | None, jobs: int):
    from ..scan.jobs import rtlsim, synthesis
    if step == "rtlsim":
        return c.submit(rtlsim, p.conv, SIM_IMAGES, "synth", key=f"rtlsim-{p.name}", pure=False)
    return c.submit(synthesis, p.conv, cache, jobs, key=f"synth-{p.name}", pure=False)


def measure(pending: list[Pending], out: Path, work: Path, workers: int | None = None,
            scheduler: str | None = None, jobs: int | None = None) -> None:
    """Run the pending models' jobs on Dask; save each model once all its jobs are done.
    By default one worker per core (at most one per job), and Yosys runs `jobs` modules at
    once in each (default: the cores a worker has to itself here). The per-module Yosys
    cache under WORK is used on a LocalCluster; a remote worker keeps its own."""
    from distributed import as_completed
    from ..scan.cluster import client
    steps = sum(len(p.todo) for p in pending)
    if not steps:
        return
    cores = os.cpu_count() or 1
    workers = workers or max(1, min(cores, steps))
    jobs = jobs or max(1, cores // workers)
    cache = None if scheduler else str(Path(work).resolve() / YOSYS_CACHE)
    c, cluster = client(workers, scheduler)
    errors = []
    try:
        which = {}
        for p in pending:
            for step in p.todo:
                which[_submit(c, p, step, cache, jobs)] = (p, step)
        left = {p.name: len(p.todo) for p in pending}
        with tqdm(total=steps, unit="step", desc="report") as bar:
            for f in as_completed(list(which)):
                p, step = which[f]
                try:
                    record(p, step, f.result())
                except StreamcnnError as e:        # the others still finish and are saved
                    errors.append(str(e))
                left[p.name] -= 1
                if not left[p.name]:
                    save(p, out)
                bar.set_postfix_str(f"{p.name}: {step}", refresh=False)
                bar.update()
                f.release()
    finally:
        c.close()
        if cluster is not None:
            cluster.close()
    if errors:
        raise StreamcnnError("; ".join(errors))


def _left_out(name: str, models: Path, out: Path, work: Path) -> dict:
    """A model --only left out: its earlier figures, marked stale if this generator writes
    other Verilog for it now (converted to find out), or a row of "–" if never measured."""
    path = out / f"{name}.json"
    if not path.is_file():
        return unmeasured(name, models)
    old = json.loads(path.read_text())
    p = prepare(name, models, out, work, synthesise=False, log=lambda _: None, pack=False)
    return {**old, "stale": True} if old.get("rtl_sha256") != p.rec["rtl_sha256"] else old


def run(models: Path, out: Path, work: Path, only: list[str] | None = None,
        synthesise: bool = True, jobs: int | None = None, readme: Path | None = None,
        workers: int | None = None, scheduler: str | None = None) -> list[dict]:
    """Measure the shipped models (or `only` these), write OUT/README.md and the plots, and
    the results section of `readme` when given."""
    from ..zoo.variants import VARIANTS
    t0 = time.perf_counter()
    models, out, work = Path(models), Path(out), Path(work)
    shipped = [v for v in VARIANTS if (models / f"{v}.h5").is_file()]
    if not shipped:
        raise StreamcnnError(f"{models}: no shipped models (*.h5) found")
    unknown = sorted(set(only or []) - set(shipped))
    if unknown:
        raise StreamcnnError(f"--only {unknown[0]}: not a shipped model; have {', '.join(shipped)}")
    pending = [prepare(v, models, out, work, synthesise) for v in shipped if not only or v in only]
    for p in pending:
        if not p.todo:
            save(p, out)
    measure([p for p in pending if p.todo], out, work, workers, scheduler, jobs)
    measured = {p.name: p.rec for p in pending}
    records = [measured.get(v) or _left_out(v, models, out, work) for v in shipped]
    names = plot(records, out)
    (out / "README.md").write_text(markdown(records, names))
    if readme is not None:
        update_readme(readme, records, [os.path.relpath(out / n, Path(readme).parent)
                                        for n in names])
    print(f"-> {out / 'README.md'} ({len(records)} models; "
          f"{sum(1 for r in records if r.get('synth'))} synthesised; "
          f"{len(pending)} checked in {time.perf_counter() - t0:.0f} s)")
    return records
