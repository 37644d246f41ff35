"""``cinemagraph motion``: files in, a field and its picture out, one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cinemagraph.cli.motion import motion_command
from cinemagraph.errors import CinemagraphError

H, W = 48, 64


def write_png(path: Path, array: np.ndarray) -> Path:
    Image.fromarray(array).save(path)
    return path


@pytest.fixture()
def scene(tmp_path: Path) -> dict[str, Path]:
    image = np.full((H, W, 3), 120, np.uint8)
    sky = np.zeros((H, W), np.uint8)
    sky[:16] = 255
    fall = np.zeros((H, W), np.uint8)
    fall[20:, 24:40] = 255
    labels = np.zeros((H, W), np.uint8)
    labels[:16] = 100
    labels[20:, 24:40] = 200
    return {"dir": tmp_path, "image": write_png(tmp_path / "photo.png", image),
            "sky": write_png(tmp_path / "sky.png", sky),
            "fall": write_png(tmp_path / "fall.png", fall),
            "labels": write_png(tmp_path / "labels.png", labels)}


def invoke(args: list) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(motion_command, [str(a) for a in args])
    error = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output, error


def test_two_masks_and_a_prompt_write_field_and_preview(scene):
    out, preview = scene["dir"] / "field.npy", scene["dir"] / "field.png"
    code, output, error = invoke([
        scene["image"], "--mask", scene["sky"], "--mask", scene["fall"], "--prompt",
        "clouds drifting right over a waterfall", "-o", out, "--preview", preview])
    assert code == 0, error
    field = np.load(out)
    assert field.shape == (H, W, 2) and field.dtype == np.float32
    assert field[:16, :, 0].mean() > 0 and abs(field[:16, :, 1].mean()) < 0.05
    assert field[20:, 24:40, 1].mean() > 0.2  # falls
    assert (field[16:20] == 0).all()
    with Image.open(preview) as img:
        assert img.size == (W, H)
    assert "region 1: clouds: right (0°)" in output
    assert "region 2: waterfall: down (270°)" in output
    assert f"wrote {out} ({W}×{H}" in output


def test_named_masks_labels_hints_and_overrides(scene):
    out = scene["dir"] / "a.npy"
    code, _, error = invoke([scene["image"], "--mask", f"waterfall={scene['fall']}",
                             "--mask", f"clouds={scene['sky']}", "--prompt",
                             "clouds drifting left over a waterfall", "-o", out, "-q"])
    assert code == 0, error
    field = np.load(out)
    assert field[:16, :, 0].mean() < 0 and field[20:, 24:40, 1].mean() > 0.2

    code, output, error = invoke([scene["image"], "--labels", scene["labels"], "--prompt",
                                  "clouds drifting right over a waterfall", "--hint",
                                  "32,34,-1.5,0", "-o", out])
    assert code == 0, error
    field = np.load(out)
    np.testing.assert_allclose(field[34, 32], (-1.5, 0.0), atol=0.03)
    assert field[:16, :, 0].mean() > 0

    code, output, error = invoke([scene["image"], "--mask", scene["fall"], "--prompt",
                                  "waterfall", "--direction", 90, "--speed", 1.0,
                                  "--turbulence", 0, "-o", out])
    assert code == 0, error
    field = np.load(out)
    assert field[20:, 24:40, 1].mean() < -0.5  # up, as the option says
    assert "overridden by the options: direction 90°, speed 1 px/frame" in output


def test_same_seed_same_file(scene):
    a, b = scene["dir"] / "a.npy", scene["dir"] / "b.npy"
    for out in (a, b):
        assert invoke([scene["image"], "--mask", scene["fall"], "--prompt", "rapids",
                       "--seed", 7, "-o", out, "-q"])[0] == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(("extra", "message"), [
    (["-o", "field.txt"], "written as .npy"),
    (["-o", "f.npy", "--preview", "p.jpg"], "written as .png"),
    (["-o", "f.npy", "--hint", "1,2"], "x,y,dx,dy"),
    (["-o", "f.npy", "--hint", "500,2,1,1"], "outside the 64×48 image"),
    (["-o", "f.npy", "--hint", "2,2,1,1"], "outside every moving region"),
    (["-o", "f.npy", "--speed", "-1"], "speed"),
])
def test_bad_input_is_a_one_line_error_and_writes_nothing(scene, extra, message):
    args = [scene["image"], "--mask", scene["fall"], "--prompt", "waterfall", *extra]
    args = [scene["dir"] / a if str(a).endswith((".npy", ".txt", ".jpg")) else a for a in args]
    code, _, error = invoke(args)
    assert code != 0
    assert isinstance(error, CinemagraphError) and message in str(error)
    assert "\n" not in str(error)
    assert sorted(p.name for p in scene["dir"].iterdir()) == [
        "fall.png", "labels.png", "photo.png", "sky.png"]


def test_missing_mask_and_files(scene):
    _, _, error = invoke([scene["image"], "--prompt", "river", "-o", scene["dir"] / "f.npy"])
    assert isinstance(error, CinemagraphError) and "--mask" in str(error)
    _, _, error = invoke([scene["image"], "--mask", scene["dir"] / "nope.png",
                          "-o", scene["dir"] / "f.npy"])
    assert isinstance(error, CinemagraphError) and "not found" in str(error)
