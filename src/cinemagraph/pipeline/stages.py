"""The stages that the text and photo pipelines share, each cached in a run folder.

A stage is reused when the run folder records it under the same key and its files are
as it wrote them (:mod:`.runfolder`); otherwise it is computed, its files written
atomically, and then recorded.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..animate import AnimateSettings, animate, iter_frames
from ..io.images import load_field, save_field
from ..io.video import write_outputs
from ..motion import save_field_preview
from .runfolder import RUN_FILE, RunFolder

#: Video formats a run can write besides the default ``cinemagraph.mp4``.
FORMATS = {"mp4": "cinemagraph.mp4", "webm": "cinemagraph.webm", "gif": "cinemagraph.gif",
           "png": "cinemagraph.png", "webp": "cinemagraph.webp", "frames": "frames/"}

#: Files of the stages before animate, never removed as stale outputs.
STAGE_FILES = ("image.png", "twin.png", "attention.npz", "motion.npy", "motion.png", RUN_FILE)

Log = Callable[[str], None] | None


def say(log: Log, text: str) -> None:
    if log is not None:
        log(text)


def output_paths(run: RunFolder, formats: tuple[str, ...]) -> list[str]:
    """The run folder's video outputs for ``formats`` (``frames``: a folder path ending in
    the separator), each format once."""
    import os

    return [str(run.path / FORMATS[f]) if f != "frames" else f"{run.path / 'frames'}{os.sep}"
            for f in dict.fromkeys(formats)]


def reusable(run: RunFolder, stage: str, key: str, log: Log) -> bool:
    """Whether a stage's recorded result can be reused; says so when a file of it changed."""
    if run.is_done(stage, key):
        return True
    if run.stage_entry(stage).get("key") == key:
        changed = run.changed_files(stage)
        if changed:
            say(log, f"{stage}: {', '.join(changed)} changed since this run wrote "
                     f"{'it' if len(changed) == 1 else 'them'}; computing again")
    return False


def recorded_files(run: RunFolder, stage: str) -> list[str]:
    files = run.stage_entry(stage).get("files")
    return [name for name in files if isinstance(name, str)] if isinstance(files, dict) else []


def remove_outputs(run: RunFolder, names: set[str]) -> None:
    """Remove outputs an earlier run wrote that the current settings no longer ask for."""
    from ..io.video import FRAMES_MANIFEST, manifest_frames

    for name in sorted(names):
        path = run.file(name)
        if Path(name).name != name or name in STAGE_FILES:
            continue
        if path.is_dir():
            for frame in sorted(manifest_frames(path) or ()):
                with contextlib.suppress(OSError):
                    (path / frame).unlink()
            with contextlib.suppress(OSError):
                (path / FRAMES_MANIFEST).unlink()
            with contextlib.suppress(OSError):
                path.rmdir()
        elif path.is_file():
            with contextlib.suppress(OSError):
                path.unlink()


def motion_stage(run: RunFolder, key: str, shape: tuple[int, int], union: np.ndarray,
                 compute: Callable[[], np.ndarray], *, log: Log = None,
                 reused: list[str] | None = None) -> np.ndarray:
    """The motion field (``motion.npy`` + the preview ``motion.png``): reused, or
    ``compute()``-d and recorded."""
    if reusable(run, "motion", key, log):
        if reused is not None:
            reused.append("motion")
        say(log, "motion: reusing motion.npy from the run folder")
        return load_field(run.file("motion.npy"), shape)
    start = time.perf_counter()
    field = compute()
    save_field(run.file("motion.npy"), field)
    save_field_preview(run.file("motion.png"), field, union)
    run.mark_done("motion", key, ["motion.npy", "motion.png"], time.perf_counter() - start)
    say(log, "motion: motion.npy, motion.png")
    return field


def animate_stage(
    run: RunFolder,
    key: str,
    image: np.ndarray,
    union: np.ndarray,
    field: np.ndarray,
    settings: AnimateSettings,
    outputs: list[str],
    *,
    synthesis_net: Any = None,
    quality: int | None = None,
    output_width: int | None = None,
    regions: list[tuple[str | None, np.ndarray]] | None = None,
    return_frames: bool = True,
    progress: bool = False,
    log: Log = None,
    reused: list[str] | None = None,
) -> tuple[np.ndarray | None, list[Path]]:
    """The videos: reused when up to date (and no frames are asked for), else rendered and
    written — streamed from the renderer to the encoders unless the frames are returned or
    a synthesis model renders them. Outputs of earlier settings that these settings no
    longer ask for are removed. Returns the frames (or None) and the written paths."""
    if not return_frames and reusable(run, "animate", key, log):
        if reused is not None:
            reused.append("animate")
        say(log, "animate: the videos are up to date")
        return None, [Path(p) for p in outputs]
    start = time.perf_counter()
    frames = None
    if synthesis_net is not None:
        frames = synthesis_net.render(image, union, field, settings, progress=progress)
    elif return_frames:
        frames = animate(image, union, field, settings, progress=progress, regions=regions)
    stale = set(recorded_files(run, "animate"))
    source = frames if frames is not None else iter_frames(
        image, union, field, settings, progress=progress, regions=regions)
    written = write_outputs(outputs, source, settings.fps, progress=progress and frames is not None,
                            quality=quality, width=output_width,
                            **({} if frames is not None else {"count": settings.frames}))
    remove_outputs(run, stale - {p.name for p in written})
    run.mark_done("animate", key, [p.name for p in written], time.perf_counter() - start)
    say(log, "animate: " + ", ".join(str(p) for p in written))
    return frames, written
