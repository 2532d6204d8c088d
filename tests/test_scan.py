"""`streamcnn scan`: the spec's one-line errors, the Pareto front, and a scan on a real Dask
cluster (a `dask scheduler` and two `dask worker` processes from this virtualenv) that loses
a worker in the middle and still returns every result once, equal to a run without Dask."""
from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from streamcnn.errors import StreamcnnError
from streamcnn.scan import load_spec, scan
from streamcnn.scan import jobs
from streamcnn.scan.table import front

sys.path.insert(0, str(Path(__file__).parent))
import user_models  # noqa: E402

DASK = Path(sys.executable).parent / "dask"
VOLATILE = ("worker", "seconds", "cached_modules")   # who ran a step, how long, from what cache


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("scan_models")
    user_models.mlp_jet_tagging().save(d / "jet.h5")
    user_models.cnn_fused_relu_string().save(d / "cnn.h5")
    return d


def _spec(folder: Path, steps, grid="ReuseFactor: [1, 2]", images=8) -> Path:
    f = folder / "spec.yml"
    f.write_text(f"models: [jet.h5, cnn.h5]\ngrid:\n  {grid}\nsteps: [{', '.join(steps)}]\n"
                 f"images: {images}\n")
    return f


@pytest.mark.parametrize("text, words", [
    ("models: [nope.h5]\n", ["spec.yml", "models: nope.h5", "no such file"]),
    ("models: [jet.h5]\ngrid: {PixelsPerClock: [1, 2]}\n", ["grid", "'PixelsPerClock'"]),
    ("models: [jet.h5]\nsteps: [place]\n", ["steps", "'place'"]),
    ("models: [jet.h5]\nimages: 0\n", ["images", "0"]),
    ("models: [jet.h5]\nmodel: x\n", ["unknown key 'model'"]),
    ("models: [jet.h5]\ngrid: {ReuseFactor: 2}\n", ["grid.ReuseFactor", "list"]),
])
def test_bad_specs_are_refused_in_one_line(models, text, words):
    f = models / "spec.yml"
    f.write_text(text)
    with pytest.raises(StreamcnnError) as e:
        load_spec(f)
    msg = str(e.value)
    assert "\n" not in msg and all(w in msg for w in words), msg


def test_grid_points_and_the_steps_they_need(models):
    spec = load_spec(_spec(models, ["csim"], grid="ReuseFactor: [1, 2, 4]"))
    assert spec.steps == ["convert", "csim"]              # csim needs the build
    assert [p.name for p in spec.points] == [f"{m}/ReuseFactor={r}" for m in ("jet", "cnn")
                                             for r in (1, 2, 4)]
    assert len({p.key for p in spec.points}) == 6
    assert spec.points[1].config() == {"Model": {"ReuseFactor": 2}}


def test_pareto_front_is_the_undominated_points():
    pts = [(10, 0.5), (20, 0.9), (15, 0.4), (30, 0.95), (25, 0.8), (10, 0.6), (40, 0.95)]
    for maximise in (True, False):
        better = (lambda a, b: a >= b) if maximise else (lambda a, b: a <= b)
        undominated = {p for p in pts if not any(
            q != p and q[0] <= p[0] and better(q[1], p[1]) for q in pts)}
        assert set(front(pts, maximise)) == undominated


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args, log: Path, env) -> subprocess.Popen:
    return subprocess.Popen([str(DASK), *args], stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            env=env, start_new_session=True)


def _local(spec) -> dict:
    """The same points without Dask: every job called in this process."""
    out = {}
    for p in spec.points:
        model = p.model.read_bytes()
        conv = jobs.convert(model, p.config())
        args = {"golden": (conv, model, spec.images), "csim": (conv, spec.images),
                "rtlsim": (conv, spec.images), "synth": (conv,)}
        res = {"convert": conv, **{s: jobs.JOBS[s](*args[s]) for s in spec.steps[1:]}}
        out[p.name] = {s: {k: v for k, v in res[s].items() if k not in VOLATILE + (jobs.ARCHIVE,)}
                       for s in spec.steps}
    return out


def _cluster_scan(models, tmp_path, steps):
    spec_file = _spec(models, steps)
    port = _free_port()
    env = {**os.environ, "STREAMCNN_YOSYS_CACHE": str(tmp_path / "yosys")}
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard"], tmp_path / "scheduler.log", env)]
    address = f"tcp://127.0.0.1:{port}"
    try:
        for name in ("a", "b"):
            procs.append(_start(["worker", address, "--nthreads", "1", "--name", name,
                                 "--no-dashboard"], tmp_path / f"worker_{name}.log", env))
        from distributed import Client
        with Client(address, timeout=60) as c:
            c.wait_for_workers(2, timeout=120)
            by_name = {w["name"]: a for a, w in c.scheduler_info()["workers"].items()}
        out = tmp_path / "scan"
        cache, killed = out / "cache", {}
        result: dict = {}
        t = threading.Thread(target=lambda: result.update(rows=scan(spec_file, out,
                                                                     scheduler=address,
                                                                     progress=False)))
        t.start()
        while t.is_alive() and not (cache.is_dir() and any(cache.glob("*.json"))):
            time.sleep(0.2)
        killed["done_before"] = len(list(cache.glob("*.json"))) if cache.is_dir() else 0
        os.killpg(procs[1].pid, signal.SIGKILL)          # worker a, mid-scan
        t.join(timeout=1800)
        assert not t.is_alive(), "scan did not finish"
        return load_spec(spec_file), result["rows"], cache, killed, by_name
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)


def _check(spec, rows, cache, killed, by_name):
    total = len(spec.points) * len(spec.steps)
    assert 0 < killed["done_before"] < total, "the worker was not killed mid-scan"
    files = sorted(cache.glob("*.json"))
    assert len(files) == total                            # every result once, on disk
    assert sorted(f.name for f in files) == sorted(
        f"{p.key}-{s}.json" for p, s in itertools.product(spec.points, spec.steps))
    assert [r["point"] for r in rows] == [p.name for p in spec.points]
    workers = {r[f"{s}.worker"] for r in rows for s in spec.steps}
    assert workers <= set(by_name.values()) and by_name["b"] in workers
    import csv
    with open(cache.parent / "scan.csv") as f:
        assert [r["point"] for r in csv.DictReader(f)] == [p.name for p in spec.points]
    local = _local(spec)
    for r, p in zip(rows, spec.points):
        for s in spec.steps:
            got = {k.split(".", 1)[1]: v for k, v in r.items()
                   if k.startswith(s + ".") and k.split(".", 1)[1] not in VOLATILE}
            assert got == json.loads(json.dumps(local[p.name][s])), (p.name, s)


def test_scan_on_a_real_cluster_survives_a_killed_worker(models, tmp_path):
    spec, rows, cache, killed, by_name = _cluster_scan(models, tmp_path, ["convert", "golden"])
    _check(spec, rows, cache, killed, by_name)
    # rerun: everything comes from the cache, nothing is submitted
    again = scan(spec.path, cache.parent, scheduler="tcp://127.0.0.1:1", progress=False)
    assert again == rows


@pytest.mark.slow
def test_scan_of_every_step_on_a_real_cluster_survives_a_killed_worker(models, tmp_path):
    _check(*_cluster_scan(models, tmp_path, ["convert", "golden", "csim", "rtlsim", "synth"]))
