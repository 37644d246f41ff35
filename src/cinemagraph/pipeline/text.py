"""Text → cinemagraph: generate → twin → mask → motion → animate, into one run folder.

======  ===============  ==========================================  ====================
stage   what             from                                        files
======  ===============  ==========================================  ====================
1 + 2   generate + twin  prompt, model, sampling and twin settings    image.png, twin.png,
                                                                     attention.npz
3       mask             stage 1's attention (or the user's masks)   mask.png,
                                                                     mask-<fluid>.png
4       motion           the twin, the masks, the prompt's words     motion.npy,
                                                                     motion.png
5       animate          the artistic image, the masks, the motion   cinemagraph.mp4 …
======  ===============  ==========================================  ====================

The motion is computed on the natural-looking twin (as the published method does) and
animates the artistic image. Each stage is cached in the run folder (:mod:`.runfolder`):
re-running the same command after a crash, or with only later settings changed, reuses
the finished stages; the model is loaded only when stage 1 has to run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..animate import AnimateSettings
from ..errors import CinemagraphError
from ..io.images import load_image, load_mask
from ..io.video import check_outputs, check_quality, check_width
from ..mask import MaskSettings, choose_segmenter, save_masks, union_mask
from ..mask.files import mask_file_name, read_mask
from ..mask.segmenter import named_fluids
from ..motion import MotionSettings, scene_motion_field
from ..motion.hints import HintLike, check_hints
from ..motion.vocabulary import NEUTRAL
from ..motion.words import parse_motion
from .runfolder import RunFolder, check_inputs_outside, file_digest, seconds_of, stage_key
from .stages import (
    FORMATS,
    animate_stage,
    motion_stage,
    output_paths,
    reusable,
    say,
)


@dataclass(frozen=True)
class TextSettings:
    """Everything a text-to-cinemagraph run depends on (each stage reads its part).

    ``motion_model`` / ``synthesis_model``: checkpoint paths of learned models (``cinemagraph
    train-motion`` / ``train-synthesis``) that replace the weight-free motion prior / RGB
    splatting.
    """

    model: str = "CompVis/stable-diffusion-v1-4"
    device: str = "auto"
    generation: Any = None  # GenerationSettings (imported lazily: diffusers is heavy)
    twin: Any = None  # TwinSettings
    mask: MaskSettings = field(default_factory=MaskSettings)
    motion: MotionSettings = field(default_factory=MotionSettings)
    animate: AnimateSettings = field(default_factory=AnimateSettings)
    formats: tuple[str, ...] = ("mp4",)
    user_masks: tuple[tuple[str | None, str], ...] = ()
    hints: tuple[HintLike, ...] = ()
    motion_model: str | None = None
    synthesis_model: str | None = None
    soft_mask: bool = False  # keep the greys of user_masks as weights (default: binary)
    quality: int | None = None  # CRF of the mp4/webm (None: 18 / 30)
    output_width: int | None = None  # width of the videos (None: the image's)

    def __post_init__(self) -> None:
        from ..diffusion.generate import GenerationSettings
        from ..diffusion.twin import TwinSettings

        if self.generation is None:
            object.__setattr__(self, "generation", GenerationSettings())
        if self.twin is None:
            object.__setattr__(self, "twin", TwinSettings())
        check_quality(self.quality)
        check_width(self.output_width)
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise CinemagraphError(
                f"unknown format {unknown[0]!r}: choose from {', '.join(FORMATS)}")


@dataclass
class TextResult:
    """What a run produced: the run folder, its files, the frames and per-stage timings."""

    folder: Path
    image: np.ndarray
    twin: np.ndarray
    masks: dict[str, np.ndarray]
    field: np.ndarray
    frames: np.ndarray | None
    outputs: list[Path]
    timings: dict[str, float]
    reused: list[str]


def prompt_slug(prompt: str, limit: int = 48) -> str:
    """A folder-friendly name for a prompt: lower-case words joined by ``-``."""
    words = re.findall(r"[a-z0-9]+", prompt.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or "cinemagraph"


def prompt_hash(prompt: str) -> str:
    """Eight hex digits of the SHA-256 of the whole prompt."""
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:8]


def default_run_folder(prompt: str, seed: int) -> Path:
    """``runs/<prompt-slug>-<hash>-s<seed>``: the same command finds the same folder again,
    and two prompts never share one (the hash is of the whole prompt, so prompts that
    differ only after the slug's 48 characters, or only in non-ASCII words, differ)."""
    return Path("runs") / f"{prompt_slug(prompt)}-{prompt_hash(prompt)}-s{seed}"


def _asdict(settings: Any) -> Any:
    return dataclasses.asdict(settings) if dataclasses.is_dataclass(settings) else settings


def check_text_inputs(prompt: str, settings: TextSettings) -> tuple[list[Any], list[Any]]:
    """Check, before any work, what a text run is given besides its prompt: the hints and
    the user's masks fit the image, and without masks the prompt names a fluid. Returns
    the checked hints and the prompt's fluids."""
    gen = settings.generation
    hints = check_hints(settings.hints, (gen.height, gen.width))
    fluids = parse_motion(prompt)
    if settings.user_masks:
        for _, path in settings.user_masks:  # they exist and fit the image
            read_mask(path, (gen.height, gen.width), soft=settings.soft_mask)
        if not any(spec.kind is not NEUTRAL for spec in fluids):
            warnings.warn("the prompt names no fluid: your masks move with a slow neutral "
                          "drift (name the fluid, or steer it with --direction and --speed)",
                          stacklevel=3)
    else:
        named_fluids(fluids)
    return hints, fluids


def make_cinemagraph(
    prompt: str,
    folder: str | os.PathLike[str] | None = None,
    settings: TextSettings | None = None,
    *,
    pipe: Any = None,
    load_pipe: Callable[[], Any] | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    return_frames: bool = True,
) -> TextResult:
    """Run every stage for ``prompt`` into ``folder`` (default :func:`default_run_folder`).

    ``pipe``: a loaded :class:`diffusers.StableDiffusionPipeline` to use; otherwise
    ``load_pipe()`` (default: :func:`cinemagraph.diffusion.models.load_pipeline` with
    ``settings.model``/``settings.device``) is called only if stage 1 must run. ``log``
    receives one line per stage. Returns a :class:`TextResult`.
    """
    settings = settings or TextSettings()
    if not prompt or not prompt.strip():
        raise CinemagraphError("the prompt is empty: say what the picture should show")
    gen = settings.generation
    gen.validate()
    settings.twin.validate()
    run = RunFolder(Path(folder) if folder is not None else default_run_folder(prompt, gen.seed))
    outputs = output_paths(run, settings.formats)
    user_masks = [(name, Path(path)) for name, path in settings.user_masks]
    models = [Path(p) for p in (settings.motion_model, settings.synthesis_model) if p]
    check_inputs_outside(run.path, [path for _, path in user_masks] + models)
    check_outputs(outputs, [path for _, path in user_masks] + models)
    run.check_belongs_to(prompt)
    hints, fluids = check_text_inputs(prompt, settings)
    from ..api import load_learned_models  # before any other work: a bad checkpoint fails now

    motion_net, synthesis_net = load_learned_models(
        settings.motion_model or None, settings.synthesis_model or None, settings.device)
    timings: dict[str, float] = {}
    reused: list[str] = []

    # Stages 1 + 2 — generate the artistic image and its twin, with attention statistics.
    key_generate = stage_key("generate", {
        "prompt": prompt, "model": settings.model, "generation": _asdict(gen),
        "twin": _asdict(settings.twin),
    })
    files_generate = ["image.png", "twin.png", "attention.npz"]
    if reusable(run, "generate", key_generate, log):
        reused.append("generate")
        say(log, "generate: reusing image.png, twin.png from the run folder")
    else:
        say(log, f"generate: {gen.steps} DDIM steps for the image and its twin")
        from ..diffusion.generate import generate
        from ..diffusion.run import save_generation

        start = time.perf_counter()
        if pipe is None:
            if load_pipe is None:
                from ..diffusion.models import load_pipeline

                pipe = load_pipeline(settings.model, settings.device)
            else:
                pipe = load_pipe()
        result = generate(pipe, prompt, gen, settings.twin, progress=progress)
        device = f"{pipe.unet.device.type} ({str(pipe.unet.dtype).removeprefix('torch.')})"
        save_generation(result, run.path, settings.model, device)
        run.mark_done("generate", key_generate, files_generate, time.perf_counter() - start,
                      twin_prompt=result.twin_prompt)
    run.update(prompt=prompt, seed=gen.seed)  # once there is a run: a failed load writes nothing
    timings["generate"] = seconds_of(run.stage_entry("generate"))
    image = load_image(run.file("image.png"))
    twin = load_image(run.file("twin.png"))

    # Stage 3 — the masks: the user's (they always win) or from attention.
    key_mask = stage_key("mask", {
        "mask": _asdict(settings.mask),
        "user": [(name, file_digest(path)) for name, path in user_masks],
        **({"read": "soft" if settings.soft_mask else "binary"} if user_masks else {}),
    }, key_generate)
    previous = run.stage_entry("mask").get("masks")
    previous = previous if isinstance(previous, dict) and all(
        isinstance(v, str) for v in previous.values()) else {}
    if reusable(run, "mask", key_mask, log) and previous:
        reused.append("mask")
        say(log, "mask: reusing the masks from the run folder")
        masks = {name: load_mask(run.file(file), image.shape[:2])
                 for name, file in previous.items()}
    else:
        start = time.perf_counter()
        stats = None
        if not user_masks:
            from ..diffusion.attention_stats import AttentionStatistics

            stats = AttentionStatistics.load(run.file("attention.npz"))
        with warnings.catch_warnings():  # the check before any work has said it once
            warnings.simplefilter("ignore")
            regions = [(name, read_mask(path, image.shape[:2], soft=settings.soft_mask))
                       for name, path in user_masks]
        segmenter = choose_segmenter(regions or None, stats, settings.mask)
        masks = segmenter(image, fluids)
        paths = save_masks(run.path, masks)
        names = {name: mask_file_name(name) for name in masks}
        run.mark_done("mask", key_mask, [p.name for p in paths], time.perf_counter() - start,
                      masks=names, source="user" if user_masks else "attention")
        masks = {name: load_mask(run.file(file), image.shape[:2])
                 for name, file in names.items()}
        say(log, f"mask: {', '.join(masks)} ({'your masks' if user_masks else 'from attention'})")
    timings["mask"] = seconds_of(run.stage_entry("mask"))
    union = union_mask(masks)

    # Stage 4 — the motion, computed on the natural twin.
    key_motion = stage_key("motion", {
        "motion": _asdict(settings.motion), "hints": [(h.x, h.y, h.dx, h.dy) for h in hints],
        "model": file_digest(settings.motion_model) if settings.motion_model else None,
    }, key_mask)
    def compute_motion() -> np.ndarray:
        if motion_net is not None:
            if pipe is not None:
                from ..learned import TextEncoder

                motion_net.attach_text_encoder(TextEncoder.from_pipeline(pipe))
            return motion_net.predict(twin, union, prompt, hints)
        return scene_motion_field(twin, list(masks.items()), prompt, hints, settings.motion)

    field_ = motion_stage(run, key_motion, image.shape[:2], union, compute_motion, log=log,
                          reused=reused)
    timings["motion"] = seconds_of(run.stage_entry("motion"))

    # Stage 5 — animate the artistic image.
    key_animate = stage_key("animate", {
        "animate": _asdict(settings.animate), "formats": sorted(set(settings.formats)),
        "model": file_digest(settings.synthesis_model) if settings.synthesis_model else None,
        **{name: value for name, value in (("quality", settings.quality),
                                           ("output_width", settings.output_width))
           if value is not None},
    }, key_motion)
    frames, written = animate_stage(
        run, key_animate, image, union, field_, settings.animate, outputs,
        synthesis_net=synthesis_net, quality=settings.quality,
        output_width=settings.output_width, return_frames=return_frames, progress=progress,
        log=log, reused=reused)
    timings["animate"] = seconds_of(run.stage_entry("animate"))

    run.update(prompt=prompt, seed=gen.seed, timings=timings)
    return TextResult(run.path, image, twin, masks, field_, frames, written, timings, reused)

