"""Stage 2 on the tiny model: Plug-and-Play injection in the batched loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from diffusers.models.attention_processor import Attention

from cinemagraph.diffusion.batch import ARTISTIC, COND, NEGATIVE, TWIN, UNCOND, BatchLayout
from cinemagraph.diffusion.capture import CaptureAttnProcessor, StepSwitches, capturing
from cinemagraph.diffusion.generate import GenerationSettings, generate
from cinemagraph.diffusion.layers import twin_attention_layers, twin_resnet_conv
from cinemagraph.diffusion.twin import TwinSettings
from cinemagraph.errors import CinemagraphError

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures

#: Image size for the tiny model: latent 16×12, mask block (up_blocks[2]) at 8×6.
WIDTH, HEIGHT = 96, 128
PROMPT = "a large waterfall falling from hills during sunset in the style of leonid afremov"

SETTINGS = GenerationSettings(steps=8, seed=11, width=WIDTH, height=HEIGHT)
TWIN_PROMPT = "a river in a forest, nature, realistic, photography"


def test_batched_loop_leaves_the_artistic_image_unchanged(tiny_pipe):
    alone = generate(tiny_pipe, PROMPT, SETTINGS, twin=None)
    for twin in (TwinSettings(prompt=TWIN_PROMPT),
                 TwinSettings(prompt=TWIN_PROMPT, feature_fraction=1, attention_fraction=1,
                              artistic_negative=True)):
        batched = generate(tiny_pipe, PROMPT, SETTINGS, twin=twin)
        np.testing.assert_allclose(batched.image, alone.image, atol=1e-5)
        np.testing.assert_allclose(batched.attention.self_attention,
                                   alone.attention.self_attention, atol=1e-5)
        np.testing.assert_allclose(batched.attention.cross_attention,
                                   alone.attention.cross_attention, atol=1e-5)


def test_full_injection_with_the_same_prompt_reproduces_the_artistic_image(tiny_pipe):
    twin = TwinSettings(prompt=PROMPT, feature_fraction=1.0, attention_fraction=1.0)
    result = generate(tiny_pipe, PROMPT, SETTINGS, twin=twin)
    np.testing.assert_allclose(result.twin, result.image, atol=1e-5)


def test_zero_injection_reproduces_a_plain_generation_of_the_caption(tiny_pipe, stock_image):
    twin = TwinSettings(prompt=TWIN_PROMPT, feature_fraction=0.0, attention_fraction=0.0)
    result = generate(tiny_pipe, PROMPT, SETTINGS, twin=twin)
    reference = stock_image(tiny_pipe, TWIN_PROMPT, SETTINGS.steps, SETTINGS.seed, WIDTH, HEIGHT)
    np.testing.assert_allclose(result.twin, reference, atol=1e-5)
    assert np.abs(result.twin - result.image).max() > 1e-3


def test_injection_changes_the_twin(tiny_pipe):
    none = generate(tiny_pipe, PROMPT, SETTINGS,
                    twin=TwinSettings(prompt=TWIN_PROMPT, feature_fraction=0,
                                      attention_fraction=0))
    features = generate(tiny_pipe, PROMPT, SETTINGS,
                        twin=TwinSettings(prompt=TWIN_PROMPT, feature_fraction=1,
                                          attention_fraction=0))
    attention = generate(tiny_pipe, PROMPT, SETTINGS,
                         twin=TwinSettings(prompt=TWIN_PROMPT, feature_fraction=0,
                                           attention_fraction=1))
    assert np.abs(features.twin - none.twin).max() > 1e-4
    assert np.abs(attention.twin - none.twin).max() > 1e-4


def test_default_twin_caption_comes_from_the_prompt(tiny_pipe):
    result = generate(tiny_pipe, PROMPT, GenerationSettings(steps=2, width=64, height=64),
                      twin=TwinSettings())
    assert result.twin_prompt == (
        "a large waterfall falling from hills during sunset, nature, realistic, photography, "
        "4k, 8k"
    )
    assert result.twin.shape == result.image.shape


def test_resnet_feature_of_twin_rows_is_the_artistic_one_inside_the_window(tiny_pipe):
    unet = tiny_pipe.unet
    layout = BatchLayout.build(twin=True, guidance=True, twin_negative=True)
    sources, targets = layout.injection_pairs()
    rows = len(layout.rows)
    latents = torch.randn((rows, 4, 8, 8), generator=torch.Generator().manual_seed(0))
    text = torch.randn((rows, 77, 32), generator=torch.Generator().manual_seed(1))
    seen = []
    for inject in (True, False):
        switches = StepSwitches(inject_resnet=inject)
        with capturing(unet, switches, injection=(sources, targets)), torch.no_grad():
            probe = twin_resnet_conv(unet).register_forward_hook(
                lambda module, args, output: seen.append(output.clone())
            )
            try:
                unet(latents, 500, encoder_hidden_states=text)
            finally:
                probe.remove()
    injected, free = seen
    torch.testing.assert_close(injected[targets], injected[sources], rtol=0, atol=0)
    assert (free[targets] - free[sources]).abs().amax() > 1e-3
    artistic = layout.artistic_rows()
    torch.testing.assert_close(injected[artistic], free[artistic], rtol=0, atol=0)


def test_processor_injects_query_and_key_but_keeps_each_rows_values():
    torch.manual_seed(0)
    attn = Attention(query_dim=8, heads=2, dim_head=4)
    hidden = torch.randn(3, 5, 8)
    sources, targets = torch.tensor([0]), torch.tensor([2])
    processor = CaptureAttnProcessor(StepSwitches(inject_attention=True),
                                     injection=(sources, targets))
    with torch.no_grad():
        out = processor(attn, hidden)
        q = attn.to_q(hidden).view(3, 5, 2, 4).transpose(1, 2)
        k = attn.to_k(hidden).view(3, 5, 2, 4).transpose(1, 2)
        v = attn.to_v(hidden).view(3, 5, 2, 4).transpose(1, 2)
        expected = torch.nn.functional.scaled_dot_product_attention(q[[0]], k[[0]], v[[2]])
        expected = attn.to_out[0](expected.transpose(1, 2).reshape(1, 5, 8))
        plain = CaptureAttnProcessor(StepSwitches(inject_attention=False),
                                     injection=(sources, targets))(attn, hidden)
    torch.testing.assert_close(out[2:], expected)
    torch.testing.assert_close(out[:2], plain[:2])
    assert (out[2] - plain[2]).abs().max() > 1e-4


def test_capturing_restores_the_unet(tiny_pipe):
    unet = tiny_pipe.unet
    before = {name: type(p) for name, p in unet.attn_processors.items()}
    hooks = len(twin_resnet_conv(unet)._forward_hooks)
    with pytest.raises(RuntimeError), capturing(
        unet, StepSwitches(), injection=(torch.tensor([0]), torch.tensor([1]))
    ):
        assert len(twin_resnet_conv(unet)._forward_hooks) == hooks + 1
        raise RuntimeError("interrupted")
    assert {name: type(p) for name, p in unet.attn_processors.items()} == before
    assert len(twin_resnet_conv(unet)._forward_hooks) == hooks


def test_twin_layers_are_published_decoder_blocks_4_to_11(tiny_pipe):
    names = twin_attention_layers(tiny_pipe.unet)
    blocks = [name.split(".transformer_blocks")[0] for name in names]
    assert blocks == [
        "up_blocks.1.attentions.1", "up_blocks.1.attentions.2",
        "up_blocks.2.attentions.0", "up_blocks.2.attentions.1", "up_blocks.2.attentions.2",
        "up_blocks.3.attentions.0", "up_blocks.3.attentions.1", "up_blocks.3.attentions.2",
    ]
    assert all(name.endswith("attn1") for name in names)


def test_batch_layout_rows_and_injection_pairs():
    layout = BatchLayout.build(twin=True, guidance=True, twin_negative=True)
    assert layout.rows == ((ARTISTIC, UNCOND), (TWIN, UNCOND), (TWIN, NEGATIVE),
                           (ARTISTIC, COND), (TWIN, COND))
    sources, targets = layout.injection_pairs()
    assert sources.tolist() == [0, 0, 3] and targets.tolist() == [1, 2, 4]
    plain = BatchLayout.build(twin=False, guidance=True)
    assert plain.rows == ((ARTISTIC, UNCOND), (ARTISTIC, COND))  # the stock pipeline's batch
    assert BatchLayout.build(twin=True, guidance=False).rows == ((ARTISTIC, COND), (TWIN, COND))


def test_injection_windows_and_negative_schedule():
    assert TwinSettings().injection_steps(50) == (40, 25)
    assert TwinSettings(feature_fraction=0, attention_fraction=1).injection_steps(7) == (0, 7)
    np.testing.assert_array_equal(TwinSettings().unconditional_weights(5), np.ones(5))
    linear = TwinSettings(artistic_negative=True).unconditional_weights(4)
    np.testing.assert_allclose(linear, [0.75, 0.5, 0.25, 0.0])
    exp = TwinSettings(artistic_negative=True, negative_schedule="exp").unconditional_weights(3)
    np.testing.assert_allclose(exp, 0.75 * np.exp([0.0, -3.0, -6.0]))


def test_negative_branch_with_full_unconditional_weight_changes_nothing(tiny_pipe):
    base = TwinSettings(prompt=TWIN_PROMPT)
    plain = generate(tiny_pipe, PROMPT, SETTINGS, twin=base)
    inert = generate(tiny_pipe, PROMPT, SETTINGS, twin=TwinSettings(
        prompt=TWIN_PROMPT, artistic_negative=True, negative_alpha=1.0,
        negative_schedule="constant"))
    steered = generate(tiny_pipe, PROMPT, SETTINGS, twin=TwinSettings(
        prompt=TWIN_PROMPT, artistic_negative=True))
    np.testing.assert_allclose(inert.twin, plain.twin, atol=1e-5)
    assert np.abs(steered.twin - plain.twin).max() > 1e-4


@pytest.mark.parametrize(
    "twin",
    [TwinSettings(feature_fraction=1.5), TwinSettings(attention_fraction=-0.1),
     TwinSettings(negative_schedule="cosine"), TwinSettings(prompt=" ")],
)

def test_bad_twin_settings_are_one_line_errors(tiny_pipe, twin):
    with pytest.raises(CinemagraphError):
        generate(tiny_pipe, PROMPT, SETTINGS, twin=twin)
