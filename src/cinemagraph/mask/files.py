"""Mask files: reading a user's mask as binary, and writing a run folder's masks.

A user's mask file is read as **binary** by default: a pixel moves or it does not, and the
renderer's ``--feather`` alone makes the edge soft. Masks as people make them are rarely
clean: a JPEG's soft, ringing edge would drag still pixels up to 16 px outside the fluid
into the motion, and a grey (128) background would make the whole picture move. So:

* a clean mask (every pixel within :data:`CLEAN_TOLERANCE` of black or white) is snapped
  to 0/1 silently;
* a near-binary one (at most :data:`NEAR_BINARY_SHARE` of its pixels are grey, e.g. a JPEG
  edge) is thresholded at mid-grey, with a one-line warning;
* otherwise (a grey background, a painted gradient) Otsu's threshold splits the
  histogram, with a warning naming the threshold; one whose pixels are mostly mid-grey
  says so.

``soft=True`` (``--soft-mask``) keeps the greys as weights, as before.

Written: ``mask.png`` (all fluids) and ``mask-<fluid>.png`` in a run folder.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import CinemagraphError
from ..io.images import load_mask, save_image

#: A mask value within this of 0 or 1 counts as black or white (JPEG noise, 8 of 255).
CLEAN_TOLERANCE = 8.0 / 255.0
#: A mask is near-binary when at most this share of its pixels are grey (0.1 … 0.9).
NEAR_BINARY_SHARE = 0.1
#: The threshold of a near-binary mask: pixels at or above mid-grey move.
MID_GREY = 0.5
#: Values this close to mid-grey (0.35 … 0.65) count as mid-grey for the warning.
MID_GREY_BAND = 0.15

UNION_FILE = "mask.png"
_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def union_mask(masks: Mapping[str, np.ndarray]) -> np.ndarray:
    """The pixelwise maximum of float ``H×W`` masks in [0, 1]: float32 ``H×W``."""
    if not masks:
        raise CinemagraphError("there are no masks to combine")
    return np.max([np.asarray(m, dtype=np.float32) for m in masks.values()], axis=0)


def mask_file_name(name: str) -> str:
    """``mask-<name>.png`` with the name reduced to lower-case letters, digits, ``-``, ``_``."""
    safe = _UNSAFE.sub("-", name.lower()).strip("-") or "fluid"
    return f"mask-{safe}.png"


def save_masks(folder: str | os.PathLike[str], masks: Mapping[str, np.ndarray]) -> list[Path]:
    """Write ``mask.png`` (the union) and one ``mask-<name>.png`` per mask, each atomically.

    ``masks``: float ``H×W`` in [0, 1] keyed by fluid name, all the same size. Greys are
    the mask values × 255. Returns the paths written, the union first.
    """
    folder = Path(folder)
    files = [mask_file_name(name) for name in masks]
    if len(set(files)) != len(files):
        raise CinemagraphError(
            f"mask names {', '.join(masks)} would share a file name; give them distinct names"
        )
    shapes = {np.shape(mask) for mask in masks.values()}
    if len(shapes) > 1:
        raise CinemagraphError(f"masks of one image must share its size, got {sorted(shapes)}")
    paths = [save_image(folder / UNION_FILE, union_mask(masks))]
    for file, mask in zip(files, masks.values(), strict=True):
        paths.append(save_image(folder / file, np.clip(mask, 0.0, 1.0)))
    return paths


@dataclass(frozen=True)
class Binarized:
    """How a mask was made binary: ``mask`` (float32 0/1) and what was done."""

    mask: np.ndarray
    threshold: float  # pixels >= threshold move
    method: str  # "clean", "mid-grey" or "otsu"
    grey_share: float  # share of pixels neither black nor white
    mid_grey_share: float  # share of pixels near mid-grey

    def describe(self, name: str) -> str | None:
        """The one-line warning for a mask named ``name``; None for a clean mask."""
        if self.method == "clean":
            return None
        moving = float(self.mask.mean())
        if self.mid_grey_share > 0.5:
            what = f"most of its pixels ({self.mid_grey_share:.0%}) are mid-grey"
        else:
            what = f"{self.grey_share:.1%} of its pixels are grey, not black or white"
        how = ("mid-grey" if self.method == "mid-grey" else "Otsu's threshold")
        return (f"{name}: {what}; read as binary at {how} {self.threshold:.2f} "
                f"({round(self.threshold * 255)} of 255), so {moving:.1%} of the picture "
                "may move (--soft-mask keeps the greys as weights)")


def _otsu_threshold(mask: np.ndarray) -> float | None:
    """Otsu's threshold of a [0, 1] mask, as the lowest value that moves; None when it
    leaves one side empty."""
    levels = np.rint(mask * 255.0).astype(np.uint8)
    otsu, _ = cv2.threshold(levels, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    moving = levels > otsu
    if not moving.any() or moving.all():
        return None
    return (float(otsu) + 1.0) / 255.0


def binarize_mask(mask: np.ndarray) -> Binarized:
    """Make a float ``H×W`` mask in [0, 1] binary (see the module docstring)."""
    mask = np.asarray(mask, dtype=np.float32)
    count = max(mask.size, 1)
    grey = (mask > CLEAN_TOLERANCE) & (mask < 1.0 - CLEAN_TOLERANCE)
    grey_share = float(np.count_nonzero(grey)) / count
    mid_share = float(np.count_nonzero(np.abs(mask - MID_GREY) <= MID_GREY_BAND)) / count
    method, threshold = "mid-grey", MID_GREY
    if grey_share == 0.0:
        method = "clean"
    elif (float(np.count_nonzero((mask >= 0.1) & (mask <= 0.9))) / count > NEAR_BINARY_SHARE
          or not (mask >= MID_GREY).any()):
        otsu = _otsu_threshold(mask)
        if otsu is not None:
            method, threshold = "otsu", otsu
    binary = (mask >= threshold - 1e-6).astype(np.float32)
    return Binarized(binary, threshold, method, grey_share, mid_share)


def read_mask(path: str | os.PathLike[str], shape: tuple[int, int], *,
              soft: bool = False) -> np.ndarray:
    """A user's mask file as float32 ``H×W`` of ``shape``: binary by default (with a
    warning saying what was done when the file was not clean black and white, see the
    module docstring), or its greys as weights with ``soft``.

    The threshold is chosen on the file's own pixels, before any resizing to ``shape``.
    """
    if soft:
        return load_mask(path, shape)
    native = load_mask(path, None)
    result = binarize_mask(native)
    message = result.describe(f"mask {os.fspath(path)}")
    if message is not None:
        warnings.warn(message, stacklevel=2)
    if native.shape == tuple(shape):
        return result.mask
    resized = load_mask(path, shape)
    return (resized >= result.threshold - 1e-6).astype(np.float32)
