"""Text → cinemagraph end to end on the tiny model: files, resuming, invalidation."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from PIL import Image

import cinemagraph.diffusion.generate as generate_module
import cinemagraph.pipeline.text as text_module
from cinemagraph.animate import AnimateSettings
from cinemagraph.cli import main
from cinemagraph.diffusion.generate import GenerationSettings
from cinemagraph.errors import CinemagraphError
from cinemagraph.mask import MaskSettings
from cinemagraph.pipeline import TextSettings, default_run_folder, make_cinemagraph, prompt_slug

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures

PROMPT = "a waterfall between two hills, Van Gogh style, sunset"
GEN = GenerationSettings(steps=3, width=96, height=128)
SETTINGS = TextSettings(generation=GEN, animate=AnimateSettings(frames=6))
FILES = {"image.png", "twin.png", "attention.npz", "mask.png", "mask-waterfall.png",
         "motion.npy", "motion.png", "cinemagraph.mp4", "run.json"}


@pytest.fixture()
def count_generate(monkeypatch):
    calls = []
    real = generate_module.generate

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(generate_module, "generate", counting)
    return calls


def test_one_shot_command_writes_the_whole_run_folder(tmp_path, tiny_model_dir, capsys):
    run = tmp_path / "run"
    code = main([PROMPT, "-o", str(run), "--model", str(tiny_model_dir), "--steps", "3",
                 "--size", "96x128", "--frames", "6", "--format", "gif", "-q"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert FILES | {"cinemagraph.gif"} <= {p.name for p in run.iterdir()}
    data = json.loads((run / "run.json").read_text())
    assert data["prompt"] == PROMPT and data["seed"] == 0
    assert set(data["stages"]) == {"generate", "mask", "motion", "animate"}
    assert set(data["timings"]) == {"generate", "mask", "motion", "animate"}
    assert {"cinemagraph", "torch", "diffusers"} <= set(data["versions"])
    assert "nature, realistic" in data["generate"]["twin_prompt"]
    assert "van gogh" not in data["generate"]["twin_prompt"].lower()
    # The contract of each file.
    image = np.asarray(Image.open(run / "image.png"))
    mask = np.asarray(Image.open(run / "mask.png"))
    field = np.load(run / "motion.npy")
    assert image.shape == (128, 96, 3) and mask.shape == (128, 96)
    assert field.shape == (128, 96, 2) and field.dtype == np.float32
    assert np.isfinite(field).all() and not field[mask == 0].any()
    assert Image.open(run / "cinemagraph.gif").n_frames == 6


def test_rerun_reuses_finished_stages_and_later_settings_do_not_invalidate(
        tmp_path, tiny_pipe, count_generate):
    run = tmp_path / "run"
    first = make_cinemagraph(PROMPT, run, SETTINGS, pipe=tiny_pipe)
    assert count_generate == [PROMPT] and first.reused == []
    later = dataclasses.replace(SETTINGS, animate=AnimateSettings(frames=8, speed=2.0),
                                formats=("mp4", "webm"))
    second = make_cinemagraph(PROMPT, run, later, pipe=tiny_pipe)
    assert count_generate == [PROMPT]  # not called again
    assert second.reused == ["generate", "mask", "motion"]
    assert second.frames.shape[0] == 8 and (run / "cinemagraph.webm").exists()
    np.testing.assert_array_equal(second.field, first.field)


def test_a_run_interrupted_after_stage_two_resumes_without_generating(
        tmp_path, tiny_pipe, count_generate, monkeypatch):
    run = tmp_path / "run"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(text_module, "scene_motion_field", interrupted)
    with pytest.raises(KeyboardInterrupt):
        make_cinemagraph(PROMPT, run, SETTINGS, pipe=tiny_pipe)
    assert not (run / "motion.npy").exists() and not (run / "cinemagraph.mp4").exists()
    assert not [p for p in run.iterdir() if ".part" in p.name]  # no half-written files
    monkeypatch.undo()
    monkeypatch.setattr(generate_module, "generate", lambda *a, **k: pytest.fail("regenerated"))
    result = make_cinemagraph(PROMPT, run, SETTINGS, pipe=None,
                              load_pipe=lambda: pytest.fail("loaded the model"))
    assert result.reused == ["generate", "mask"]
    assert {p.name for p in run.iterdir()} >= FILES


def test_changing_an_earlier_setting_invalidates_what_depends_on_it(
        tmp_path, tiny_pipe, count_generate):
    run = tmp_path / "run"
    make_cinemagraph(PROMPT, run, SETTINGS, pipe=tiny_pipe)
    stricter = dataclasses.replace(SETTINGS, mask=MaskSettings(overlap=0.9))
    result = make_cinemagraph(PROMPT, run, stricter, pipe=tiny_pipe)
    assert result.reused == ["generate"] and len(count_generate) == 1
    reseeded = dataclasses.replace(SETTINGS, generation=dataclasses.replace(GEN, seed=1))
    result = make_cinemagraph(PROMPT, run, reseeded, pipe=tiny_pipe)
    assert result.reused == [] and len(count_generate) == 2


def test_user_mask_overrides_attention(tmp_path, tiny_pipe):
    mask = np.zeros((128, 96), np.uint8)
    mask[40:100, 30:70] = 255
    Image.fromarray(mask).save(tmp_path / "water.png")
    settings = dataclasses.replace(SETTINGS, user_masks=((None, str(tmp_path / "water.png")),))
    result = make_cinemagraph(PROMPT, tmp_path / "run", settings, pipe=tiny_pipe)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "run" / "mask.png")), mask)
    assert list(result.masks) == ["waterfall"]
    assert not result.field[mask == 0].any() and result.field[mask > 0].any()


def test_errors_and_names(tmp_path, tiny_pipe):
    with pytest.raises(CinemagraphError, match="empty"):
        make_cinemagraph("  ", tmp_path / "r", SETTINGS, pipe=tiny_pipe)
    with pytest.raises(CinemagraphError, match="format"):
        TextSettings(formats=("avi",))
    assert prompt_slug(PROMPT) == "a-waterfall-between-two-hills-van-gogh-style"
    assert str(default_run_folder(PROMPT, 3)).endswith("-s3")
    with pytest.warns(UserWarning, match="cut"):
        make_cinemagraph("waterfall " * 100, tmp_path / "long", SETTINGS, pipe=tiny_pipe)
