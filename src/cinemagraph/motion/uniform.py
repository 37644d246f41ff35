"""The simplest field: one direction and speed everywhere the mask allows."""

from __future__ import annotations

import math

import numpy as np

from ..errors import CinemagraphError


def direction_vector(direction_deg: float, speed: float) -> tuple[float, float]:
    """(dx, dy) in image coordinates for a screen direction and speed.

    ``direction_deg`` is counter-clockwise as seen on screen: 0 = right, 90 = up,
    180 = left, 270 = down. Image y grows downwards, hence the minus sign on dy.
    """
    if not (math.isfinite(direction_deg) and math.isfinite(speed)):
        raise CinemagraphError("direction and speed must be finite numbers")
    if speed < 0:
        raise CinemagraphError(f"speed must be ≥ 0 pixels per frame, got {speed:g}")
    theta = math.radians(direction_deg)
    dx, dy = speed * math.cos(theta), -speed * math.sin(theta)
    # Snap round-off (cos 90° = 6e-17) so axis-aligned directions are exactly axis-aligned.
    return (0.0 if abs(dx) < 1e-12 * max(speed, 1) else dx,
            0.0 if abs(dy) < 1e-12 * max(speed, 1) else dy)


def uniform_field(mask: np.ndarray, direction_deg: float, speed: float) -> np.ndarray:
    """A field of constant velocity, scaled by the mask (float32 ``H×W`` in [0, 1]).

    Returns float32 ``H×W×2`` in pixels per frame; exactly zero where the mask is zero.
    """
    dx, dy = direction_vector(direction_deg, speed)
    mask = np.asarray(mask, dtype=np.float32)
    return np.stack([mask * np.float32(dx), mask * np.float32(dy)], axis=-1).astype(np.float32)
