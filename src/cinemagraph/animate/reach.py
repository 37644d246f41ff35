"""How far one loop carries each moving region, against the region's length along its flow.

Mid-loop, symmetric splatting shows the fluid that entered a region pushed forward and
the fluid that left it pushed back. Their trailing edges are the region's length minus a
loop's travel apart; once a loop carries the fluid about its whole length they meet, and
the middle of the loop has no texture left but stretched streaks. The engine warns then.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: A loop that carries a region's fluid more than this share of its length is too long.
MAX_TRAVEL_SHARE = 0.9

#: Regions smaller than this share of all moving pixels are not looked at.
MIN_REGION_SHARE = 0.01

#: A region that runs out of texture is warned about from this share of all moving
#: pixels: a small piece (water glimpsed between roots) shows it too little to matter.
MIN_WARNED_SHARE = 0.05

#: A region whose mean velocity is below this share of its mean speed has no one flow
#: direction (a swirl, a spreading pool) and so no length along it.
MIN_COHERENCE = 0.5


@dataclass(frozen=True)
class Reach:
    """One moving region's loop travel and length along its flow, in pixels, and its
    share of all moving pixels."""

    travel_px: float
    length_px: float
    area_share: float = 1.0

    @property
    def share(self) -> float:
        return self.travel_px / self.length_px


def region_reaches(field: np.ndarray, frames: int) -> list[Reach]:
    """Travel per loop (``frames`` × median speed) and length along the mean flow of each
    connected moving region of ``field`` (float32 ``H×W×2``, px/frame), largest first."""
    moving = ((field[..., 0] != 0) | (field[..., 1] != 0)).view(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(moving, connectivity=8)
    total = int(stats[1:, cv2.CC_STAT_AREA].sum())
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA]) + 1
    reaches = []
    for label in order:
        left, top, width, height, area = stats[label]
        if area < max(16, MIN_REGION_SHARE * total):
            break
        box = (slice(top, top + height), slice(left, left + width))
        inside = labels[box] == label
        u, v = field[box][..., 0][inside], field[box][..., 1][inside]
        speed = np.hypot(u, v)
        mean = np.array([u.sum(dtype=np.float64), v.sum(dtype=np.float64)]) / area
        mean_speed = float(np.hypot(*mean))
        if mean_speed < MIN_COHERENCE * speed.sum(dtype=np.float64) / area:
            continue
        # Position along the mean flow of every pixel of the box; its extent over the region.
        cols = np.arange(left, left + width) * (mean[0] / mean_speed)
        rows = np.arange(top, top + height) * (mean[1] / mean_speed)
        along = (rows[:, None] + cols[None, :])[inside]
        reaches.append(Reach(frames * float(np.median(speed)),
                             float(along.max() - along.min() + 1.0), float(area / total)))
    return reaches


def overlong_reach(field: np.ndarray, frames: int) -> Reach | None:
    """The region a loop carries furthest past :data:`MAX_TRAVEL_SHARE` of its length,
    or None when every region keeps texture through the loop (regions under
    :data:`MIN_WARNED_SHARE` of the moving pixels left out)."""
    too_far = [r for r in region_reaches(field, frames)
               if r.share > MAX_TRAVEL_SHARE and r.area_share >= MIN_WARNED_SHARE]
    return max(too_far, key=lambda r: r.share, default=None)
