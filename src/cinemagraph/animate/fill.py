"""Smooth hole filling by push-pull (a normalised image pyramid).

Pixels that no splat reached are filled from their surroundings: known pixels are
averaged down a pyramid (each level averages only known pixels) until every pixel of the
coarsest level is known, then the coarse estimate is interpolated back up into the holes
only. Known pixels are returned unchanged. The result varies smoothly across a hole,
without the black or grey blotches of a constant fill.
"""

from __future__ import annotations

import cv2
import numpy as np


def fill_holes(image: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """Fill ``holes`` (bool ``H×W``) of ``image`` (float32 ``H×W×C``) smoothly.

    Returns a new float32 ``H×W×C`` array equal to ``image`` wherever ``holes`` is False.
    If every pixel is a hole the image is returned unchanged.
    """
    image = np.asarray(image, dtype=np.float32)
    if not holes.any() or holes.all():
        return image.copy()
    squeeze = image.ndim == 2
    values = image[..., None] if squeeze else image
    known = (~holes).astype(np.float32)
    # Push: average the known pixels down a pyramid until no pixel is unknown.
    num = values * known[..., None]
    den = known
    levels: list[tuple[np.ndarray, np.ndarray]] = [(num, den)]
    while not ((den > 0).all() or den.shape == (1, 1)):
        h, w = den.shape
        size = (max(1, (w + 1) // 2), max(1, (h + 1) // 2))
        num = cv2.resize(num, size, interpolation=cv2.INTER_AREA).reshape(
            size[1], size[0], values.shape[2]
        )
        den = cv2.resize(den, size, interpolation=cv2.INTER_AREA)
        levels.append((num, den))
    # Pull: interpolate each coarser estimate into the pixels the finer level lacks;
    # partly known coarse pixels blend their own average with the estimate from below.
    num, den = levels[-1]
    estimate = num / np.maximum(den, 1e-12)[..., None]
    for num, den in reversed(levels[1:-1]):
        h, w = den.shape
        up = cv2.resize(estimate, (w, h), interpolation=cv2.INTER_LINEAR).reshape(num.shape)
        confidence = np.clip(den, 0.0, 1.0)[..., None]
        estimate = confidence * (num / np.maximum(den, 1e-12)[..., None]) + (1 - confidence) * up
    h, w = holes.shape
    up = cv2.resize(estimate, (w, h), interpolation=cv2.INTER_LINEAR).reshape(values.shape)
    result = values.copy()
    result[holes] = up[holes]
    return result[..., 0] if squeeze else result
