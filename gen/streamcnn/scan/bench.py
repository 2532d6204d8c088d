"""`streamcnn scan SPEC --bench 1,2`: the same scan, fresh, on N and on M local workers."""
from __future__ import annotations

import os
import tempfile
import time

from ..errors import StreamcnnError


def bench_scan(spec, counts: str) -> dict[int, float]:
    try:
        ns = [int(c) for c in counts.split(",")]
    except ValueError:
        ns = []
    if len(ns) < 2 or min(ns) < 1:
        raise StreamcnnError(f"--bench {counts}: two or more worker counts, e.g. 1,2")
    from .run import scan
    wall = {}
    for n in ns:
        # fresh results and a fresh Yosys cache (the local workers inherit the environment)
        with tempfile.TemporaryDirectory(prefix="streamcnn-scan-bench-") as out:
            os.environ["STREAMCNN_YOSYS_CACHE"] = os.path.join(out, "yosys")
            t0 = time.perf_counter()
            try:
                scan(spec, os.path.join(out, "scan"), workers=n, progress=False)
            finally:
                del os.environ["STREAMCNN_YOSYS_CACHE"]
            wall[n] = time.perf_counter() - t0
    base = wall[ns[0]]
    print("workers  wall (s)  speed-up")
    for n in ns:
        print(f"{n:>7}  {wall[n]:>8.1f}  {base / wall[n]:>7.2f}x")
    return wall
