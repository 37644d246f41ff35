"""Stage 1 on the tiny model: same pixels as stock diffusers, captured statistics, inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cinemagraph.diffusion.generate import (
    GenerationSettings,
    ddim_scheduler,
    generate,
    make_initial_noise,
)
from cinemagraph.diffusion.layers import level_sizes
from cinemagraph.errors import CinemagraphError

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures

#: Image size for the tiny model: latent 16×12, mask block (up_blocks[2]) at 8×6.
WIDTH, HEIGHT = 96, 128
PROMPT = "a large waterfall falling from hills during sunset in the style of leonid afremov"

SETTINGS = GenerationSettings(steps=8, seed=7, width=WIDTH, height=HEIGHT)


def test_capture_leaves_image_equal_to_stock_pipeline(tiny_pipe, stock_image):
    result = generate(tiny_pipe, PROMPT, SETTINGS, twin=None)
    reference = stock_image(tiny_pipe, PROMPT, SETTINGS.steps, SETTINGS.seed, WIDTH, HEIGHT)
    assert result.image.shape == (HEIGHT, WIDTH, 3)
    assert result.image.dtype == np.float32
    np.testing.assert_allclose(result.image, reference, atol=1e-5)


def test_negative_prompt_and_no_guidance_match_stock_pipeline(tiny_pipe, stock_image):
    settings = GenerationSettings(steps=4, seed=1, width=64, height=64, negative_prompt="fog")
    result = generate(tiny_pipe, "a river", settings, twin=None)
    reference = stock_image(tiny_pipe, "a river", 4, 1, 64, 64, negative_prompt="fog")
    np.testing.assert_allclose(result.image, reference, atol=1e-5)

    unguided = GenerationSettings(steps=4, seed=1, width=64, height=64, guidance=1.0)
    result = generate(tiny_pipe, "a river", unguided, twin=None)
    reference = stock_image(tiny_pipe, "a river", 4, 1, 64, 64, guidance=1.0)
    np.testing.assert_allclose(result.image, reference, atol=1e-5)


def test_initial_noise_is_the_seeded_draw_and_reproducible(tiny_pipe):
    first = generate(tiny_pipe, PROMPT, SETTINGS, twin=None)
    again = generate(tiny_pipe, PROMPT, SETTINGS, twin=None)
    other = generate(tiny_pipe, PROMPT, GenerationSettings(steps=8, seed=8, width=WIDTH,
                                                           height=HEIGHT), twin=None)
    expected = torch.randn((1, 4, HEIGHT // 8, WIDTH // 8),
                           generator=torch.Generator().manual_seed(SETTINGS.seed))
    np.testing.assert_array_equal(first.initial_noise, expected.numpy())
    np.testing.assert_array_equal(first.image, again.image)
    np.testing.assert_array_equal(first.attention.self_attention, again.attention.self_attention)
    assert np.abs(first.image - other.image).max() > 1e-3


def test_statistics_shapes_follow_blocks_not_resolution(tiny_pipe):
    # 72×88 px: latent 11×9, odd sizes all the way down the UNet.
    settings = GenerationSettings(steps=3, width=72, height=88)
    stats = generate(tiny_pipe, "a waterfall over rocks", settings, twin=None).attention
    latent = (11, 9)
    mask_block = level_sizes(latent)[1]  # up_blocks[2] works at encoder level 1
    assert stats.latent_size == latent
    assert stats.image_size == (88, 72)
    assert stats.self_attention_size == mask_block
    n = mask_block[0] * mask_block[1]
    assert stats.self_attention.shape == (n, n)
    assert stats.tokens == ("a", "waterfall", "over", "rocks")
    assert stats.token_ends_word == (True, True, True, True)
    assert stats.cross_attention.shape == (4, *latent)


def test_statistics_are_probability_averages(tiny_pipe):
    stats = generate(tiny_pipe, PROMPT, SETTINGS, twin=None).attention
    np.testing.assert_allclose(stats.self_attention.sum(axis=1), 1.0, atol=1e-5)
    assert stats.self_attention.min() >= 0
    # Each pixel's attention over all 77 text positions sums to 1, so over the prompt's
    # tokens it lies in [0, 1].
    token_sum = stats.cross_attention.sum(axis=0)
    assert token_sum.min() >= 0 and token_sum.max() <= 1 + 1e-5
    timesteps = ddim_scheduler(tiny_pipe, SETTINGS.steps).timesteps
    assert stats.self_attention_steps == int((timesteps <= 541).sum())
    assert stats.cross_attention_steps == SETTINGS.steps
    assert stats.word_map("waterfall").shape == stats.latent_size
    assert stats.word_map("volcano") is None


def test_running_averages_equal_stored_per_step_maps(tiny_pipe):
    """The accumulators give what averaging every step's stored maps gives."""
    from diffusers.models.attention_processor import AttnProcessor

    from cinemagraph.diffusion.layers import (
        cross_attention_layers,
        mask_self_attention_layers,
        spatial_size,
    )

    settings = GenerationSettings(steps=4, seed=3, width=64, height=64)
    prompt = "clouds over a lake"
    ours = generate(tiny_pipe, prompt, settings, twin=None).attention

    class Storing(AttnProcessor):
        """Stock processor that keeps every call's probabilities."""

        def __init__(self, store):
            self.store = store

        def __call__(self, attn, hidden_states, encoder_hidden_states=None, **kwargs):
            source = hidden_states if encoder_hidden_states is None else encoder_hidden_states
            q = attn.head_to_batch_dim(attn.to_q(hidden_states))
            k = attn.head_to_batch_dim(attn.to_k(source))
            self.store.append((attn.heads, attn.get_attention_scores(q, k).clone()))
            return super().__call__(attn, hidden_states, encoder_hidden_states, **kwargs)

    unet = tiny_pipe.unet
    self_names, cross_names = mask_self_attention_layers(unet), cross_attention_layers(unet)
    stores = {name: [] for name in self_names + cross_names}
    original = unet.attn_processors
    processors = dict(original)
    for name in stores:
        processors[f"{name}.processor"] = Storing(stores[name])
    unet.set_attn_processor(processors)
    timesteps = []
    try:
        tiny_pipe(prompt, num_inference_steps=4, height=64, width=64, output_type="latent",
                  generator=torch.Generator().manual_seed(3),
                  callback_on_step_end=lambda p, i, t, kw: timesteps.append(int(t)) or kw)
    finally:
        unet.set_attn_processor(original)

    late = [i for i, t in enumerate(timesteps) if t <= 541]
    self_maps = [stores[name][step][1].mean(0) for name in self_names for step in late]
    np.testing.assert_allclose(ours.self_attention, torch.stack(self_maps).mean(0).numpy(),
                               atol=1e-5)

    cross_maps = []
    for name in cross_names:
        for heads, probs in stores[name]:
            cond = probs[heads:].mean(0)  # rows [uncond heads…, cond heads…]
            h, w = spatial_size(cond.shape[0], ours.latent_size)
            maps = cond[:, 1 : 1 + len(ours.tokens)].T.reshape(1, -1, h, w)
            maps = torch.nn.functional.interpolate(maps, size=ours.latent_size,
                                                   mode="bilinear", align_corners=False)
            cross_maps.append(maps[0])
    np.testing.assert_allclose(ours.cross_attention, torch.stack(cross_maps).mean(0).numpy(),
                               atol=1e-5)


def test_over_long_prompt_warns_what_was_cut(tiny_pipe):
    prompt = "a waterfall " + " ".join(["river"] * 80) + " volcano"
    settings = GenerationSettings(steps=1, width=64, height=64)
    with pytest.warns(UserWarning, match="longer than the text encoder's 75 tokens.*volcano"):
        result = generate(tiny_pipe, prompt, settings, twin=None)
    assert len(result.attention.tokens) == 75


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"width": 100}, "multiple of 8"),
        ({"height": 32}, "between 64"),
        ({"steps": 0}, "steps"),
        ({"steps": 1001}, "steps"),
        ({"guidance": float("nan")}, "guidance"),
        ({"seed": -1}, "seed"),
    ],
)

def test_bad_settings_are_one_line_errors(tiny_pipe, changes, message):
    settings = GenerationSettings(**{**SETTINGS.__dict__, **changes})
    with pytest.raises(CinemagraphError, match=message):
        generate(tiny_pipe, PROMPT, settings, twin=None)


def test_empty_prompt_is_an_error(tiny_pipe):
    with pytest.raises(CinemagraphError, match="prompt is empty"):
        generate(tiny_pipe, "  ", SETTINGS, twin=None)


def test_thousand_steps_use_valid_timesteps(tiny_pipe):
    scheduler = ddim_scheduler(tiny_pipe, 1000)
    timesteps = scheduler.timesteps
    assert len(timesteps) == 1000
    assert int(timesteps.max()) == 999 and int(timesteps.min()) == 0
    sample = make_initial_noise(0, 4, (2, 2))
    step = scheduler.step(torch.zeros_like(sample), timesteps[0], sample).prev_sample
    assert torch.isfinite(step).all()
    # Fewer steps keep the usual offset (the stock pipeline's timesteps).
    assert int(ddim_scheduler(tiny_pipe, 50).timesteps[0]) == 981
