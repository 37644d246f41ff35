"""Image mode without a mask: the photo's fluids found by the diffusion model itself.

The photo is inverted with DDIM (:func:`cinemagraph.diffusion.invert.invert_image`),
which records its attention statistics; the mask stage reads them as it would for a
generated image, and the masks are resized back to the photo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from ..mask import MaskSettings, masks_from_attention


def masks_by_inversion(
    image: np.ndarray,
    prompt: str,
    *,
    pipe: Any = None,
    load_pipe: Callable[[], Any] | None = None,
    steps: int = 50,
    settings: MaskSettings | None = None,
    progress: bool = False,
) -> list[tuple[str, np.ndarray]]:
    """One mask per fluid the prompt names, for a photo (float32 ``H×W×3`` in [0, 1]).

    ``pipe`` (or ``load_pipe()``, default :func:`~cinemagraph.diffusion.models.load_pipeline`)
    is the SD 1.x model; ``steps``: DDIM inversion steps. Returns (fluid noun, float32
    ``H×W`` mask) pairs in the prompt's order.
    """
    from ..diffusion.invert import invert_image

    if pipe is None:
        if load_pipe is None:
            from ..diffusion.models import load_pipeline

            pipe = load_pipeline()
        else:
            pipe = load_pipe()
    inverted = invert_image(pipe, image, prompt, steps=steps, progress=progress)
    masks = masks_from_attention(inverted.attention, prompt, settings)
    h, w = image.shape[:2]
    return [(name, cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR).clip(0, 1))
            for name, mask in masks.items()]
