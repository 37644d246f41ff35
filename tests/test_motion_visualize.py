"""Colour-wheel pictures of motion fields."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cinemagraph.errors import CinemagraphError
from cinemagraph.motion import field_preview, field_to_rgb, save_field_preview


def constant(dx: float, dy: float, shape=(8, 8)) -> np.ndarray:
    field = np.zeros((*shape, 2), np.float32)
    field[...] = (dx, dy)
    return field


def test_still_is_white_and_directions_have_their_hues():
    assert (field_to_rgb(np.zeros((4, 5, 2), np.float32)) == 255).all()
    colours = {name: field_to_rgb(constant(*v))[0, 0].astype(int) for name, v in
               {"right": (1, 0), "down": (0, 1), "left": (-1, 0), "up": (0, -1)}.items()}
    r, g, b = colours["right"]
    assert r > 200 and g < 60 and b < 60  # red
    r, g, b = colours["down"]
    assert r > 200 and g > 180 and b < 60  # yellow
    r, g, b = colours["left"]
    assert r < 60 and g > 150 and b > 200  # cyan
    r, g, b = colours["up"]
    assert b > 200 and g < 60  # blue-violet
    assert len({tuple(c) for c in colours.values()}) == 4


def test_saturation_grows_with_speed_and_max_speed_sets_the_scale():
    field = np.zeros((1, 3, 2), np.float32)
    field[0, :, 0] = (0.25, 0.5, 1.0)
    rgb = field_to_rgb(field).astype(int)
    greens = rgb[0, :, 1]
    assert greens[0] > greens[1] > greens[2]  # faster → more saturated red
    dim = field_to_rgb(field, max_speed=4.0).astype(int)
    assert (dim[0, :, 1] > greens).all()
    beyond = field_to_rgb(constant(2, 0, (1, 1)), max_speed=1.0)[0, 0]
    assert beyond.max() < 255  # faster than the scale: darkened


def test_preview_draws_the_outline_arrows_and_key():
    height, width = 96, 128
    mask = np.zeros((height, width), np.float32)
    mask[20:70, 30:100] = 1
    field = constant(0.0, 1.0, (height, width)) * mask[..., None]
    plain = field_to_rgb(field)
    preview = field_preview(field, mask)
    assert preview.shape == (height, width, 3) and preview.dtype == np.uint8
    assert preview[20, 60].max() < 120 and preview[69, 60].max() < 120  # outline
    assert (preview[5:15, 5:25] == 255).all()  # still and far from everything: untouched
    changed = np.any(preview != plain, axis=-1)
    assert changed[25:65, 35:95].sum() > 50  # arrows inside the region
    assert changed[-16:, -16:].sum() > 50  # the key in the corner
    bare = field_preview(field, None, arrows=False, key=False)
    np.testing.assert_array_equal(bare, plain)


def test_save_field_preview_writes_a_png_atomically(tmp_path):
    field = constant(1.0, -0.5, (40, 60))
    path = save_field_preview(tmp_path / "field.png", field, np.ones((40, 60), np.float32))
    assert path == tmp_path / "field.png"
    with Image.open(path) as img:
        assert img.size == (60, 40) and img.mode == "RGB"
    assert [p.name for p in tmp_path.iterdir()] == ["field.png"]


def test_preview_rejects_bad_fields():
    with pytest.raises(CinemagraphError):
        field_preview(np.full((4, 4, 2), np.nan, np.float32))
    with pytest.raises(CinemagraphError):
        field_preview(np.zeros((4, 4, 3), np.float32))


def test_key_goes_to_a_corner_free_of_the_field():
    height, width = 96, 128
    mask = np.zeros((height, width), np.float32)
    mask[40:, 60:] = 1  # the bottom-right corner is fluid
    field = constant(1.0, 0.0, (height, width)) * mask[..., None]
    preview = field_preview(field, mask, arrows=False)
    plain = field_preview(field, mask, arrows=False, key=False)
    changed = np.any(preview != plain, axis=-1)
    assert not changed[mask >= 0.5].any()  # the field is not covered
    assert changed[-24:, :24].sum() > 50  # the key sits bottom-left instead


def test_key_goes_below_when_every_corner_is_fluid():
    height, width = 96, 128
    field = constant(0.5, 0.5, (height, width))
    preview = field_preview(field, np.ones((height, width), np.float32), arrows=False)
    plain = field_preview(field, np.ones((height, width), np.float32), arrows=False, key=False)
    assert preview.shape[0] > height and preview.shape[1:] == (width, 3)
    np.testing.assert_array_equal(preview[:height], plain)
    assert (preview[height:] != 255).any()
