"""A job's settings as the one-job pipelines take them, and the checks made before any
model is loaded."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CinemagraphError
from ..pipeline.runfolder import RUN_FILE, RunFolder, file_digest, stage_key
from .jobs import Job, quietly, run_folder_name


@dataclass(frozen=True)
class BatchOptions:
    """What every worker of a batch shares and loads once."""

    model: str = "CompVis/stable-diffusion-v1-4"
    device: str = "auto"
    motion_model: str | None = None
    synthesis_model: str | None = None


def _masks(job: Job) -> tuple[tuple[str | None, str], ...]:
    pairs = []
    for text in job.settings.get("masks", []):
        fluid, path = text.split("=", 1) if "=" in text and not os.path.isabs(text) \
            else ("", text)
        pairs.append((fluid or None, path))
    return tuple(pairs)


def _hints(job: Job) -> tuple[Any, ...]:
    from ..motion.hints import parse_hint

    hints = []
    for hint in job.settings.get("hints", []):
        if isinstance(hint, (list, tuple)):
            hints.append(parse_hint(",".join(str(v) for v in hint)))
        else:
            hints.append(parse_hint(str(hint)))
    return tuple(hints)


def _formats(job: Job) -> tuple[str, ...]:
    formats = [str(f).lower().lstrip(".") for f in job.settings.get("formats", ["mp4"])]
    return tuple(dict.fromkeys(formats)) or ("mp4",)


def _animate(job: Job, options: BatchOptions) -> Any:
    from ..animate.settings import AnimateSettings
    from ..limits import check_loop_settings

    s = job.settings
    frames, fps, speed_scale = s.get("frames", 60), s.get("fps", 30.0), s.get("speed_scale", 1.0)
    check_loop_settings(frames, fps, speed_scale)
    return AnimateSettings(
        frames=frames, fps=fps, speed=speed_scale, max_speed=s.get("max_speed"),
        feather=s.get("feather", 2.0), importance=s.get("importance", "uniform"),
        blend=s.get("blend", "contrast"), sharpness=s.get("sharpness", 0.4),
        crossfade=s.get("crossfade", 2.0), device=options.device, seed=s.get("seed", 0))


def _mask_settings(job: Job) -> Any:
    from ..mask.settings import MaskSettings

    s = job.settings
    return MaskSettings(method=s.get("mask_method", "kmeans"), clusters=s.get("clusters"),
                        overlap=s.get("mask_overlap", 0.7),
                        text_threshold=s.get("mask_threshold", 0.4),
                        erode_px=s.get("erode", 0), seed=s.get("seed", 0))


def text_settings(job: Job, options: BatchOptions) -> Any:
    """The :class:`~cinemagraph.pipeline.TextSettings` of a text job."""
    from ..cli.generate import parse_size
    from ..diffusion.generate import GenerationSettings
    from ..diffusion.twin import TwinSettings
    from ..motion.field import MotionSettings
    from ..pipeline.text import TextSettings

    s = job.settings
    for name in ("motion", "max_size", "inversion_steps"):
        if name in s:
            raise CinemagraphError(f"{name!r} is a setting of photo jobs; this job has no image")
    width, height = parse_size(str(s.get("size", "512")))
    seed = s.get("seed", 0)
    return TextSettings(
        model=options.model, device=options.device,
        generation=GenerationSettings(steps=s.get("steps", 50), guidance=s.get("guidance", 7.5),
                                      seed=seed, width=width, height=height,
                                      negative_prompt=s.get("negative_prompt", "")),
        twin=TwinSettings(prompt=s.get("twin_prompt"),
                          feature_fraction=s.get("feature_injection", 0.8),
                          attention_fraction=s.get("attention_injection", 0.5),
                          artistic_negative=s.get("twin_negative", False)),
        mask=_mask_settings(job),
        motion=MotionSettings(seed=seed, direction_deg=s.get("direction"), speed=s.get("speed"),
                              turbulence_scale=s.get("turbulence", 1.0)),
        animate=_animate(job, options), formats=_formats(job), user_masks=_masks(job),
        soft_mask=s.get("soft_mask", False), hints=_hints(job),
        motion_model=options.motion_model, synthesis_model=options.synthesis_model,
        quality=s.get("quality"), output_width=s.get("output_width"))


def photo_settings(job: Job, options: BatchOptions) -> Any:
    """The :class:`~cinemagraph.pipeline.photo.PhotoSettings` of a photo job."""
    from ..motion.field import MotionSettings
    from ..pipeline.photo import PhotoSettings

    s = job.settings
    for name in ("steps", "guidance", "size", "negative_prompt", "twin_prompt",
                 "feature_injection", "attention_injection", "twin_negative"):
        if name in s:
            raise CinemagraphError(f"{name!r} is a setting of text jobs; a photo job is not "
                                   "generated")
    return PhotoSettings(
        model=options.model, device=options.device,
        inversion_steps=s.get("inversion_steps", 50), mask=_mask_settings(job),
        motion=MotionSettings(seed=s.get("seed", 0), turbulence_scale=s.get("turbulence", 1.0)),
        animate=_animate(job, options), formats=_formats(job), user_masks=_masks(job),
        soft_mask=s.get("soft_mask", False), hints=_hints(job), direction=s.get("direction"),
        speed=s.get("speed"), field=s.get("motion"), motion_model=options.motion_model,
        synthesis_model=options.synthesis_model, quality=s.get("quality"),
        output_width=s.get("output_width"), max_size=s.get("max_size"))


def job_settings(job: Job, options: BatchOptions) -> Any:
    return photo_settings(job, options) if job.kind == "photo" else text_settings(job, options)


def _check_text(job: Job, settings: Any) -> list[str]:
    from ..pipeline.text import check_text_inputs

    prompt = str(job.settings.get("prompt", "")).strip()
    if not prompt:
        raise CinemagraphError("the job has neither a prompt nor an image")
    gen = settings.generation
    gen.validate()
    settings.twin.validate()
    _check_memory(settings, (gen.height, gen.width))
    quietly(check_text_inputs, prompt, settings)
    return [path for _, path in settings.user_masks]


def _check_memory(settings: Any, shape: tuple[int, int]) -> None:
    """The job's loop fits in the memory available now (its frames stream to the files
    unless a synthesis model renders them)."""
    from ..limits import check_loop_memory

    check_loop_memory(settings.animate.frames, *shape, streamed_to=None
                      if settings.synthesis_model else [f"x.{f}" for f in settings.formats])


def _check_photo(job: Job, settings: Any) -> list[str]:
    from ..pipeline.photo import check_photo_job

    shape = quietly(check_photo_job, job.settings["image"], job.settings.get("prompt", ""),
                    settings)
    _check_memory(settings, shape)
    return [job.settings["image"], *(path for _, path in settings.user_masks),
            *([settings.field] if settings.field else [])]


def check_job(job: Job, options: BatchOptions) -> None:
    """Check ``job`` as far as can be done without a model: its settings, its files, its
    words; fill in its run folder name, inputs and key. Sets ``job.error`` (and returns)
    when the job cannot run."""
    if job.error is not None:
        return
    try:
        settings = job_settings(job, options)
        job.inputs = (_check_photo if job.kind == "photo" else _check_text)(job, settings)
        job.name = run_folder_name(job.settings)
        used = dict(options.__dict__)
        if not job.needs_model:
            del used["model"]
        job.key = stage_key("job", {
            "settings": job.settings, "options": used,
            "inputs": {path: file_digest(path) for path in job.inputs},
        })
    except CinemagraphError as exc:
        job.error = str(exc)


def is_complete(job: Job, out_dir: Path) -> bool:
    """Whether the job's run folder holds its finished run: ``run.json`` records the job
    under the same key, and every output is still the file it wrote."""
    folder = out_dir / job.name
    if not (folder / RUN_FILE).is_file():
        return False
    try:
        return RunFolder(folder).is_done("job", job.key)
    except CinemagraphError:
        return False
