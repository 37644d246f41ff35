"""Potential flow: motion that follows the shape of its region.

For a main direction d, each connected part of the region carries the flow of an ideal
fluid: the velocity is v = −∇φ where φ solves Laplace's equation Δφ = 0 on the part, with

* φ given on the inflow and outflow boundaries (Dirichlet), and
* no flux through the rest of its boundary (Neumann): the fluid slides along its banks.

For a fluid confined to a channel (a river) each way in or out through a bank is a
cross-section of equal potential: φ = 1 on the inflow, 0 on the outflow. Where the channel
crosses the frame, φ instead changes along the frame's edge with the channel's slant there
(measured between its cross-section on the edge and one further in), so a river that
leaves the picture at a slant keeps its course to the edge instead of turning square to
it. For a region that is a window onto a
larger body of fluid (sky, sea, smoke) φ = −d·x there, the potential of a uniform stream:
where nothing is in the way the flow is exactly uniform along d.

Inflow is where the part enters the frame from upstream (its cells on an image edge whose
outward normal n has n·d < −τ); outflow, likewise, where it leaves the frame downstream
(n·d > τ). A part that does not enter (or leave) the frame takes in (gives out) fluid
through the banks that face upstream (downstream) near its upstream (downstream) end — the
lip of a waterfall, the far shore of a lake. So a river bends with its banks and a
waterfall speeds up where its chute narrows. Each part's velocity is scaled to a mean
speed of 1 and capped at :data:`MAX_SPEED_RATIO`. Parts too small or too flat along d to
carry a flow (a single cell, a line across d) move uniformly along d.

Directions here are unit vectors (dx, dy) in image coordinates: x right, y down.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy import ndimage

from .grid import SolverGrid
from .laplace import solve_laplace
from .shore import shore_axes

#: |n·d| beyond which a boundary counts as facing upstream or downstream.
FACING = 0.3
#: Banks take in (give out) fluid only within this fraction of the part's length from its
#: upstream (downstream) end.
END_FRACTION = 0.3
#: When no boundary faces the right way, the boundary cells within this fraction of the
#: length from each end are the inflow and outflow.
EXTREME_FRACTION = 0.05
#: Local speed is capped at this multiple of the part's mean speed (tames corner spikes).
MAX_SPEED_RATIO = 3.0
#: A channel's axis within this many degrees of horizontal points right, else down.
LEVEL_DEG = 15.0
#: A level channel tilted at least this many degrees runs towards its lower end (the end
#: nearer the viewer); below it the tilt is within a hand-held camera's roll.
PERSPECTIVE_TILT_DEG = 2.0
#: A channel's part smaller than this share of its largest part runs as the largest does.
SMALL_PART_SHARE = 0.2
#: A word direction within this many degrees of a channel's axis flows along the axis.
ALONG_AXIS_DEG = 60.0


def unit_vector(direction_deg: float) -> np.ndarray:
    """The unit (dx, dy) in image coordinates (y down) of a screen direction in degrees."""
    theta = math.radians(direction_deg)
    return np.array([math.cos(theta), -math.sin(theta)])


def _per_label(values: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    return np.bincount(labels, weights=values, minlength=count + 1)


def _orient(axes: np.ndarray) -> np.ndarray:
    """Flip axes (K×2) to point down the screen, towards the viewer: a level channel whose
    far end still sits at least PERSPECTIVE_TILT_DEG higher in the frame runs towards its
    lower, nearer end; one within that of level runs right."""
    norm = np.linalg.norm(axes, axis=1, keepdims=True)
    axes = np.where(norm > 1e-9, axes / np.maximum(norm, 1e-12), np.array([0.0, 1.0]))
    level = np.abs(axes[:, 1]) < math.sin(math.radians(PERSPECTIVE_TILT_DEG))
    sign = np.where(level, np.sign(axes[:, 0]), np.sign(axes[:, 1]))
    return axes * np.where(sign == 0, 1.0, sign)[:, None]


def _frame_ring(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the grid's border cells in order around the frame, each once."""
    top = [(0, c) for c in range(w)]
    right = [(r, w - 1) for r in range(1, h)]
    bottom = [(h - 1, c) for c in range(w - 2, -1, -1)] if h > 1 else []
    left = [(r, 0) for r in range(h - 2, 0, -1)] if w > 1 else []
    ring = np.array(top + right + bottom + left, dtype=np.int64).reshape(-1, 2)
    return ring[:, 0], ring[:, 1]


def frame_openings(grid: SolverGrid) -> list[list[np.ndarray]]:
    """Per part (index 0 unused), the centroids (x, y) of its openings onto the frame: the
    runs of its cells along the frame's border, a run turning a corner counting once."""
    h, w = grid.grid_shape
    rows, cols = _frame_ring(h, w)
    on_ring = grid.labels[rows, cols]
    openings: list[list[np.ndarray]] = [[] for _ in range(grid.count + 1)]
    for part in np.unique(on_ring[on_ring > 0]):
        inside = on_ring == part
        if inside.all():
            openings[part].append(np.array([cols.mean(), rows.mean()], dtype=np.float64))
            continue
        shift = int(np.argmin(inside))  # start the walk on a cell outside the part
        walk = np.roll(inside, -shift)
        starts = np.flatnonzero(walk & ~np.roll(walk, 1))
        stops = np.flatnonzero(walk & ~np.roll(walk, -1))
        runs = _merge_runs([[int(a), int(b)] for a, b in zip(starts, stops, strict=True)],
                           inside.size)
        for a, b in runs:
            index = (np.arange(a, b + 1) + shift) % inside.size
            index = index[inside[index]]
            openings[part].append(np.array([cols[index].mean(), rows[index].mean()]))
    return openings


def _merge_runs(runs: list[list[int]], ring: int) -> list[list[int]]:
    """Join consecutive runs [start, stop] on a ring of ``ring`` cells whose gap is shorter
    than the shorter of the two: one opening broken by a rock or a bend of the bank."""
    merged = True
    while merged and len(runs) > 1:
        merged = False
        for i in range(len(runs)):
            a, b = runs[i], runs[(i + 1) % len(runs)]
            gap = (b[0] - a[1] - 1) % ring
            shorter = min(a[1] - a[0] + 1, b[1] - b[0] + 1)
            if gap < shorter:
                joined = [a[0], b[1] if b[1] >= a[0] else b[1] + ring]
                runs = [r for j, r in enumerate(runs) if j not in (i, (i + 1) % len(runs))]
                runs.append(joined)
                runs.sort()
                merged = True
                break
    return runs


def channel_axes(grid: SolverGrid) -> np.ndarray:
    """Per part, the unit direction (dx, dy) in which a channel runs: ``(count+1)×2``.

    Between the two openings onto the frame that lie farthest apart; with one opening, a
    part wider than tall runs along its far bank (:func:`~.shore.shore_axes`: a river seen
    across), any other part from its centroid towards the opening (a river coming towards
    the viewer); with none, along its long axis (principal component); straight down for a
    round blob. Oriented down the screen, towards the viewer; a level channel towards its
    lower end when it is tilted at least PERSPECTIVE_TILT_DEG, else right. Row 0 (outside
    the region) is unused. Parts smaller than SMALL_PART_SHARE of the largest run as it does.
    """
    labels, count = grid.labels, grid.count
    ys, xs = np.nonzero(grid.cells)
    lab = labels[ys, xs]
    n = _per_label(np.ones_like(xs, dtype=np.float64), lab, count)
    safe_n = np.maximum(n, 1.0)
    cx, cy = _per_label(xs, lab, count) / safe_n, _per_label(ys, lab, count) / safe_n

    dx, dy = xs - cx[lab], ys - cy[lab]
    sxx = _per_label(dx * dx, lab, count) / safe_n
    syy = _per_label(dy * dy, lab, count) / safe_n
    sxy = _per_label(dx * dy, lab, count) / safe_n
    theta = 0.5 * np.arctan2(2.0 * sxy, sxx - syy)
    spread = np.hypot(sxx - syy, 2.0 * sxy) / np.maximum(sxx + syy, 1e-12)
    axes = np.stack([np.cos(theta), np.sin(theta)], 1)
    axes[spread < 0.1] = (0.0, 1.0)

    openings = frame_openings(grid)
    bank = None
    for part, found in enumerate(ndimage.find_objects(labels, max_label=count), start=1):
        ports = openings[part]
        if found is None or not ports:
            continue
        if len(ports) >= 2:
            pairs = [(np.linalg.norm(b - a), b - a) for i, a in enumerate(ports)
                     for b in ports[i + 1:]]
            length, axis = max(pairs, key=lambda pair: pair[0])
            if length > 0.5:
                axes[part] = axis
            continue
        rows, cols = found
        if cols.stop - cols.start > rows.stop - rows.start:
            bank = shore_axes(grid) if bank is None else bank
            axes[part] = bank[part]
            continue
        towards = ports[0] - np.array([cx[part], cy[part]])
        if np.linalg.norm(towards) > 0.5:
            axes[part] = towards
    axes = _orient(axes)
    if count > 1:  # small parts are the same water seen through gaps (between reeds, roots)
        largest = int(np.argmax(n[1:])) + 1
        small = n < SMALL_PART_SHARE * n[largest]
        small[0] = False
        axes[small] = axes[largest]
    return axes


def part_directions(grid: SolverGrid, direction_deg: float | None,
                    along_channel: bool) -> np.ndarray:
    """The main direction of each part, ``(count+1)×2`` unit (dx, dy).

    Without a channel, every part moves along ``direction_deg``. Along a channel, each part
    follows its axis (:func:`channel_axes`); a given direction then only chooses which way
    along the axis, unless it is more than ALONG_AXIS_DEG off the axis, when it wins.
    """
    count = grid.count
    if not along_channel:
        return np.tile(unit_vector(270.0 if direction_deg is None else direction_deg),
                       (count + 1, 1))
    axes = channel_axes(grid)
    if direction_deg is None:
        return axes
    wanted = unit_vector(direction_deg)
    cos = axes @ wanted
    along = np.abs(cos) >= math.cos(math.radians(ALONG_AXIS_DEG))
    return np.where(along[:, None], axes * np.where(cos < 0, -1.0, 1.0)[:, None], wanted)


def _boundary_normals(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wall cells (next to a static cell), and outward normals (h×w×2) of walls and edges."""
    h, w = cells.shape
    padded = np.pad(cells, 1, constant_values=True)  # beyond the frame is not a wall
    offsets = ((0, 1), (0, -1), (1, 0), (-1, 0))
    towards_static = np.zeros((h, w, 2))
    wall = np.zeros((h, w), dtype=bool)
    for dx, dy in offsets:
        static = ~padded[1 + dy:h + 1 + dy, 1 + dx:w + 1 + dx]
        wall |= static
        towards_static += static[..., None] * np.array([dx, dy], dtype=np.float64)
    wall &= cells

    smooth = cv2.GaussianBlur(cells.astype(np.float32), (0, 0), 1.0,
                              borderType=cv2.BORDER_REPLICATE).astype(np.float64)
    grad_y, grad_x = np.gradient(smooth) if min(h, w) > 1 else (np.zeros((h, w)),) * 2
    wall_normal = -np.stack([grad_x, grad_y], axis=-1)
    weak = np.linalg.norm(wall_normal, axis=-1) < 1e-6
    wall_normal[weak] = towards_static[weak]

    cols, rows = np.meshgrid(np.arange(w), np.arange(h))
    edge_normal = np.stack([(cols == w - 1).astype(float) - (cols == 0),
                            (rows == h - 1).astype(float) - (rows == 0)], axis=-1)
    for normal in (wall_normal, edge_normal):
        length = np.linalg.norm(normal, axis=-1, keepdims=True)
        np.divide(normal, length, out=normal, where=length > 1e-12)
    return wall, wall_normal, edge_normal


def _region_gradient(phi: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """∇φ (h×w×2: d/dx, d/dy) from neighbours inside the region only (one-sided at walls)."""
    grad = np.zeros((*phi.shape, 2))
    for axis in (1, 0):
        ahead = np.zeros_like(cells)
        behind = np.zeros_like(cells)
        phi_ahead = np.zeros_like(phi)
        phi_behind = np.zeros_like(phi)
        if axis == 1:
            ahead[:, :-1], phi_ahead[:, :-1] = cells[:, 1:], phi[:, 1:]
            behind[:, 1:], phi_behind[:, 1:] = cells[:, :-1], phi[:, :-1]
        else:
            ahead[:-1, :], phi_ahead[:-1, :] = cells[1:, :], phi[1:, :]
            behind[1:, :], phi_behind[1:, :] = cells[:-1, :], phi[:-1, :]
        both = ahead & behind
        g = np.where(both, 0.5 * (phi_ahead - phi_behind),
                     np.where(ahead, phi_ahead - phi,
                              np.where(behind, phi - phi_behind, 0.0)))
        grad[..., 0 if axis == 1 else 1] = g
    return grad


#: A channel's slant where it crosses the frame is read between its cross-section on the
#: frame and the one this share of that cross-section's length further in …
SLANT_DEPTH = 0.5
#: … and is at most this many degrees from square to the frame.
MAX_SLANT_DEG = 70.0


def _run_slant(labels: np.ndarray, part: int, cells_on_edge: np.ndarray) -> float:
    """The slant of a channel where it crosses the frame: how far (in cells, along the
    frame's side) its centre line moves per cell inwards. ``labels``: the grid's labels
    with the side in question as row 0; ``cells_on_edge``: the columns of one run of the
    part's cells on that row. 0 (square) when the part does not reach deep enough."""
    centre = float(cells_on_edge.mean())
    depth = max(2, round(SLANT_DEPTH * cells_on_edge.size))
    if depth >= labels.shape[0]:
        return 0.0
    row = labels[depth] == part
    if not row.any():
        return 0.0
    segments, count = ndimage.label(row)
    centres = np.asarray(ndimage.mean(np.arange(row.size), segments, np.arange(1, count + 1)),
                         dtype=np.float64)
    nearest = float(centres[np.argmin(np.abs(centres - centre))])
    limit = math.tan(math.radians(MAX_SLANT_DEG))
    return float(np.clip((nearest - centre) / depth, -limit, limit))


def _open_port_values(grid: SolverGrid, ports: np.ndarray, inflow: np.ndarray,
                      level: np.ndarray, extent: np.ndarray) -> np.ndarray:
    """Potential on a channel's openings onto the frame such that the flow crosses the
    frame along the channel's own slant there (:func:`_run_slant`) rather than square to it.

    Along each run of opening cells on one side of the frame the potential changes with the
    slant at the channel's mean gradient (one over its ``extent`` along its main
    direction), falling the way the flow goes; its mean over the run is the mean of
    ``level`` there (the uniform stream's potential, 1 upstream … 0 downstream). Float64
    ``h×w``, meaningful on ``ports`` only; ``inflow``: bool ``h×w``, the ports the flow
    enters by."""
    h, w = ports.shape
    out = np.zeros((h, w))
    taken = np.zeros((h, w), dtype=bool)
    # each side seen with the frame's edge as row 0: (flip to that view, its inverse)
    views = (
        (lambda a: a, lambda a: a),
        (lambda a: a[::-1], lambda a: a[::-1]),
        (lambda a: a.T, lambda a: a.T),
        (lambda a: a.T[::-1], lambda a: a[::-1].T),
    )
    for view, back in views:
        labels, on = view(grid.labels), view(ports)[0] & ~view(taken)[0]
        if not on.any():
            continue
        lev, scale = view(level)[0], 1.0 / np.maximum(extent[labels[0]], 1.0)
        entering = view(inflow)[0]
        runs, count = ndimage.label(on)
        side = np.zeros(on.shape)
        for run in range(1, count + 1):
            where = np.flatnonzero(runs == run)
            part = int(labels[0, where[0]])
            slant = _run_slant(labels, part, where)
            along = slant / math.hypot(1.0, slant)
            # the flow runs along (slant, 1) inwards at an inflow, the other way at an outflow
            slope = -(1.0 if entering[where].any() else -1.0) * along * scale[where]
            offsets = np.cumsum(slope) - slope[0]
            side[where] = offsets - offsets.mean() + lev[where].mean()
        result = np.zeros(view(out).shape)
        result[0] = np.where(on, side, 0.0)
        mask = np.zeros(result.shape, dtype=bool)
        mask[0] = on
        out = np.where(back(mask), back(result), out)
        taken |= back(mask)
    return out


def potential_flow(grid: SolverGrid, directions: np.ndarray,
                   channel: bool = False) -> np.ndarray:
    """Unit-mean-speed potential flow on the grid's region.

    ``directions``: float ``(count+1)×2``, each part's main direction as a unit (dx, dy) in
    image coordinates. ``channel``: the fluid is confined to a channel, so each way in and
    out is an equipotential cross-section; otherwise the region is a window onto a larger
    body of fluid (the uniform-stream condition). Returns float64 ``h×w×2`` (dx, dy),
    unitless (each part's mean speed is 1), zero outside the region.
    """
    cells, labels, count = grid.cells, grid.labels, grid.count
    h, w = cells.shape
    flow = np.zeros((h, w, 2))
    if count == 0:
        return flow
    ys, xs = np.nonzero(cells)
    lab = labels[ys, xs]
    d = directions[lab]
    along = xs * d[:, 0] + ys * d[:, 1]
    low = np.full(count + 1, np.inf)
    high = np.full(count + 1, -np.inf)
    np.minimum.at(low, lab, along)
    np.maximum.at(high, lab, along)
    extent = np.where(np.isfinite(high - low), high - low, 0.0)
    from_start = along - low[lab]
    to_end = high[lab] - along

    wall_map, wall_normal, edge_normal = _boundary_normals(cells)
    wall = wall_map[ys, xs]
    facing_wall = np.sum(wall_normal[ys, xs] * d, axis=1)
    edge = np.linalg.norm(edge_normal[ys, xs], axis=1) > 0
    facing_edge = np.sum(edge_normal[ys, xs] * d, axis=1)
    boundary = wall | edge
    near_start = from_start <= END_FRACTION * extent[lab]
    near_end = to_end <= END_FRACTION * extent[lab]
    extreme = np.maximum(EXTREME_FRACTION * extent[lab], 0.5)

    def choose(port: np.ndarray, bank: np.ndarray, tip: np.ndarray) -> np.ndarray:
        has_port = _per_label(port.astype(float), lab, count) > 0
        has_bank = _per_label(bank.astype(float), lab, count) > 0
        return np.where(has_port[lab], port, np.where(has_bank[lab], bank, tip))

    inflow = choose(edge & (facing_edge < -FACING), wall & (facing_wall < -FACING) & near_start,
                    boundary & (from_start <= extreme))
    outflow = choose(edge & (facing_edge > FACING), wall & (facing_wall > FACING) & near_end,
                     boundary & (to_end <= extreme)) & ~inflow
    size = _per_label(np.ones_like(along), lab, count)
    degenerate = ((size < 3) | (extent < 1.0)
                  | (_per_label(inflow.astype(float), lab, count) == 0)
                  | (_per_label(outflow.astype(float), lab, count) == 0))
    degenerate[0] = False
    uniform = degenerate[lab]

    fixed = np.zeros((h, w), dtype=bool)
    values = np.zeros((h, w, 1))
    fixed[ys, xs] = inflow | outflow | uniform
    if channel:
        values[ys, xs, 0] = np.where(inflow & ~uniform, 1.0, 0.0)
        ports = np.zeros((h, w), dtype=bool)
        ports[ys, xs] = (inflow | outflow) & edge & ~uniform
        if ports.any():
            level = np.zeros((h, w))
            level[ys, xs] = (high[lab] - along) / np.maximum(extent[lab], 1.0)
            entering = np.zeros((h, w), dtype=bool)
            entering[ys, xs] = inflow
            open_values = _open_port_values(grid, ports, entering, level, extent)
            values[ports, 0] = open_values[ports]
    else:
        values[ys, xs, 0] = np.where(uniform, 0.0, -along)
    phi = solve_laplace(cells, fixed, values)[..., 0]
    velocity = -_region_gradient(phi, cells)[ys, xs]
    velocity[uniform] = d[uniform]

    speed = np.linalg.norm(velocity, axis=1)
    mean = _per_label(speed, lab, count) / np.maximum(size, 1.0)
    still = mean[lab] < 1e-12
    velocity[still] = d[still]
    speed[still] = 1.0
    mean = _per_label(speed, lab, count) / np.maximum(size, 1.0)
    velocity /= mean[lab][:, None]
    speed = speed / mean[lab]
    velocity *= (np.minimum(speed, MAX_SPEED_RATIO) / np.maximum(speed, 1e-12))[:, None]
    flow[ys, xs] = velocity
    return flow
