"""A waterfall region that also holds the pool it feeds: which cells fall, which spread.

A mask for "waterfall" often covers the plunge pool too: a tall, narrow fall standing on a
wide, level body of water. Only the first falls; the second spreads from the fall's foot
and barely moves. The region's shape tells them apart: the fall's width is the typical
width across (the horizontal run of region cells) in the upper half of the part, and rows
where the water spans several times that width are pool. A region whose width stays about
the same from top to bottom (a plain fall, a wide curtain) is all fall.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from .grid import SolverGrid

#: Runs across up to this many times the fall's width still fall …
FALL_WIDTH_RATIO = 2.0
#: … and from this many times on they are pool (smoothly in between).
POOL_WIDTH_RATIO = 3.5
#: A part whose pool cells are fewer than this share of it is all fall.
MIN_POOL_SHARE = 0.1
#: The pool's spread turns from one way to the other over this many fall widths around the
#: foot (wide: a gentle spread, which barely stretches the water's texture).
SPREAD_WIDTHS = 4.0
#: Smoothing (Gaussian sigma, in solver cells) of the fall/pool boundary.
BOUNDARY_SMOOTHING_CELLS = 1.0


def horizontal_runs(cells: np.ndarray) -> np.ndarray:
    """Length (in cells) of the horizontal run of ``cells`` each cell lies in: float ``h×w``,
    zero outside ``cells``."""
    runs, count = ndimage.label(cells, structure=np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]]))
    lengths = np.bincount(runs.ravel(), minlength=count + 1).astype(np.float64)
    lengths[0] = 0.0
    return lengths[runs]


def fall_and_pool(grid: SolverGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How much each cell falls, and which way the pool spreads.

    Returns (float64 ``h×w`` in [0, 1]: 1 falls, 0 is pool; float64 ``h×w`` in [-1, 1]: the
    horizontal direction, away from the fall's foot, in which the pool spreads; bool
    ``h×w``: the cells of parts that hold a pool). Outside the region all are zero.
    """
    cells, labels = grid.cells, grid.labels
    h, w = cells.shape
    runs = horizontal_runs(cells)
    rows, cols = np.mgrid[0:h, 0:w]
    fall = cells.astype(np.float64)
    spread = np.zeros((h, w))
    split = np.zeros((h, w), dtype=bool)
    for part, found in enumerate(ndimage.find_objects(labels, max_label=grid.count), start=1):
        if found is None:
            continue
        own = labels[found] == part
        part_rows, part_cols, part_runs = rows[found][own], cols[found][own], runs[found][own]
        top, bottom = part_rows.min(), part_rows.max()
        upper = part_rows <= top + 0.5 * (bottom - top)
        width = float(np.median(part_runs[upper]))
        t = np.clip((part_runs / width - FALL_WIDTH_RATIO)
                    / (POOL_WIDTH_RATIO - FALL_WIDTH_RATIO), 0.0, 1.0)
        pool = t * t * (3.0 - 2.0 * t)
        if pool.sum() < MIN_POOL_SHARE * own.sum():
            continue
        falling = pool < 0.5
        lowest = part_rows[falling].max()
        foot = falling & (part_rows >= lowest - max(width, 2.0))
        centre = float(part_cols[foot].mean())
        split[found] |= own
        block_fall = fall[found]
        block_fall[own] = 1.0 - pool
        block_spread = spread[found]
        block_spread[own] = np.tanh((part_cols - centre) / (SPREAD_WIDTHS * max(width, 1.0)))
    weight = cv2.GaussianBlur(cells.astype(np.float32), (0, 0), BOUNDARY_SMOOTHING_CELLS)
    smooth = cv2.GaussianBlur((fall * cells).astype(np.float32), (0, 0),
                              BOUNDARY_SMOOTHING_CELLS) / np.maximum(weight, 1e-6)
    fall = np.where(cells, np.clip(smooth, 0.0, 1.0), 0.0).astype(np.float64)
    return fall, np.where(cells, spread, 0.0), split


#: Where a fall's mask holds no white water (rock, leaves), the fall slows to this share.
NOT_WHITE_SPEED = 0.5
#: Smoothing (Gaussian sigma, in solver cells) of the white-water share.
WHITE_SMOOTHING_CELLS = 2.0
#: The image tells white water from rock only when the fall's whiteness spans at least this
#: much (10th to 90th percentile); a uniform picture says nothing.
MIN_WHITENESS_CONTRAST = 0.2


def whiteness(image: np.ndarray, grid: SolverGrid) -> np.ndarray:
    """How much each solver cell looks like white water: bright and colourless, float64
    ``h×w`` in [0, 1] (value × (1 − saturation) of the cell's mean colour)."""
    h, w = grid.grid_shape
    small = cv2.resize(np.asarray(image, dtype=np.float32), (w, h), interpolation=cv2.INTER_AREA)
    value = small.max(axis=-1)
    saturation = (value - small.min(axis=-1)) / np.maximum(value, 1e-6)
    return np.clip(value * (1.0 - saturation), 0.0, 1.0).astype(np.float64)


def white_water(image: np.ndarray, grid: SolverGrid, fall: np.ndarray) -> np.ndarray:
    """Share of each cell of a fall that is white water, float64 ``h×w`` in [0, 1].

    Among the falling cells (``fall`` ≥ 0.5), whiteness is ranked between its 10th and 90th
    percentiles: the darker, more colourful quarter of that span (rock, leaves, the lake's
    reflections showing through the mask) counts as NOT_WHITE_SPEED, the brighter half as
    1 (smoothly in between). When the span is small the picture cannot tell, and every cell
    counts as white water.
    """
    share = np.ones(grid.grid_shape)
    falling = grid.cells & (fall >= 0.5)
    if falling.sum() < 4:
        return share
    white = whiteness(image, grid)
    low, high = np.percentile(white[falling], [10, 90])
    contrast = high - low
    if contrast < MIN_WHITENESS_CONTRAST:
        return share
    t = np.clip((white - (low + 0.25 * contrast)) / (0.5 * contrast), 0.0, 1.0)
    share = NOT_WHITE_SPEED + (1.0 - NOT_WHITE_SPEED) * t * t * (3.0 - 2.0 * t)
    weight = cv2.GaussianBlur(grid.cells.astype(np.float32), (0, 0), WHITE_SMOOTHING_CELLS)
    smooth = cv2.GaussianBlur((share * grid.cells).astype(np.float32), (0, 0),
                              WHITE_SMOOTHING_CELLS) / np.maximum(weight, 1e-6)
    return np.where(grid.cells, np.clip(smooth, 0.0, 1.0), 1.0).astype(np.float64)
