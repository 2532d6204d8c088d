"""Where the repository's HLS sources live (the layer library, templates, test bench)."""
from __future__ import annotations

from pathlib import Path

from ..errors import StreamcnnError


def hls_root() -> Path:
    """`hls/` of the streamcnn checkout this package is installed from (editable install)."""
    root = Path(__file__).resolve().parents[3] / "hls"
    if not (root / "include" / "streamcnn").is_dir():
        raise StreamcnnError(f"HLS library not found at {root}: install streamcnn from its "
                             "repository (pip install -e .)")
    return root
