"""The weight-free motion field: words, shapes, speed, turbulence, fade, several fluids."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from cinemagraph.errors import CinemagraphError
from cinemagraph.motion import (
    MotionSettings,
    motion_field,
    scene_motion_field,
    split_labels,
)
from cinemagraph.motion.field import boundary_fade
from cinemagraph.motion.turbulence import curl_noise
from cinemagraph.motion.vocabulary import REFERENCE_WIDTH


def blank(height: int, width: int) -> np.ndarray:
    return np.full((height, width, 3), 0.5, dtype=np.float32)


def disc(height: int, width: int, cx: float, cy: float, radius: float) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width]
    return ((xs - cx) ** 2 + (ys - cy) ** 2 <= radius**2).astype(np.float32)


def mean_angle(field: np.ndarray, mask: np.ndarray) -> float:
    """Screen angle (0 right, 90 up) of the mean motion inside the mask."""
    inside = mask > 0
    dx, dy = field[..., 0][inside].mean(), field[..., 1][inside].mean()
    return math.degrees(math.atan2(-dy, dx)) % 360.0


def mean_speed(field: np.ndarray, mask: np.ndarray) -> float:
    return float(np.hypot(field[..., 0], field[..., 1])[mask > 0].mean())


def angle_gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


H, W = 96, 128
DISC = disc(H, W, 64, 48, 36)


def test_contract_zero_outside_and_finite():
    mask = DISC.copy()
    mask[40:44, :] *= 0.3  # a soft stripe
    field = motion_field(blank(H, W), mask, "waterfall")
    assert field.dtype == np.float32 and field.shape == (H, W, 2)
    assert np.isfinite(field).all()
    assert (field[mask == 0] == 0).all()
    assert mean_speed(field, mask) > 0.1


@pytest.mark.parametrize(("prompt", "angle"), [
    ("river flowing to the left", 180), ("waterfall", 270), ("smoke rising", 90),
    ("clouds drifting right", 0), ("waves rolling towards the camera", 270),
    ("fog drifting north-east", 45), ("steam drifting down and to the left", 225),
    ("flames", 90),
])
def test_direction_statistics_match_the_words(prompt, angle):
    field = motion_field(blank(H, W), DISC, prompt)
    assert angle_gap(mean_angle(field, DISC), angle) < 8.0
    # most of the region moves that way, not just the average
    inside = DISC > 0
    theta = np.radians(angle)
    along = field[..., 0][inside] * math.cos(theta) - field[..., 1][inside] * math.sin(theta)
    moving = np.hypot(field[..., 0], field[..., 1])[inside] > 1e-3
    assert (along[moving] > 0).mean() > 0.9


def test_speed_words_order_the_mean_speeds():
    speeds = [mean_speed(motion_field(blank(H, W), DISC, p), DISC)
              for p in ("river flowing gently", "river", "rushing river")]
    assert speeds[0] < speeds[1] < speeds[2]


def test_speeds_scale_with_the_image_width():
    small = motion_field(blank(H, W), DISC, "clouds")
    big_mask = disc(2 * H, 2 * W, 128, 96, 72)
    big = motion_field(blank(2 * H, 2 * W), big_mask, "clouds")
    ratio = mean_speed(big, big_mask) / mean_speed(small, DISC)
    assert ratio == pytest.approx(2.0, rel=0.15)


def test_default_speed_follows_the_vocabulary():
    mask = np.ones((64, REFERENCE_WIDTH), np.float32)  # nothing static: no fade anywhere
    field = motion_field(blank(64, REFERENCE_WIDTH), mask, "clouds",
                         settings=MotionSettings(turbulence_scale=0))
    assert mean_speed(field, mask) == pytest.approx(0.5, rel=0.02)
    np.testing.assert_allclose(field[..., 1], 0.0, atol=1e-6)


def test_explicit_direction_and_speed_override_the_words():
    settings = MotionSettings(direction_deg=90, speed=1.0, turbulence_scale=0)
    field = motion_field(blank(H, W), DISC, "waterfall falling fast", settings=settings)
    assert angle_gap(mean_angle(field, DISC), 90) < 5
    inner = ndimage.binary_erosion(DISC > 0, iterations=14)
    assert mean_speed(field, inner) == pytest.approx(1.0, rel=0.2)


def test_same_seed_same_field_and_other_seed_other_swirls():
    a = motion_field(blank(H, W), DISC, "fire", settings=MotionSettings(seed=3))
    b = motion_field(blank(H, W), DISC, "fire", settings=MotionSettings(seed=3))
    c = motion_field(blank(H, W), DISC, "fire", settings=MotionSettings(seed=4))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert angle_gap(mean_angle(c, DISC), 90) < 10  # swirls, not a different flow


def test_turbulence_strength_depends_on_the_kind():
    def swirl(prompt: str) -> float:
        settings = MotionSettings(speed=1.0)
        smooth = motion_field(blank(H, W), DISC, prompt,
                              settings=MotionSettings(speed=1.0, turbulence_scale=0))
        rough = motion_field(blank(H, W), DISC, prompt, settings=settings)
        return float(np.sqrt(np.mean((rough - smooth)[DISC > 0] ** 2)))

    assert swirl("calm lake") < swirl("lake") < swirl("rapids") < swirl("fire")


@pytest.mark.parametrize("size", [3.0, 12.0, 64.0])
def test_turbulence_is_divergence_free_and_seeded(size):
    noise = curl_noise((80, 90), size, 5).astype(np.float64)
    assert np.sqrt(np.mean(np.sum(noise**2, axis=-1))) == pytest.approx(1.0, rel=1e-5)
    divergence = np.gradient(noise[..., 0], axis=1) + np.gradient(noise[..., 1], axis=0)
    shear = np.abs(np.gradient(noise[..., 0], axis=1))
    interior = (slice(2, -2), slice(2, -2))
    assert np.abs(divergence[interior]).mean() < 1e-5 * shear[interior].mean()
    np.testing.assert_array_equal(curl_noise((80, 90), size, 5), curl_noise((80, 90), size, 5))
    assert not np.allclose(curl_noise((80, 90), size, 5), curl_noise((80, 90), size, 6))


def test_turbulence_swirls_have_the_asked_size():
    def correlation_length(size: float) -> float:
        noise = curl_noise((128, 128), size, 0)[..., 0]
        lags = np.arange(1, 60)
        corr = [np.mean(noise[:, :-lag] * noise[:, lag:]) / np.mean(noise**2) for lag in lags]
        return float(lags[np.argmax(np.array(corr) < 0.5)])

    small, large = correlation_length(6.0), correlation_length(24.0)
    assert 2.5 < large / small < 6


def test_speed_fades_towards_static_pixels_but_not_at_the_frame():
    mask = np.zeros((H, W), np.float32)
    mask[30:70, :] = 1  # a band crossing the whole image
    field = motion_field(blank(H, W), mask, "clouds drifting right",
                         settings=MotionSettings(turbulence_scale=0))
    speed = np.hypot(field[..., 0], field[..., 1])
    middle = speed[45:55, 40:90].mean()
    assert speed[45:55, 0].mean() > 0.9 * middle  # where the band leaves the image
    assert speed[45:55, -1].mean() > 0.9 * middle
    assert speed[30, 40:90].max() < 0.1 * middle  # where it meets static pixels
    assert speed[69, 40:90].max() < 0.1 * middle
    rows = speed[30:50, 64]
    assert (np.diff(rows[:12]) >= -1e-6).all()  # rises smoothly away from the wall


def test_boundary_fade_is_capped_by_thickness():
    thin = np.zeros((40, 60), bool)
    thin[18:22, 5:55] = True
    fade = boundary_fade(thin, 12.0)
    assert fade[~thin].max() == 0 and fade[19:21, 20:40].min() > 0.2
    assert (boundary_fade(np.ones((10, 10), bool), 5.0) == 1).all()


def test_two_fluids_in_one_scene_move_differently():
    sky = np.zeros((H, W), np.float32)
    sky[:30, :] = 1
    fall = np.zeros((H, W), np.float32)
    fall[40:, 50:78] = 1
    prompt = "clouds drifting right over a waterfall"
    for regions in ([sky, fall], {"waterfall": fall, "clouds": sky},
                    split_labels((sky + 2 * fall).astype(np.int32))):
        field = scene_motion_field(blank(H, W), regions, prompt)
        assert angle_gap(mean_angle(field, sky), 0) < 5
        assert angle_gap(mean_angle(field, fall), 270) < 5
        assert mean_speed(field, fall) > 2 * mean_speed(field, sky)
        assert (field[(sky + fall) == 0] == 0).all()


def test_demo_like_regions_each_get_their_motion():
    sky = np.zeros((H, W), np.float32)
    sky[:28, :] = 1
    fall = np.zeros((H, W), np.float32)
    fall[32:62, 54:74] = 1
    pool = np.zeros((H, W), np.float32)
    pool[62:90, 20:108] = 1
    field = scene_motion_field(blank(H, W), [("clouds drifting right", sky), ("waterfall", fall),
                                             ("lake rippling gently", pool)])
    assert angle_gap(mean_angle(field, sky), 0) < 5
    assert angle_gap(mean_angle(field, fall), 270) < 5
    assert angle_gap(mean_angle(field, pool), 0) < 15  # a lake moves along its shore
    assert mean_speed(field, fall) > mean_speed(field, sky) > mean_speed(field, pool) > 0


def test_each_region_can_have_its_own_speed():
    left = np.zeros((H, W), np.float32)
    left[:, :60] = 1
    right = np.zeros((H, W), np.float32)
    right[:, 68:] = 1
    regions = [("clouds", left), ("clouds", right)]
    settings = MotionSettings(turbulence_scale=0)
    field = scene_motion_field(blank(H, W), regions, settings=settings, speeds=[0.5, None])
    default = scene_motion_field(blank(H, W), regions, settings=settings)
    core = np.zeros((H, W), bool)
    core[30:66, 20:40] = True  # away from the fade at the region's edges
    assert np.median(np.hypot(*field[core].T)) == pytest.approx(0.5, rel=1e-3)
    np.testing.assert_array_equal(field[right > 0], default[right > 0])
    with pytest.raises(CinemagraphError, match="2 speeds given for 1 regions"):
        scene_motion_field(blank(H, W), [left], settings=settings, speeds=[1.0, 2.0])
    with pytest.raises(CinemagraphError, match="speed must lie in"):
        scene_motion_field(blank(H, W), regions, settings=settings, speeds=[-1.0, None])


def test_overlapping_masks_blend_instead_of_adding():
    mask = np.ones((32, 32), np.float32)
    settings = MotionSettings(turbulence_scale=0, speed=1.0)
    both = scene_motion_field(blank(32, 32), [("clouds", mask), ("clouds", mask)],
                              settings=settings)
    one = motion_field(blank(32, 32), mask, "clouds", settings=settings)
    np.testing.assert_allclose(both, one, atol=1e-5)


def test_unknown_fluid_warns_and_lists_the_known_ones():
    with pytest.warns(UserWarning, match="waterfall.*clouds"):
        field = motion_field(blank(H, W), DISC, "a medieval castle")
    assert angle_gap(mean_angle(field, DISC), 0) < 8


def test_empty_mask_gives_a_still_field():
    field = motion_field(blank(H, W), np.zeros((H, W), np.float32), "waterfall")
    assert (field == 0).all()


@pytest.mark.parametrize("settings", [
    {"seed": -1}, {"seed": 1.5}, {"direction_deg": float("nan")}, {"speed": -1.0},
    {"speed": 1e6}, {"speed_scale": float("inf")}, {"turbulence_scale": -0.5},
    {"solver_size": 2}, {"fade_px": -3.0}, {"turbulence_size_scale": 0.0},
])
def test_bad_settings_are_one_line_errors(settings):
    with pytest.raises(CinemagraphError):
        MotionSettings(**settings)


def test_bad_inputs_are_one_line_errors():
    with pytest.raises(CinemagraphError, match="mask"):
        motion_field(blank(H, W), np.ones((H + 1, W), np.float32), "river")
    with pytest.raises(CinemagraphError, match="no mask"):
        scene_motion_field(blank(H, W), [], "river")
    with pytest.raises(CinemagraphError):
        motion_field(np.full((H, W, 3), np.nan, np.float32), DISC, "river")
