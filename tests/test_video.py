"""Tests for the video writers: every format is decoded again and compared with its input."""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path
from typing import ClassVar

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from cinemagraph.errors import CinemagraphError
from cinemagraph.io import video
from cinemagraph.io.video import (
    FRAMES_MANIFEST,
    check_outputs,
    frame_file_name,
    output_kind,
    write_outputs,
    write_video,
)

FPS = 12.0
N_FRAMES = 10


def smooth_clip(n: int = N_FRAMES, height: int = 48, width: int = 64) -> np.ndarray:
    """uint8 ``n×height×width×3``: a still left half and smoothly travelling waves on the right.

    The waves advance one full period over the clip, so frame ``n`` would equal frame 0.
    """
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    t = np.arange(n, dtype=np.float64)[:, None, None] / n
    red = 128 + 90 * np.sin(2 * np.pi * (x / width + t))
    green = 128 + 80 * np.cos(2 * np.pi * (y / height - t))
    blue = np.broadcast_to(60 + 150 * x / width, red.shape)
    frames = np.stack([red, green, blue], axis=-1)
    still = np.stack([40 + 150 * y / height, 60 + 120 * x / width, 90 + 0 * x], axis=-1)
    frames[:, :, : width // 2] = still[:, : width // 2]
    return np.clip(np.rint(frames), 0, 255).astype(np.uint8)


def decode_ffmpeg(path: Path) -> tuple[np.ndarray, dict]:
    """Decode a video file to uint8 ``N×H×W×3`` RGB with accurate colour conversion."""
    reader = imageio_ffmpeg.read_frames(
        str(path), output_params=["-sws_flags", "bicubic+accurate_rnd+full_chroma_int"]
    )
    meta = next(reader)
    width, height = meta["size"]
    frames = [np.frombuffer(buf, np.uint8).reshape(height, width, 3) for buf in reader]
    return np.stack(frames), meta


def decode_pillow(path: Path) -> tuple[np.ndarray, dict]:
    """Decode every frame of a GIF or APNG with Pillow, composited, as RGB."""
    with Image.open(path) as img:
        info = dict(img.info)
        info["n_frames"] = img.n_frames
        frames = []
        for index in range(img.n_frames):
            img.seek(index)
            frames.append(np.asarray(img.convert("RGB")))
    return np.stack(frames), info


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def leftovers(folder: Path) -> list[str]:
    return sorted(item.name for item in folder.iterdir())


# --- output_kind / check_outputs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.mp4", "mp4"),
        ("A.MP4", "mp4"),
        ("clip.webm", "webm"),
        ("loop.GiF", "gif"),
        ("loop.png", "apng"),
        ("loop.apng", "apng"),
        ("frames/", "frames"),
        ("out/frames" + os.sep, "frames"),
    ],
)
def test_output_kind_by_name(name: str, kind: str) -> None:
    assert output_kind(name) == kind


def test_output_kind_existing_folder_is_frames(tmp_path: Path) -> None:
    (tmp_path / "shots.mp4").mkdir()
    assert output_kind(tmp_path / "shots.mp4") == "frames"
    assert output_kind(tmp_path) == "frames"


@pytest.mark.parametrize("name", ["clip.avi", "clip.mov", "clip", "clip.png.bak"])
def test_output_kind_unknown_names_supported_formats(name: str) -> None:
    with pytest.raises(CinemagraphError, match=r"unknown output format.*\.mp4.*\.webm"):
        output_kind(name)


def test_check_outputs_returns_paths_and_creates_nothing(tmp_path: Path) -> None:
    paths = check_outputs([tmp_path / "a" / "b.mp4", f"{tmp_path}/c/frames/"])
    assert paths == [tmp_path / "a" / "b.mp4", tmp_path / "c" / "frames"]
    assert leftovers(tmp_path) == []


def test_check_outputs_rejects_empty_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(CinemagraphError, match="no output"):
        check_outputs([])
    with pytest.raises(CinemagraphError, match="twice"):
        check_outputs([tmp_path / "a.mp4", f"{tmp_path}/./a.mp4"])
    with pytest.raises(CinemagraphError, match="unknown output format"):
        check_outputs([tmp_path / "a.mp4", tmp_path / "a.avi"])


def test_check_outputs_parent_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    for path in (blocker / "clip.mp4", f"{blocker}/frames/", blocker / "sub" / "clip.gif"):
        with pytest.raises(CinemagraphError, match="cannot"):
            check_outputs([path])
    with pytest.raises(CinemagraphError, match="is a file"):
        check_outputs([f"{blocker}/"])
    assert leftovers(tmp_path) == ["blocker"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_check_outputs_read_only_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(CinemagraphError, match="not writable"):
            write_video(locked / "clip.mp4", smooth_clip(2), FPS)
        assert leftovers(locked) == []
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_a_folder_that_refuses_files_is_not_writable_even_for_root(tmp_path: Path) -> None:
    # /proc looks writable to root by its permission bits, but no file can be created there.
    for target in ("/proc/clip.mp4", "/proc/frames/"):
        with pytest.raises(CinemagraphError, match="cannot"):
            check_outputs([target])


# --- each format, decoded again ---------------------------------------------------------------


def test_mp4_is_h264_yuv420p_faststart_and_close_to_input(tmp_path: Path) -> None:
    frames = smooth_clip()
    out = write_video(tmp_path / "clip.mp4", frames, FPS)
    assert out == tmp_path / "clip.mp4"
    decoded, meta = decode_ffmpeg(out)
    assert meta["codec"] == "h264"
    assert meta["pix_fmt"].startswith("yuv420p")
    assert "bt709" in meta["pix_fmt"]
    assert meta["fps"] == pytest.approx(FPS)
    assert decoded.shape == frames.shape
    assert psnr(decoded, frames) > 30
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart: index first
    assert leftovers(tmp_path) == ["clip.mp4"]


def test_webm_is_vp9_yuv420p_and_close_to_input(tmp_path: Path) -> None:
    frames = smooth_clip()
    out = write_video(tmp_path / "clip.webm", frames, FPS)
    decoded, meta = decode_ffmpeg(out)
    assert meta["codec"] == "vp9"
    assert meta["pix_fmt"].startswith("yuv420p")
    assert meta["fps"] == pytest.approx(FPS)
    assert decoded.shape == frames.shape
    assert psnr(decoded, frames) > 30
    assert out.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # EBML (Matroska/WebM) header
    assert leftovers(tmp_path) == ["clip.webm"]


def test_gif_loops_and_keeps_still_regions_exactly_still(tmp_path: Path) -> None:
    frames = smooth_clip()
    out = write_video(tmp_path / "loop.gif", frames, FPS)
    decoded, info = decode_pillow(out)
    assert info["n_frames"] == N_FRAMES
    assert info["loop"] == 0
    assert info["duration"] == pytest.approx(1000 / FPS, abs=10)  # GIF delays are in 1/100 s
    assert decoded.shape == frames.shape
    assert psnr(decoded, frames) > 22  # 256 colours with ordered dither
    still = decoded[:, :, : frames.shape[2] // 2]
    assert np.array_equal(still, np.broadcast_to(still[0], still.shape))
    moving = decoded[:, :, frames.shape[2] // 2 :]
    assert not np.array_equal(moving[0], moving[N_FRAMES // 2])


def test_apng_is_lossless_and_loops(tmp_path: Path) -> None:
    frames = smooth_clip()
    out = write_video(tmp_path / "loop.png", frames, FPS)
    decoded, info = decode_pillow(out)
    assert info["n_frames"] == N_FRAMES
    assert info["loop"] == 0
    assert info["duration"] == pytest.approx(1000 / FPS, abs=0.5)
    assert np.array_equal(decoded, frames)


def test_apng_keeps_repeated_frames(tmp_path: Path) -> None:
    frames = np.repeat(smooth_clip(3), 2, axis=0)  # each frame shown twice
    decoded, info = decode_pillow(write_video(tmp_path / "loop.apng", frames, FPS))
    assert info["n_frames"] == 6
    assert np.array_equal(decoded, frames)


def test_frames_folder_is_lossless_and_ordered(tmp_path: Path) -> None:
    frames = smooth_clip()
    out = write_video(f"{tmp_path}/new/frames/", frames, FPS)
    assert out == tmp_path / "new" / "frames"
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == [f"{i:04d}.png" for i in range(N_FRAMES)]
    assert leftovers(out) == sorted([*names, FRAMES_MANIFEST])
    for index, name in enumerate(names):
        with Image.open(out / name) as img:
            assert img.mode == "RGB"
            assert np.array_equal(np.asarray(img), frames[index])
    assert leftovers(tmp_path / "new") == ["frames"]


def test_frames_folder_rewrite_removes_only_stale_frames(tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    write_video(f"{folder}/", smooth_clip(12), FPS)
    frames = smooth_clip(5)[::-1].copy()
    write_video(folder, frames, FPS)  # a folder cinemagraph wrote, no trailing separator
    assert leftovers(folder) == sorted([f"{i:04d}.png" for i in range(5)] + [FRAMES_MANIFEST])
    for index in range(5):
        with Image.open(folder / f"{index:04d}.png") as img:
            assert np.array_equal(np.asarray(img), frames[index])
    assert leftovers(tmp_path) == ["frames"]


def test_frames_folder_with_foreign_files_is_refused_and_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    write_video(f"{folder}/", smooth_clip(12), FPS)
    keep = ["notes.txt", "0003.jpg", "cover.png", "123.png", "0001.png.bak", "00004.png"]
    for name in keep:
        (folder / name).write_text("keep me")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(CinemagraphError, match=r"did not write.*--overwrite"):
        write_video(folder, smooth_clip(5), FPS)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    frames = smooth_clip(5)[::-1].copy()
    write_video(folder, frames, FPS, overwrite=True)  # stale frames go, the user's files stay
    assert leftovers(folder) == sorted([f"{i:04d}.png" for i in range(5)] + keep
                                       + [FRAMES_MANIFEST])
    assert all((folder / name).read_text() == "keep me" for name in keep)


def test_frames_into_a_user_folder_never_deletes_a_file(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "2019.png").write_bytes(b"holiday")
    (photos / "0000.png").write_bytes(b"not a frame")
    with pytest.raises(CinemagraphError, match=r"photos.*--overwrite"):
        write_video(photos, smooth_clip(3), FPS)
    assert sorted(p.name for p in photos.iterdir()) == ["0000.png", "2019.png"]
    assert (photos / "0000.png").read_bytes() == b"not a frame"


def test_frame_file_names_sort_in_frame_order() -> None:
    assert frame_file_name(0, 1) == "0000.png"
    assert frame_file_name(9999, 10000) == "9999.png"
    assert frame_file_name(7, 10001) == "00007.png"
    for count in (1, 10, 10000, 10001, 123456):
        names = [frame_file_name(i, count) for i in range(0, count, max(1, count // 97))]
        assert names == sorted(names)
        assert len({len(name) for name in names}) == 1
        assert all(video.FRAME_NAME_PATTERN.match(name) for name in names)


@pytest.mark.parametrize("name", ["odd.mp4", "odd.webm"])
def test_odd_size_is_padded_by_repeating_the_edge(tmp_path: Path, name: str) -> None:
    frames = smooth_clip(6, height=17, width=33)
    decoded, _ = decode_ffmpeg(write_video(tmp_path / name, frames, FPS))
    assert decoded.shape == (6, 18, 34, 3)
    assert psnr(decoded[:, :17, :33], frames) > 30
    # the extra row / column repeat the last ones (up to compression error)
    assert psnr(decoded[:, 17, :33], frames[:, 16]) > 25
    assert psnr(decoded[:, :17, 33], frames[:, :, 32]) > 25


@pytest.mark.parametrize("name", ["odd.gif", "odd.png", "odd/"])
def test_odd_size_exact_for_gif_apng_and_frames(tmp_path: Path, name: str) -> None:
    frames = smooth_clip(6, height=17, width=33)
    out = write_video(f"{tmp_path}/{name}", frames, FPS)
    if name.endswith("/"):
        decoded = np.stack([np.asarray(Image.open(p)) for p in sorted(out.glob("*.png"))])
    else:
        decoded, _ = decode_pillow(out)
    assert decoded.shape == frames.shape
    if not name.endswith(".gif"):
        assert np.array_equal(decoded, frames)


def test_single_frame_and_fractional_fps(tmp_path: Path) -> None:
    frames = smooth_clip(1)
    decoded, meta = decode_ffmpeg(write_video(tmp_path / "one.mp4", frames, 29.97))
    assert decoded.shape == frames.shape
    assert meta["fps"] == pytest.approx(29.97)


def test_write_outputs_writes_every_format(tmp_path: Path) -> None:
    frames = smooth_clip(4)
    names = ["a.mp4", "a.webm", "a.gif", "a.png", "a/"]
    outs = write_outputs([f"{tmp_path}/{n}" for n in names], frames, FPS)
    assert outs == [tmp_path / n.rstrip("/") for n in names]
    assert all(p.exists() for p in outs)
    assert leftovers(tmp_path) == sorted(n.rstrip("/") for n in names)


def test_write_outputs_checks_all_paths_before_writing(tmp_path: Path) -> None:
    with pytest.raises(CinemagraphError, match="unknown output format"):
        write_outputs([tmp_path / "a.mp4", tmp_path / "b.mkv"], smooth_clip(2), FPS)
    assert leftovers(tmp_path) == []


def test_progress_bar_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_video(tmp_path / "a.png", smooth_clip(3), FPS, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "a.png" in captured.err and "3/3" in captured.err
    write_video(tmp_path / "b.png", smooth_clip(3), FPS)
    assert capsys.readouterr().err == ""


# --- bad input and failures -------------------------------------------------------------------


@pytest.mark.parametrize("fps", [0, -12, float("nan"), float("inf"), "12", True])
def test_bad_fps_is_rejected(tmp_path: Path, fps: object) -> None:
    with pytest.raises(CinemagraphError, match="frame rate"):
        write_video(tmp_path / "a.mp4", smooth_clip(2), fps)  # type: ignore[arg-type]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "frames",
    [
        np.zeros((0, 8, 8, 3), np.uint8),
        np.zeros((2, 8, 8, 3), np.float32),
        np.zeros((2, 8, 8), np.uint8),
    ],
)
def test_bad_frames_are_rejected(tmp_path: Path, frames: np.ndarray) -> None:
    with pytest.raises(CinemagraphError):
        write_video(tmp_path / "a.gif", frames, FPS)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("size", [16, 256])  # small: ffmpeg exits; large: the pipe breaks
def test_ffmpeg_failure_is_one_line_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setitem(
        video._FFMPEG_OUTPUT_ARGS, "mp4", ["-c:v", "libx264", "-crf", "banana", "-f", "mp4"]
    )
    with pytest.raises(CinemagraphError, match="ffmpeg failed") as info:
        write_video(tmp_path / "a.mp4", smooth_clip(4, height=size, width=size), FPS)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"cannot write {tmp_path / 'a.mp4'}: ffmpeg failed: ")
    assert "invalid argument" in message.lower()  # ffmpeg's own last line
    assert leftovers(tmp_path) == []


class _RecordingPopen(subprocess.Popen):
    started: ClassVar[list[subprocess.Popen]] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _RecordingPopen.started.append(self)


def _interrupt_after(count: int):
    def frames_then_interrupt(frames, progress, label, total=None):
        yield from itertools.islice(frames, count)
        raise KeyboardInterrupt

    return frames_then_interrupt


@pytest.mark.parametrize("name", ["a.gif", "a.webp"])
def test_interrupt_of_a_pillow_output_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(video, "_frames_with_progress", _interrupt_after(3))
    with pytest.raises(KeyboardInterrupt):
        write_video(tmp_path / name, smooth_clip(), FPS)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["a.mp4", "a.webm", "a.png"])
def test_interrupt_kills_ffmpeg_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    _RecordingPopen.started = []
    monkeypatch.setattr(video.subprocess, "Popen", _RecordingPopen)
    monkeypatch.setattr(video, "_frames_with_progress", _interrupt_after(3))
    with pytest.raises(KeyboardInterrupt):
        write_video(tmp_path / name, smooth_clip(), FPS)
    assert len(_RecordingPopen.started) == 1
    assert _RecordingPopen.started[0].poll() is not None  # ffmpeg is gone
    assert leftovers(tmp_path) == []


def test_interrupt_leaves_no_frames_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(video, "_frames_with_progress", _interrupt_after(3))
    with pytest.raises(KeyboardInterrupt):
        write_video(f"{tmp_path}/frames/", smooth_clip(), FPS)
    assert leftovers(tmp_path) == []


def test_interrupt_keeps_existing_frames_folder_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "frames"
    first = smooth_clip(4)
    write_video(f"{folder}/", first, FPS)
    monkeypatch.setattr(video, "_frames_with_progress", _interrupt_after(2))
    with pytest.raises(KeyboardInterrupt):
        write_video(folder, smooth_clip(8)[::-1].copy(), FPS)
    assert leftovers(tmp_path) == ["frames"]
    assert leftovers(folder) == sorted([f"{i:04d}.png" for i in range(4)] + [FRAMES_MANIFEST])
    assert np.array_equal(np.asarray(Image.open(folder / "0000.png")), first[0])


def test_failed_rewrite_keeps_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "loop.png"
    write_video(target, smooth_clip(3), FPS)
    before = target.read_bytes()
    monkeypatch.setattr(video, "_frames_with_progress", _interrupt_after(1))
    with pytest.raises(KeyboardInterrupt):
        write_video(target, smooth_clip(6), FPS)
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == ["loop.png"]


# --- WebP, GIF size and delays, quality, width, streaming ---------------------------------------


def test_webp_is_animated_loops_and_is_close_to_input(tmp_path: Path) -> None:
    frames = smooth_clip()
    assert output_kind("a.WebP") == "webp"
    decoded, info = decode_pillow(write_video(tmp_path / "loop.webp", frames, FPS))
    assert info["n_frames"] == N_FRAMES
    assert info["loop"] == 0
    assert decoded.shape == frames.shape
    assert psnr(decoded, frames) > 30


def test_gif_delays_average_the_frame_rate() -> None:
    from cinemagraph.io.animated import gif_delays_cs

    assert gif_delays_cs(6, 30.0) == [3, 4, 3, 3, 4, 3]
    assert gif_delays_cs(4, 25.0) == [4, 4, 4, 4]
    for fps in (12.0, 24.0, 29.97, 30.0, 15.0):
        delays = gif_delays_cs(300, fps)
        assert abs(sum(delays) - 300 * 100 / fps) <= 0.5  # the average is the frame rate
        assert max(delays) - min(delays) <= 1
    assert min(gif_delays_cs(10, 120.0)) == 2  # browsers play shorter delays slowly


def test_gif_plays_30_fps_on_average(tmp_path: Path) -> None:
    out = write_video(tmp_path / "loop.gif", smooth_clip(6), 30.0)
    with Image.open(out) as img:
        durations = []
        for index in range(img.n_frames):
            img.seek(index)
            durations.append(img.info["duration"])
    assert durations == [30, 40, 30, 30, 40, 30]


def test_gif_pays_nothing_for_still_pixels(tmp_path: Path) -> None:
    """A clip whose still half is noise costs about what the moving half alone costs."""
    rng = np.random.default_rng(0)
    frames = smooth_clip(8, height=64, width=128)
    frames[:, :, :64] = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)  # still noise
    moving_only = frames.copy()
    moving_only[:, :, :64] = 0
    size = write_video(tmp_path / "a.gif", frames, FPS).stat().st_size
    without_noise = write_video(tmp_path / "b.gif", moving_only, FPS).stat().st_size
    one_noise_frame = write_video(tmp_path / "c.gif", frames[:1], FPS).stat().st_size
    # The noise is drawn once: far less than once per frame.
    assert size - without_noise < 2 * one_noise_frame
    decoded, _ = decode_pillow(tmp_path / "a.gif")
    assert np.array_equal(decoded[:, :, :64], np.broadcast_to(decoded[0, :, :64],
                                                              decoded[:, :, :64].shape))



def test_a_gif_pixel_keeps_its_colour_only_while_it_stays_close_to_the_frame() -> None:
    from cinemagraph.io.animated import GIF_KEEP_DISTANCE, _indices, _palette_image, gif_indices

    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (48, 96, 3), dtype=np.uint8)
    frames = [np.roll(texture, t, axis=1) for t in range(6)]  # 1 px per frame
    indices, colours = gif_indices(frames)
    palette = colours.astype(np.float64)
    palette_image = _palette_image(frames)
    for t in range(1, len(frames)):
        error = np.linalg.norm(palette[indices[t]] - frames[t], axis=-1)
        fresh = np.linalg.norm(palette[_indices(frames[t], palette_image, dither=False)]
                               - frames[t], axis=-1)
        assert (error <= np.maximum(fresh, GIF_KEEP_DISTANCE) + 1e-6).all()
        assert (indices[t] == indices[t - 1]).mean() < 0.5  # moving noise is redrawn

def test_quality_is_the_crf_of_mp4_and_webm(tmp_path: Path) -> None:
    frames = smooth_clip(6, height=64, width=64)
    for ext in ("mp4", "webm"):
        fine = write_video(tmp_path / f"fine.{ext}", frames, FPS, quality=5)
        coarse = write_video(tmp_path / f"coarse.{ext}", frames, FPS, quality=45)
        assert fine.stat().st_size > coarse.stat().st_size
        assert psnr(decode_ffmpeg(fine)[0], frames) > psnr(decode_ffmpeg(coarse)[0], frames)
    for bad in (-1, 64, 2.5, "18", True):
        with pytest.raises(CinemagraphError, match="quality"):
            write_video(tmp_path / "bad.mp4", frames, FPS, quality=bad)  # type: ignore[arg-type]
    assert not (tmp_path / "bad.mp4").exists()


def test_x264_loop_params_make_one_gop_and_a_finer_end() -> None:
    params = dict(item.split("=", 1) for item in video.x264_loop_params(60, 18).split(":"))
    assert params["keyint"] == "60" and params["scenecut"] == "0"
    assert params["zones"] == "40,47,q=15/48,53,q=12/54,59,q=9"
    assert "zones" not in video.x264_loop_params(1, 18)
    zones = dict(item.split("=", 1) for item in video.x264_loop_params(7, 1).split(":"))["zones"]
    assert all(int(zone.split("q=")[1]) >= 0 for zone in zones.split("/"))


@pytest.mark.parametrize("name", ["w.mp4", "w.gif", "w.webp", "w.png", "w/"])
def test_width_scales_every_output_keeping_the_aspect(tmp_path: Path, name: str) -> None:
    frames = smooth_clip(3, height=48, width=64)
    out = write_video(f"{tmp_path}/{name}", frames, FPS, width=32)
    if name.endswith("/"):
        decoded = np.stack([np.asarray(Image.open(p)) for p in sorted(out.glob("*.png"))])
    elif name.endswith(".mp4"):
        decoded = decode_ffmpeg(out)[0]
    else:
        decoded = decode_pillow(out)[0]
    assert decoded.shape == (3, 24, 32, 3)
    with pytest.raises(CinemagraphError, match="width"):
        write_video(tmp_path / "x.mp4", frames, FPS, width=1)


def test_frames_stream_from_an_iterator(tmp_path: Path) -> None:
    frames = smooth_clip(5)
    taken: list[int] = []

    def produce():
        for index, frame in enumerate(frames):
            taken.append(index)
            yield frame

    names = [f"{tmp_path}/s.mp4", f"{tmp_path}/s.png", f"{tmp_path}/s/"]
    write_outputs(names, produce(), FPS, count=5)
    assert taken == [0, 1, 2, 3, 4]
    assert np.array_equal(decode_pillow(tmp_path / "s.png")[0], frames)
    assert decode_ffmpeg(tmp_path / "s.mp4")[0].shape == frames.shape
    with pytest.raises(CinemagraphError, match="announced"):
        write_outputs([tmp_path / "t.mp4"], iter(frames), FPS, count=4)
    with pytest.raises(CinemagraphError, match="announced"):
        write_outputs([tmp_path / "u.png"], iter(frames), FPS, count=6)
    with pytest.raises(CinemagraphError, match="like the first"):
        write_outputs([tmp_path / "v.png"], iter([frames[0], frames[1, :10]]), FPS, count=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s", "s.mp4", "s.png"]
