"""``cinemagraph generate`` on the tiny model saved as a local folder."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cinemagraph.cli.generate import generate_command, parse_size
from cinemagraph.diffusion.attention_stats import AttentionStatistics
from cinemagraph.errors import CinemagraphError

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures

PROMPT = "clouds drifting over a lake in the style of claude monet"


def _run(args):
    return CliRunner().invoke(generate_command, args, catch_exceptions=True)


def test_generate_writes_the_run_folder(tiny_model_dir, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"mask": {"kept": True}}))
    result = _run([PROMPT, "-o", str(run), "--model", str(tiny_model_dir), "--steps", "3",
                   "--size", "96x64", "--seed", "5", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in run.iterdir()) == [
        "attention.npz", "image.png", "run.json", "twin.png"
    ]
    for name in ("image.png", "twin.png"):
        with Image.open(run / name) as img:
            assert img.size == (96, 64) and img.mode == "RGB"
    stats = AttentionStatistics.load(run / "attention.npz")
    assert stats.image_size == (64, 96) and stats.latent_size == (8, 12)
    assert "clouds" in [word for word, _ in stats.words()]

    record = json.loads((run / "run.json").read_text())
    assert record["mask"] == {"kept": True}  # other stages' entries survive
    entry = record["generate"]
    assert entry["prompt"] == PROMPT
    assert entry["twin_prompt"] == (
        "clouds drifting over a lake, nature, realistic, photography, 4k, 8k"
    )
    assert entry["settings"]["steps"] == 3 and entry["settings"]["seed"] == 5
    assert entry["settings"]["width"] == 96 and entry["settings"]["height"] == 64
    assert entry["model"] == str(tiny_model_dir)
    assert entry["device"] == "cpu (float32)"
    assert {"denoise_seconds", "seconds_per_step", "load_seconds"} <= set(entry["timings"])
    assert set(record["versions"]) == {"cinemagraph", "torch", "diffusers", "transformers"}


def test_no_twin_removes_a_stale_twin_and_keeps_the_image(tiny_model_dir, tmp_path):
    run = tmp_path / "run"
    common = ["--model", str(tiny_model_dir), "--steps", "2", "--size", "64", "--device", "cpu"]
    assert _run(["a river", "-o", str(run), *common]).exit_code == 0
    first = np.asarray(Image.open(run / "image.png"))
    result = _run(["a river", "-o", str(run), "--no-twin", *common])
    assert result.exit_code == 0, result.output
    assert not (run / "twin.png").exists()
    # Same seed, same picture; the batch without the twin rounds differently (≤ 1 level).
    again = np.asarray(Image.open(run / "image.png")).astype(int)
    assert np.abs(again - first).max() <= 1
    assert json.loads((run / "run.json").read_text())["generate"]["twin"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "100"], "multiple of 8"),
        (["--size", "big"], "--size"),
        (["--steps", "0"], "steps"),
        (["--feature-injection", "2"], "feature fraction"),
        (["--no-twin", "--twin-prompt", "a lake"], "--twin-prompt"),
    ],
)

def test_bad_options_fail_before_loading_the_model(tmp_path, args, message):
    result = _run(["a river", "-o", str(tmp_path / "run"), "--model", str(tmp_path / "none"),
                   *args])
    assert isinstance(result.exception, CinemagraphError)
    assert message in str(result.exception)
    assert not (tmp_path / "run").exists()


def test_parse_size():
    assert parse_size("512") == (512, 512)
    assert parse_size("768x512") == (768, 512)
    assert parse_size(" 640 × 480 ") == (640, 480)
    with pytest.raises(CinemagraphError):
        parse_size("512x")
