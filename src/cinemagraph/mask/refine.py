"""From segments and text regions to image-sized masks.

* :func:`segment_overlap` / :func:`keep_segments`: the fraction of each segment inside a
  fluid's text-grounded region, and which segments that keeps.
* :func:`upsample_labels`: grid labels to image labels without blocky edges.
* :func:`erode` and :func:`drop_small_pieces`: optional clean-up of a final mask.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

#: Overlap fractions this close below the threshold still count (float round-off).
_TOLERANCE = 1e-6


def segment_overlap(segments: np.ndarray, count: int, coverage: np.ndarray) -> np.ndarray:
    """Fraction of each segment inside a region: float64 ``(count,)`` in [0, 1].

    ``segments``: int ``h×w`` ids 0 … count−1. ``coverage``: float ``h×w`` in [0, 1], the
    part of each cell that lies inside the region.
    """
    ids = np.asarray(segments).ravel()
    cells = np.bincount(ids, minlength=count)
    inside = np.bincount(ids, weights=np.asarray(coverage, dtype=np.float64).ravel(),
                         minlength=count)
    return inside / np.maximum(cells, 1)


def keep_segments(overlap: np.ndarray, threshold: float) -> tuple[np.ndarray, bool]:
    """Which segments to keep: bool ``(count,)``, and whether the fallback was used.

    Segments with ``overlap ≥ threshold`` are kept. When none reaches it, the one segment
    with the largest overlap is kept instead (none when nothing overlaps at all), so that
    a fluid whose words were attended to always gets a mask.
    """
    keep = overlap >= threshold - _TOLERANCE
    if keep.any() or not (overlap > 0).any():
        return keep, False
    keep[int(np.argmax(overlap))] = True
    return keep, True


def upsample_labels(
    labels: np.ndarray,
    classes: int,
    cell_px: tuple[float, float],
    image_size: tuple[int, int],
) -> np.ndarray:
    """Grid labels to image labels with smooth edges: int32 ``H×W``.

    ``labels``: int ``h×w`` in 0 … classes−1. ``cell_px``: (height, width) of a grid cell
    in image pixels; ``image_size``: (H, W). Each label's indicator is resized bilinearly,
    blurred by a quarter cell (corners round off instead of forming staircases) and every
    pixel takes the label whose smoothed indicator is largest. Straight edges between
    cells stay exactly on the cell boundary when cells are a whole, even number of pixels.
    """
    labels = np.asarray(labels)
    height, width = image_size
    full_h = max(height, round(labels.shape[0] * cell_px[0]))
    full_w = max(width, round(labels.shape[1] * cell_px[1]))
    indicators = np.stack(
        [cv2.resize((labels == c).astype(np.float32), (full_w, full_h),
                    interpolation=cv2.INTER_LINEAR) for c in range(classes)],
        axis=-1,
    )
    sigma = min(cell_px) / 4.0
    if sigma > 0.5:
        indicators = ndimage.gaussian_filter(indicators, sigma=(sigma, sigma, 0), mode="nearest")
    return np.argmax(indicators[:height, :width], axis=-1).astype(np.int32)


def erode(mask: np.ndarray, px: int) -> np.ndarray:
    """Shrink a bool ``H×W`` mask by ``px`` pixels (elliptical kernel); the image border
    does not count as outside, so a region that leaves the frame keeps its edge there."""
    if px <= 0:
        return np.asarray(mask, dtype=bool)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.erode(np.asarray(mask, dtype=np.uint8), kernel).astype(bool)


def drop_small_pieces(mask: np.ndarray, min_px: int) -> np.ndarray:
    """Remove 8-connected pieces of a bool ``H×W`` mask smaller than ``min_px`` pixels.

    The largest piece always stays.
    """
    mask = np.asarray(mask, dtype=bool)
    if min_px <= 0 or not mask.any():
        return mask
    _, pieces, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    areas = stats[:, cv2.CC_STAT_AREA]
    keep = areas >= min_px
    keep[0] = False  # the background
    keep[1 + int(np.argmax(areas[1:]))] = True
    return keep[pieces]
