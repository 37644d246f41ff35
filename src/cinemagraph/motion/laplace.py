"""Laplace's equation on a region of a grid, with walls where the region ends.

Solves Δu = 0 on the region's cells (the 5-point stencil, one sparse factorisation for all
channels) with u given on the ``fixed`` cells (Dirichlet) and no flux through the region's
boundary (Neumann): a cell only couples to its 4-neighbours that are also region cells, so
cells outside the region act as walls and so does the edge of the grid.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import ndimage


def _directed_edges(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (p, q) of every ordered pair of 4-neighbouring region cells."""
    h, w = cells.shape
    index = np.arange(h * w).reshape(h, w)
    horizontal = cells[:, :-1] & cells[:, 1:]
    vertical = cells[:-1, :] & cells[1:, :]
    a = np.concatenate([index[:, :-1][horizontal], index[:-1, :][vertical]])
    b = np.concatenate([index[:, 1:][horizontal], index[1:, :][vertical]])
    return np.concatenate([a, b]), np.concatenate([b, a])


def solve_laplace(cells: np.ndarray, fixed: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Harmonic interpolation of ``values`` from the ``fixed`` cells over the region.

    ``cells``: bool ``h×w``, the region. ``fixed``: bool ``h×w``, cells whose value is given.
    ``values``: float ``h×w×C``, read on fixed cells only. Returns float64 ``h×w×C``: the
    given values on fixed cells, the harmonic solution on the other region cells, zero
    outside the region. A connected part of the region without any fixed cell has no
    unique solution and is set to zero.
    """
    cells = np.asarray(cells, dtype=bool)
    fixed = np.asarray(fixed, dtype=bool) & cells
    values = np.asarray(values, dtype=np.float64)
    h, w, channels = values.shape
    out = np.zeros((h, w, channels))
    out[fixed] = values[fixed]

    free = cells & ~fixed
    labels, count = ndimage.label(cells)
    anchored = np.zeros(count + 1, dtype=bool)
    anchored[np.unique(labels[fixed])] = True
    free &= anchored[labels]
    n_free = int(free.sum())
    if n_free == 0:
        return out

    index = np.full(h * w, -1, dtype=np.int64)
    index[free.ravel()] = np.arange(n_free)
    p, q = _directed_edges(cells)
    from_free = index[p] >= 0
    p, q = p[from_free], q[from_free]
    rows = index[p]
    degree = np.bincount(rows, minlength=n_free).astype(np.float64)
    to_free = index[q] >= 0
    matrix = sp.csc_matrix(
        (np.full(int(to_free.sum()), -1.0), (rows[to_free], index[q][to_free])),
        shape=(n_free, n_free),
    ) + sp.diags(degree, format="csc")
    flat_values = values.reshape(h * w, channels)
    to_fixed = ~to_free
    rhs = np.stack([np.bincount(rows[to_fixed], weights=flat_values[q[to_fixed], c],
                                minlength=n_free) for c in range(channels)], axis=1)
    solution = spla.splu(matrix, permc_spec="MMD_AT_PLUS_A").solve(rhs)
    out.reshape(h * w, channels)[free.ravel()] = solution
    return out
