"""The command line: real runs on small inputs, and every kind of bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from cinemagraph.cli import main
from cinemagraph.contract import to_uint8
from helpers import box_mask, smooth_texture

H, W = 36, 52


@pytest.fixture()
def inputs(tmp_path: Path) -> dict[str, Path]:
    image = smooth_texture(H, W, seed=4)
    Image.fromarray(to_uint8(image)).save(tmp_path / "photo.png")
    mask = box_mask(H, W, 4, 10, 30, 30)
    Image.fromarray((mask * 255).astype(np.uint8)).save(tmp_path / "mask.png")
    field = np.zeros((H, W, 2), np.float32)
    field[..., 1] = 0.8 * mask
    np.save(tmp_path / "field.npy", field)
    return {"image": tmp_path / "photo.png", "mask": tmp_path / "mask.png",
            "field": tmp_path / "field.npy", "dir": tmp_path}


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def decoded_frame_count(path: Path) -> int:
    reader = imageio_ffmpeg.read_frames(str(path))
    next(reader)  # metadata
    return sum(1 for _ in reader)


def test_animate_with_direction_writes_every_format(inputs, capsys):
    d = inputs["dir"]
    outs = [d / "a.mp4", d / "a.gif", d / "a.webm", d / "a.png", f"{d / 'frames'}{os.sep}"]
    args = ["animate", inputs["image"], "--mask", inputs["mask"], "--direction", 270,
            "--speed", 1.0, "--frames", 8, "--fps", 12, "-q"]
    for out in outs:
        args += ["-o", out]
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert out == "" and err == ""
    assert decoded_frame_count(d / "a.mp4") == 8
    assert decoded_frame_count(d / "a.webm") == 8
    assert Image.open(d / "a.gif").n_frames == 8
    assert Image.open(d / "a.png").n_frames == 8
    frames = sorted((d / "frames").glob("*.png"))
    assert [f.name for f in frames] == [f"{i:04d}.png" for i in range(8)]
    first = np.asarray(Image.open(frames[0]))
    np.testing.assert_array_equal(first, np.asarray(Image.open(inputs["image"])))


def test_animate_with_field_and_report(inputs, capsys):
    out_path = inputs["dir"] / "b.mp4"
    code, out, _ = run(["animate", inputs["image"], "--mask", inputs["mask"], "--motion",
                        inputs["field"], "--frames", 6, "-o", out_path], capsys)
    assert code == 0
    assert f"wrote {out_path} (6 frames, {W}×{H})" in out
    assert decoded_frame_count(out_path) == 6


def test_blend_option_changes_only_the_mid_loop_mix(inputs, capsys):
    frames = {}
    for blend in ("contrast", "linear"):
        out_path = inputs["dir"] / blend
        code, _, _ = run(["animate", inputs["image"], "--mask", inputs["mask"], "--direction",
                          0, "--speed", 1.0, "--frames", 8, "--blend", blend, "-o",
                          f"{out_path}/", "-q"], capsys)
        assert code == 0
        frames[blend] = [np.asarray(Image.open(p)) for p in sorted(out_path.glob("*.png"))]
    np.testing.assert_array_equal(frames["contrast"][0], frames["linear"][0])
    assert not np.array_equal(frames["contrast"][4], frames["linear"][4])


def test_default_output_name(inputs, capsys, monkeypatch):
    monkeypatch.chdir(inputs["dir"])
    code, _, _ = run(["animate", inputs["image"], "--mask", inputs["mask"], "--direction", 0,
                      "--speed", 0.5, "--frames", 4, "-q"], capsys)
    assert code == 0 and (inputs["dir"] / "photo-cinemagraph.mp4").exists()


def test_grey_rgba_and_16_bit_images_are_converted(inputs, capsys):
    d = inputs["dir"]
    rgb = np.asarray(Image.open(inputs["image"]))
    Image.fromarray(rgb[..., 0]).save(d / "grey.png")
    Image.fromarray(np.dstack([rgb, np.full((H, W), 128, np.uint8)])).save(d / "rgba.png")
    Image.fromarray(rgb[..., 1].astype(np.uint16) * 257).save(d / "deep.png")
    Image.fromarray(rgb).convert("P").save(d / "palette.gif")
    for name in ["grey.png", "rgba.png", "deep.png", "palette.gif"]:
        out = d / f"{name}.mp4"
        code, _, err = run(["animate", d / name, "--mask", inputs["mask"], "--direction", 90,
                            "--speed", 1, "--frames", 4, "-q", "-o", out], capsys)
        assert code == 0, (name, err)
        assert out.exists()


def test_mask_of_other_size_same_aspect_is_resized(inputs, capsys):
    d = inputs["dir"]
    mask = np.asarray(Image.open(inputs["mask"]))
    Image.fromarray(mask).resize((W * 2, H * 2), Image.NEAREST).save(d / "big.png")
    code, _, err = run(["animate", inputs["image"], "--mask", d / "big.png", "--direction",
                        0, "--speed", 1, "--frames", 4, "-q", "-o", d / "r.mp4"], capsys)
    assert code == 0, err


def test_empty_mask_warns_and_gives_a_still_loop(inputs, capsys):
    d = inputs["dir"]
    Image.fromarray(np.zeros((H, W), np.uint8)).save(d / "empty.png")
    code, _, err = run(["animate", inputs["image"], "--mask", d / "empty.png", "--direction",
                        0, "--speed", 1, "--frames", 3, "-q", "-o", f"{d / 'still'}/"], capsys)
    assert code == 0
    assert "warning:" in err and "empty" in err
    frames = [np.asarray(Image.open(p)) for p in sorted((d / "still").glob("*.png"))]
    assert all((f == frames[0]).all() for f in frames)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


BAD_CASES = {
    "missing image": (lambda d, i: ["animate", d / "nope.png", "--mask", i["mask"],
                                    "--direction", 0, "--speed", 1], "not found"),
    "corrupt image": (lambda d, i: ["animate", _write(d / "bad.png", b"\x89PNG garbage"),
                                    "--mask", i["mask"], "--direction", 0, "--speed", 1],
                      "image"),
    "empty file": (lambda d, i: ["animate", _write(d / "empty.jpg", b""), "--mask",
                                 i["mask"], "--direction", 0, "--speed", 1], "image"),
    "mask aspect": (lambda d, i: ["animate", i["image"], "--mask", _mask(d, (40, 10)),
                                  "--direction", 0, "--speed", 1], "aspect"),
    "nan field": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--motion",
                                _field(d, np.nan)], "NaN"),
    "inf field": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--motion",
                                _field(d, np.inf)], "NaN or infinite"),
    "absurd field": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--motion",
                                   _field(d, 1e9)], "absurd"),
    "field shape": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--motion",
                                  _npy(d, np.zeros((H, W, 3), np.float32))], "H×W×2"),
    "field size": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--motion",
                                 _npy(d, np.zeros((H + 1, W, 2), np.float32))], "must match"),
    "field not npy": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--motion",
                                    _write(d / "f.npy", b"hello")], "not a readable"),
    "one frame": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--direction", 0,
                                "--speed", 1, "--frames", 1], "frames"),
    "zero fps": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--direction", 0,
                               "--speed", 1, "--fps", 0], "fps"),
    "unknown format": (lambda d, i: ["animate", i["image"], "--mask", i["mask"],
                                     "--direction", 0, "--speed", 1, "-o", d / "x.avi"],
                       ".avi"),
    "unwritable folder": (lambda d, i: ["animate", i["image"], "--mask", i["mask"],
                                        "--direction", 0, "--speed", 1, "-o",
                                        _write(d / "afile", b"") / "x.mp4"], "afile"),
    "folder nobody can write": (lambda d, i: ["animate", i["image"], "--mask", i["mask"],
                                              "--direction", 0, "--speed", 1, "-o",
                                              "/proc/x.mp4"], "not writable"),
    "no motion": (lambda d, i: ["animate", i["image"], "--mask", i["mask"]], "no motion"),
    "both motions": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--motion",
                                   i["field"], "--direction", 3], "motion field was given"),
    "negative speed": (lambda d, i: ["animate", i["image"], "--mask", i["mask"],
                                     "--direction", 0, "--speed", -2], "speed"),
    "missing mask option": (lambda d, i: ["animate", i["image"], "--direction", 0,
                                          "--speed", 1], "mask"),
    "unknown blend": (lambda d, i: ["animate", i["image"], "--mask", i["mask"],
                                    "--direction", 0, "--speed", 1, "--blend", "screen"],
                      "blend"),
    "bad number": (lambda d, i: ["animate", i["image"], "--mask", i["mask"], "--direction",
                                 "left", "--speed", 1], "direction"),
}


def _mask(d: Path, size: tuple[int, int]) -> Path:
    Image.fromarray(np.full(size[::-1], 255, np.uint8)).save(d / "odd_mask.png")
    return d / "odd_mask.png"


def _field(d: Path, value: float) -> Path:
    field = np.zeros((H, W, 2), np.float32)
    field[5, 5, 0] = value
    return _npy(d, field)


def _npy(d: Path, array: np.ndarray) -> Path:
    np.save(d / "bad_field.npy", array)
    return d / "bad_field.npy"


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_is_one_line_exit_2_and_no_output(case, inputs, capsys):
    if case == "folder nobody can write" and not Path("/proc/self").is_dir():
        pytest.skip("needs /proc, where not even root can create a file")
    d = inputs["dir"] / "work"
    d.mkdir()
    build, expected = BAD_CASES[case]
    args = build(d, inputs)
    if "-o" not in args:
        args += ["-o", d / "out.mp4"]
    before = set(d.rglob("*"))
    code, _out, err = run([*args, "-q"], capsys)
    assert code == 2, (case, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert expected.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in err
    # Nothing new was written: no output, no temporary file.
    assert set(d.rglob("*")) == before


def test_console_script_runs_in_a_subprocess(inputs):
    result = subprocess.run(
        [sys.executable, "-m", "cinemagraph", "animate", str(inputs["image"]), "--mask",
         str(inputs["mask"]), "--motion", str(inputs["dir"] / "missing.npy"), "-q"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    missing = inputs["dir"] / "missing.npy"
    assert result.stderr.strip() == f"error: motion field not found: {missing}"


def test_demo_end_to_end_small(tmp_path, capsys):
    out = tmp_path / "demo.mp4"
    gif = tmp_path / "demo.gif"
    code, stdout, err = run(["demo", "--width", 160, "--height", 120, "--frames", 10,
                             "-o", out, "-o", gif], capsys)
    assert code == 0, err
    assert decoded_frame_count(out) == 10
    assert Image.open(gif).n_frames == 10
    assert "wrote" in stdout


def test_version_and_help(capsys):
    assert run(["--version"], capsys)[0] == 0
    code, out, _ = run(["animate", "--help"], capsys)
    assert code == 0 and "--direction" in out


def test_a_loop_too_long_for_its_region_warns_and_still_writes(inputs, capsys):
    d = inputs["dir"]  # the mask is a box 26 px tall
    code, _, err = run(["animate", inputs["image"], "--mask", inputs["mask"], "--direction",
                        270, "--speed", 1, "--frames", 30, "-q", "-o", d / "long.gif"], capsys)
    assert code == 0 and (d / "long.gif").exists()
    assert "warning:" in err and "runs out of texture" in err
    code, _, err = run(["animate", inputs["image"], "--mask", inputs["mask"], "--direction",
                        270, "--speed", 1, "--frames", 12, "-q", "-o", d / "short.gif"], capsys)
    assert code == 0 and "warning" not in err


def test_sharpness_and_crossfade_reach_the_renderer(inputs, capsys):
    d = inputs["dir"]
    base = ["animate", inputs["image"], "--mask", inputs["mask"], "--direction", 0,
            "--speed", 0.7, "--frames", 6, "-q"]
    frames = {}
    for name, extra in {"default": [], "soft": ["--sharpness", 0, "--crossfade", 1]}.items():
        code, _, err = run([*base, *extra, "-o", f"{d / name}{os.sep}"], capsys)
        assert code == 0, err
        frames[name] = np.stack([np.asarray(Image.open(p))
                                 for p in sorted((d / name).glob("*.png"))])
    assert np.array_equal(frames["default"][0], frames["soft"][0])  # frame 0 is the input
    assert not np.array_equal(frames["default"][1:], frames["soft"][1:])
    for bad in (["--sharpness", 2], ["--crossfade", 0.5], ["--fps", 1000]):
        code, _, err = run([*base, *bad, "-o", d / "bad.mp4"], capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert not (d / "bad.mp4").exists()
