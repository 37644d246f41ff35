"""How far a loop carries each moving region, and the warning when it is too far."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cinemagraph.animate import AnimateSettings, animate
from cinemagraph.animate.reach import MAX_TRAVEL_SHARE, overlong_reach, region_reaches
from helpers import box_mask, constant_field, smooth_texture


@settings(max_examples=40, deadline=None)
@given(
    top=st.integers(0, 20), left=st.integers(0, 20), height=st.integers(6, 40),
    width=st.integers(6, 40), angle=st.floats(0, 2 * np.pi), speed=st.floats(0.1, 3.0),
    frames=st.integers(2, 90),
)
def test_a_box_reaches_its_extent_along_the_flow(top, left, height, width, angle, speed,
                                                frames):
    mask = box_mask(64, 64, top, left, top + height, left + width)
    dx, dy = speed * np.cos(angle), speed * np.sin(angle)
    field = constant_field(64, 64, dx, dy) * mask[..., None]
    (reach,) = region_reaches(field, frames)
    assert reach.travel_px == pytest.approx(frames * speed, rel=1e-5)
    # The pixel centres' extent along the unit flow direction, plus one pixel.
    extent = (width - 1) * abs(np.cos(angle)) + (height - 1) * abs(np.sin(angle)) + 1
    assert reach.length_px == pytest.approx(extent, rel=1e-4)


def test_each_region_is_measured_on_its_own_and_swirls_are_left_out():
    field = np.zeros((60, 80, 2), np.float32)
    field[5:15, 5:75, 0] = 1.0  # a strip 70 px long, flowing right
    field[30:55, 10:20, 1] = -0.5  # a column 25 px tall, flowing up
    ys, xs = np.mgrid[0:60, 0:80].astype(np.float32)
    swirl = (np.hypot(xs - 60, ys - 42) < 10)
    field[swirl, 0] = -(ys[swirl] - 42) * 0.1  # rotation about (60, 42): no one direction
    field[swirl, 1] = (xs[swirl] - 60) * 0.1
    reaches = region_reaches(field, 40)
    assert [(r.travel_px, round(r.length_px)) for r in reaches] == [(40.0, 70), (20.0, 25)]
    assert overlong_reach(field, 40) is None
    # 50 frames: the column's whole height, the strip's 71 %.
    assert MAX_TRAVEL_SHARE < 1.0
    too_far = overlong_reach(field, 50)
    assert too_far is not None and too_far.length_px == pytest.approx(25)


def test_a_loop_that_carries_the_fluid_its_whole_length_warns():
    image = smooth_texture(48, 64, seed=2)
    mask = box_mask(48, 64, 8, 20, 40, 44)  # 32 px tall
    field = constant_field(48, 64, 0.0, 1.0) * mask[..., None]
    with pytest.warns(UserWarning, match=r"moves the fluid 40 px, 125% of its region's length"):
        animate(image, mask, field, AnimateSettings(frames=40))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        animate(image, mask, field, AnimateSettings(frames=20))


@pytest.mark.parametrize(("pool_rows", "warned"), [(8, False), (40, True)])
def test_a_small_piece_carried_its_whole_length_is_not_warned_about(pool_rows, warned):
    """A short pool beside a long river, both carried past their length by the pool's
    loop: warned about once the pool is a fair share of what moves (9 %), not while it is
    a glimpse of water (2 %)."""
    field = np.zeros((120, 200, 2), np.float32)
    field[5:45, 0:200, 0] = 1.0  # a river 200 px long: 40 frames carry it 20 %
    field[60:60 + pool_rows, 10:30, 1] = 1.0  # a pool 20 px wide, flowing down
    river, pool = region_reaches(field, 40)
    assert river.share == pytest.approx(0.2)
    assert pool.share == pytest.approx(40 / pool_rows)
    assert pool.area_share == pytest.approx(20 * pool_rows / (8000 + 20 * pool_rows))
    assert (overlong_reach(field, 40) is not None) == warned
