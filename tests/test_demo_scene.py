"""The procedural demo scene: its contract, determinism, layout and texture."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cinemagraph.contract import check_image, check_mask
from cinemagraph.demo import DemoRegion, DemoScene, build_scene
from cinemagraph.demo.noise import fractal_noise, fractal_profile, smoothstep, value_noise
from cinemagraph.demo.render import demo_motion
from cinemagraph.demo.scene import LOOP_FRAMES
from cinemagraph.errors import CinemagraphError
from cinemagraph.motion.uniform import direction_vector

NAMES = ("clouds", "waterfall", "pool")
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@pytest.fixture(scope="module")
def scene() -> DemoScene:
    return build_scene()


def _check_contract(scene: DemoScene, width: int, height: int) -> None:
    assert isinstance(scene, DemoScene)
    image = scene.image
    assert image.dtype == np.float32
    assert image.shape == (height, width, 3)
    assert np.isfinite(image).all()
    assert image.min() >= 0.0 and image.max() <= 1.0
    check_image(image)
    assert tuple(r.name for r in scene.regions) == NAMES
    for region in scene.regions:
        assert isinstance(region, DemoRegion)
        assert region.mask.dtype == np.float32
        assert region.mask.shape == (height, width)
        assert region.mask.min() >= 0.0 and region.mask.max() <= 1.0
        check_mask(region.mask, (height, width))
        assert region.prompt.strip()
        assert np.isfinite(region.direction_deg)
        assert region.speed > 0.0
    union = scene.mask
    assert union.dtype == np.float32 and union.shape == (height, width)
    expected = np.max(np.stack([r.mask for r in scene.regions]), axis=0)
    np.testing.assert_array_equal(union, expected)


@pytest.mark.parametrize(
    ("width", "height"),
    [(512, 384), (64, 64), (97, 301), (301, 97), (129, 65), (640, 360)],
)
def test_contract_holds_for_many_sizes(width: int, height: int) -> None:
    _check_contract(build_scene(width, height, seed=3), width, height)


@settings(max_examples=12, deadline=None)
@given(
    width=st.integers(min_value=64, max_value=200),
    height=st.integers(min_value=64, max_value=200),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_contract_holds_for_any_small_size(width: int, height: int, seed: int) -> None:
    scene = build_scene(width, height, seed)
    _check_contract(scene, width, height)
    for region in scene.regions:
        assert region.mask.max() > 0.9, f"{region.name} vanished at {width}×{height}"


def test_default_size_is_512_by_384(scene: DemoScene) -> None:
    _check_contract(scene, 512, 384)


def test_same_seed_gives_identical_arrays() -> None:
    first, second = build_scene(160, 120, seed=7), build_scene(160, 120, seed=7)
    np.testing.assert_array_equal(first.image, second.image)
    for a, b in zip(first.regions, second.regions, strict=True):
        np.testing.assert_array_equal(a.mask, b.mask)
        assert (a.name, a.prompt, a.direction_deg, a.speed) == (
            b.name,
            b.prompt,
            b.direction_deg,
            b.speed,
        )


def test_different_seeds_give_different_pictures() -> None:
    first, second = build_scene(160, 120, seed=1), build_scene(160, 120, seed=2)
    assert np.abs(first.image - second.image).mean() > 0.01


@pytest.mark.parametrize("size", [(63, 100), (100, 10), (0, 0), (-5, 80)])
def test_too_small_sizes_are_refused(size: tuple[int, int]) -> None:
    with pytest.raises(CinemagraphError, match="at least 64"):
        build_scene(*size)


def test_fractional_sizes_are_refused() -> None:
    with pytest.raises(CinemagraphError, match="whole pixels"):
        build_scene(100.5, 80)


def test_masks_are_substantial(scene: DemoScene) -> None:
    area = 512 * 384
    share = {r.name: float(r.mask.sum()) / area for r in scene.regions}
    assert share["clouds"] > 0.15
    assert share["pool"] > 0.05
    assert share["waterfall"] > 0.02


def test_masks_barely_overlap(scene: DemoScene) -> None:
    for a, b in itertools.combinations(scene.regions, 2):
        overlap = float(np.minimum(a.mask, b.mask).sum())
        smaller = min(float(a.mask.sum()), float(b.mask.sum()))
        assert overlap / smaller < 0.02, f"{a.name} and {b.name} overlap by {overlap:.0f} px"


def test_mask_edges_are_soft_but_narrow(scene: DemoScene) -> None:
    for region in scene.regions:
        partial = float(((region.mask > 0.05) & (region.mask < 0.95)).sum())
        solid = float((region.mask >= 0.95).sum())
        assert solid > 0
        # The in-between band is a thin rim, not a blur over the whole region.
        assert partial / solid < 0.25, region.name


def _mass_centre(mask: np.ndarray) -> tuple[float, float]:
    """(x, y) centre of mass of a mask, as fractions of its width and height."""
    h, w = mask.shape
    total = float(mask.sum())
    x = float((mask.sum(axis=0) * (np.arange(w) + 0.5)).sum()) / total / w
    y = float((mask.sum(axis=1) * (np.arange(h) + 0.5)).sum()) / total / h
    return x, y


@pytest.mark.parametrize(("width", "height", "seed"), [(512, 384, 0), (512, 384, 5), (300, 220, 9)])
def test_regions_lie_where_expected(width: int, height: int, seed: int) -> None:
    scene = build_scene(width, height, seed)
    clouds, fall, pool = (scene.region(name).mask for name in NAMES)
    rows = np.arange(height)[:, None] + 0.5

    # The sky is in the upper part of the picture.
    assert _mass_centre(clouds)[1] < 0.3
    assert float(clouds[rows[:, 0] > 0.5 * height].sum()) == 0.0

    # The falls are a vertical band some 8–15% of the width wide, in the middle rows.
    columns = fall.sum(axis=0)
    band = columns > 0.5 * columns.max()
    assert 0.08 * width <= band.sum() <= 0.15 * width
    first, last = np.flatnonzero(band)[[0, -1]]
    assert last - first + 1 == band.sum(), "the falls' columns are not one band"
    inside = float(fall[:, first : last + 1].sum()) / float(fall.sum())
    assert inside > 0.9
    fall_rows = np.flatnonzero(fall.sum(axis=1) > 0.5 * band.sum())
    assert fall_rows[-1] - fall_rows[0] > 0.2 * height  # taller than a quarter of its width

    # The pool lies below the falls and spans their columns.
    fall_x, fall_y = _mass_centre(fall)
    pool_x, pool_y = _mass_centre(pool)
    assert pool_y > fall_y
    assert abs(pool_x - fall_x) < 0.15
    below_fall = float(pool[rows[:, 0] > fall_rows[-1] - 2].sum()) / float(pool.sum())
    assert below_fall > 0.95
    assert pool[:, first : last + 1].max(axis=0).min() > 0.9


def test_default_motions_point_the_right_way(scene: DemoScene) -> None:
    clouds = direction_vector(scene.region("clouds").direction_deg, 1.0)
    fall = direction_vector(scene.region("waterfall").direction_deg, 1.0)
    assert clouds[0] > 0.9 and abs(clouds[1]) < 0.1  # right
    assert fall[1] > 0.9 and abs(fall[0]) < 0.1  # down
    speeds = {r.name: r.speed for r in scene.regions}
    assert 1.5 <= speeds["waterfall"] <= 2.2
    assert 0.4 <= speeds["clouds"] <= 0.6
    assert 0.1 <= speeds["pool"] <= 0.5


def test_speeds_scale_with_the_extent_along_the_motion() -> None:
    base = build_scene(256, 192)
    wide = build_scene(768, 192)  # 3× the width
    tall = build_scene(256, 384)  # 2× the height
    for a, b, c in zip(base.regions, wide.regions, tall.regions, strict=True):
        dx, dy = direction_vector(a.direction_deg, 1.0)
        assert b.speed == pytest.approx(a.speed * (abs(dx) * 3.0 + abs(dy)))
        assert c.speed == pytest.approx(a.speed * (abs(dx) + abs(dy) * 2.0))
        assert b.direction_deg == c.direction_deg == a.direction_deg


@pytest.mark.parametrize(("width", "height"), [(512, 384), (640, 360), (200, 300), (1024, 768)])
def test_a_loop_moves_the_falls_well_under_their_height(width: int, height: int) -> None:
    # Mid-loop the forward splat's trailing edge (the lip's water, pushed down) and the
    # backward one's (the plunge line's, pushed up) are a height minus a loop's travel
    # apart; when they meet, neither direction has texture between them.
    scene = build_scene(width, height)
    fall = scene.region("waterfall")
    height_px = int((fall.mask > 0.5).sum(axis=0).max())
    assert LOOP_FRAMES * fall.speed <= 0.75 * height_px
    # The demo's field moves the falls at the region's speed.
    falling = demo_motion(scene)[..., 1][fall.mask > 0.5]
    assert float(np.median(falling)) == pytest.approx(fall.speed, rel=0.2)


@pytest.mark.parametrize(("width", "height", "seed"), [(512, 384, 0), (97, 301, 4), (64, 64, 2)])
def test_falls_and_pool_are_kept_apart_by_still_water(width: int, height: int, seed: int) -> None:
    # Otherwise tracing the pool's motion backwards would carry pool pixels up the falls.
    scene = build_scene(width, height, seed)
    fall = (scene.region("waterfall").mask > 0).astype(np.uint8)
    near_fall = cv2.dilate(fall, np.ones((3, 3), np.uint8)) > 0
    assert float(scene.region("pool").mask[near_fall].max(initial=0.0)) == 0.0


def _high_pass_along(image: np.ndarray, direction_deg: float, sigma: float) -> np.ndarray:
    """Luminance minus its Gaussian blur along one direction (float32 ``H×W``)."""
    lum = image @ LUMA
    dx, dy = direction_vector(direction_deg, 1.0)
    if abs(dx) >= abs(dy):
        blurred = cv2.GaussianBlur(lum, (0, 1), sigmaX=sigma, sigmaY=0.1)
    else:
        blurred = cv2.GaussianBlur(lum, (1, 0), sigmaX=0.1, sigmaY=sigma)
    return lum - blurred


def _interior(mask: np.ndarray) -> np.ndarray:
    """Pixels well inside a mask (bool ``H×W``)."""
    return cv2.erode((mask > 0.99).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0


def test_high_pass_measure_sees_no_texture_in_a_flat_image() -> None:
    flat = np.full((50, 60, 3), 0.4, dtype=np.float32)
    for direction in (0.0, 270.0):
        assert np.abs(_high_pass_along(flat, direction, 4.0)).max() < 1e-6


@pytest.mark.parametrize("seed", [0, 1])
def test_moving_regions_are_textured_along_their_motion(seed: int) -> None:
    width = 512
    scene = build_scene(width, 384, seed)
    sigma = 0.015 * width  # a few frames of motion
    least = {"clouds": 0.008, "waterfall": 0.03, "pool": 0.03}
    for region in scene.regions:
        detail = _high_pass_along(scene.image, region.direction_deg, sigma)
        inside = _interior(region.mask)
        assert inside.sum() > 200, region.name
        assert float(detail[inside].std()) > least[region.name], region.name


def test_still_parts_are_textured(scene: DemoScene) -> None:
    lum = scene.image @ LUMA
    detail = lum - cv2.GaussianBlur(lum, (0, 0), 3.0)
    still = _interior(1.0 - scene.mask)
    assert float(detail[still].std()) > 0.02
    # Not just a few busy spots: most of the still area has visible detail in its 9×9 patch.
    local = np.sqrt(cv2.blur(detail * detail, (9, 9)))
    assert float((local[still] > 0.01).mean()) > 0.6


def test_waterfall_is_brighter_than_the_cliff_beside_it(scene: DemoScene) -> None:
    lum = scene.image @ LUMA
    fall = scene.region("waterfall").mask > 0.99
    rows = np.flatnonzero(fall.any(axis=1))
    band = np.zeros_like(fall)
    band[rows[0] : rows[-1] + 1] = True
    beside = band & (scene.mask < 0.01)
    assert lum[fall].mean() > lum[beside].mean() + 0.2


# ----------------------------------------------------------------------------- noise


def test_fractal_noise_is_standardised_and_reproducible() -> None:
    field = fractal_noise(np.random.default_rng(4), (90, 130), (3.0, 4.0))
    again = fractal_noise(np.random.default_rng(4), (90, 130), (3.0, 4.0))
    other = fractal_noise(np.random.default_rng(5), (90, 130), (3.0, 4.0))
    assert field.dtype == np.float32 and field.shape == (90, 130)
    assert abs(float(field.mean())) < 1e-4
    assert float(field.std()) == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_array_equal(field, again)
    assert not np.array_equal(field, other)


def test_stretched_noise_varies_more_across_its_streaks() -> None:
    streaks = fractal_noise(np.random.default_rng(0), (200, 200), (2.0, 40.0))  # tall features
    along_y = float(np.abs(np.diff(streaks, axis=0)).mean())
    along_x = float(np.abs(np.diff(streaks, axis=1)).mean())
    assert along_x > 3.0 * along_y


def test_value_noise_is_smooth_and_in_range() -> None:
    layer = value_noise(np.random.default_rng(1), (64, 80), (4.0, 5.0))
    assert layer.shape == (64, 80) and layer.dtype == np.float32
    assert layer.min() > -0.2 and layer.max() < 1.2  # bicubic may overshoot a little
    assert float(np.abs(np.diff(layer, axis=1)).max()) < 0.2


def test_fractal_profile_has_the_requested_length() -> None:
    curve = fractal_profile(np.random.default_rng(2), 333, 5.0)
    assert curve.shape == (333,) and curve.dtype == np.float32
    assert float(curve.std()) == pytest.approx(1.0, abs=1e-4)


def test_smoothstep_ramps_from_zero_to_one() -> None:
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    np.testing.assert_allclose(smoothstep(0.0, 1.0, x), [0.0, 0.0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(smoothstep(1.0, 0.0, x), [1.0, 1.0, 0.5, 0.0, 0.0])
