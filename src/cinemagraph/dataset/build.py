"""Building a dataset folder from a folder of clips, resumably (layout: package docstring)."""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from tqdm.auto import tqdm

from ..errors import CinemagraphError
from ..io.atomic import atomic_folder, check_writable, ensure_writable_parent
from ..io.images import save_field, save_image
from ..io.video import write_video
from ..motion.visualize import save_field_preview
from .captions import Captioner, clip_caption
from .clips import ClipSource, find_clips, read_clip
from .flow import (
    FLOW_ESTIMATORS,
    MASK_RATIO,
    FlowEstimator,
    eulerian_motion,
    flow_estimator,
    motion_mask as published_mask,
)
from .layout import (
    CAPTION_NAME,
    FRAMES_FOLDER_NAME,
    FRAMES_VIDEO_NAME,
    IMAGE_NAME,
    MASK_NAME,
    META_NAME,
    MOTION_NAME,
    PREVIEW_NAME,
    clip_folder,
    clip_id,
    read_meta,
    write_index,
    write_json,
)

#: The index is rewritten after this many newly built clips (and at the end).
INDEX_EVERY = 50


@dataclass(frozen=True)
class DatasetSettings:
    """How clips become training data.

    ``max_size``: longer side of the stored frames, motion and mask (px). ``max_frames``:
    frames read from the start of each clip (0 = all). ``flow``: the optical flow
    estimator (one of :data:`~.flow.FLOW_ESTIMATORS`). ``mask_ratio``: the motion-mask
    rule's ratio. ``frames_format``: ``"mp4"`` or ``"png"`` (a folder of frames).
    """

    max_size: int = 512
    max_frames: int = 60
    flow: str = "dis-medium"
    mask_ratio: float = MASK_RATIO
    frames_format: str = "mp4"

    def __post_init__(self) -> None:
        if self.max_size < 8:
            raise CinemagraphError(f"max size must be at least 8 px, got {self.max_size}")
        if self.max_frames < 0 or self.max_frames == 1:
            raise CinemagraphError(f"max frames must be 0 (all) or ≥ 2, got {self.max_frames}")
        if self.flow not in FLOW_ESTIMATORS:
            raise CinemagraphError(
                f"unknown flow estimator {self.flow!r}: use one of {', '.join(FLOW_ESTIMATORS)}")
        if not self.mask_ratio > 0:
            raise CinemagraphError(f"mask ratio must be positive, got {self.mask_ratio}")
        if self.frames_format not in ("mp4", "png"):
            raise CinemagraphError(
                f"frames format must be mp4 or png, got {self.frames_format!r}")


@dataclass
class BuildReport:
    """What a build did: clip ids built now, ids already done, and (relative path, reason)
    of the clips skipped as unreadable or unusable."""

    built: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    total: int = 0


def _source_stamp(source: ClipSource) -> dict:
    paths = [source.path] if source.kind == "video" else sorted(source.path.iterdir())
    stats = [p.stat() for p in paths if p.is_file()]
    return {"bytes": sum(s.st_size for s in stats),
            "mtime_ns": max((s.st_mtime_ns for s in stats), default=0)}


def _is_done(folder: Path, source: ClipSource, settings: DatasetSettings, estimator_name: str
             ) -> bool:
    meta = read_meta(folder)
    return (meta is not None and meta.get("source") == source.relative
            and meta.get("source_stamp") == _source_stamp(source)
            and meta.get("settings") == asdict(settings) and meta.get("flow") == estimator_name)


def _build_clip(source: ClipSource, folder: Path, settings: DatasetSettings,
                estimator: FlowEstimator, captioner: Captioner | None) -> None:
    clip = read_clip(source, settings.max_frames, settings.max_size)
    if len(clip.frames) < 2:
        raise CinemagraphError(f"it has {len(clip.frames)} frame(s); at least 2 are needed")
    motion = eulerian_motion(clip.frames, estimator)
    mask = published_mask(motion, settings.mask_ratio)
    if not mask.any():
        raise CinemagraphError("no motion was found in it")
    caption, origin = clip_caption(source, clip.frames[0], captioner)
    n, h, w = clip.frames.shape[:3]
    meta = {
        "source": source.relative, "source_stamp": _source_stamp(source), "caption": caption,
        "caption_origin": origin, "height": h, "width": w, "frames": n, "fps": clip.fps,
        "frames_format": settings.frames_format, "flow": estimator.name,
        "mean_speed": float(np.linalg.norm(motion, axis=-1)[mask > 0].mean()),
        "settings": asdict(settings),
    }
    if folder.exists():  # a stale build of a changed clip: replaced as a whole
        shutil.rmtree(folder)
    with atomic_folder(folder) as tmp:
        save_image(tmp / IMAGE_NAME, clip.frames[0])
        save_field(tmp / MOTION_NAME, motion)
        save_image(tmp / MASK_NAME, (mask * 255).astype(np.uint8))
        save_field_preview(tmp / PREVIEW_NAME, motion, mask)
        (tmp / CAPTION_NAME).write_text(caption + "\n", encoding="utf-8")
        if settings.frames_format == "png":
            write_video(str(tmp / FRAMES_FOLDER_NAME) + os.sep, clip.frames, clip.fps)
        else:
            write_video(tmp / FRAMES_VIDEO_NAME, clip.frames, clip.fps)
        write_json(tmp / META_NAME, meta)


def build_dataset(
    videos_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str],
    settings: DatasetSettings | None = None,
    *,
    estimator: FlowEstimator | None = None,
    captioner: Captioner | None = None,
    progress: bool = False,
) -> BuildReport:
    """Turn every clip under ``videos_dir`` into an entry of ``data_dir``; return a report.

    Clips already built with the same source and settings are skipped; unreadable or
    motionless clips are skipped with a warning. ``estimator`` replaces the optical flow
    named by ``settings.flow``; ``captioner`` captions clips without a sidecar ``.txt``.
    ``index.json`` is rewritten at the end (and every :data:`INDEX_EVERY` clips).
    """
    settings = settings or DatasetSettings()
    estimator = estimator or flow_estimator(settings.flow)
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise CinemagraphError(f"cannot write the dataset to {data_dir}: it is a file")
    check_writable(data_dir / "index.json")
    sources = find_clips(videos_dir, exclude=data_dir)  # before the output folder exists
    if not sources:
        raise CinemagraphError(f"no clips found in {videos_dir} (videos or folders of frames)")
    ensure_writable_parent(data_dir / "index.json")
    report = BuildReport(total=len(sources))
    bar = tqdm(sources, desc="dataset", unit="clip", disable=not progress)
    try:
        for source in bar:
            identifier = clip_id(source.relative)
            folder = clip_folder(data_dir, identifier)
            if _is_done(folder, source, settings, estimator.name):
                report.done.append(identifier)
                continue
            try:
                _build_clip(source, folder, settings, estimator, captioner)
            except (CinemagraphError, OSError, ValueError, cv2.error) as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                report.skipped.append((source.relative, reason))
                warnings.warn(f"skipping {source.relative}: {reason}", stacklevel=2)
            else:
                report.built.append(identifier)
                if len(report.built) % INDEX_EVERY == 0:
                    write_index(data_dir)
            bar.set_postfix(built=len(report.built), done=len(report.done),
                            skipped=len(report.skipped))
    except BaseException:
        if data_dir.is_dir():  # keep the index in step with the clips finished so far
            with contextlib.suppress(CinemagraphError, OSError):
                write_index(data_dir)
        raise
    if data_dir.is_dir():
        write_index(data_dir)
    return report
