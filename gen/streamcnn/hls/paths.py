"""Where the HLS sources live (the layer library, templates, test bench): see streamcnn.assets."""
from __future__ import annotations

from pathlib import Path

from .. import assets


def hls_root() -> Path:
    """`hls/`: in the installed wheel, or at the top of the checkout (editable install)."""
    return assets.folder("hls")
