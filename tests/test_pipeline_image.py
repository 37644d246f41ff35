"""Image mode: a photo's fluids found by DDIM inversion of the (tiny) diffusion model."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cinemagraph import animate_image
from cinemagraph.animate import AnimateSettings
from cinemagraph.cli import main
from cinemagraph.contract import to_uint8
from cinemagraph.diffusion.invert import invert_image, model_size
from cinemagraph.errors import CinemagraphError
from helpers import smooth_texture

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures


def test_model_size_keeps_aspect_and_multiples_of_eight():
    assert model_size(100, 150, 128) == (88, 128)
    assert model_size(512, 512) == (512, 512)
    h, w = model_size(1080, 1920)
    assert w == 512 and h % 8 == 0 and abs(h / w - 1080 / 1920) < 0.02


def test_inversion_records_the_statistics_the_mask_stage_reads(tiny_pipe):
    photo = smooth_texture(60, 90, seed=1)
    result = invert_image(tiny_pipe, photo, "a river flowing left", steps=3, size=128)
    stats = result.attention
    assert result.model_size == (88, 128) == stats.image_size
    assert result.noise.shape == (1, 4, 11, 16) and np.isfinite(result.noise).all()
    assert "river" in stats.tokens and stats.cross_attention.shape[1:] == (11, 16)
    n = stats.self_attention_size[0] * stats.self_attention_size[1]
    np.testing.assert_allclose(stats.self_attention.sum(axis=1), np.ones(n), atol=1e-3)
    # Deterministic: inverting again gives the same statistics.
    again = invert_image(tiny_pipe, photo, "a river flowing left", steps=3, size=128)
    np.testing.assert_array_equal(again.attention.self_attention, stats.self_attention)


def test_animate_without_a_mask_finds_the_fluid(tiny_pipe):
    photo = smooth_texture(64, 96, seed=2)
    frames = animate_image(photo, None, prompt="a river flowing left", pipe=tiny_pipe,
                           inversion_steps=3, settings=AnimateSettings(frames=5))
    assert frames.shape == (5, 64, 96, 3)
    np.testing.assert_array_equal(frames[0], to_uint8(photo))
    assert (frames[1:] != frames[0]).any()  # something moves
    with pytest.raises(CinemagraphError, match="mask"):
        animate_image(photo, None, direction=0, speed=1)


def test_cli_image_mode_with_a_local_model_folder(tmp_path, tiny_model_dir, capsys):
    Image.fromarray(to_uint8(smooth_texture(48, 64, seed=3))).save(tmp_path / "photo.png")
    code = main(["animate", str(tmp_path / "photo.png"), "--prompt", "smoke rising",
                 "--model", str(tiny_model_dir), "--inversion-steps", "2", "--frames", "4",
                 "--save-mask", str(tmp_path / "mask.png"), "-o", str(tmp_path / "out.mp4"),
                 "-q"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "out.mp4").exists()
    mask = np.asarray(Image.open(tmp_path / "mask.png"))
    assert mask.shape == (48, 64) and mask.max() == 255
