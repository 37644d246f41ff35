"""Sparse hints: reproduced at their points, densified smoothly, winning over words."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cinemagraph.errors import CinemagraphError
from cinemagraph.motion import (
    MotionHint,
    MotionSettings,
    motion_field,
    parse_hint,
    scene_motion_field as scene,
)

H, W = 96, 128


def blank(height: int = H, width: int = W) -> np.ndarray:
    return np.full((height, width, 3), 0.5, dtype=np.float32)


def box(top: int, left: int, bottom: int, right: int) -> np.ndarray:
    mask = np.zeros((H, W), np.float32)
    mask[top:bottom, left:right] = 1
    return mask


def at(field: np.ndarray, hint: MotionHint) -> np.ndarray:
    return field[round(hint.y), round(hint.x)]


@pytest.mark.parametrize("solver_size", [128, 40])
def test_hints_are_reproduced_at_their_points(solver_size):
    mask = box(8, 8, 88, 120)
    hints = [MotionHint(30, 40, 1.5, 0.0), MotionHint(90, 60, 0.0, 1.0),
             MotionHint(60, 12, -0.5, 0.5)]  # the last one sits right by the bank
    field = motion_field(blank(), mask, "river flowing left", hints,
                         MotionSettings(solver_size=solver_size))
    for hint in hints:
        np.testing.assert_allclose(at(field, hint), (hint.dx, hint.dy), atol=0.03)
    assert (field[mask == 0] == 0).all() and np.isfinite(field).all()


def test_hints_win_over_words_and_spread_smoothly():
    mask = box(8, 8, 88, 120)
    hint = MotionHint(64, 48, 2.0, 0.0)
    field = motion_field(blank(), mask, "river flowing to the left", [hint],
                         MotionSettings(turbulence_scale=0))
    inside = mask > 0
    assert field[..., 0][inside].mean() > 0  # moves right, as hinted, not left
    speed = np.hypot(field[..., 0], field[..., 1])
    assert speed[40:56, 40:90].mean() == pytest.approx(2.0, rel=0.15)
    interior = field[16:80, 16:112]  # away from the fade at the banks
    assert np.abs(np.diff(interior, axis=0)).max() < 0.2  # densified smoothly: no steps
    assert np.abs(np.diff(interior, axis=1)).max() < 0.2


def test_densified_hints_blend_between_two_arrows():
    mask = box(0, 0, H, W)
    left, right = MotionHint(20, 48, 0.0, -1.0), MotionHint(108, 48, 1.0, 0.0)
    field = motion_field(blank(), mask, "clouds", [left, right],
                         MotionSettings(turbulence_scale=0))
    angles = [math.degrees(math.atan2(-field[48, x, 1], field[48, x, 0]))
              for x in range(20, 109, 4)]
    assert angles[0] == pytest.approx(90, abs=1) and angles[-1] == pytest.approx(0, abs=1)
    assert (np.diff(angles) <= 0.5).all()  # turns steadily from one arrow to the other
    assert angles[len(angles) // 2] == pytest.approx(45, abs=10)


def test_hints_respect_the_region_walls():
    upper = box(10, 10, 40, 118)
    lower = box(56, 10, 86, 118)
    hint = MotionHint(64, 25, 0.0, -1.5)
    field = scene(blank(), [("river", upper), ("river flowing left", lower)], hints=[hint],
                  settings=MotionSettings(turbulence_scale=0))
    np.testing.assert_allclose(at(field, hint), (0.0, -1.5), atol=0.03)
    lower_motion = field[lower > 0]
    assert lower_motion[:, 0].mean() < 0  # the other region keeps its words
    assert abs(lower_motion[:, 1].mean()) < 0.05


def test_hint_in_a_scene_acts_in_its_own_region():
    sky, water = box(0, 0, 40, W), box(50, 0, H, W)
    hint = MotionHint(64, 70, -1.0, 0.0)
    field = scene(blank(), {"clouds": sky, "lake": water}, "clouds over a lake", [hint])
    np.testing.assert_allclose(at(field, hint), (-1.0, 0.0), atol=0.03)
    assert field[..., 0][sky > 0].mean() > 0


def test_hints_are_seeded_and_deterministic():
    mask = box(8, 8, 88, 120)
    hints = [(30, 40, 1.0, 0.5)]
    a = motion_field(blank(), mask, "fire", hints, MotionSettings(seed=1))
    b = motion_field(blank(), mask, "fire", hints, MotionSettings(seed=1))
    np.testing.assert_array_equal(a, b)


def test_parse_hint():
    assert parse_hint(" 10, 20.5 ,-1.5,2e-1 ") == MotionHint(10, 20.5, -1.5, 0.2)
    for bad in ("10,20", "a,b,c,d", "1,2,3,4,5", ""):
        with pytest.raises(CinemagraphError, match="x,y,dx,dy"):
            parse_hint(bad)


def test_bad_hints_are_one_line_errors():
    mask = box(8, 8, 40, 40)
    with pytest.raises(CinemagraphError, match="outside every moving region"):
        motion_field(blank(), mask, "river", [(100, 80, 1, 0)])
    with pytest.raises(CinemagraphError, match="outside the 128×96 image"):
        motion_field(blank(), mask, "river", [(200, 20, 1, 0)])
    with pytest.raises(CinemagraphError, match="NaN"):
        motion_field(blank(), mask, "river", [(20, 20, float("nan"), 0)])
    with pytest.raises(CinemagraphError, match="four numbers"):
        motion_field(blank(), mask, "river", [(20, 20, 1)])
