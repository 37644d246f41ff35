"""Seas and lakes move along their far shore or horizon, faster nearer the viewer.

Water seen in a photo mostly moves sideways, parallel to the horizon and the shore:
straight down the screen would slide the texture against the perspective. The far edge of
each part of the region (its topmost cell in every column that does not run up to the
image's top edge) traces the horizon or far shore; a robust line through it (the median
of pairwise slopes, Theil–Sen) gives the direction, tilted at most :data:`MAX_TILT_DEG`
from level. Without such an edge the part drifts level. Which way along it: towards the
side where the water meets a near shore rather than the frame (waves run in towards a
beach); right when both sides look alike. When the water has such a near shore on one side
and also runs out of the frame's bottom edge, the viewer stands on a shore too, just below
the picture, and the waves run in towards the corner between the two: the direction tilts
down the screen by the share of the part's width that the bottom edge cuts (a full share,
45°). Without a side shore there is no telling which way along the horizon the water
moves, and it stays level: sideways, slow and plausible rather than boldly towards the
viewer.

Nearer the viewer the same motion covers more pixels: the speed grows linearly from the
part's top row to its bottom row, from :data:`FAR_SPEED` to :data:`NEAR_SPEED` times the
fluid's speed.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from .grid import SolverGrid

#: The shore direction stays within this many degrees of level.
MAX_TILT_DEG = 30.0
#: Speed at the far (top) and near (bottom) rows of a part, relative to the fluid's speed.
FAR_SPEED = 0.6
NEAR_SPEED = 1.2
#: One side counts as the near shore when this much more of the rows end at a shore there.
SHORE_SIDE_MARGIN = 0.25
#: Columns of the far edge used for the fit (evenly spaced): bounds the pairwise slopes.
MAX_FIT_COLUMNS = 64


def _median_slope(cols: np.ndarray, rows: np.ndarray) -> float:
    """Theil–Sen slope d(row)/d(col) of the points, or 0 for fewer than two columns."""
    if cols.size < 2:
        return 0.0
    if cols.size > MAX_FIT_COLUMNS:
        keep = np.linspace(0, cols.size - 1, MAX_FIT_COLUMNS).round().astype(int)
        cols, rows = cols[keep], rows[keep]
    i, j = np.triu_indices(cols.size, k=1)
    run = cols[j] - cols[i]
    ok = run != 0
    if not ok.any():
        return 0.0
    return float(np.median((rows[j] - rows[i])[ok] / run[ok]))


def shore_side(own: np.ndarray, left_col: int, grid_width: int) -> int:
    """+1 (right) or −1 (left): the side where more of a part's rows end at a shore (a
    static cell) than at the frame, by at least SHORE_SIDE_MARGIN of its rows; else 0.

    ``own``: bool, the part within its bounding box, whose first column is ``left_col`` of
    a grid ``grid_width`` cells wide."""
    rows = own.any(axis=1)
    if not rows.any():
        return 0
    first = np.argmax(own, axis=1)[rows] + left_col
    last = own.shape[1] - 1 - np.argmax(own[:, ::-1], axis=1)[rows] + left_col
    left_shore = float(np.mean(first > 0))
    right_shore = float(np.mean(last < grid_width - 1))
    if abs(right_shore - left_shore) < SHORE_SIDE_MARGIN:
        return 0
    return 1 if right_shore > left_shore else -1


def shore_axes(grid: SolverGrid, towards_viewer: bool = False) -> np.ndarray:
    """Per part, the unit direction (dx, dy) along its far shore: ``(count+1)×2``, pointing
    towards its near shore's side (:func:`shore_side`), right when that is unclear. Row 0
    (outside the region) is unused.

    ``towards_viewer``: a part with a near shore on one side that also runs out of the
    frame's bottom edge turns towards the viewer as well, into the corner between the two
    shores: down by the share of its width the bottom edge cuts (45° when all of it)."""
    labels, count = grid.labels, grid.count
    axes = np.tile(np.array([1.0, 0.0]), (count + 1, 1))
    limit = math.tan(math.radians(MAX_TILT_DEG))
    for part, found in enumerate(ndimage.find_objects(labels, max_label=count), start=1):
        if found is None:
            continue
        own = labels[found] == part
        has = own.any(axis=0)
        first = np.argmax(own, axis=0) + found[0].start
        cols = np.nonzero(has)[0] + found[1].start
        rows = first[has]
        far = rows > 0  # an edge at the image's top is no shore
        slope = float(np.clip(_median_slope(cols[far].astype(float), rows[far].astype(float)),
                              -limit, limit))
        towards = shore_side(own, found[1].start, labels.shape[1])
        axis = (-1.0 if towards < 0 else 1.0) * np.array([1.0, slope]) / math.hypot(1.0, slope)
        if towards_viewer and towards != 0 and found[0].stop == labels.shape[0]:
            axis = axis + np.array([0.0, float(np.mean(own[-1]))])  # the viewer's own shore
        axes[part] = axis / np.linalg.norm(axis)
    return axes


def perspective_speed(grid: SolverGrid) -> np.ndarray:
    """Speed factor per cell, float64 ``h×w``: FAR_SPEED at each part's top row rising
    linearly to NEAR_SPEED at its bottom row; zero outside the region."""
    labels, count = grid.labels, grid.count
    h, w = labels.shape
    factor = np.zeros((h, w))
    rows = np.arange(h, dtype=np.float64)[:, None]
    for part, found in enumerate(ndimage.find_objects(labels, max_label=count), start=1):
        if found is None:
            continue
        own = labels[found] == part
        top, bottom = found[0].start, found[0].stop - 1
        t = (rows[found[0]] - top) / max(bottom - top, 1)
        block = factor[found]
        block[own] = np.broadcast_to(FAR_SPEED + (NEAR_SPEED - FAR_SPEED) * t, own.shape)[own]
    return factor
