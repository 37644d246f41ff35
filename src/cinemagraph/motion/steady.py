"""Bounded, smooth directions from a shaped flow: texture is carried, not stretched.

Potential flow follows the banks, but its speed is not what a picture needs: it races
through narrows and inlets (several times the fluid's speed) and all but stops in bays, and
speed that changes along the flow or across it stretches the texture it carries. Here only
the flow's *direction* is kept: the unit vectors are smoothed inside each connected part of
the region (so that neighbouring streamlines do not shear at corners), and the speed is the
fluid's speed, slowed only where the smoothed directions disagree (a stagnation point, a
watershed between two ways out), never sped up. Narrow places then carry the fluid at its
own speed rather than conserving its mass.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from .grid import SolverGrid

#: Width (Gaussian sigma, in solver cells) of the smoothing of the flow's directions.
DIRECTION_SMOOTHING_CELLS = 2.0
#: Where the smoothed unit directions keep less than this length they are uncertain, and the
#: speed falls (smoothly) towards zero with that length.
COHERENT_LENGTH = 0.7


def _masked_blur(values: np.ndarray, cells: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``values`` (``h×w×C``) over ``cells`` only (normalised convolution)."""
    weight = cv2.GaussianBlur(cells.astype(np.float32), (0, 0), sigma,
                              borderType=cv2.BORDER_REPLICATE)
    out = np.empty_like(values, dtype=np.float32)
    for c in range(values.shape[-1]):
        out[..., c] = cv2.GaussianBlur((values[..., c] * cells).astype(np.float32), (0, 0),
                                       sigma, borderType=cv2.BORDER_REPLICATE)
    return out / np.maximum(weight, 1e-6)[..., None]


def smooth_directions(grid: SolverGrid, flow: np.ndarray,
                      sigma_cells: float = DIRECTION_SMOOTHING_CELLS) -> np.ndarray:
    """Unit-speed flow with smoothed directions, slowed where they disagree.

    ``flow``: float ``h×w×2`` (dx, dy) on the grid, any speeds. Returns float64 ``h×w×2``
    whose speed is 1 where the smoothed directions agree and less (down to 0) only where
    they do not; zero outside the region. Each connected part is smoothed on its own, so
    directions never leak across a bank.
    """
    cells, labels = grid.cells, grid.labels
    h, w = cells.shape
    out = np.zeros((h, w, 2))
    speed = np.linalg.norm(flow, axis=-1)
    unit = np.where((speed > 1e-12)[..., None], flow / np.maximum(speed, 1e-12)[..., None], 0.0)
    if grid.count == 0:
        return out
    pad = int(np.ceil(3 * sigma_cells)) + 1
    boxes = _part_boxes(labels, grid.count)
    for part, (r0, r1, c0, c1) in enumerate(boxes, start=1):
        if r1 <= r0:
            continue
        r0p, r1p, c0p, c1p = max(r0 - pad, 0), min(r1 + pad, h), max(c0 - pad, 0), min(c1 + pad, w)
        own = labels[r0p:r1p, c0p:c1p] == part
        smoothed = _masked_blur(unit[r0p:r1p, c0p:c1p], own, sigma_cells).astype(np.float64)
        length = np.linalg.norm(smoothed, axis=-1)
        direction = smoothed / np.maximum(length, 1e-12)[..., None]
        t = np.clip(length / COHERENT_LENGTH, 0.0, 1.0)
        slow = t * t * (3.0 - 2.0 * t)
        block = out[r0p:r1p, c0p:c1p]
        block[own] = (direction * slow[..., None])[own]
    return out


def _part_boxes(labels: np.ndarray, count: int) -> list[tuple[int, int, int, int]]:
    """Bounding box (row0, row1, col0, col1; ends exclusive) of each part 1 … count."""
    boxes = [(0, 0, 0, 0)] * count
    for index, found in enumerate(ndimage.find_objects(labels, max_label=count)):
        if found is not None:
            rows, cols = found
            boxes[index] = (rows.start, rows.stop, cols.start, cols.stop)
    return boxes


#: How far ahead (in solver cells) a fluid of fixed direction looks for a bank across its way.
LOOK_AHEAD_CELLS = 8


def wall_ahead(grid: SolverGrid, directions: np.ndarray,
               reach_cells: int = LOOK_AHEAD_CELLS) -> np.ndarray:
    """Distance in cells, along each part's direction, to the first static cell ahead:
    float64 ``h×w``, ``reach_cells`` where there is none that close (the frame's edge is no
    bank: the fluid leaves the picture there)."""
    cells, labels = grid.cells, grid.labels
    h, w = cells.shape
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    step = directions[labels]
    distance = np.full((h, w), float(reach_cells))
    open_way = cells.copy()
    for k in range(1, reach_cells + 1):
        r = np.rint(rows + k * step[..., 1]).astype(np.int64)
        c = np.rint(cols + k * step[..., 0]).astype(np.int64)
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        blocked = inside & ~cells[np.clip(r, 0, h - 1), np.clip(c, 0, w - 1)]
        hit = open_way & blocked
        distance[hit] = k
        open_way &= ~blocked
    return distance


def straight_where_clear(grid: SolverGrid, flow: np.ndarray, directions: np.ndarray,
                         reach_cells: int = LOOK_AHEAD_CELLS) -> np.ndarray:
    """A fixed-direction fluid's flow: straight along its part's direction where no bank
    lies across its way, turning to follow ``flow`` (the shaped flow, ``h×w×2``) only as a
    bank comes within ``reach_cells`` ahead. Straight motion carries texture rigidly; the
    shaped flow would fan out into every widening of the region. Returns float64
    ``h×w×2`` unit directions, zero outside the region."""
    speed = np.linalg.norm(flow, axis=-1, keepdims=True)
    shaped = np.where(speed > 1e-12, flow / np.maximum(speed, 1e-12), directions[grid.labels])
    t = np.clip(wall_ahead(grid, directions, reach_cells) / reach_cells, 0.0, 1.0)
    clear = (t * t * (3.0 - 2.0 * t))[..., None]
    blended = clear * directions[grid.labels] + (1.0 - clear) * shaped
    length = np.linalg.norm(blended, axis=-1, keepdims=True)
    out = np.where(length > 1e-12, blended / np.maximum(length, 1e-12), shaped)
    return np.where(grid.cells[..., None], out, 0.0)
