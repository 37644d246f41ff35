"""The reduced-resolution grid on which the motion prior solves its equations.

A region of the image (boolean ``H×W``) is resampled so that its longer side has at most
``solver_size`` cells; equations are solved there and the results brought back to full
resolution. A cell belongs to the region when at least :data:`COVERAGE` of its area does,
so thin streams survive the reduction; region pixels the grid still does not represent
(slivers thinner than a quarter cell) are reported in ``covered`` so callers can treat them
separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

#: Fraction of a cell's area the region must cover for the cell to belong to it.
COVERAGE = 0.25


@dataclass(frozen=True)
class SolverGrid:
    """A region resampled for solving.

    ``shape``: full-resolution ``(H, W)``. ``cells``: bool ``h×w``, the region's cells.
    ``labels``: int32 ``h×w``, 4-connected component of each cell (1 … ``count``), 0 outside.
    ``covered``: bool ``H×W``, region pixels that lie on or next to a region cell.
    """

    shape: tuple[int, int]
    cells: np.ndarray
    labels: np.ndarray
    count: int
    covered: np.ndarray

    @property
    def grid_shape(self) -> tuple[int, int]:
        return self.cells.shape  # type: ignore[return-value]

    def to_cell(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Continuous cell coordinates (column, row) of full-resolution pixel coordinates."""
        (height, width), (h, w) = self.shape, self.grid_shape
        col = (np.asarray(x, dtype=np.float64) + 0.5) * (w / width) - 0.5
        row = (np.asarray(y, dtype=np.float64) + 0.5) * (h / height) - 0.5
        return col, row

    def cell_size(self) -> float:
        """Width of one cell in full-resolution pixels."""
        return self.shape[1] / self.grid_shape[1]

    def upsample(self, values: np.ndarray) -> np.ndarray:
        """Bring per-cell values (float ``h×w×C``) to full resolution (float32 ``H×W×C``).

        Cells outside the region first take the value of the nearest region cell, so the
        bilinear interpolation never mixes in zeros from static cells.
        """
        values = np.asarray(values, dtype=np.float32)
        filled = fill_from_nearest(values, self.cells)
        height, width = self.shape
        if filled.shape[:2] == (height, width):
            return filled
        channels = [
            cv2.resize(np.ascontiguousarray(filled[..., c]), (width, height),
                       interpolation=cv2.INTER_LINEAR)
            for c in range(filled.shape[2])
        ]
        return np.stack(channels, axis=-1)


def fill_from_nearest(values: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Copy of ``values`` (``h×w×C``) where every non-``cells`` entry holds its nearest cell's.

    With no cells at all the result is zero.
    """
    if cells.all():
        return values.copy()
    if not cells.any():
        return np.zeros_like(values)
    rows, cols = ndimage.distance_transform_edt(~cells, return_distances=False,
                                                return_indices=True)
    return values[rows, cols]


def make_grid(region: np.ndarray, solver_size: int) -> SolverGrid:
    """Resample a boolean ``H×W`` region onto a grid whose longer side is ≤ ``solver_size``."""
    region = np.asarray(region, dtype=bool)
    height, width = region.shape
    factor = min(1.0, solver_size / max(height, width))
    if factor >= 1.0:
        cells = region.copy()
        covered = region.copy()
    else:
        h, w = max(1, round(height * factor)), max(1, round(width * factor))
        coverage = cv2.resize(region.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
        cells = coverage >= COVERAGE
        near = cv2.dilate(cells.astype(np.uint8), np.ones((3, 3), np.uint8))
        covered = region & (cv2.resize(near, (width, height),
                                       interpolation=cv2.INTER_NEAREST) > 0)
    labels, count = ndimage.label(cells)
    return SolverGrid((height, width), cells, labels.astype(np.int32), int(count), covered)
