"""The Python API: the same jobs as the command line, returning the data contract's types.

>>> from cinemagraph import animate_image, AnimateSettings
>>> frames = animate_image("photo.jpg", "mask.png", direction=270, speed=2.0,
...                        settings=AnimateSettings(frames=60), outputs=["loop.mp4"])
>>> frames.shape            # uint8 N×H×W×3
(60, 512, 768, 3)
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .animate import AnimateSettings, animate
from .contract import check_image, check_mask
from .errors import CinemagraphError
from .io.images import load_field, load_image, load_mask, warn_if_empty
from .io.video import check_outputs, write_outputs
from .motion import uniform_field

PathOrArray = str | os.PathLike[str] | np.ndarray


def _image(image: PathOrArray) -> np.ndarray:
    if isinstance(image, np.ndarray):
        return check_image(image)
    return load_image(image)


def _mask(mask: PathOrArray, shape: tuple[int, int]) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return check_mask(mask, shape)
    return load_mask(mask, shape)


def motion_from_arguments(
    mask: np.ndarray,
    field: PathOrArray | None,
    direction: float | None,
    speed: float | None,
) -> np.ndarray:
    """The field asked for: a saved/array field, or a direction (degrees) and speed (px/frame).

    Returns float32 ``H×W×2`` px/frame; exactly one of ``field`` and ``direction`` is given.
    """
    shape = mask.shape
    if field is not None and direction is not None:
        raise CinemagraphError("give either a motion field or a direction, not both")
    if field is not None:
        if speed is not None:
            raise CinemagraphError(
                "speed goes with a direction; to scale a motion field use the speed multiplier"
            )
        if isinstance(field, np.ndarray):
            from .contract import check_field

            return check_field(field, shape)
        return load_field(field, shape)
    if direction is None:
        raise CinemagraphError("no motion given: pass a motion field, or a direction and speed")
    if speed is None:
        raise CinemagraphError("a direction needs a speed (pixels per frame)")
    return uniform_field(mask, direction, speed)


def animate_image(
    image: PathOrArray,
    mask: PathOrArray,
    field: PathOrArray | None = None,
    *,
    direction: float | None = None,
    speed: float | None = None,
    settings: AnimateSettings | None = None,
    outputs: Sequence[str | os.PathLike[str]] = (),
    progress: bool = False,
) -> np.ndarray:
    """Animate a still image into a seamless loop; optionally write it to ``outputs``.

    ``image``: a path or float32 ``H×W×3`` in [0, 1]. ``mask``: a PNG path (bright = may
    move) or float32 ``H×W`` in [0, 1]. Motion: ``field`` (a ``.npy`` path or float32
    ``H×W×2`` in px/frame) or ``direction`` (degrees counter-clockwise on screen: 0 right,
    90 up, 180 left, 270 down) with ``speed`` (px/frame). ``outputs``: video paths whose
    extension picks the format (``.mp4``, ``.webm``, ``.gif``, ``.png``, or a folder path
    ending in ``/`` for PNG frames); they are checked before any work starts.

    Returns the frames, uint8 ``N×H×W×3``; frame N would equal frame 0.
    """
    settings = settings or AnimateSettings()
    outputs = [outputs] if isinstance(outputs, (str, os.PathLike)) else list(outputs)
    if outputs:
        check_outputs(outputs)
    still = _image(image)
    moving = _mask(mask, still.shape[:2])
    motion = motion_from_arguments(moving, field, direction, speed)
    warn_if_empty(moving)
    frames = animate(still, moving, motion, settings, progress=progress)
    if outputs:
        write_outputs(outputs, frames, settings.fps, progress=progress)
    return frames
