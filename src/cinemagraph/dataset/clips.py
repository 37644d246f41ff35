"""Finding clips under a folder and reading their frames at the stored size.

A clip is a video file (:data:`VIDEO_EXTENSIONS`) or a folder that directly holds two or
more images (:data:`IMAGE_EXTENSIONS`), its frames in name order (``frame2`` before
``frame10``). Videos are decoded by the ffmpeg binary of ``imageio-ffmpeg``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import CinemagraphError
from ..io.images import current_pixel_limit, read_rgb8
from ..limits import format_pixels

VIDEO_EXTENSIONS = (".mp4", ".webm", ".mov", ".m4v", ".mkv", ".avi")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")

#: Frame rate assumed for a folder of frames.
FOLDER_FPS = 30.0


@dataclass(frozen=True)
class ClipSource:
    """A clip found under the videos folder.

    ``path``: the video file or the frames folder. ``relative``: its path relative to the
    videos folder, with ``/`` separators (``"."`` for the videos folder itself).
    ``kind``: ``"video"`` or ``"frames"``.
    """

    path: Path
    relative: str
    kind: str


@dataclass(frozen=True)
class Clip:
    """Decoded frames: uint8 ``N×H×W×3`` RGB, and the clip's frame rate (frames/second)."""

    frames: np.ndarray
    fps: float


def _natural_key(name: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def frame_files(folder: Path) -> list[Path]:
    """The image files directly in ``folder``, in natural name order."""
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
    return sorted(files, key=lambda p: _natural_key(p.name))


def find_clips(videos_dir: str | os.PathLike[str],
               exclude: str | os.PathLike[str] | None = None) -> list[ClipSource]:
    """All clips under ``videos_dir`` (recursively), sorted by relative path.

    Hidden folders and files are ignored, and so is the folder ``exclude`` (a dataset
    folder written inside the videos folder).
    """
    root = Path(videos_dir)
    skip = Path(exclude).resolve() if exclude is not None else None
    if not root.exists():
        raise CinemagraphError(f"videos folder not found: {root}")
    if not root.is_dir():
        raise CinemagraphError(f"{root} is not a folder of videos")
    found: list[ClipSource] = []
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        subfolders[:] = sorted(name for name in subfolders if not name.startswith(".")
                               and (skip is None or (here / name).resolve() != skip))
        rel_folder = here.relative_to(root).as_posix()
        images = [f for f in files
                  if Path(f).suffix.lower() in IMAGE_EXTENSIONS and not f.startswith(".")]
        if len(images) >= 2:
            found.append(ClipSource(here, rel_folder, "frames"))
        for name in sorted(files):
            if Path(name).suffix.lower() in VIDEO_EXTENSIONS and not name.startswith("."):
                relative = name if rel_folder == "." else f"{rel_folder}/{name}"
                found.append(ClipSource(here / name, relative, "video"))
    return sorted(found, key=lambda s: s.relative)


def stored_size(height: int, width: int, max_size: int) -> tuple[int, int]:
    """(H, W) a clip is stored at: aspect kept, longer side ≤ ``max_size``, both even."""
    scale = min(1.0, max_size / max(height, width))
    return (max(2, 2 * round(height * scale / 2)), max(2, 2 * round(width * scale / 2)))


def resize_frame(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an ``H×W×C`` frame to ``size`` (H, W): area average when shrinking."""
    h, w = size
    if frame.shape[:2] == (h, w):
        return frame
    shrink = h < frame.shape[0] or w < frame.shape[1]
    return cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def _read_video(path: Path, max_frames: int) -> Clip:
    import imageio_ffmpeg

    try:
        reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
        meta = next(reader)
    except (OSError, RuntimeError, StopIteration) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CinemagraphError(f"cannot decode {path}: {first}") from exc
    width, height = meta["size"]
    if width * height > current_pixel_limit():
        reader.close()
        raise CinemagraphError(
            f"{path} is {width}×{height} ({format_pixels(width * height)}), more than the "
            f"limit of {format_pixels(current_pixel_limit())} (pass a larger --max-pixels)")
    frames = []
    try:
        for raw in reader:
            frame = np.frombuffer(raw, dtype=np.uint8)
            if frame.size != width * height * 3:
                raise CinemagraphError(f"cannot decode {path}: frame size does not match")
            frames.append(frame.reshape(height, width, 3))
            if max_frames and len(frames) >= max_frames:
                break
    except (OSError, RuntimeError) as exc:
        raise CinemagraphError(f"cannot decode {path}: {exc}") from exc
    finally:
        reader.close()
    fps = float(meta.get("fps") or FOLDER_FPS)
    return Clip(np.stack(frames) if frames else np.zeros((0, height, width, 3), np.uint8), fps)


def _read_folder(path: Path, max_frames: int) -> Clip:
    files = frame_files(path)
    if max_frames:
        files = files[:max_frames]
    frames = []
    for file in files:
        frame = read_rgb8(file, "frame")
        if frames and frame.shape != frames[0].shape:
            raise CinemagraphError(f"frames in {path} differ in size ({file.name})")
        frames.append(frame)
    if not frames:
        return Clip(np.zeros((0, 2, 2, 3), np.uint8), FOLDER_FPS)
    return Clip(np.stack(frames), FOLDER_FPS)


def read_clip(source: ClipSource, max_frames: int = 0, max_size: int = 0) -> Clip:
    """Decode a clip: at most ``max_frames`` frames from the start (0 = all), resized to
    :func:`stored_size` when ``max_size`` > 0. Frames: uint8 ``N×H×W×3`` RGB.
    """
    clip = _read_video(source.path, max_frames) if source.kind == "video" else _read_folder(
        source.path, max_frames)
    if len(clip.frames) == 0 or not max_size:
        return clip
    size = stored_size(*clip.frames.shape[1:3], max_size)
    frames = np.stack([resize_frame(frame, size) for frame in clip.frames])
    return Clip(frames, clip.fps)
