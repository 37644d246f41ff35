"""Augmentation: random square crops resized to the training size, and horizontal flips.

A :class:`View` is a square window of a clip (in stored pixels) and a flip flag; the same
view applies to every array of one example. Motion vectors follow the geometry: resizing
by a factor ``s`` multiplies them by ``s``, and a horizontal flip negates dx — and swaps
"left" and "right" in the caption (:func:`mirror_caption`), which would otherwise contradict
the flipped motion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import CinemagraphError


@dataclass(frozen=True)
class Augmentation:
    """``min_crop``: smallest crop side as a fraction of the clip's shorter side (the side
    is drawn uniformly in [``min_crop``, 1]); ``flip``: flip half of the examples.
    """

    min_crop: float = 0.6
    flip: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.min_crop <= 1:
            raise CinemagraphError(f"min crop must lie in (0, 1], got {self.min_crop}")


@dataclass(frozen=True)
class View:
    """A square window ``top:top+side, left:left+side`` of a clip, flipped or not."""

    top: int
    left: int
    side: int
    flip: bool = False


def random_view(rng: np.random.Generator, shape: tuple[int, int], augmentation: Augmentation
                ) -> View:
    """A random view of a clip of ``shape`` (H, W)."""
    h, w = shape
    short = min(h, w)
    side = max(1, round(short * rng.uniform(augmentation.min_crop, 1.0)))
    top = int(rng.integers(0, h - side + 1))
    left = int(rng.integers(0, w - side + 1))
    flip = bool(augmentation.flip and rng.random() < 0.5)
    return View(top, left, side, flip)


def center_view(shape: tuple[int, int]) -> View:
    """The largest centred square of a clip of ``shape`` (H, W), unflipped."""
    h, w = shape
    side = min(h, w)
    return View((h - side) // 2, (w - side) // 2, side, False)


def _resize(array: np.ndarray, size: tuple[int, int], nearest: bool = False) -> np.ndarray:
    h, w = size
    if array.shape[:2] == (h, w):
        return array
    if nearest:
        method = cv2.INTER_NEAREST
    elif h < array.shape[0] or w < array.shape[1]:
        method = cv2.INTER_AREA
    else:
        method = cv2.INTER_LINEAR
    out = cv2.resize(np.ascontiguousarray(array), (w, h), interpolation=method)
    return out.reshape(h, w, *array.shape[2:])


def resize_field(field: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize float ``H×W×2`` px/frame to ``size`` (H, W), scaling the vectors with it."""
    h, w = size
    out = _resize(np.asarray(field, dtype=np.float32), size).astype(np.float32)
    out[..., 0] *= w / field.shape[1]
    out[..., 1] *= h / field.shape[0]
    return out


def apply_view(array: np.ndarray, view: View, size: int, kind: str) -> np.ndarray:
    """Crop ``array`` to ``view``, resize to ``size``×``size`` and flip it if asked.

    ``kind``: ``"image"`` (``H×W×C``, any dtype), ``"mask"`` (``H×W``, nearest resizing)
    or ``"field"`` (float ``H×W×2`` px/frame: vectors scaled, dx negated by a flip).
    """
    window = array[view.top: view.top + view.side, view.left: view.left + view.side]
    if kind == "field":
        out = resize_field(window, (size, size))
    elif kind == "mask":
        out = _resize(window, (size, size), nearest=True)
    elif kind == "image":
        out = _resize(window, (size, size))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    if view.flip:
        out = out[:, ::-1].copy()
        if kind == "field":
            out[..., 0] *= -1
    return np.ascontiguousarray(out)


_SIDES = re.compile(r"\b(left|right)(wards?)?\b", re.IGNORECASE)


def mirror_caption(caption: str) -> str:
    """``caption`` seen in a mirror: "left" ↔ "right" (also "leftward(s)"), case kept."""

    def swap(match: re.Match) -> str:
        word = match.group(1)
        other = "right" if word.lower() == "left" else "left"
        if word.isupper():
            other = other.upper()
        elif word[0].isupper():
            other = other.capitalize()
        return other + (match.group(2) or "")

    return _SIDES.sub(swap, caption)
