"""Where scans and the report run: a Dask distributed client, of an existing scheduler or of
a LocalCluster on this machine."""
from __future__ import annotations

from ..errors import StreamcnnError


def client(workers: int | None, scheduler: str | None):
    """(client, cluster): a client of the scheduler at `scheduler` (cluster None), or of a
    LocalCluster of `workers` single-threaded worker processes on this machine (the jobs
    run simulators and Yosys, which are processes of their own; one job per worker keeps
    memory bounded). Close both when done."""
    from distributed import Client, LocalCluster
    if scheduler:
        try:
            return Client(scheduler, timeout=30), None
        except (OSError, TimeoutError) as e:
            raise StreamcnnError(f"--scheduler {scheduler}: cannot connect ({e})") from None
    cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster), cluster
