"""Sparse motion hints: arrows a user draws, densified inside the region they point in.

A hint (x, y, dx, dy) says "at pixel (x, y) the fluid moves by (dx, dy) pixels per frame",
as in "Controllable Animation of Fluid Elements in Still Images". Inside each connected
part of the region that holds hints:

1. the part's main direction becomes the direction of the hints' sum, which gives its
   potential flow q (:mod:`.potential`): the shape the motion follows;
2. each hint says how to turn and scale q where it stands; these turns and scales are
   blended over the part by inverse-squared-distance weighting, with distances measured
   inside the region (geodesic: around banks, never across them), and the hint itself is
   pinned on a small disc of cells around its point.

So the densified field follows the region's shape, blends smoothly between hints (each
dominating its own neighbourhood) and equals each hint at its point. Hints win over the
prompt's words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import ndimage
from scipy.sparse import csgraph

from ..errors import CinemagraphError
from .grid import SolverGrid
from .potential import MAX_SPEED_RATIO

#: Radius, in solver cells, of the disc on which a hint is pinned (covers the four cells a
#: bilinear lookup at the hint reads).
PIN_RADIUS = 1.5
#: ε of the inverse-distance weights, in cells: keeps weights finite on the pinned discs.
GEODESIC_SOFTENING = 1e-3
#: Where the shaped flow is slower than this (its mean is 1), it only lends its direction.
MIN_REFERENCE_SPEED = 0.25


@dataclass(frozen=True)
class MotionHint:
    """An arrow: at pixel (``x``, ``y``) the fluid moves by (``dx``, ``dy``) px/frame.

    Pixel coordinates: x right, y down, (0, 0) the centre of the top-left pixel.
    """

    x: float
    y: float
    dx: float
    dy: float


HintLike = MotionHint | Sequence[float]
_NUMBER = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
_HINT_TEXT = re.compile(",".join([_NUMBER] * 4))


def parse_hint(text: str) -> MotionHint:
    """Read ``"x,y,dx,dy"`` (pixels; pixels per frame) into a :class:`MotionHint`."""
    match = _HINT_TEXT.fullmatch(text.strip())
    if match is None:
        raise CinemagraphError(
            f"hint {text!r} must be four numbers x,y,dx,dy (pixels; pixels per frame)")
    return MotionHint(*(float(v) for v in match.groups()))


def check_hints(hints: Iterable[HintLike], shape: tuple[int, int]) -> tuple[MotionHint, ...]:
    """Validate hints for an image of ``shape`` (H, W): finite, and inside the image."""
    height, width = shape
    checked = []
    for hint in hints:
        if not isinstance(hint, MotionHint):
            values = tuple(hint)
            if len(values) != 4:
                raise CinemagraphError(f"a hint needs four numbers x, y, dx, dy; got {values}")
            hint = MotionHint(*(float(v) for v in values))
        if not all(math.isfinite(v) for v in (hint.x, hint.y, hint.dx, hint.dy)):
            raise CinemagraphError(f"hint {hint} has a NaN or infinite value")
        if not (-0.5 <= hint.x < width - 0.5 and -0.5 <= hint.y < height - 0.5):
            raise CinemagraphError(
                f"hint at ({hint.x:g}, {hint.y:g}) lies outside the {width}×{height} image")
        checked.append(hint)
    return tuple(checked)


def hint_pixel(hint: MotionHint, shape: tuple[int, int]) -> tuple[int, int]:
    """The (row, column) of the pixel a hint sits on."""
    height, width = shape
    return (min(max(round(hint.y), 0), height - 1), min(max(round(hint.x), 0), width - 1))


@dataclass(frozen=True)
class PlacedHint:
    """A hint located on the solver grid: its pinned cells and the part they belong to."""

    hint: MotionHint
    part: int
    pinned: tuple[np.ndarray, np.ndarray]  # (rows, cols) of the pinned cells
    anchor: tuple[int, int]  # (row, col) of the cell nearest to the hint


def place_hints(grid: SolverGrid, hints: Sequence[MotionHint]) -> list[PlacedHint]:
    """Locate each hint on the grid: the nearest region cell, and a disc of cells around it."""
    if not hints or grid.count == 0:
        return []
    h, w = grid.grid_shape
    nearest_rows, nearest_cols = ndimage.distance_transform_edt(
        ~grid.cells, return_distances=False, return_indices=True)
    cols, rows = np.meshgrid(np.arange(w), np.arange(h))
    placed = []
    for hint in hints:
        col, row = (float(v) for v in grid.to_cell(hint.x, hint.y))
        r0 = min(max(round(row), 0), h - 1)
        c0 = min(max(round(col), 0), w - 1)
        anchor = (int(nearest_rows[r0, c0]), int(nearest_cols[r0, c0]))
        part = int(grid.labels[anchor])
        disc = ((cols - col) ** 2 + (rows - row) ** 2 <= PIN_RADIUS ** 2) & (grid.labels == part)
        disc[anchor] = True
        placed.append(PlacedHint(hint, part, np.nonzero(disc), anchor))
    return placed


def hint_directions(placed: Sequence[PlacedHint], directions: np.ndarray) -> np.ndarray:
    """Per-part main directions (``(count+1)×2`` unit dx, dy) with hinted parts following
    the direction of their hints' sum (or of their first hint when the sum vanishes)."""
    directions = directions.copy()
    for part in {p.part for p in placed}:
        arrows = np.array([(p.hint.dx, p.hint.dy) for p in placed if p.part == part])
        total = arrows.sum(axis=0)
        if np.linalg.norm(total) < 1e-9 * max(1.0, np.abs(arrows).max()):
            total = next((a for a in arrows if np.linalg.norm(a) > 0), None)
        if total is not None and np.linalg.norm(total) > 0:
            directions[part] = total / np.linalg.norm(total)
    return directions


def _region_graph(cells: np.ndarray) -> sp.csr_matrix:
    """8-connected graph of the region's cells (edge length 1 or √2, no corner cutting)."""
    h, w = cells.shape
    index = np.arange(h * w).reshape(h, w)
    sources, targets, lengths = [], [], []
    padded = np.pad(cells, 1)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ok = cells & padded[1 + dy:h + 1 + dy, 1 + dx:w + 1 + dx]
        if dx and dy:  # a diagonal step needs both cells it passes between
            ok &= padded[1 + dy:h + 1 + dy, 1:w + 1] & padded[1:h + 1, 1 + dx:w + 1 + dx]
        rows, cols = np.nonzero(ok)
        sources.append(index[rows, cols])
        targets.append(index[rows + dy, cols + dx])
        lengths.append(np.full(rows.size, math.hypot(dx, dy)))
    a, b, d = (np.concatenate(x) for x in (sources, targets, lengths))
    return sp.csr_matrix((np.concatenate([d, d]), (np.concatenate([a, b]),
                                                   np.concatenate([b, a]))), shape=(h * w,) * 2)


def fit_hints(grid: SolverGrid, placed: Sequence[PlacedHint],
              unit_flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Densify hints into motion on their parts.

    ``unit_flow``: float ``h×w×2``, the unit-mean-speed potential flow of each part along
    its (hint-chosen) direction. Returns (float64 ``h×w×2`` motion in pixels per frame on
    the hinted parts, zero elsewhere; bool ``h×w``, the hinted parts' cells).

    Written as complex numbers, each hint is its part's flow q turned and scaled by
    z_k = hint_k / q(x_k). These factors are blended by inverse squared geodesic distance
    g_k inside the region, Z = Σ z_k / (g_k² + ε²) / Σ 1 / (g_k² + ε²), and the motion is
    Z·q: it follows the flow's bends, is smooth, is dominated near each hint by that hint,
    and never feels a hint across a bank. Its speed is capped at MAX_SPEED_RATIO times the
    part's fastest hint.
    """
    h, w = grid.grid_shape
    hinted = np.zeros(grid.count + 1, dtype=bool)
    hinted[[p.part for p in placed]] = True
    hinted_cells = hinted[grid.labels] & grid.cells

    flow = unit_flow[..., 0] + 1j * unit_flow[..., 1]
    speed = np.abs(flow)
    floor = MIN_REFERENCE_SPEED
    reference = np.where(speed >= floor, flow, flow / np.maximum(speed, 1e-12) * floor)
    reference = np.where(speed > 1e-12, reference, floor)

    graph = _region_graph(grid.cells)
    flat = np.arange(h * w).reshape(h, w)
    weighted = np.zeros((h, w), dtype=np.complex128)
    total = np.zeros((h, w))
    for p in placed:
        distance = csgraph.dijkstra(graph, indices=flat[p.pinned], min_only=True).reshape(h, w)
        weight = np.where(np.isfinite(distance), 1.0 / (distance**2 + GEODESIC_SOFTENING**2), 0)
        weighted += weight * (complex(p.hint.dx, p.hint.dy) / reference[p.anchor])
        total += weight
    blended = reference * weighted / np.maximum(total, 1e-300)
    fastest = np.zeros(grid.count + 1)
    for p in placed:
        fastest[p.part] = max(fastest[p.part], math.hypot(p.hint.dx, p.hint.dy))
    limit = MAX_SPEED_RATIO * fastest[grid.labels]
    speed = np.abs(blended)
    blended *= np.minimum(1.0, limit / np.maximum(speed, 1e-12))
    motion = np.where(hinted_cells[..., None],
                      np.stack([blended.real, blended.imag], axis=-1), 0.0)
    for p in placed:  # exactly the hint on its pinned disc
        motion[p.pinned] = (p.hint.dx, p.hint.dy)
    return motion, hinted_cells


def hint_pull(shape: tuple[int, int], hints: Sequence[MotionHint],
              radius_px: float) -> tuple[np.ndarray, np.ndarray]:
    """How strongly each pixel is held to the hints around it, and to what motion.

    Every hint has a Gaussian bump b_k of width ``radius_px``, 1 at its point. Returns
    (float32 ``H×W`` pull = min(1, Σ b_k), exactly 1 at each hint; float32 ``H×W×2`` the
    bump-weighted mean of the hints' motions in pixels per frame). Blending a field
    towards the second by the first makes it reproduce every hint at its point exactly,
    whatever the resolution of the grid the hints were densified on.
    """
    height, width = shape
    total = np.zeros(shape, dtype=np.float32)
    weighted = np.zeros((height, width, 2), dtype=np.float32)
    xs = np.arange(width, dtype=np.float32)
    ys = np.arange(height, dtype=np.float32)
    sigma2 = 2.0 * max(radius_px, 1.0) ** 2
    for hint in hints:
        bump = (np.exp(-((ys[:, None] - hint.y) ** 2) / sigma2)
                * np.exp(-((xs[None, :] - hint.x) ** 2) / sigma2)).astype(np.float32)
        total += bump
        weighted += bump[..., None] * np.array([hint.dx, hint.dy], dtype=np.float32)
    target = weighted / np.maximum(total, 1e-12)[..., None]
    return np.minimum(total, 1.0), target
