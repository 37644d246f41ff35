"""Ground-truth Eulerian motion of a clip: the average optical flow between neighbouring frames.

For frames I₀ … I_{N−1} and an optical flow estimator ``f`` (px from the first frame to
the second)::

    M(x) = 1/(N−1) · Σᵢ f(Iᵢ, Iᵢ₊₁)(x)           (float32 H×W×2, px/frame)

and the motion mask is the published rule ``|M(x)|² > mean_x(|M|²) / ratio`` with
``ratio = 10``. The default estimator is OpenCV's DIS (Kroeger et al., ECCV 2016), which
needs no weights; any callable with the :class:`FlowEstimator` signature can replace it.
"""

from __future__ import annotations

import itertools
from typing import ClassVar, Protocol

import cv2
import numpy as np

from ..errors import CinemagraphError
from .estimators import DIS_PRESETS, FLOW_ESTIMATORS

#: The published ratio of the motion-mask rule.
MASK_RATIO = 10.0


class FlowEstimator(Protocol):
    """Optical flow from one frame to the next.

    Called with two uint8 ``H×W×3`` RGB frames; returns float32 ``H×W×2`` (dx, dy) in
    pixels: where each pixel of the first frame is found in the second. ``name`` is
    recorded in the dataset.
    """

    name: str

    def __call__(self, first: np.ndarray, second: np.ndarray) -> np.ndarray: ...


class DISFlow:
    """OpenCV's Dense Inverse Search optical flow on the grey frames (no weights)."""

    PRESETS: ClassVar[dict[str, int]] = {
        preset: getattr(cv2, f"DISOPTICAL_FLOW_PRESET_{preset.upper()}") for preset in DIS_PRESETS
    }

    def __init__(self, preset: str = "medium") -> None:
        if preset not in self.PRESETS:
            raise CinemagraphError(
                f"unknown DIS preset {preset!r}: use one of {', '.join(self.PRESETS)}")
        self.name = f"dis-{preset}"
        self._dis = cv2.DISOpticalFlow_create(self.PRESETS[preset])

    def __call__(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        a = cv2.cvtColor(np.ascontiguousarray(first), cv2.COLOR_RGB2GRAY)
        b = cv2.cvtColor(np.ascontiguousarray(second), cv2.COLOR_RGB2GRAY)
        return self._dis.calc(a, b, None).astype(np.float32)


def flow_estimator(name: str) -> FlowEstimator:
    """The estimator called ``name`` (one of :data:`FLOW_ESTIMATORS`)."""
    if name not in FLOW_ESTIMATORS:
        raise CinemagraphError(
            f"unknown flow estimator {name!r}: use one of {', '.join(FLOW_ESTIMATORS)}")
    return DISFlow(name.removeprefix("dis-"))


def eulerian_motion(frames: np.ndarray, estimator: FlowEstimator) -> np.ndarray:
    """Average flow between neighbouring frames of uint8 ``N×H×W×3`` (N ≥ 2).

    Returns float32 ``H×W×2`` in px/frame.
    """
    if len(frames) < 2:
        raise CinemagraphError(f"measuring motion needs at least 2 frames, got {len(frames)}")
    total = np.zeros((*frames.shape[1:3], 2), dtype=np.float64)
    for first, second in itertools.pairwise(frames):
        total += estimator(first, second)
    return (total / (len(frames) - 1)).astype(np.float32)


def motion_mask(field: np.ndarray, ratio: float = MASK_RATIO) -> np.ndarray:
    """The published motion mask of float ``H×W×2`` px/frame: float32 ``H×W`` in {0, 1},
    1 where ``|M|² > mean(|M|²) / ratio``.
    """
    energy = np.square(np.asarray(field, dtype=np.float32)).sum(axis=-1)
    return (energy > energy.mean() / ratio).astype(np.float32)
