"""The command line's file options: soft masks, WebP, --quality, --output-width, --max-size."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from cinemagraph.cli import main
from cinemagraph.contract import to_uint8
from cinemagraph.io import size as size_module
from cinemagraph.io.size import fit_max_size, warn_if_large
from helpers import box_mask, smooth_texture

H, W = 36, 52


@pytest.fixture()
def inputs(tmp_path: Path) -> dict[str, Path]:
    Image.fromarray(to_uint8(smooth_texture(H, W, seed=4))).save(tmp_path / "photo.png")
    mask = cv2.GaussianBlur(box_mask(H, W, 4, 10, 30, 30), (0, 0), 2.0)  # a soft edge
    Image.fromarray(to_uint8(mask)).save(tmp_path / "mask.png")
    return {"image": tmp_path / "photo.png", "mask": tmp_path / "mask.png", "dir": tmp_path}


def run(args: list, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _frames(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        frames = []
        for index in range(img.n_frames):
            img.seek(index)
            frames.append(np.asarray(img.convert("RGB")))
    return np.stack(frames)


def _moving(frames: np.ndarray) -> np.ndarray:
    return (frames != frames[0]).any(axis=(0, 3))


def test_a_soft_mask_file_is_binary_unless_asked(inputs, capsys):
    d = inputs["dir"]
    common = ["animate", inputs["image"], "--direction", "270", "--speed", "1",
              "--frames", "6", "--feather", "0"]
    code, _, err = run([*common, "--mask", inputs["mask"], "-o", d / "binary.png"], capsys)
    assert code == 0 and "read as binary at" in err
    code, _, err = run([*common, "--mask", inputs["mask"], "--soft-mask", "-o", d / "soft.png"],
                       capsys)
    assert code == 0 and "read as binary" not in err
    binary, soft = _moving(_frames(d / "binary.png")), _moving(_frames(d / "soft.png"))
    inside = cv2.dilate(box_mask(H, W, 4, 10, 30, 30), np.ones((5, 5), np.uint8)) > 0
    assert not binary[~inside].any()  # nothing moves beyond the box's own edge
    assert soft.sum() > binary.sum()


def test_webp_quality_and_output_width(inputs, capsys):
    d = inputs["dir"]
    code, out, _ = run(["animate", inputs["image"], "--mask", inputs["mask"], "--direction", "0",
                        "--speed", "1", "--frames", "4", "-o", d / "a.webp", "-o", d / "a.mp4",
                        "--quality", "30", "--output-width", "26"], capsys)
    assert code == 0
    assert f"wrote {d / 'a.webp'} (4 frames, 26×18)" in out
    assert _frames(d / "a.webp").shape == (4, 18, 26, 3)
    code, _, err = run(["animate", inputs["image"], "--mask", inputs["mask"], "--direction", "0",
                        "--speed", "1", "-o", d / "b.mp4", "--quality", "99"], capsys)
    assert code == 2 and "quality" in err and not (d / "b.mp4").exists()


def test_max_size_shrinks_the_picture_and_a_large_one_warns(inputs, capsys, monkeypatch):
    d = inputs["dir"]
    code, out, _ = run(["animate", inputs["image"], "--mask", inputs["mask"], "--direction",
                        "0", "--speed", "1", "--frames", "3", "--max-size", "26",
                        "-o", d / "small.png"], capsys)
    assert code == 0 and "(3 frames, 26×18)" in out
    monkeypatch.setattr(size_module, "LARGE_PIXELS", 1000)
    with pytest.warns(UserWarning, match=r"52×36 .* --max-size 2048"):
        assert warn_if_large((H, W), 60)
    assert not warn_if_large((20, 20), 60)


def test_fit_max_size_keeps_the_aspect_and_never_enlarges():
    image = np.zeros((300, 400, 3), np.float32)
    assert fit_max_size(image, 200).shape == (150, 200, 3)
    assert fit_max_size(image, 1000) is image
    assert fit_max_size(image, None) is image


def test_text_mode_takes_webp_quality_and_width():
    from cinemagraph.errors import CinemagraphError
    from cinemagraph.pipeline.text import FORMATS, TextSettings

    assert FORMATS["webp"] == "cinemagraph.webp"
    settings = TextSettings(formats=("mp4", "webp"), quality=23, output_width=480)
    assert settings.quality == 23 and settings.output_width == 480
    with pytest.raises(CinemagraphError, match="quality"):
        TextSettings(quality=70)
    with pytest.raises(CinemagraphError, match="width"):
        TextSettings(output_width=0)
