"""Potential flow follows its region: streamlines in a bent channel stay in the channel."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from cinemagraph.motion import MotionSettings, motion_field
from cinemagraph.motion.grid import make_grid
from cinemagraph.motion.laplace import solve_laplace
from cinemagraph.motion.potential import channel_axes, part_directions, potential_flow

SIZE = 160
INNER, OUTER = 60.0, 110.0  # radii of a quarter ring centred on the bottom-left corner


def bent_channel() -> np.ndarray:
    """A channel entering at the left edge, bending through 90°, leaving at the bottom."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    radius = np.hypot(xs + 0.5, SIZE - 0.5 - ys)
    return ((radius > INNER) & (radius < OUTER)).astype(np.float32)


def radius_at(points: np.ndarray) -> np.ndarray:
    return np.hypot(points[:, 0] + 0.5, SIZE - 0.5 - points[:, 1])


def trace(field: np.ndarray, starts: np.ndarray, steps: int, step_px: float,
          normalise: bool) -> np.ndarray:
    """RK2 streamlines through a field, sampled bilinearly: points ``steps+1 × K × 2``."""
    def velocity(points: np.ndarray) -> np.ndarray:
        coords = [points[:, 1], points[:, 0]]
        v = np.stack([ndimage.map_coordinates(field[..., c], coords, order=1, mode="nearest")
                      for c in range(2)], axis=1)
        if normalise:
            v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
        return v * step_px

    path = [starts.astype(np.float64)]
    for _ in range(steps):
        p = path[-1]
        mid = p + 0.5 * velocity(p)
        nxt = p + velocity(mid)
        inside = (nxt[:, 0] >= 0) & (nxt[:, 0] <= SIZE - 1) & (nxt[:, 1] >= 0) & (
            nxt[:, 1] <= SIZE - 1)
        path.append(np.where(inside[:, None], nxt, p))  # stop at the frame
    return np.stack(path)


def test_streamlines_follow_the_bend_to_the_outlet():
    channel = bent_channel()
    field = motion_field(np.zeros((SIZE, SIZE, 3), np.float32), channel, "river",
                         settings=MotionSettings(turbulence_scale=0, fade_px=0))
    starts = np.stack([np.zeros(9), SIZE - 0.5 - np.linspace(INNER + 4, OUTER - 4, 9)], 1)
    path = trace(field, starts, steps=600, step_px=0.5, normalise=True)
    radii = radius_at(path.reshape(-1, 2))
    assert radii.min() > INNER - 1.5 and radii.max() < OUTER + 1.5  # never crosses a bank
    ends = path[-1]
    assert (ends[:, 1] > SIZE - 2).all()  # every streamline reaches the bottom outlet
    # a streamline keeps roughly its place across the channel (no short cuts)
    np.testing.assert_allclose(radius_at(ends), radius_at(starts), atol=8)


def test_full_field_streamlines_stay_in_the_channel():
    channel = bent_channel()
    field = motion_field(np.zeros((SIZE, SIZE, 3), np.float32), channel, "rapids",
                         settings=MotionSettings(seed=2))
    mid = (INNER + OUTER) / 2
    angles = np.linspace(0.1, 1.4, 12)
    starts = np.stack([mid * np.cos(angles) - 0.5, SIZE - 0.5 - mid * np.sin(angles)], 1)
    path = trace(field, starts, steps=400, step_px=1.0, normalise=False)
    radii = radius_at(path.reshape(-1, 2))
    assert radii.min() > INNER - 1.0 and radii.max() < OUTER + 1.0
    assert (path[-1][:, 1] > SIZE - 5).all()  # the fluid really runs down to the outlet


def test_channel_axis_runs_between_its_openings():
    grid = make_grid(bent_channel() > 0, 128)
    axis = channel_axes(grid)[1]
    assert axis[0] > 0.5 and axis[1] > 0.5  # left edge → bottom edge: right and down

    level = np.zeros((40, 100), bool)
    level[15:25, :] = True
    assert np.allclose(channel_axes(make_grid(level, 128))[1], (1, 0), atol=1e-6)

    receding = np.zeros((100, 60), bool)
    receding[30:, 20:40] = True  # touches only the bottom edge: flows towards the viewer
    assert np.allclose(channel_axes(make_grid(receding, 128))[1], (0, 1), atol=1e-6)

    enclosed = np.zeros((60, 100), bool)
    enclosed[20:30, 10:90] = True  # touches no edge: along its long axis
    assert np.allclose(channel_axes(make_grid(enclosed, 128))[1], (1, 0), atol=1e-6)


def test_word_direction_picks_the_way_along_the_channel():
    level = np.zeros((40, 100), bool)
    level[15:25, :] = True
    grid = make_grid(level, 128)
    assert np.allclose(part_directions(grid, 170.0, along_channel=True)[1], (-1, 0))
    assert np.allclose(part_directions(grid, 270.0, along_channel=True)[1], (0, 1), atol=1e-9)


def test_potential_flow_has_unit_mean_speed_per_part_and_zero_outside():
    region = np.zeros((50, 70), bool)
    region[5:20, 5:60] = True
    region[30:45, 10:30] = True
    region[48, 68] = True  # a single cell
    grid = make_grid(region, 128)
    flow = potential_flow(grid, np.tile((0.0, 1.0), (grid.count + 1, 1)))
    speed = np.linalg.norm(flow, axis=-1)
    assert (speed[~region] == 0).all()
    for part in range(1, grid.count + 1):
        assert speed[grid.labels == part].mean() == pytest.approx(1.0, rel=0.02)
    assert np.allclose(flow[48, 68], (0, 1))  # too small for a flow: moves uniformly


def test_laplace_reproduces_a_linear_function_and_respects_walls():
    cells = np.ones((20, 30), bool)
    fixed = np.zeros_like(cells)
    fixed[:, 0] = fixed[:, -1] = True
    values = np.zeros((20, 30, 1))
    values[:, -1, 0] = 29.0
    solution = solve_laplace(cells, fixed, values)[..., 0]
    np.testing.assert_allclose(solution, np.tile(np.arange(30.0), (20, 1)), atol=1e-9)

    cells[:, 15] = False  # a wall: no flux between the halves, each takes its own value
    out = solve_laplace(cells, fixed, values)[..., 0]
    np.testing.assert_allclose(out[:, :15], 0.0, atol=1e-9)
    np.testing.assert_allclose(out[:, 16:], 29.0, atol=1e-9)
    assert (out[:, 15] == 0).all()

    fixed[:, -1] = False  # the right half has no fixed cell: no unique solution, zero
    assert (solve_laplace(cells, fixed, values)[..., 0][:, 16:] == 0).all()
