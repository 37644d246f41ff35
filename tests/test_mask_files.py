"""A user's mask file is read as binary: mid-grey, or Otsu's threshold for a grey-heavy mask."""

from __future__ import annotations

import warnings

import cv2
import numpy as np
import pytest
from PIL import Image

from cinemagraph.api import load_regions
from cinemagraph.mask.files import binarize_mask, read_mask

SIZE = 64


def _disc(radius: float = 16.0) -> np.ndarray:
    """A white disc (1) on black (0), centred, float32 SIZE×SIZE."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    return (np.hypot(xx - SIZE / 2 + 0.5, yy - SIZE / 2 + 0.5) <= radius).astype(np.float32)


def _save(path, mask: np.ndarray, **options) -> str:
    Image.fromarray(np.rint(np.clip(mask, 0, 1) * 255).astype(np.uint8)).save(path, **options)
    return str(path)


def _read(path, shape=(SIZE, SIZE), **kwargs) -> tuple[np.ndarray, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mask = read_mask(path, shape, **kwargs)
    return mask, [str(w.message) for w in caught]


def test_a_clean_mask_is_read_as_it_is_without_a_warning(tmp_path):
    disc = _disc()
    mask, said = _read(_save(tmp_path / "m.png", disc))
    assert said == []
    np.testing.assert_array_equal(mask, disc)


def test_a_jpeg_soft_edge_does_not_drag_pixels_outside_the_fluid(tmp_path):
    disc = _disc()
    soft = cv2.GaussianBlur(disc, (0, 0), 1.5)  # a soft edge a few pixels wide
    path = _save(tmp_path / "m.jpg", soft, quality=75)
    mask, said = _read(path)
    assert set(np.unique(mask)) <= {0.0, 1.0}
    # Binary at mid-grey: the moving part is the disc, give or take a pixel at its edge.
    grown = cv2.dilate(disc, np.ones((3, 3), np.uint8))
    shrunk = cv2.erode(disc, np.ones((3, 3), np.uint8))
    assert np.all(mask <= grown) and np.all(mask >= shrunk)
    assert len(said) == 1 and "mid-grey 0.50" in said[0] and "--soft-mask" in said[0]
    # As a soft mask, the same file moves pixels well outside the disc.
    weights, said = _read(path, soft=True)
    assert said == [] and np.count_nonzero((weights > 0) & (grown == 0)) > 0


def test_a_grey_background_does_not_make_the_whole_picture_move(tmp_path):
    disc = _disc()
    picture = np.where(disc > 0, 1.0, 128 / 255).astype(np.float32)
    mask, said = _read(_save(tmp_path / "grey.jpg", picture, quality=90))
    assert abs(mask.mean() - disc.mean()) < 0.02
    assert np.count_nonzero(mask != disc) < 0.02 * disc.size
    assert len(said) == 1
    assert "most of its pixels" in said[0] and "mid-grey" in said[0]
    assert "Otsu's threshold" in said[0]
    exact = binarize_mask(picture)
    assert exact.method == "otsu" and 128 / 255 < exact.threshold <= 1.0
    np.testing.assert_array_equal(exact.mask, disc)


def test_near_binary_uses_mid_grey_and_a_painted_gradient_uses_otsu():
    disc = _disc()
    near = disc.copy()
    near[0, :10] = 0.6  # a few grey pixels, above mid-grey
    near[1, :10] = 0.4
    result = binarize_mask(near)
    assert result.method == "mid-grey"
    assert np.all(result.mask[0, :10] == 1) and np.all(result.mask[1, :10] == 0)
    # Dark greys where most of the picture is grey: Otsu splits the histogram.
    ramp = np.where(disc > 0, 0.45, 0.2).astype(np.float32)
    result = binarize_mask(ramp)
    assert result.method == "otsu"
    np.testing.assert_array_equal(result.mask, disc)


def test_a_resized_mask_stays_binary_at_the_file_s_threshold(tmp_path):
    big = cv2.resize(_disc(), (2 * SIZE, 2 * SIZE), interpolation=cv2.INTER_NEAREST)
    mask, said = _read(_save(tmp_path / "big.png", big))
    assert said == []
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert abs(mask.mean() - _disc().mean()) < 0.02


def test_the_api_reads_files_as_binary_and_keeps_arrays(tmp_path):
    soft = cv2.GaussianBlur(_disc(), (0, 0), 2.0)
    path = _save(tmp_path / "m.png", soft)
    with pytest.warns(UserWarning, match="read as binary"):
        ((_, binary),) = load_regions(path, (SIZE, SIZE))
    assert set(np.unique(binary)) <= {0.0, 1.0}
    ((_, weights),) = load_regions(path, (SIZE, SIZE), soft=True)
    assert len(np.unique(weights)) > 10
    ((_, given),) = load_regions(soft, (SIZE, SIZE))
    np.testing.assert_array_equal(given, soft)
