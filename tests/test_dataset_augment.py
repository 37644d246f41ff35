"""Augmentation and splits: crops scale the vectors, flips negate dx and mirror captions,
and the validation split depends on clip ids only."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from cinemagraph.dataset import (
    Augmentation,
    ClipRecord,
    View,
    apply_view,
    mirror_caption,
    random_view,
    resize_field,
    split_records,
)


def test_flip_mirrors_the_image_and_negates_dx():
    image = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    field = np.zeros((8, 8, 2), np.float32)
    field[:, :4, 0], field[:, :4, 1] = 1.5, 0.5
    view = View(0, 0, 8, flip=True)
    assert np.array_equal(apply_view(image, view, 8, "image"), image[:, ::-1])
    flipped = apply_view(field, view, 8, "field")
    assert np.allclose(flipped[:, 4:, 0], -1.5) and np.allclose(flipped[:, 4:, 1], 0.5)
    assert np.allclose(flipped[:, :4], 0.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(4, 40), st.integers(4, 40), st.floats(-3, 3), st.floats(-3, 3))
def test_resizing_a_constant_field_scales_its_vectors(height, width, dx, dy):
    field = np.empty((12, 20, 2), np.float32)
    field[..., 0], field[..., 1] = dx, dy
    out = resize_field(field, (height, width))
    assert out.shape == (height, width, 2)
    assert np.allclose(out[..., 0], dx * width / 20, atol=1e-5)
    assert np.allclose(out[..., 1], dy * height / 12, atol=1e-5)


def test_crop_then_resize_doubles_vectors_when_doubling_size():
    field = np.zeros((20, 30, 2), np.float32)
    field[..., 0] = 1.0
    out = apply_view(field, View(2, 5, 10), 20, "field")
    assert out.shape == (20, 20, 2) and np.allclose(out[..., 0], 2.0)
    mask = np.zeros((20, 30), np.float32)
    mask[2:7, 5:10] = 1
    small = apply_view(mask, View(2, 5, 10), 20, "mask")
    assert set(np.unique(small)) == {0.0, 1.0} and small[:10, :10].all()


def test_random_views_stay_inside_and_respect_the_crop_range():
    rng = np.random.default_rng(1)
    augmentation = Augmentation(min_crop=0.5)
    flips = 0
    for _ in range(200):
        view = random_view(rng, (30, 50), augmentation)
        assert 15 <= view.side <= 30
        assert 0 <= view.top <= 30 - view.side and 0 <= view.left <= 50 - view.side
        flips += view.flip
    assert 60 < flips < 140
    assert not any(random_view(rng, (30, 50), Augmentation(flip=False)).flip for _ in range(20))


def test_mirror_caption_swaps_left_and_right():
    assert mirror_caption("clouds drifting left") == "clouds drifting right"
    assert mirror_caption("Right to LEFT, leftwards") == "Left to RIGHT, rightwards"
    assert mirror_caption("a bright leftover") == "a bright leftover"


def records(n: int) -> list[ClipRecord]:
    return [ClipRecord(f"clip{i}", "", image=None, motion=None) for i in range(n)]  # type: ignore[arg-type]


def test_split_is_stable_and_never_empty():
    train, val = split_records(records(50), 0.2)
    assert 3 <= len(val) <= 20 and len(train) + len(val) == 50
    _, val_more = split_records(records(60), 0.2)
    assert {r.id for r in val} <= {r.id for r in val_more}  # adding clips keeps the old split
    train, val = split_records(records(2), 0.01)
    assert len(train) == 1 and len(val) == 1
    train, val = split_records(records(5), 0.0)
    assert len(train) == 5 and val == []
