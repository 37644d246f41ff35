"""Rendering for the page: the looping preview, the motion overlay and the exports.

Every computation goes through the same API the command line uses
(:func:`cinemagraph.api.motion_from_arguments`, :func:`cinemagraph.animate.iter_frames`,
:func:`cinemagraph.io.video.write_outputs`). The engine runs under one lock, a frame at a
time, so that an export and a preview take turns instead of fighting for the CPU, and the
warnings a step raises are kept to show on the page.
"""

from __future__ import annotations

import io
import math
import shutil
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from PIL import Image

from ..animate import AnimateSettings, iter_frames
from ..api import load_regions, motion_from_arguments
from ..errors import CinemagraphError
from ..io.atomic import atomic_file
from ..io.images import load_image, save_field, save_image
from ..io.video import write_outputs
from ..motion.visualize import field_preview
from .project import (
    MOTION_FILE,
    TWIN_FILE,
    Arrow,
    LoopSettings,
    Region,
    command_line,
    mask_file,
    region_masks,
    scene_prompt,
)

#: Export formats: the name the page uses → the file suffix written.
EXPORT_FORMATS = {"mp4": ".mp4", "webm": ".webm", "gif": ".gif", "webp": ".webp",
                  "zip": ".zip"}

#: Frames of the quick first preview: at most this many (the motion scaled to match).
DRAFT_FRAMES = 20

_ENGINE = threading.Lock()
T = TypeVar("T")


def engine_step(step: Callable[[], T], notes: list[str]) -> T:
    """Run ``step`` alone on the engine, adding the warnings it raises to ``notes``."""
    with _ENGINE, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = step()
    for warning in caught:
        text = str(warning.message)
        if text not in notes:
            notes.append(text)
    return result


def _frames(image: np.ndarray, mask: np.ndarray, motion: np.ndarray,
            settings: AnimateSettings, notes: list[str],
            progress: Callable[[int], None] | None = None) -> np.ndarray:
    """All frames of the loop, rendered one engine step at a time."""
    h, w = image.shape[:2]
    frames = np.empty((settings.frames, h, w, 3), np.uint8)
    loop = iter_frames(image, mask, motion, settings)
    for t in range(settings.frames):
        frames[t] = engine_step(lambda: next(loop), notes)
        if progress is not None:
            progress(t + 1)
    return frames


def resize_image(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` (float32 or uint8 ``H×W×3``) with its longer side at most ``side``."""
    h, w = image.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale >= 1.0:
        return image.copy()
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class Scene:
    """A snapshot of a project, taken under the session's lock."""

    regions: tuple[Region, ...]
    freeze: np.ndarray
    arrows: tuple[Arrow, ...]
    settings: LoopSettings
    width: int
    height: int

    def check(self) -> None:
        if not self.regions:
            raise CinemagraphError("add a region and paint what moves first")

    def labelled(self, masks: list[np.ndarray]) -> list[tuple[str | None, np.ndarray]]:
        union = np.maximum.reduce(masks)
        if not (union > 0).any():
            raise CinemagraphError(
                "nothing may move: paint a region with a motion brush (frozen pixels never move)")
        return [(region.label, mask) for region, mask in zip(self.regions, masks, strict=True)]


@dataclass
class Preview:
    """A rendered preview: the frames as one JPEG sheet, and the motion overlay."""

    sheet: bytes
    overlay: bytes
    frames: int
    columns: int
    width: int
    height: int
    fps: float
    notes: list[str]


def frame_sheet(frames: np.ndarray, quality: int = 88) -> tuple[bytes, int]:
    """The frames tiled row by row into one JPEG; returns it and the number of columns."""
    n, h, w = frames.shape[:3]
    columns = math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    sheet = np.zeros((rows * h, columns * w, 3), np.uint8)
    for index, frame in enumerate(frames):
        r, c = divmod(index, columns)
        sheet[r * h:(r + 1) * h, c * w:(c + 1) * w] = frame
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise CinemagraphError("could not encode the preview")
    return data.tobytes(), columns


def png_bytes(image: np.ndarray) -> bytes:
    """``image`` (uint8 ``H×W×3`` RGB or ``H×W``) as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def render_preview(scene: Scene, image: np.ndarray, draft: bool,
                   motion_image: np.ndarray | None = None) -> Preview:
    """The looping preview of ``scene`` on ``image`` (float32, the picture downscaled);
    the motion is computed on ``motion_image`` (a generated picture's twin, the same size)
    when given.

    A draft renders at most :data:`DRAFT_FRAMES` frames of the same loop: the motion per
    frame is scaled up and the fps down so that it moves as the full loop does.
    """
    scene.check()
    h, w = image.shape[:2]
    scale = w / scene.width
    notes: list[str] = []
    labelled = scene.labelled(region_masks(scene.regions, scene.freeze, (h, w)))
    union = np.maximum.reduce([mask for _, mask in labelled])
    hints = [(x * scale, y * scale, dx * scale, dy * scale)
             for x, y, dx, dy in (a.hint(scene.settings.fps) for a in scene.arrows)]
    loop = scene.settings
    motion = engine_step(lambda: motion_from_arguments(
        image if motion_image is None else motion_image, labelled,
        prompt=scene_prompt(scene.regions), hints=hints,
        motion_settings=loop.motion_settings()), notes)
    frames_count = min(loop.frames, DRAFT_FRAMES) if draft else loop.frames
    ratio = loop.frames / frames_count
    settings = AnimateSettings(frames=frames_count, fps=loop.fps / ratio,
                               speed=loop.speed * ratio, seed=loop.seed)
    frames = _frames(image, union, motion, settings, notes)
    sheet, columns = frame_sheet(frames)
    overlay = png_bytes(field_preview(motion * np.float32(loop.speed), union, key=False))
    return Preview(sheet, overlay, frames_count, columns, w, h, settings.fps, notes)


def write_project_files(folder: Path, scene: Scene, picture: Path,
                        work_masks: bool = True, twin: Path | None = None) -> list[Path]:
    """The project's files in ``folder``: the picture (and a generated picture's ``twin``),
    one full-size mask per region (what the command line reads) and, with ``work_masks``,
    the masks as painted (to reopen the project). Returns the region mask paths."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(picture, folder / picture.name)
    if twin is not None:
        shutil.copyfile(twin, folder / TWIN_FILE)
    masks = region_masks(scene.regions, scene.freeze, (scene.height, scene.width))
    paths = []
    for index, mask in enumerate(masks):
        paths.append(save_image(folder / mask_file(index), mask))
    if work_masks:
        for index, region in enumerate(scene.regions):
            save_image(folder / f"edit/region-{index + 1}.png", region.mask)
        if scene.freeze.size:
            save_image(folder / "edit/freeze.png", scene.freeze)
    return paths


def project_motion(folder: Path, scene: Scene, picture_name: str, mask_paths: list[Path],
                   notes: list[str]) -> tuple[np.ndarray, list, np.ndarray, np.ndarray]:
    """The full-size loop's inputs from the project files in ``folder``, read as the command
    line reads them: the picture, its labelled regions, their union and the motion field.

    The motion is computed on the twin when the project has one (a generated picture, as
    in text mode) and then saved as ``motion.npy`` for the command line."""
    still = load_image(folder / picture_name)
    regions = load_regions([(region.label, path) for region, path
                            in zip(scene.regions, mask_paths, strict=True)],
                           still.shape[:2], soft=True)
    scene.labelled([mask for _, mask in regions])
    union = np.maximum.reduce([mask for _, mask in regions])
    twin = folder / TWIN_FILE
    source = load_image(twin) if twin.exists() else still
    hints = [arrow.hint(scene.settings.fps) for arrow in scene.arrows]
    motion = engine_step(lambda: motion_from_arguments(
        source, regions, prompt=scene_prompt(scene.regions), hints=hints,
        motion_settings=scene.settings.motion_settings()), notes)
    if twin.exists():
        save_field(folder / MOTION_FILE, motion)
    return still, regions, union, motion


@dataclass
class ExportJob:
    """An export running in the background; the page polls its progress."""

    id: str
    kind: str
    folder: Path
    state: str = "running"
    progress: float = 0.0
    stage: str = "starting"
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    path: Path | None = None
    command: str = ""

    @property
    def filename(self) -> str:
        return f"cinemagraph{EXPORT_FORMATS[self.kind]}"

    def describe(self) -> dict:
        return {"id": self.id, "format": self.kind, "state": self.state,
                "progress": round(self.progress, 3), "stage": self.stage, "error": self.error,
                "notes": self.notes, "filename": self.filename, "command": self.command}


def _zip_folder(folder: Path, target: Path) -> None:
    with atomic_file(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        for item in sorted(folder.iterdir()):
            if item.suffix == ".png":
                archive.write(item, item.name)


def run_export(job: ExportJob, scene: Scene, picture: Path, twin: Path | None = None) -> None:
    """Render ``scene`` at full size into ``job.folder`` as the command line would (the
    motion from ``twin``, a generated picture's, when given)."""
    try:
        scene.check()
        project = job.folder / "project"
        job.stage = "writing the masks"
        mask_paths = write_project_files(project, scene, picture, work_masks=False, twin=twin)
        output = job.folder / job.filename
        job.command = command_line(picture.name, scene.regions, scene.arrows, scene.settings,
                                   job.filename, MOTION_FILE if twin is not None else None)
        job.stage = "computing the motion"
        still, _, union, motion = project_motion(project, scene, picture.name, mask_paths,
                                                 job.notes)
        job.progress = 0.05
        settings = scene.settings.animate_settings()
        job.stage = "rendering frames"

        job.stage = "rendering and encoding frames"
        loop = iter_frames(still, union, motion, settings)

        def stream() -> Iterator[np.ndarray]:  # one engine step per frame, streamed
            for done in range(1, settings.frames + 1):
                yield engine_step(lambda: next(loop), job.notes)
                job.progress = 0.05 + 0.9 * done / settings.frames

        if job.kind == "zip":
            write_outputs([f"{job.folder / 'frames'}/"], stream(), settings.fps,
                          count=settings.frames)
            job.stage = "packing the frames"
            _zip_folder(job.folder / "frames", output)
        else:
            write_outputs([output], stream(), settings.fps, count=settings.frames)
        job.path = output
        job.progress = 1.0
        job.stage = "done"
        job.state = "done"
    except CinemagraphError as exc:
        job.error, job.state = str(exc), "failed"
    except MemoryError:
        job.error, job.state = "not enough memory for this export: use fewer frames", "failed"
    except Exception as exc:  # a failed export is reported on the page; the server goes on
        job.error = f"internal error ({type(exc).__name__}: {exc})"
        job.state = "failed"
