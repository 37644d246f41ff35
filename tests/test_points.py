"""Compact points: runs that cover a mask exactly, and kernels over them that agree with
the same work done on every pixel."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from cinemagraph.animate.integrate import EulerIntegrator, PointIntegrator
from cinemagraph.animate.points import RUN_START, RUN_X0, RUN_X1, RUN_Y, PointRuns
from cinemagraph.animate.splat import pack_source, splat_packed, splat_points

masks = st.integers(1, 12).flatmap(
    lambda h: st.integers(1, 12).flatmap(lambda w: arrays(np.bool_, (h, w)))
)


@settings(max_examples=60, deadline=None)
@given(active=masks, threads=st.integers(1, 4))
def test_runs_cover_the_mask_exactly_in_row_major_order(active, threads):
    points = PointRuns.of_mask(active, threads)
    np.testing.assert_array_equal(points.flat_indices(), np.flatnonzero(active))
    assert points.count == int(active.sum())
    covered = np.zeros_like(active)
    for y, x0, x1, _start in points.runs:
        assert x0 < x1 and active[y, x0:x1].all()
        assert (x0 == 0 or not active[y, x0 - 1]) and (x1 == active.shape[1] or not active[y, x1])
        covered[y, x0:x1] = True
    np.testing.assert_array_equal(covered, active)
    lengths = points.runs[:, RUN_X1] - points.runs[:, RUN_X0]
    np.testing.assert_array_equal(points.runs[:, RUN_START], np.cumsum(lengths) - lengths)
    # One share of the runs per thread, together all of them, none much over its share.
    parts = points.parts
    assert len(parts) == threads + 1 and parts[0] == 0 and parts[-1] == len(points.runs)
    assert np.all(np.diff(parts) >= 0)
    for k in range(threads):
        share = lengths[parts[k]:parts[k + 1]].sum()
        assert share <= points.count / threads + lengths.max(initial=0)


def test_gather_and_coordinates_name_each_points_pixel():
    active = np.zeros((4, 6), bool)
    active[0, 1:3] = active[2, 5] = active[3, :] = True
    grid = np.arange(4 * 6 * 2, dtype=np.float32).reshape(4, 6, 2)
    points = PointRuns.of_mask(active)
    xs, ys = points.coordinates()
    np.testing.assert_array_equal(points.gather(grid), grid[ys.astype(int), xs.astype(int)])
    assert points.runs[:, RUN_Y].tolist() == [0, 2, 3]
    assert PointRuns.of_mask(np.zeros((3, 3), bool)).count == 0
    whole, masked = PointRuns.whole(5, 7, threads=2), PointRuns.of_mask(np.ones((5, 7), bool), 2)
    np.testing.assert_array_equal(whole.runs, masked.runs)
    np.testing.assert_array_equal(whole.parts, masked.parts)


@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_points_integrate_as_their_pixels_do_on_the_whole_grid(backend):
    rng = np.random.default_rng(3)
    h, w = 21, 34
    field = rng.uniform(-2.0, 2.0, (h, w, 2)).astype(np.float32)
    field[rng.random((h, w)) < 0.2] = 0.0  # some points at rest
    active = rng.random((h, w)) < 0.4
    points = PointRuns.of_mask(active)
    if backend == "torch":
        field, active_t = torch.from_numpy(field), torch.from_numpy(active)
    grid = EulerIntegrator(field, active if backend == "numba" else active_t)
    compact = PointIntegrator(field, points)
    slots = [(np.empty((points.count, 2), np.float32), np.empty(points.count, bool))
             for _ in range(2)]
    if backend == "torch":
        slots = [tuple(torch.from_numpy(a) for a in slot) for slot in slots]
    for k in range(9):
        grid.step()
        compact.step(into=slots[k % 2] if k % 3 else None)  # in place, or into a slot
        disp, valid = (np.asarray(a) for a in (compact.disp, compact.valid))
        np.testing.assert_array_equal(disp, np.asarray(grid.disp)[active])
        np.testing.assert_array_equal(valid, np.asarray(grid.valid)[active])
    assert not valid.all() and valid.any()  # some points left the image, some did not


def test_splatting_points_adds_what_their_pixels_add():
    rng = np.random.default_rng(5)
    h, w = 17, 23
    image = rng.random((h, w, 3), dtype=np.float32)
    source = pack_source(image, rng.uniform(0.5, 1.0, (h, w)).astype(np.float32))
    disp = rng.uniform(-3.0, 3.0, (h, w, 2)).astype(np.float32)
    disp[rng.random((h, w)) < 0.2] = 0.0  # still pixels
    valid = rng.random((h, w)) < 0.9
    active = rng.random((h, w)) < 0.5
    points = PointRuns.of_mask(active)
    compact = np.zeros((h, w, 4), np.float32)
    splat_points(points.gather(source), points.runs, points.gather(disp), points.gather(valid),
                 compact)
    whole = np.zeros_like(compact)
    splat_packed(source, disp, valid & active, whole)
    np.testing.assert_allclose(compact, whole, rtol=1e-6, atol=1e-6)
    assert compact[..., 3].sum() > 0
