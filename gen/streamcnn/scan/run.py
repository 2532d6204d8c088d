"""The client side of a scan: the task graph on Dask, the per-point cache, the table."""
from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm import tqdm

from .cluster import client as _client
from .jobs import ARCHIVE, JOBS
from .spec import Spec, load_spec
from .table import write_table


def _cached(out: Path, point, step: str) -> dict | None:
    f = out / "cache" / f"{point.key}-{step}.json"
    return json.loads(f.read_text()) if f.is_file() else None


def _store(out: Path, point, step: str, result: dict) -> dict:
    keep = {k: v for k, v in result.items() if k != ARCHIVE}
    f = out / "cache" / f"{point.key}-{step}.json"
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = f.with_suffix(".tmp")
    tmp.write_text(json.dumps(keep, indent=1, sort_keys=True) + "\n")
    tmp.replace(f)                       # a result is on disk whole or not at all
    return keep


def _submit(client, spec: Spec, point, todo: list[str]) -> dict:
    """Futures of the steps still to run for one point. Every other step needs the build,
    so convert runs again (not gathered) where only its figures were cached."""
    if not todo:
        return {}
    model = point.model.read_bytes()
    conv = client.submit(JOBS["convert"], model, point.config(), key=f"convert-{point.key}",
                         pure=False)
    args = {"convert": None, "golden": (conv, model, spec.images), "csim": (conv, spec.images),
            "rtlsim": (conv, spec.images), "synth": (conv,)}
    return {s: conv if s == "convert" else
            client.submit(JOBS[s], *args[s], key=f"{s}-{point.key}", pure=False) for s in todo}


def scan(spec_path, out, workers: int | None = None, scheduler: str | None = None,
         progress: bool = True) -> list[dict]:
    """Run every point's steps (cached ones are read back), write OUT/scan.csv, scan.json
    and the Pareto plots, and return the rows."""
    from distributed import as_completed
    spec = load_spec(spec_path)
    out = Path(out)
    results: dict[tuple[str, str], dict] = {}
    todo = {}
    for p in spec.points:
        for s in spec.steps:
            r = _cached(out, p, s)
            if r is not None:
                results[(p.name, s)] = r
        todo[p.name] = [s for s in spec.steps if (p.name, s) not in results]
    pending = sum(len(v) for v in todo.values())
    t0 = time.perf_counter()
    if pending:
        client, cluster = _client(workers, scheduler)
        try:
            which, futures = {}, []
            for p in spec.points:
                for s, f in _submit(client, spec, p, todo[p.name]).items():
                    which[f.key] = (p, s)
                    futures.append(f)
            bar = tqdm(total=pending, unit="step", desc="scan", disable=not progress)
            for f in as_completed(futures):
                p, s = which[f.key]
                try:
                    results[(p.name, s)] = _store(out, p, s, f.result())
                except Exception as e:    # the cluster's failure, not the point's: not
                    results[(p.name, s)] = {"error": f"{type(e).__name__}: {e}"}  # cached
                bar.set_postfix_str(f"{p.name}: {s}", refresh=False)
                bar.update()
                f.release()
            bar.close()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    rows = [_row(spec, p, results) for p in spec.points]
    write_table(rows, spec, out, time.perf_counter() - t0)
    return rows


def _row(spec: Spec, point, results) -> dict:
    row = {"point": point.name, "model": point.model.name, **point.options}
    for s in spec.steps:
        for k, v in results[(point.name, s)].items():
            row[f"{s}.{k}"] = v
    return row
