"""How much of each moving region a loop fills as holes, and the warning when it is much.

A hole is a pixel that neither the forward nor the backward splat reaches; the renderer
fills it from the colours and texture around it. A few scattered holes do not show, but
where a loop carries a region's fluid past its length a whole patch of it is filled in
some frames. :class:`HoleTally` counts, per region and frame, the share of the region's
pixels that were filled, and warns, naming the region, when any frame fills more than
:data:`MAX_FILLED_SHARE` of it — also where the region-wide measure of :mod:`.reach`
(median speed against the region's length) sees nothing wrong.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

#: A frame that fills more than this share of a region's pixels as holes is warned about.
MAX_FILLED_SHARE = 0.02


class HoleTally:
    """The largest share of each region that one frame filled, and in which frame.

    ``regions``: ``(name, mask)`` pairs (float32 ``H×W``, > ½ = the region; ``name`` may be
    None for an unnamed region); ``rows``, ``cols``: the crop of the image the renderer
    draws, whose ``holes`` (bool) :meth:`add` takes.
    """

    def __init__(self, regions: Sequence[tuple[str | None, np.ndarray]], rows: slice,
                 cols: slice) -> None:
        self.names: list[str | None] = []
        self.masks: list[np.ndarray] = []
        self.sizes: list[int] = []
        for name, mask in regions:
            inside = np.asarray(mask)[rows, cols] > 0.5
            size = int((np.asarray(mask) > 0.5).sum())
            if size:
                self.names.append(name)
                self.masks.append(inside)
                self.sizes.append(size)
        self.worst = np.zeros(len(self.masks))
        self.worst_frame = np.zeros(len(self.masks), dtype=np.int64)

    def add(self, t: int, holes: np.ndarray, count: int) -> None:
        """Count the ``holes`` (bool crop) of frame ``t``; ``count``: how many there are."""
        if not count:
            return
        for i, (inside, size) in enumerate(zip(self.masks, self.sizes, strict=True)):
            share = np.count_nonzero(holes & inside) / size
            if share > self.worst[i]:
                self.worst[i], self.worst_frame[i] = share, t

    def warn(self, frames: int, stacklevel: int = 2) -> None:
        """One warning per region of which some frame filled more than
        :data:`MAX_FILLED_SHARE`."""
        for name, worst, t in zip(self.names, self.worst, self.worst_frame, strict=True):
            if worst <= MAX_FILLED_SHARE:
                continue
            what = f"the {name} region" if name else "the moving region"
            warnings.warn(
                f"{what} runs out of texture: frame {t} of {frames} fills {worst:.0%} of it "
                "with texture from around the gap, as neither direction of the loop reaches "
                "it: use fewer frames or a lower speed",
                stacklevel=stacklevel + 1,
            )
