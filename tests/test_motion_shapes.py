"""Shapes with a known answer: channels run along their axis at the fluid's speed, a fall
falls and its pool stays calm, lakes move along their shore, narrows do not race."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import ndimage

from cinemagraph.motion import MotionSettings, motion_field, scene_motion_field
from cinemagraph.motion.falls import fall_and_pool
from cinemagraph.motion.field import UNSURE_SIGN_SPEED
from cinemagraph.motion.grid import make_grid
from cinemagraph.motion.potential import channel_axes, frame_openings
from cinemagraph.motion.shore import FAR_SPEED, NEAR_SPEED, shore_axes
from cinemagraph.motion.vocabulary import REFERENCE_WIDTH, kind_by_name

SMOOTH = MotionSettings(turbulence_scale=0)


def blank(height: int, width: int) -> np.ndarray:
    return np.full((height, width, 3), 0.5, dtype=np.float32)


def core(mask: np.ndarray, inset: int) -> np.ndarray:
    """Mask pixels at least ``inset`` pixels from every static pixel (the frame is not one)."""
    padded = np.pad(mask > 0, inset, mode="edge")
    return ndimage.binary_erosion(padded, iterations=inset)[inset:-inset, inset:-inset]


def screen_angle(vectors: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(-vectors[..., 1], vectors[..., 0])) % 360.0


def angle_gap(a: np.ndarray | float, b: float) -> np.ndarray:
    return np.abs((np.asarray(a) - b + 180.0) % 360.0 - 180.0)


def fluid_speed(kind: str, width: int) -> float:
    found = kind_by_name(kind)
    assert found is not None
    return found.speed * width / REFERENCE_WIDTH


def test_a_straight_channel_runs_along_its_axis_at_the_fluid_speed():
    height, width = 96, 128
    ys, xs = np.mgrid[0:height, 0:width]
    # a straight diagonal channel from the top edge to the bottom edge, 24 px wide
    channel = (np.abs((xs - 30) - 0.6 * ys) <= 12).astype(np.float32)
    field = motion_field(blank(height, width), channel, "river", settings=SMOOTH)
    inner = core(channel, 6)
    axis = screen_angle(np.array([0.6, 1.0]))  # down the channel, towards the viewer
    assert np.percentile(angle_gap(screen_angle(field[inner]), float(axis)), 95) < 5
    # it crosses the frame at its own slant, not square to the frame's edge
    for rows in (slice(0, 12), slice(84, 96)):
        assert angle_gap(screen_angle(field[rows][inner[rows]]), float(axis)).max() < 5
    speed = np.hypot(*field[inner].T)
    np.testing.assert_allclose(speed, fluid_speed("river", width), rtol=0.02)



def test_a_bending_channel_crosses_the_frame_along_its_own_course():
    size = 192
    ys, xs = np.mgrid[0:size, 0:size]
    radius = np.hypot(xs - size, ys - size)
    ring = ((radius > 90) & (radius < 128)).astype(np.float32)  # in at the bottom, out right
    field = motion_field(blank(size, size), ring, "river", settings=SMOOTH)
    tangent = np.stack([-(ys - size), xs - size], axis=-1).astype(np.float64)
    unit = field / np.maximum(np.linalg.norm(field, axis=-1, keepdims=True), 1e-9)
    cos = np.abs(np.sum(unit * tangent, axis=-1)) / np.linalg.norm(tangent, axis=-1)
    inner = core(ring, 6)
    for near_frame in (inner & (ys >= size - 12), inner & (xs >= size - 12)):
        assert np.percentile(np.degrees(np.arccos(np.clip(cos[near_frame], 0, 1))), 95) < 8

def test_a_level_channel_without_words_drifts_slowly_and_words_choose_the_way():
    height, width = 64, 128
    band = np.zeros((height, width), np.float32)
    band[20:44, :] = 1
    inner = core(band, 6)
    guessed = motion_field(blank(height, width), band, "river", settings=SMOOTH)
    told = motion_field(blank(height, width), band, "river flowing left", settings=SMOOTH)
    full = fluid_speed("river", width)
    assert np.median(np.hypot(*guessed[inner].T)) == pytest.approx(UNSURE_SIGN_SPEED * full,
                                                                    rel=0.02)
    assert UNSURE_SIGN_SPEED <= 0.5
    assert np.median(np.hypot(*told[inner].T)) == pytest.approx(full, rel=0.02)
    assert angle_gap(screen_angle(told[inner]), 180.0).max() < 3



@pytest.mark.parametrize("tilt_deg", [4.0, 8.0])
def test_a_level_channel_whose_far_bank_rises_runs_slowly_towards_its_lower_nearer_end(
        tilt_deg):
    height, width = 96, 256
    ys, xs = np.mgrid[0:height, 0:width]
    rise = math.tan(math.radians(tilt_deg))
    river = (ys >= 40 - rise * (xs - width / 2)).astype(np.float32)  # far bank higher right
    full = fluid_speed("river", width)
    for mask, way in ((river, 180.0), (river[:, ::-1].copy(), 0.0)):
        field = motion_field(blank(height, width), mask, "river", settings=SMOOTH)
        inner = core(mask, 6)
        assert np.median(angle_gap(screen_angle(field[inner]), way)) < tilt_deg + 3
        assert np.median(np.hypot(*field[inner].T)) == pytest.approx(UNSURE_SIGN_SPEED * full,
                                                                      rel=0.05)


def test_a_channel_level_within_a_cameras_roll_keeps_the_plain_guess():
    height, width = 96, 256
    ys, xs = np.mgrid[0:height, 0:width]
    rise = math.tan(math.radians(1.0))
    river = (ys >= 40 - rise * (xs - width / 2)).astype(np.float32)
    field = motion_field(blank(height, width), river, "river", settings=SMOOTH)
    assert (field[core(river, 6)][:, 0] > 0).mean() > 0.95

def narrowing_chute(height: int, width: int, wide: float, narrow: float) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width]
    half = wide - (wide - narrow) * ys / (height - 1)  # wide at the top, narrow below
    return (np.abs(xs - width / 2) <= half).astype(np.float32)


@settings(max_examples=15, deadline=None)
@given(wide=st.floats(30, 60), narrow=st.floats(8, 28),
       prompt=st.sampled_from(["waterfall", "river", "rushing rapids", "lava"]))
def test_speed_stays_near_the_fluid_speed_where_a_region_narrows(wide, narrow, prompt):
    height, width = 96, 128
    chute = narrowing_chute(height, width, wide, narrow)
    field = motion_field(blank(height, width), chute, prompt, settings=SMOOTH)
    inner = core(chute, 5)
    speed = np.hypot(*field[inner].T)
    median = float(np.median(speed))
    assert 0.5 * median <= speed.min() and speed.max() <= 1.5 * median
    upper = np.hypot(*field[8:20].reshape(-1, 2).T)[inner[8:20].ravel()].mean()
    lower = np.hypot(*field[76:88].reshape(-1, 2).T)[inner[76:88].ravel()].mean()
    assert lower < 1.25 * upper  # no racing through the narrows


def t_shaped_fall_and_pool(height: int = 128, width: int = 128) -> tuple[np.ndarray, ...]:
    stem = np.zeros((height, width), bool)
    stem[10:80, 54:74] = True
    bar = np.zeros((height, width), bool)
    bar[80:, :] = True
    return stem, bar, (stem | bar).astype(np.float32)


def test_a_fall_falls_and_the_pool_it_feeds_barely_moves():
    stem, bar, region = t_shaped_fall_and_pool()
    field = motion_field(blank(*region.shape), region, "waterfall", settings=SMOOTH)
    fall_speed = fluid_speed("waterfall", region.shape[1])
    falling = core(stem.astype(np.float32), 6) & (np.arange(128)[:, None] < 70)
    assert angle_gap(screen_angle(field[falling]), 270.0).max() < 3
    assert np.median(np.hypot(*field[falling].T)) == pytest.approx(fall_speed, rel=0.02)
    pool = bar & (np.arange(128)[:, None] >= 90)
    pool_speed = np.hypot(*field[pool].T)
    assert pool_speed.max() < 0.15 * fall_speed  # calm
    assert (field[pool][:, 1] < 0.05 * fall_speed).all()  # not dragged down the screen
    left, right = pool & (np.arange(128) < 40), pool & (np.arange(128) >= 88)
    assert field[left][:, 0].mean() < 0 < field[right][:, 0].mean()  # spreads from the foot


def test_a_plain_fall_and_a_wide_curtain_have_no_pool():
    for shape in [(slice(5, 120), slice(50, 78)), (slice(40, 90), slice(4, 124))]:
        region = np.zeros((128, 128), bool)
        region[shape] = True
        fall, _, split = fall_and_pool(make_grid(region, 128))
        assert not split.any() and (fall[region] == 1).all()


def test_in_a_split_fall_white_water_falls_faster_than_rock():
    stem, _, region = t_shaped_fall_and_pool()
    image = np.full((*region.shape, 3), 0.3, np.float32)
    image[..., 2] = 0.6  # blue-grey rock and lake …
    image[:, 54:64] = 0.95  # … and a white strand in the left half of the stem
    field = motion_field(image, region, "waterfall", settings=SMOOTH)
    white = np.zeros_like(stem)
    white[20:70, 56:60] = True
    rock = np.zeros_like(stem)
    rock[20:70, 68:72] = True
    assert np.hypot(*field[white].T).mean() > 1.5 * np.hypot(*field[rock].T).mean()
    assert (field[rock][:, 1] > 0).all()  # rock in a fall's mask still falls, slower


def test_a_lake_band_moves_sideways_along_its_shore_faster_nearer_the_viewer():
    height, width = 96, 128
    lake = np.zeros((height, width), np.float32)
    lake[40:, :] = 1  # the far shore is level, the lake runs out of the bottom of the frame
    field = motion_field(blank(height, width), lake, "lake", settings=SMOOTH)
    inner = core(lake, 5)
    assert angle_gap(screen_angle(field[inner]), 0.0).max() < 3
    speed = np.hypot(field[..., 0], field[..., 1])
    far, near = speed[46, 10:-10].mean(), speed[94, 10:-10].mean()
    assert near > far > 0
    assert near / far == pytest.approx(NEAR_SPEED / FAR_SPEED, rel=0.15)


def test_a_lake_moves_towards_its_near_shore_side():
    height, width = 96, 128
    ys, xs = np.mgrid[0:height, 0:width]
    lake = ((ys >= 30) & (xs >= 90 - 0.8 * (ys - 30))).astype(np.float32)  # shore on the left
    field = motion_field(blank(height, width), lake, "lake", settings=SMOOTH)
    inner = core(lake, 5)
    assert (field[inner][:, 0] < 0).mean() > 0.95
    mirrored = motion_field(blank(height, width), lake[:, ::-1].copy(), "lake", settings=SMOOTH)
    assert (mirrored[inner[:, ::-1]][:, 0] > 0).mean() > 0.95
    # it also runs out of the frame's bottom, over all its width: the viewer stands on a
    # shore too, and the water runs into the corner between the two shores, as far down
    # the screen again as it runs along its far shore
    along = shore_axes(make_grid(lake > 0, 128))[1]
    assert along[0] < 0
    corner = float(screen_angle(along + np.array([0.0, 1.0])))
    assert angle_gap(corner, float(screen_angle(along))) > 25
    assert np.median(angle_gap(screen_angle(field[inner]), corner)) < 5
    assert np.median(angle_gap(screen_angle(mirrored[inner[:, ::-1]]), 540.0 - corner)) < 5


def test_a_tilted_shore_tilts_the_drift_and_words_still_win():
    height, width = 96, 128
    ys, xs = np.mgrid[0:height, 0:width]
    tilt = math.tan(math.radians(12.0))
    sea = (ys >= 30 + tilt * xs).astype(np.float32)  # far shore falling to the right
    axis = shore_axes(make_grid(sea > 0, 128))[1]
    assert angle_gap(float(screen_angle(axis)), 360.0 - 12.0) < 2
    told = motion_field(blank(height, width), sea, "waves rolling towards the camera",
                        settings=SMOOTH)
    assert angle_gap(screen_angle(told[core(sea, 5)]), 270.0).max() < 8


def test_demo_like_pool_is_calm_and_sideways():
    sky = np.zeros((96, 128), np.float32)
    sky[:28, :] = 1
    pool = np.zeros((96, 128), np.float32)
    pool[62:90, 20:108] = 1
    field = scene_motion_field(blank(96, 128), [("clouds drifting right", sky),
                                                ("lake rippling gently", pool)], settings=SMOOTH)
    inner = core(pool, 4)
    assert angle_gap(screen_angle(field[inner]), 0.0).max() < 5
    assert np.hypot(*field[inner].T).max() < fluid_speed("lake", 128)


def test_openings_broken_by_a_rock_count_once_and_small_parts_follow_the_largest():
    river = np.zeros((64, 128), bool)
    river[20:64, :90] = True  # seen across: one opening, around the bottom-left corner …
    river[64 - 8:, 10:16] = False  # … broken by a rock at the bottom edge
    river[30:40, 100:110] = True  # the same water seen again past a tree
    grid = make_grid(river, 128)
    assert len(frame_openings(grid)[grid.labels[30, 40]]) == 1
    axes = channel_axes(grid)
    np.testing.assert_allclose(axes[grid.labels[30, 40]], (1, 0), atol=0.05)
    np.testing.assert_allclose(axes[grid.labels[35, 105]], axes[grid.labels[30, 40]])
