import warnings

import numpy as np
import pytest

from cinemagraph.animate import AnimateSettings, animate
from cinemagraph.animate.holes import MAX_FILLED_SHARE, HoleTally
from cinemagraph.animate.points import PointRuns
from cinemagraph.animate.render import FrameRenderer
from helpers import box_mask, constant_field, smooth_texture


def _short_region_scene():
    # A river 16 px long carried 40 px per loop: mid-loop neither direction reaches most
    # of it. A second, long region beside it keeps its texture throughout.
    h, w = 48, 96
    image = smooth_texture(h, w, seed=4, blur=1.0)
    short = box_mask(h, w, 16, 8, 32, 24)  # 16 px along the flow
    long = box_mask(h, w, 4, 40, 44, 92)
    field = (constant_field(h, w, 1.0, 0.0) * short[..., None]
             + constant_field(h, w, 0.0, 0.2) * long[..., None])
    return image, short, long, field


def test_a_region_filled_in_some_frame_is_named_in_a_warning():
    image, short, long, field = _short_region_scene()
    union = np.maximum(short, long)
    with pytest.warns(UserWarning, match=r"the river region runs out of texture") as caught:
        animate(image, union, field, AnimateSettings(frames=40),
                regions=[("river", short), ("lake", long)])
    assert not any("lake" in str(w.message) for w in caught)


def test_no_warning_when_the_fluid_stays_covered():
    image, _short, long, field = _short_region_scene()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        animate(image, long, field * long[..., None], AnimateSettings(frames=40),
                regions=[("lake", long)])


def test_the_tally_keeps_each_regions_worst_frame():
    a = np.zeros((10, 10), np.float32)
    a[:, :5] = 1
    b = np.zeros((10, 10), np.float32)
    b[:, 5:] = 1
    tally = HoleTally([("a", a), ("b", b)], slice(0, 10), slice(0, 10))
    holes = np.zeros((10, 10), bool)
    holes[0, :2] = True  # 2 of region a's 50 pixels: 4 %
    tally.add(3, holes, 2)
    holes[:] = False
    holes[0, 0] = True  # 2 % of a: not its worst
    tally.add(5, holes, 1)
    assert tally.worst[0] == pytest.approx(0.04) and tally.worst_frame[0] == 3
    assert tally.worst[1] == 0.0
    assert MAX_FILLED_SHARE == 0.02
    with pytest.warns(UserWarning, match=r"the a region .* frame 3 of 9 fills 4%"):
        tally.warn(9)


def test_holes_are_filled_with_moving_texture_not_flat_colour():
    # A hole in the middle of a textured region: with the field, the fill carries the
    # picture's fine texture (and it moves with the phase); without, it is smooth.
    h, w = 40, 40
    image = smooth_texture(h, w, seed=8, blur=0.8)
    alpha = np.ones((h, w), np.float32)
    field = constant_field(h, w, 1.0, 0.0)
    points = PointRuns.of_mask(np.ones((h, w), bool))
    rows, cols = np.nonzero(box_mask(h, w, 12, 12, 28, 28) > 0)
    plain = FrameRenderer(image, alpha, np.ones((h, w), np.float32), points, backend="numba",
                          device="cpu", preserve_contrast=True)
    textured = FrameRenderer(image, alpha, np.ones((h, w), np.float32), points,
                             backend="numba", device="cpu", preserve_contrast=True, field=field)
    assert not plain.hole_texture(rows, cols, 3).any()
    early, later = textured.hole_texture(rows, cols, 3), textured.hole_texture(rows, cols, 6)
    detail = image - image.mean()
    assert early.std() > 0.3 * detail[12:28, 12:28].std()
    assert np.abs(early - later).mean() > 0.1 * np.abs(early).mean()
    assert abs(float(early.mean())) < 0.2 * float(early.std())
