"""The mask stage on statistics recorded by the real capture path of the tiny random model."""

from __future__ import annotations

import numpy as np
import pytest

from cinemagraph.diffusion.generate import GenerationSettings, generate
from cinemagraph.mask import AttentionSegmenter, MaskSettings, masks_from_attention
from cinemagraph.motion import parse_motion, scene_motion_field
from diffusion_helpers import HEIGHT, WIDTH

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures

PROMPT = "clouds over a waterfall falling from hills"


@pytest.fixture(scope="module")
def generated(tiny_pipe):
    settings = GenerationSettings(steps=4, seed=3, width=WIDTH, height=HEIGHT)
    return generate(tiny_pipe, PROMPT, settings, twin=None)


@pytest.mark.parametrize("method", ["kmeans", "spectral"])
def test_one_disjoint_binary_mask_per_fluid_from_recorded_statistics(generated, method):
    stats = generated.attention
    assert stats.self_attention_size == (HEIGHT // 16, WIDTH // 16)
    masks = masks_from_attention(stats, PROMPT, MaskSettings(method=method))
    assert list(masks) == [spec.noun for spec in parse_motion(PROMPT)] == ["clouds", "waterfall"]
    for mask in masks.values():
        assert mask.shape == (HEIGHT, WIDTH) and mask.dtype == np.float32
        assert set(np.unique(mask)) <= {0.0, 1.0}
        assert mask.any()
    assert not (masks["clouds"] * masks["waterfall"]).any()


def test_segmenter_output_feeds_the_motion_stage(generated):
    masks = AttentionSegmenter(generated.attention)(generated.image, parse_motion(PROMPT))
    field = scene_motion_field(generated.image, masks, PROMPT)
    moving = np.any(field != 0, axis=-1)
    assert moving.any()
    assert not (moving & (np.max(list(masks.values()), axis=0) == 0)).any()
