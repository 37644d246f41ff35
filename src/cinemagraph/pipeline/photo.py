"""Photo → cinemagraph into a run folder: mask → motion → animate, each stage cached.

======  =======  ===========================================  ============================
stage   what     from                                         files
======  =======  ===========================================  ============================
3       mask     the user's masks, or the photo's attention   mask.png, mask-<fluid>.png
                 (DDIM inversion, needs model weights)
4       motion   the photo, the masks, the words and hints    motion.npy, motion.png
                 (or a field file, or a direction and speed)
5       animate  the photo, the masks, the motion             cinemagraph.mp4 …
======  =======  ===========================================  ============================

The same layout and cache as the text pipeline (:mod:`.text`), without its two
generation stages: ``run.json`` records the photo (path and SHA-256) and every stage's
key, so running a job again reuses what is done, and a changed photo or mask runs
again what depends on it. The frames are what ``cinemagraph animate`` makes of the same
inputs and settings.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..animate import AnimateSettings
from ..errors import CinemagraphError
from ..io.images import load_image, load_mask, warn_if_empty
from ..io.size import check_max_size, fit_max_size
from ..io.video import check_outputs, check_quality, check_width
from ..mask import MaskSettings, save_masks, union_mask
from ..mask.files import mask_file_name, read_mask
from ..motion import MotionSettings
from ..motion.hints import HintLike, check_hints
from .runfolder import RunFolder, check_inputs_outside, file_digest, seconds_of, stage_key
from .stages import FORMATS, animate_stage, motion_stage, output_paths, reusable, say


@dataclass(frozen=True)
class PhotoSettings:
    """Everything a photo run depends on besides the photo and its prompt.

    ``user_masks``: (name or None, path) pairs; none: the prompt's fluids are found by the
    diffusion ``model`` (``inversion_steps`` of DDIM inversion). Motion: ``field`` (a
    ``.npy`` path), or the words and ``hints`` with ``direction``/``speed`` overriding
    them, or a plain ``direction`` and ``speed`` without words. ``max_size``: shrink the
    photo's longer side to this many pixels first.
    """

    model: str = "CompVis/stable-diffusion-v1-4"
    device: str = "auto"
    inversion_steps: int = 50
    mask: MaskSettings = field(default_factory=MaskSettings)
    motion: MotionSettings = field(default_factory=MotionSettings)
    animate: AnimateSettings = field(default_factory=AnimateSettings)
    formats: tuple[str, ...] = ("mp4",)
    user_masks: tuple[tuple[str | None, str], ...] = ()
    soft_mask: bool = False
    hints: tuple[HintLike, ...] = ()
    direction: float | None = None
    speed: float | None = None
    field: str | None = None
    motion_model: str | None = None
    synthesis_model: str | None = None
    quality: int | None = None
    output_width: int | None = None
    max_size: int | None = None

    def __post_init__(self) -> None:
        check_quality(self.quality)
        check_width(self.output_width)
        check_max_size(self.max_size)
        if not 1 <= self.inversion_steps <= 1000:
            raise CinemagraphError(
                f"inversion steps must be between 1 and 1000, got {self.inversion_steps}")
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise CinemagraphError(
                f"unknown format {unknown[0]!r}: choose from {', '.join(FORMATS)}")


@dataclass
class PhotoResult:
    """What a photo run produced: the run folder, the masks, the field, the outputs."""

    folder: Path
    masks: dict[str, np.ndarray]
    field: np.ndarray
    frames: np.ndarray | None
    outputs: list[Path]
    timings: dict[str, float]
    reused: list[str]


def _asdict(settings: Any) -> Any:
    return dataclasses.asdict(settings) if dataclasses.is_dataclass(settings) else settings


def _hint_values(hints: tuple[HintLike, ...]) -> list[list[float]]:
    return [[float(v) for v in (h if isinstance(h, (list, tuple)) else
                                (h.x, h.y, h.dx, h.dy))] for h in hints]


def photo_shape(image: str | os.PathLike[str], max_size: int | None) -> tuple[int, int]:
    """The (H, W) a photo is animated at (EXIF orientation applied, shrunk to
    ``max_size``); the photo is decoded, so a corrupt or truncated file fails here."""
    return fit_max_size(load_image(image), max_size).shape[:2]


def check_photo_job(image: str | os.PathLike[str], prompt: str, settings: PhotoSettings,
                    shape: tuple[int, int] | None = None) -> tuple[int, int]:
    """Check a photo job without running it (no model, no rendering): the photo, the
    masks, the field and the hints exist and fit, the motion is said. ``shape``: the
    (H, W) the photo is animated at, when it is already loaded. Returns (H, W)."""
    from ..mask.segmenter import named_fluids
    from ..motion.words import parse_motion

    shape = shape or photo_shape(image, settings.max_size)
    for _, path in settings.user_masks:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read_mask(path, shape, soft=settings.soft_mask)
    if settings.field is not None:
        from ..io.images import load_field

        load_field(settings.field, shape)
        if settings.direction is not None or settings.speed is not None or settings.hints:
            raise CinemagraphError("a motion field was given: leave out direction, speed "
                                   "and hints")
    check_hints(settings.hints, shape)
    if not settings.user_masks:  # the prompt's fluids are found in the photo
        if not prompt:
            raise CinemagraphError("say which pixels may move: give a mask, or a prompt "
                                   "that names the fluid")
        named_fluids(parse_motion(prompt))
    elif (settings.field is None and settings.motion_model is None and not prompt
          and not settings.hints and (settings.direction is None or settings.speed is None)):
        raise CinemagraphError("no motion given: a prompt, hints, a motion field, or a "
                               "direction with a speed")
    for path in (settings.motion_model, settings.synthesis_model):
        if path is not None:
            from ..io.images import check_input_file

            check_input_file(path, "model checkpoint")
    return shape


def animate_photo(
    image: str | os.PathLike[str],
    folder: str | os.PathLike[str],
    prompt: str = "",
    settings: PhotoSettings | None = None,
    *,
    pipe: Any = None,
    load_pipe: Callable[[], Any] | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    return_frames: bool = False,
) -> PhotoResult:
    """Animate the photo at ``image`` into the run folder ``folder`` (see the module).

    ``pipe``: a loaded SD 1.x pipeline for finding masks from the prompt; otherwise
    ``load_pipe()`` (default :func:`cinemagraph.diffusion.models.load_pipeline` with
    ``settings.model``) is called only when the mask stage must run without user masks.
    """
    from ..api import load_learned_models, motion_from_arguments

    settings = settings or PhotoSettings()
    prompt = prompt or ""
    run = RunFolder(Path(folder))
    outputs = output_paths(run, settings.formats)
    inputs = [Path(image), *(Path(p) for _, p in settings.user_masks),
              *(Path(p) for p in (settings.field, settings.motion_model,
                                  settings.synthesis_model) if p)]
    check_inputs_outside(run.path, inputs)
    check_outputs(outputs, inputs)
    run.check_belongs_to(prompt)
    still = fit_max_size(load_image(image), settings.max_size)
    shape = still.shape[:2]
    check_photo_job(image, prompt, settings, shape)
    motion_net, synthesis_net = load_learned_models(
        settings.motion_model, settings.synthesis_model, settings.device)
    image_key = {"image": file_digest(image), "max_size": settings.max_size}
    timings: dict[str, float] = {}
    reused: list[str] = []

    # Stage 3 — the masks: the user's, or the fluids the prompt names, from attention.
    user = [(name, Path(path)) for name, path in settings.user_masks]
    key_mask = stage_key("mask", {
        **image_key, "read": "soft" if settings.soft_mask else "binary",
        "user": [(name, file_digest(path)) for name, path in user],
        **({} if user else {"prompt": prompt, "model": settings.model,
                            "steps": settings.inversion_steps,
                            "mask": _asdict(settings.mask)}),
    })
    previous = run.stage_entry("mask").get("masks")
    previous = previous if isinstance(previous, list) and all(
        isinstance(item, list) and len(item) == 3 for item in previous) else []
    if reusable(run, "mask", key_mask, log) and previous:
        reused.append("mask")
        say(log, "mask: reusing the masks from the run folder")
        regions = [(given, load_mask(run.file(file), shape)) for given, _, file in previous]
        names = [name for _, name, _ in previous]
    else:
        start = time.perf_counter()
        if user:
            regions = [(name, read_mask(path, shape, soft=settings.soft_mask))
                       for name, path in user]
        else:
            from ..diffusion.models import load_pipeline
            from .image import masks_by_inversion

            found = masks_by_inversion(
                still, prompt, pipe=pipe,
                load_pipe=load_pipe or (lambda: load_pipeline(settings.model, settings.device)),
                steps=settings.inversion_steps, settings=settings.mask, progress=progress)
            regions = [(name, mask) for name, mask in found]
        names = _file_names(regions, prompt)
        paths = save_masks(run.path, dict(zip(names, (m for _, m in regions), strict=True)))
        run.mark_done("mask", key_mask, [p.name for p in paths], time.perf_counter() - start,
                      masks=[[given, name, mask_file_name(name)]
                             for (given, _), name in zip(regions, names, strict=True)],
                      source="user" if user else "attention")
        say(log, f"mask: {', '.join(names)} ({'your masks' if user else 'from attention'})")
    run.update(prompt=prompt, image=str(image), image_sha256=image_key["image"])
    timings["mask"] = seconds_of(run.stage_entry("mask"))
    union = union_mask(dict(zip(names, (m for _, m in regions), strict=True)))
    warn_if_empty(union)

    # Stage 4 — the motion.
    key_motion = stage_key("motion", {
        "prompt": prompt, "motion": _asdict(settings.motion),
        "hints": _hint_values(settings.hints), "direction": settings.direction,
        "speed": settings.speed,
        "field": file_digest(settings.field) if settings.field else None,
        "model": file_digest(settings.motion_model) if settings.motion_model else None,
    }, key_mask)

    def compute_motion() -> np.ndarray:
        if motion_net is not None:
            return motion_net.predict(still, union, prompt, list(settings.hints))
        return motion_from_arguments(
            still, regions, settings.field, prompt=prompt or None,
            hints=list(settings.hints), direction=settings.direction, speed=settings.speed,
            motion_settings=settings.motion)

    field_ = motion_stage(run, key_motion, shape, union, compute_motion, log=log,
                          reused=reused)
    timings["motion"] = seconds_of(run.stage_entry("motion"))

    # Stage 5 — animate the photo.
    key_animate = stage_key("animate", {
        **image_key, "animate": _asdict(settings.animate),
        "formats": sorted(set(settings.formats)),
        "model": file_digest(settings.synthesis_model) if settings.synthesis_model else None,
        "quality": settings.quality, "output_width": settings.output_width,
    }, key_motion)
    frames, written = animate_stage(
        run, key_animate, still, union, field_, settings.animate, outputs,
        synthesis_net=synthesis_net, quality=settings.quality,
        output_width=settings.output_width, regions=regions, return_frames=return_frames,
        progress=progress, log=log, reused=reused)
    timings["animate"] = seconds_of(run.stage_entry("animate"))
    run.update(timings=timings)
    masks = dict(zip(names, (m for _, m in regions), strict=True))
    return PhotoResult(run.path, masks, field_, frames, written, timings, reused)


def _file_names(regions: list[tuple[str | None, np.ndarray]], prompt: str) -> list[str]:
    """A name per region for its mask file: its own, else the prompt's fluid at its place
    (as :class:`~cinemagraph.mask.segmenter.UserMasks` names them)."""
    from ..mask.segmenter import UserMasks
    from ..motion.words import parse_motion

    blank = np.zeros((*regions[0][1].shape, 3), np.float32)
    return list(UserMasks(regions)(blank, parse_motion(prompt)))
