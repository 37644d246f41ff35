"""Smart select: a region proposed from colour and texture by OpenCV's GrabCut (no weights).

A click seeds the object at that point (within a box around it); a dragged box says the
object lies inside. GrabCut runs on the painting-size picture brought down to
:data:`SELECT_SIDE` and its answer is brought back up.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import CinemagraphError

#: Longer side of the picture GrabCut works on.
SELECT_SIDE = 320

#: A click's box: this share of the picture's longer side on each side of the point.
CLICK_REACH = 0.25

#: GrabCut iterations.
ITERATIONS = 4


def smart_select(image: np.ndarray, box: tuple[float, float, float, float] | None = None,
                 point: tuple[float, float] | None = None) -> np.ndarray:
    """A proposed region of ``image`` (uint8 ``H×W×3`` RGB), uint8 ``H×W`` of 0 and 255.

    ``box``: (x0, y0, x1, y1) in ``image``'s pixels, the object inside; ``point``: (x, y),
    a pixel of the object. One of the two must be given.
    """
    h, w = image.shape[:2]
    scale = min(1.0, SELECT_SIDE / max(h, w))
    small = cv2.resize(image, (max(2, round(w * scale)), max(2, round(h * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else image
    sh, sw = small.shape[:2]
    mask = np.full((sh, sw), cv2.GC_BGD, np.uint8)
    if box is not None:
        x0, y0, x1, y1 = (v * scale for v in box)
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
    elif point is not None:
        reach = CLICK_REACH * max(sh, sw)
        px, py = point[0] * scale, point[1] * scale
        x0, y0, x1, y1 = px - reach, py - reach, px + reach, py + reach
    else:
        raise CinemagraphError("smart select needs a point or a box")
    c0, c1 = int(np.clip(np.floor(x0), 0, sw - 1)), int(np.clip(np.ceil(x1), 1, sw))
    r0, r1 = int(np.clip(np.floor(y0), 0, sh - 1)), int(np.clip(np.ceil(y1), 1, sh))
    if c1 - c0 < 3 or r1 - r0 < 3:
        raise CinemagraphError("the box is too small to select from: drag a larger one")
    mask[r0:r1, c0:c1] = cv2.GC_PR_FGD
    if point is not None:
        cv2.circle(mask, (round(point[0] * scale), round(point[1] * scale)),
                   max(2, round(0.02 * max(sh, sw))), cv2.GC_FGD, -1)
    if (mask == cv2.GC_BGD).sum() < 16:  # GrabCut needs some background to model
        mask[0, :] = mask[-1, :] = mask[:, 0] = mask[:, -1] = cv2.GC_PR_BGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(small[..., ::-1])
    cv2.setRNGSeed(0)
    cv2.grabCut(bgr, mask, None, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    chosen = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8) * 255
    if scale < 1:
        chosen = cv2.resize(chosen, (w, h), interpolation=cv2.INTER_LINEAR)
        chosen = np.where(chosen >= 128, 255, 0).astype(np.uint8)
    return chosen
