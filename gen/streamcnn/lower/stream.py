"""The stream format of an edge: how a tensor travels between two blocks."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fixed import FixedType
from ..ir import Tensor


@dataclass(frozen=True)
class StreamFormat:
    words: int              # stream words per frame (image)
    values: int             # values per word: a pixel's channels, or a whole vector
    type: FixedType         # the element type, an integer on the IR grid

    @property
    def bits(self) -> int:
        """Bits of one word, channel c at [c*W +: W]."""
        return self.values * self.type.width


def stream_of(t: Tensor) -> StreamFormat:
    """An (H, W, C) tensor streams a pixel per word, H*W words; a vector is one word."""
    if len(t.shape) == 3:
        return StreamFormat(t.shape[0] * t.shape[1], t.shape[2], t.type)
    return StreamFormat(1, int(np.prod(t.shape)), t.type)
