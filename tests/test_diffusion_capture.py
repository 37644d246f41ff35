"""Running attention statistics: constructed ground truth, layer choice, the .npz file."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cinemagraph.diffusion.attention_stats import AttentionStatistics
from cinemagraph.diffusion.capture import AttentionRecorder, StepSwitches
from cinemagraph.diffusion.layers import (
    cross_attention_layers,
    level_sizes,
    mask_self_attention_layers,
    spatial_size,
)
from cinemagraph.errors import CinemagraphError

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures


def _recorder(latent=(4, 4), tokens=2, self_rows=(0, 1), cross_row=1):
    return AttentionRecorder(
        latent,
        self_rows=torch.tensor(self_rows),
        cross_row=cross_row,
        token_columns=torch.arange(1, 1 + tokens),
        device=torch.device("cpu"),
    )


def test_self_attention_average_over_calls_rows_and_heads():
    gen = torch.Generator().manual_seed(0)
    recorder = _recorder(self_rows=(0, 2))
    calls = [(torch.randn(3, 2, 16, 4, generator=gen), torch.randn(3, 2, 16, 4, generator=gen))
             for _ in range(3)]
    accumulator = None
    for q, k in calls:
        recorder.add_self(q, k, scale=0.5)
        accumulator = accumulator if accumulator is not None else recorder.self_sum
        assert recorder.self_sum is accumulator  # one accumulator, whatever the step count
    expected = torch.stack([
        torch.softmax(q[[0, 2]] @ k[[0, 2]].transpose(-1, -2) * 0.5, dim=-1).mean(dim=(0, 1))
        for q, k in calls
    ]).mean(0)
    stats = recorder.result(("a", "b"), (True, True), (32, 32), 541)
    np.testing.assert_allclose(stats.self_attention, expected.numpy(), atol=1e-6)
    assert stats.self_attention_size == (4, 4)


def test_cross_attention_is_resized_to_the_latent_and_picks_prompt_columns():
    # Row 1 of a 2×2 layer attends only to text position 2 (the second prompt token) at
    # pixel (0, 1): its map is a single bright pixel before resizing to the 4×4 latent.
    recorder = _recorder(latent=(4, 4), tokens=2)
    q = torch.zeros(2, 1, 4, 1)
    q[1, 0, 1, 0] = 100.0
    k = torch.zeros(2, 1, 5, 1)
    k[1, 0, 2, 0] = 1.0
    recorder.add_cross(q, k, scale=1.0)
    recorder.add_self(q, q, scale=1.0)
    stats = recorder.result(("x", "y"), (True, True), (32, 32), 541)
    assert stats.cross_attention.shape == (2, 4, 4)
    second = stats.cross_attention[1]
    assert np.unravel_index(second.argmax(), second.shape)[1] >= 2  # right half
    assert second[:, :2].max() < second[:, 2:].max()
    # Elsewhere attention is uniform over the five text positions: 1/5 per token.
    np.testing.assert_allclose(stats.cross_attention[0].mean(), 0.2 * 3 / 4, atol=0.05)


def test_level_sizes_and_spatial_size_follow_stride_two_convolutions():
    assert level_sizes((64, 64)) == [(64, 64), (32, 32), (16, 16), (8, 8)]
    assert level_sizes((11, 9)) == [(11, 9), (6, 5), (3, 3), (2, 2)]
    assert spatial_size(30, (11, 9)) == (6, 5)
    with pytest.raises(ValueError):
        spatial_size(31, (11, 9))


def test_mask_and_cross_layers_are_chosen_by_block(tiny_pipe):
    unet = tiny_pipe.unet
    mask = mask_self_attention_layers(unet)
    assert [name.split(".transformer_blocks")[0] for name in mask] == [
        "up_blocks.2.attentions.0", "up_blocks.2.attentions.1", "up_blocks.2.attentions.2"
    ]
    cross = cross_attention_layers(unet)
    assert all(name.endswith("attn2") for name in cross)
    # 3 encoder blocks × 2 + middle + 3 decoder blocks × 3, as in SD 1.x.
    assert len(cross) == 16


def test_npz_round_trip_is_compact_and_documented(tmp_path):
    rng = np.random.default_rng(0)
    raw = rng.random((48, 48)).astype(np.float32)
    stats = AttentionStatistics(
        self_attention=raw / raw.sum(1, keepdims=True),
        self_attention_size=(6, 8),
        self_attention_steps=5,
        self_attention_max_timestep=541,
        cross_attention=rng.random((3, 12, 16)).astype(np.float32),
        cross_attention_steps=10,
        tokens=("water", "fall", "é"),
        token_ends_word=(False, True, True),
        latent_size=(12, 16),
        image_size=(96, 128),
    )
    path = stats.save(tmp_path / "attention.npz")
    with np.load(path, allow_pickle=False) as data:
        assert data["self_attention"].dtype == np.float16
        assert data["tokens"].dtype.kind == "U"
    back = AttentionStatistics.load(path)
    np.testing.assert_allclose(back.self_attention, stats.self_attention, rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(back.cross_attention, stats.cross_attention, rtol=1e-3)
    for field in ("self_attention_size", "tokens", "token_ends_word", "latent_size",
                  "image_size", "self_attention_steps", "cross_attention_steps"):
        assert getattr(back, field) == getattr(stats, field)
    assert back.words() == [("waterfall", [0, 1]), ("é", [2])]
    np.testing.assert_allclose(back.word_map("Waterfall"), back.cross_attention[:2].mean(0))
    assert list(tmp_path.iterdir()) == [path]  # no temporary left behind


def test_loading_a_foreign_or_missing_file_is_a_one_line_error(tmp_path):
    with pytest.raises(CinemagraphError, match="not found"):
        AttentionStatistics.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(CinemagraphError, match="lack"):
        AttentionStatistics.load(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(CinemagraphError, match="unreadable"):
        AttentionStatistics.load(tmp_path / "junk.npz")


def test_switches_start_off():
    assert StepSwitches() == StepSwitches(False, False, False, False)
