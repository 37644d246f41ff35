"""Learned models behind the weight-free interfaces: --motion-model / --synthesis-model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from cinemagraph import animate_image
from cinemagraph.animate import AnimateSettings, blend_weights
from cinemagraph.cli import main
from cinemagraph.contract import to_uint8
from cinemagraph.dataset import DatasetSettings, build_dataset
from cinemagraph.diffusion.generate import GenerationSettings
from cinemagraph.learned import (
    MotionNetConfig,
    MotionTrainSettings,
    SynthesisNetConfig,
    SynthesisTrainSettings,
    train_motion,
    train_synthesis,
)
from cinemagraph.pipeline import TextSettings, make_cinemagraph
from helpers import box_mask, one_torch_thread, smooth_texture
from test_dataset_build import synthetic_clip, write_clip

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures

H, W = 48, 64


@pytest.fixture(autouse=True)
def single_threaded_test():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict:
    videos = tmp_path_factory.mktemp("videos")
    for index, velocity in enumerate([(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]):
        frames, _ = synthetic_clip(300 + index, velocity, (8, 8, 40, 40), frames=6)
        write_clip(videos, f"clip{index}", frames, caption="river flowing")
    data = tmp_path_factory.mktemp("data")
    build_dataset(videos, data, DatasetSettings(flow="dis-fast", frames_format="png"))
    folder = tmp_path_factory.mktemp("ckpt")
    loop = {"steps": 3, "batch": 2, "device": "cpu", "val_fraction": 0.0,
            "checkpoint_every": 0}
    with one_torch_thread():
        train_motion(data, folder / "motion.ckpt", MotionTrainSettings(**loop),
                     config=MotionNetConfig(size=32, channels=(8, 16), attention_levels=1,
                                            heads=2, text_dim=0, spade_hidden=8))
        train_synthesis(data, folder / "synth.ckpt", SynthesisTrainSettings(**loop),
                        config=SynthesisNetConfig(size=32, features=4, encoder_width=4,
                                                  decoder_channels=(4, 8), context=4))
    return {"motion": folder / "motion.ckpt", "synthesis": folder / "synth.ckpt"}


def test_api_uses_both_learned_models_and_keeps_the_loop_contract(checkpoints):
    image = smooth_texture(H, W, seed=5)
    mask = box_mask(H, W, 10, 12, 40, 50)
    settings = AnimateSettings(frames=5)
    frames = animate_image(image, mask, prompt="river", settings=settings,
                           motion_model=checkpoints["motion"],
                           synthesis_model=checkpoints["synthesis"])
    assert frames.shape == (5, H, W, 3)
    np.testing.assert_array_equal(frames[0], to_uint8(image))
    still = blend_weights(mask, settings.feather) == 0
    assert all((frame[still] == to_uint8(image)[still]).all() for frame in frames)


def test_cli_animate_with_learned_models(tmp_path, checkpoints, capsys):
    Image.fromarray(to_uint8(smooth_texture(H, W, seed=6))).save(tmp_path / "photo.png")
    Image.fromarray((box_mask(H, W, 5, 5, 40, 40) * 255).astype(np.uint8)).save(
        tmp_path / "mask.png")
    code = main(["animate", str(tmp_path / "photo.png"), "--mask", str(tmp_path / "mask.png"),
                 "--motion-model", str(checkpoints["motion"]), "--synthesis-model",
                 str(checkpoints["synthesis"]), "--frames", "4", "-o",
                 str(tmp_path / "out.gif"), "-q"])
    assert code == 0, capsys.readouterr().err
    assert Image.open(tmp_path / "out.gif").n_frames == 4
    code = main(["animate", str(tmp_path / "photo.png"), "--mask", str(tmp_path / "mask.png"),
                 "--motion-model", str(tmp_path / "photo.png"), "-o", str(tmp_path / "x.mp4"),
                 "-q"])
    assert code == 2 and "error:" in capsys.readouterr().err
    assert not (tmp_path / "x.mp4").exists()


def test_text_pipeline_with_learned_models(tmp_path, tiny_pipe, checkpoints):
    settings = TextSettings(generation=GenerationSettings(steps=2, width=96, height=128),
                            animate=AnimateSettings(frames=4),
                            motion_model=str(checkpoints["motion"]))
    run = tmp_path / "run"
    first = make_cinemagraph("a waterfall at dusk", run, settings, pipe=tiny_pipe)
    assert first.field.shape == (128, 96, 2) and not first.field[first.masks[
        "waterfall"] == 0].any()
    both = dataclasses.replace(settings, synthesis_model=str(checkpoints["synthesis"]))
    second = make_cinemagraph("a waterfall at dusk", run, both, pipe=tiny_pipe)
    assert second.reused == ["generate", "mask", "motion"]
    assert second.frames.shape == (4, 128, 96, 3)
