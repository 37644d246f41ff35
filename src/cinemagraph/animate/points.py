"""The points that take part in a loop, kept compact as runs of pixels along the rows.

The engine integrates and splats only the points that can reach an animated pixel. Their
values — displacement, validity, splat source — are the rows of ``P``-long arrays, in the
row-major order of their pixels, and :class:`PointRuns` says which pixel each one starts
at: run ``r`` is the stretch of pixels ``(y, x₀ … x₁ − 1)`` of one row, and holds the
points ``start … start + x₁ − x₀ − 1``. A kernel that walks the runs knows every point's
pixel without a table of coordinates, and none of its time goes to pixels that take no
part. For every pixel of an image the runs are its rows, and a compact array is the
image's own array reshaped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

#: Columns of :attr:`PointRuns.runs`.
RUN_Y, RUN_X0, RUN_X1, RUN_START = range(4)


@dataclass(frozen=True)
class PointRuns:
    """The points of an ``h×w`` grid that take part, as runs (see the module text).

    ``runs``: int64 ``R×4`` rows ``(y, x₀, x₁, start)`` in row-major order; ``parts``:
    int64 ``threads + 1`` boundaries splitting the runs into one share per thread with
    about as many points each (share ``k`` is runs ``parts[k] … parts[k+1] − 1``).
    """

    shape: tuple[int, int]
    runs: np.ndarray
    parts: np.ndarray

    @classmethod
    def of_mask(cls, active: np.ndarray, threads: int | None = None) -> PointRuns:
        """The True pixels of ``active`` (bool ``h×w``)."""
        active = np.asarray(active, dtype=np.bool_)
        h, w = active.shape
        edges = np.diff(np.pad(active, ((0, 0), (1, 1))).astype(np.int8), axis=1)
        starts = np.argwhere(edges == 1)  # row-major, like the ends
        ends = np.argwhere(edges == -1)
        lengths = ends[:, 1] - starts[:, 1]
        runs = np.empty((len(starts), 4), dtype=np.int64)
        runs[:, RUN_Y] = starts[:, 0]
        runs[:, RUN_X0] = starts[:, 1]
        runs[:, RUN_X1] = ends[:, 1]
        runs[:, RUN_START] = np.cumsum(lengths) - lengths
        return cls((h, w), runs, balanced_parts(lengths, threads or numba.get_num_threads()))

    @classmethod
    def whole(cls, h: int, w: int, threads: int | None = None) -> PointRuns:
        """Every pixel of an ``h×w`` grid: one run per row."""
        rows = np.arange(h, dtype=np.int64)
        runs = np.stack([rows, np.zeros_like(rows), np.full_like(rows, w), rows * w], axis=1)
        return cls((h, w), runs, balanced_parts(np.full(h, w), threads or numba.get_num_threads()))

    @property
    def count(self) -> int:
        """The number of points, ``P``."""
        return int(self.runs[-1, RUN_X1] - self.runs[-1, RUN_X0] + self.runs[-1, RUN_START]
                   if len(self.runs) else 0)

    def flat_indices(self) -> np.ndarray:
        """Each point's pixel as a row-major index into the grid (int64 ``P``)."""
        lengths = self.runs[:, RUN_X1] - self.runs[:, RUN_X0]
        first = self.runs[:, RUN_Y] * self.shape[1] + self.runs[:, RUN_X0]
        return np.repeat(first - self.runs[:, RUN_START], lengths) + np.arange(self.count)

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Each point's pixel ``(x, y)``: float32 ``P`` each."""
        y, x = np.divmod(self.flat_indices(), self.shape[1])
        return x.astype(np.float32), y.astype(np.float32)

    def gather(self, grid: np.ndarray) -> np.ndarray:
        """The points' values of ``grid`` (``h×w×…``): a C-contiguous ``P×…`` array."""
        h, w = self.shape
        flat = np.asarray(grid).reshape(h * w, *np.shape(grid)[2:])
        return np.ascontiguousarray(flat[self.flat_indices()])


def balanced_parts(work: np.ndarray, threads: int) -> np.ndarray:
    """Split items of ``work`` (int ``n``: the work each takes) into ``threads`` runs of
    consecutive items with about as much work each.

    Returns int64 boundaries (``threads + 1``): run ``k`` is items ``parts[k]`` up to
    ``parts[k+1] − 1``. The parallel kernels give one run to each thread.
    """
    done = np.cumsum(work)
    total = int(done[-1]) if done.size else 0
    goals = total * np.arange(1, threads) / threads
    inner = np.searchsorted(done, goals, side="left") + 1
    n = len(work)
    return np.concatenate([[0], np.minimum(inner, n), [n]]).astype(np.int64)
