"""Random masks never break the motion prior: no NaN, zero outside, bounded speed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from cinemagraph.motion import MotionHint, MotionSettings, motion_field, scene_motion_field
from cinemagraph.motion.vocabulary import REFERENCE_WIDTH

PROMPTS = ["waterfall", "river flowing left", "clouds drifting right", "smoke rising",
           "rushing rapids", "calm lake", "lava", "a castle", "fire towards the camera"]


def check(field: np.ndarray, masks: list[np.ndarray], shape: tuple[int, int],
          hint_speed: float = 0.0) -> None:
    assert field.dtype == np.float32 and field.shape == (*shape, 2)
    assert np.isfinite(field).all()
    assert (field[np.sum(masks, axis=0) == 0] == 0).all()
    # words give at most 5 px/frame at 512 px, hints their own speed; shapes may triple
    # that locally and swirls add to it, but never by an order of magnitude
    limit = 10.0 * max(5.0 * shape[1] / REFERENCE_WIDTH, hint_speed) + 1e-3
    assert np.hypot(field[..., 0], field[..., 1]).max() <= limit


masks = st.integers(1, 28).flatmap(
    lambda h: st.integers(1, 28).flatmap(lambda w: arrays(np.bool_, (h, w))))


@pytest.mark.filterwarnings("ignore:.*names no fluid")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mask=masks, prompt=st.sampled_from(PROMPTS), solver=st.sampled_from([8, 16, 128]),
       seed=st.integers(0, 3), use_hint=st.booleans())
@example(mask=np.zeros((5, 7), bool), prompt="waterfall", solver=8, seed=0, use_hint=False)
@example(mask=np.ones((1, 1), bool), prompt="river", solver=8, seed=0, use_hint=True)
@example(mask=np.eye(12, dtype=bool), prompt="lava", solver=8, seed=1, use_hint=True)
@example(mask=np.ones((9, 20), bool), prompt="clouds", solver=8, seed=0, use_hint=True)
@example(mask=np.pad(np.ones((3, 3), bool), ((0, 5), (6, 0))), prompt="fire", solver=16,
         seed=0, use_hint=False)
@example(mask=np.indices((20, 20)).sum(axis=0) % 2 == 0, prompt="river", solver=8, seed=0,
         use_hint=True)
def test_random_masks_never_fail(mask, prompt, solver, seed, use_hint):
    shape = mask.shape
    image = np.full((*shape, 3), 0.5, np.float32)
    hints = []
    if use_hint and mask.any():
        ys, xs = np.nonzero(mask)
        hints = [MotionHint(float(xs[len(xs) // 2]), float(ys[len(ys) // 2]), 0.7, -0.3)]
    options = MotionSettings(seed=seed, solver_size=solver)
    field = motion_field(image, mask.astype(np.float32), prompt, hints, options)
    check(field, [mask], shape, hint_speed=0.77 if hints else 0.0)
    if hints:
        y, x = round(hints[0].y), round(hints[0].x)
        np.testing.assert_allclose(field[y, x], (0.7, -0.3), atol=0.05)


@settings(max_examples=25, deadline=None)
@given(labels=st.integers(1, 24).flatmap(
    lambda h: st.integers(1, 24).flatmap(lambda w: arrays(np.int32, (h, w),
                                                           elements=st.integers(0, 3)))))
def test_random_labelled_scenes_never_fail(labels):
    image = np.full((*labels.shape, 3), 0.5, np.float32)
    regions = [(labels == k).astype(np.float32) for k in (1, 2, 3)]
    field = scene_motion_field(image, regions, "clouds drifting right over a waterfall and smoke",
                               settings=MotionSettings(solver_size=8))
    check(field, regions, labels.shape)
