"""The Python API: the same jobs as the command line, returning the data contract's types.

>>> from cinemagraph import animate_image, AnimateSettings
>>> frames = animate_image("photo.jpg", "water.png", prompt="waterfall",
...                        settings=AnimateSettings(frames=60), outputs=["loop.mp4"])
>>> frames.shape            # uint8 N×H×W×3
(60, 512, 768, 3)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .animate import AnimateSettings, animate, iter_frames
from .contract import check_field, check_image, check_mask
from .errors import CinemagraphError
from .io.images import load_field, load_image, warn_if_empty
from .io.video import check_outputs, write_outputs
from .mask import MaskSettings
from .mask.files import read_mask
from .motion import MotionSettings, scene_motion_field, uniform_field
from .motion.hints import HintLike

PathOrArray = str | os.PathLike[str] | np.ndarray


def _image(image: PathOrArray) -> np.ndarray:
    if isinstance(image, np.ndarray):
        return check_image(image)
    return load_image(image)


Regions = (
    PathOrArray
    | Mapping[str, PathOrArray]
    | Sequence[PathOrArray | tuple[str | None, PathOrArray]]
)


def input_paths(*items: Any) -> list[str | os.PathLike[str]]:
    """The file paths among a job's inputs (paths, arrays, mappings or sequences of them)."""
    found: list[str | os.PathLike[str]] = []
    for item in items:
        if isinstance(item, (str, os.PathLike)):
            found.append(item)
        elif isinstance(item, Mapping):
            found += input_paths(*item.values())
        elif isinstance(item, (list, tuple)):
            found += input_paths(*item)
    return found


def _mask(mask: PathOrArray, shape: tuple[int, int], soft: bool) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return check_mask(mask, shape)
    return read_mask(mask, shape, soft=soft)


def load_regions(regions: Regions, shape: tuple[int, int],
                 soft: bool = False) -> list[tuple[str | None, np.ndarray]]:
    """Masks as (name, float32 ``H×W``) pairs from a path/array, a name → mask mapping or a
    sequence of masks or (name, mask) pairs. Names are fluid words ("clouds") or None.

    Mask files are read as binary unless ``soft`` (see
    :func:`cinemagraph.mask.files.read_mask`); arrays are taken as they are."""
    if isinstance(regions, (str, os.PathLike, np.ndarray)):
        return [(None, _mask(regions, shape, soft))]
    if isinstance(regions, Mapping):
        return [(str(name), _mask(mask, shape, soft)) for name, mask in regions.items()]
    pairs: list[tuple[str | None, np.ndarray]] = []
    for item in regions:
        if isinstance(item, tuple):
            name, mask = item
            pairs.append((name, _mask(mask, shape, soft)))
        else:
            pairs.append((None, _mask(item, shape, soft)))
    if not pairs:
        raise CinemagraphError("no mask given: say which regions may move")
    return pairs


def find_regions(
    image: np.ndarray,
    mask: Regions | None,
    prompt: str | None = None,
    *,
    pipe: Any = None,
    model: str = "CompVis/stable-diffusion-v1-4",
    device: str = "auto",
    inversion_steps: int = 50,
    mask_settings: MaskSettings | None = None,
    progress: bool = False,
    soft_mask: bool = False,
) -> list[tuple[str | None, np.ndarray]]:
    """What may move in ``image`` (float32 ``H×W×3``), as (name, float32 ``H×W``) pairs.

    The given masks (see :func:`load_regions`); or, with ``mask=None`` and a ``prompt``,
    the fluids the prompt names, found by the diffusion model: the photo is inverted with
    DDIM (``inversion_steps``) and the masks are read from its attention
    (``mask_settings``). ``pipe`` is a loaded SD 1.x pipeline, else ``model`` is loaded on
    ``device`` (only then). Mask files are read as binary unless ``soft_mask``.
    """
    if mask is not None:
        return load_regions(mask, image.shape[:2], soft=soft_mask)
    if not prompt:
        raise CinemagraphError(
            "say which pixels may move: give a mask, or a prompt that names the fluid"
        )
    from .diffusion.models import load_pipeline
    from .pipeline.image import masks_by_inversion

    return masks_by_inversion(
        image, prompt, pipe=pipe, load_pipe=lambda: load_pipeline(model, device),
        steps=inversion_steps, settings=mask_settings, progress=progress,
    )


def motion_from_arguments(
    image: np.ndarray,
    regions: list[tuple[str | None, np.ndarray]],
    field: PathOrArray | None = None,
    *,
    prompt: str | None = None,
    hints: Sequence[HintLike] = (),
    direction: float | None = None,
    speed: float | None = None,
    motion_settings: MotionSettings | None = None,
) -> np.ndarray:
    """The motion asked for, float32 ``H×W×2`` px/frame.

    In order of precedence: a saved or given ``field``; words and hints (``prompt``,
    ``hints``), with ``direction``/``speed`` overriding what the words say; or a plain
    ``direction`` (degrees) and ``speed`` (px/frame) in every region.
    """
    shape = image.shape[:2]
    if field is not None:
        if direction is not None or speed is not None or prompt or hints:
            raise CinemagraphError(
                "a motion field was given: leave out --direction/--speed/--prompt/--hint "
                "(to scale a field use the speed multiplier)"
            )
        if isinstance(field, np.ndarray):
            return check_field(field, shape)
        return load_field(field, shape)
    if prompt or hints:
        settings = motion_settings or MotionSettings()
        settings = replace(settings, direction_deg=direction, speed=speed) if (
            direction is not None or speed is not None) else settings
        return scene_motion_field(image, regions, prompt or "", hints, settings)
    if direction is None and speed is None:
        raise CinemagraphError(
            "no motion given: pass a motion field, a prompt, or a direction and speed"
        )
    if direction is None:
        raise CinemagraphError("a speed needs a direction (or a prompt that names the fluid)")
    if speed is None:
        raise CinemagraphError("a direction needs a speed (pixels per frame)")
    union = np.maximum.reduce([mask for _, mask in regions])
    return uniform_field(union, direction, speed)


def _motion_model(model: Any, device: str) -> Any:
    """A loaded learned motion model, from a checkpoint path or as given."""
    if isinstance(model, (str, os.PathLike)):
        from .learned import load_motion_model

        return load_motion_model(model, device)
    return model


def _synthesis_model(model: Any, device: str) -> Any:
    """A loaded learned frame-synthesis model, from a checkpoint path or as given."""
    if isinstance(model, (str, os.PathLike)):
        from .learned import load_synthesis_model

        return load_synthesis_model(model, device)
    return model


def load_learned_models(motion_model: Any, synthesis_model: Any,
                        device: str = "auto") -> tuple[Any, Any]:
    """The learned motion and synthesis models, loaded from checkpoint paths (or as given;
    None stays None) — before any other work, so that a bad checkpoint fails at once."""
    return (None if motion_model is None else _motion_model(motion_model, device),
            None if synthesis_model is None else _synthesis_model(synthesis_model, device))


def animate_image(
    image: PathOrArray,
    mask: Regions | None,
    field: PathOrArray | None = None,
    *,
    prompt: str | None = None,
    hints: Sequence[HintLike] = (),
    direction: float | None = None,
    speed: float | None = None,
    settings: AnimateSettings | None = None,
    motion_settings: MotionSettings | None = None,
    outputs: Sequence[str | os.PathLike[str]] = (),
    progress: bool = False,
    pipe: Any = None,
    model: str = "CompVis/stable-diffusion-v1-4",
    inversion_steps: int = 50,
    mask_settings: MaskSettings | None = None,
    motion_model: Any = None,
    synthesis_model: Any = None,
    overwrite: bool = False,
    soft_mask: bool = False,
    quality: int | None = None,
    output_width: int | None = None,
    return_frames: bool = True,
) -> np.ndarray | None:
    """Animate a still image into a seamless loop; optionally write it to ``outputs``.

    ``image``: a path or float32 ``H×W×3`` in [0, 1]. ``mask``: what may move — a PNG path
    (bright = may move) or float32 ``H×W`` in [0, 1], or several of them (a sequence, or
    a mapping fluid name → mask, e.g. ``{"clouds": "sky.png", "waterfall": "falls.png"}``).
    Mask files are read as binary (threshold at mid-grey, or Otsu's for a grey-heavy
    file, with a warning; see :func:`cinemagraph.mask.files.read_mask`); ``soft_mask``
    keeps their greys as weights. Arrays are taken as they are.

    Motion, one of:

    * ``field``: a ``.npy`` path or float32 ``H×W×2`` in px/frame;
    * ``prompt`` (and/or ``hints``, (x, y, dx, dy) arrows): the weight-free motion of
      :func:`cinemagraph.motion.scene_motion_field` — "waterfall", "clouds drifting
      right over a calm lake" …; ``direction``/``speed`` then override the words;
    * ``direction`` (degrees counter-clockwise on screen: 0 right, 90 up, 180 left,
      270 down) with ``speed`` (px/frame): the same velocity everywhere in the mask.

    ``mask=None`` with a ``prompt``: the diffusion model finds the prompt's fluids in the
    photo — it is inverted with DDIM (``inversion_steps``) and the mask is read from its
    attention (``mask_settings``); ``pipe`` is a loaded SD 1.x pipeline, else ``model``
    is loaded (a Hugging Face id in the cache, or a local folder).

    ``motion_model``: a learned motion model (a checkpoint path from ``cinemagraph
    train-motion`` or a loaded :class:`~cinemagraph.learned.MotionModel`) that predicts
    the field from the image, the mask, the prompt and the hints, instead of the
    weight-free prior. ``synthesis_model``: a learned frame-synthesis model (path or
    :class:`~cinemagraph.learned.SynthesisModel`) that renders the loop from splatted
    features instead of RGB.

    ``outputs``: video paths whose extension picks the format (``.mp4``, ``.webm``,
    ``.gif``, ``.png``, or a folder path ending in ``/`` for PNG frames); they are checked
    before any work starts. No output may be one of the input files; a frames folder must be
    new, empty or one cinemagraph wrote, unless ``overwrite`` is set. ``quality``: the CRF
    of mp4/webm outputs; ``output_width``: their width in pixels (aspect kept). Returns the
    frames, uint8 ``N×H×W×3`` (frame N would equal frame 0) — or, with ``outputs`` and
    ``return_frames=False``, None: the frames then stream from the renderer to the
    encoders without being held (RGB splatting only).
    """
    settings = settings or AnimateSettings()
    motion_settings = motion_settings or MotionSettings(seed=settings.seed)
    outputs = [outputs] if isinstance(outputs, (str, os.PathLike)) else list(outputs)
    inputs = input_paths(image, mask, field, motion_model, synthesis_model)
    if outputs:
        check_outputs(outputs, inputs, overwrite=overwrite)
    still = _image(image)
    regions = find_regions(still, mask, prompt, pipe=pipe, model=model, device=settings.device,
                           inversion_steps=inversion_steps, mask_settings=mask_settings,
                           progress=progress, soft_mask=soft_mask)
    union = np.maximum.reduce([m for _, m in regions])
    warn_if_empty(union)
    if motion_model is not None:
        if field is not None:
            raise CinemagraphError("give either a motion field or a motion model, not both")
        motion = _motion_model(motion_model, settings.device).predict(
            still, union, prompt or "", hints)
    else:
        motion = motion_from_arguments(
            still, regions, field, prompt=prompt, hints=hints, direction=direction,
            speed=speed, motion_settings=motion_settings,
        )
    if synthesis_model is None and outputs and not return_frames:
        write_outputs(outputs, iter_frames(still, union, motion, settings, progress=progress,
                                           regions=regions),
                      settings.fps, inputs=inputs, overwrite=overwrite, quality=quality,
                      width=output_width, count=settings.frames)
        return None
    if synthesis_model is not None:
        frames = _synthesis_model(synthesis_model, settings.device).render(
            still, union, motion, settings, progress=progress)
    else:
        frames = animate(still, union, motion, settings, progress=progress, regions=regions)
    if outputs:
        write_outputs(outputs, frames, settings.fps, progress=progress, inputs=inputs,
                      overwrite=overwrite, quality=quality, width=output_width)
    return frames
