"""Layout, palette and small painting helpers shared by the demo scene's layers.

Positions are fractions of the image: ``u`` across the width, ``v`` down the height.
Colours are sRGB triples in [0, 1]; the light is a low late-afternoon sun to the left.
"""

from __future__ import annotations

import cv2
import numpy as np

from .canvas import Canvas

# Layout.
HORIZON_V = 0.36  # where the sky would meet the ground (hidden behind the mountains)
SUN_UV = (0.20, 0.29)
FALL_CENTRE_U = 0.53
FALL_TOP_V = 0.32
POOL_TOP_V = 0.755
FALL_WIDTH_TOP = 0.10  # of the image width
FALL_WIDTH_BOTTOM = 0.13

#: Direction toward the sun for shading height fields (x right, y down, z to the viewer).
LIGHT = (-0.75, -0.40, 0.55)

# Palette.
ZENITH = (0.17, 0.33, 0.60)
SKY_MID = (0.45, 0.62, 0.83)
SKY_HORIZON = (0.99, 0.83, 0.62)
SUN_GLOW = (1.00, 0.80, 0.50)
CLOUD_LIT = (1.00, 0.92, 0.78)
CLOUD_SHADE = (0.50, 0.52, 0.66)
HAZE = (0.80, 0.78, 0.80)


def rgb(colour: tuple[float, float, float]) -> np.ndarray:
    """A colour triple as a float32 array of shape ``(3,)``."""
    return np.asarray(colour, dtype=np.float32)


def mix(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Blend colours or images: ``a + (b − a)·t``, float32.

    ``a`` and ``b`` are ``(3,)`` colours or ``…×3`` images; ``t`` is a scalar or an
    ``H×W`` weight in [0, 1] that broadcasts over the colour channels.
    """
    t = np.asarray(t, dtype=np.float32)
    if t.ndim >= 2:
        t = t[..., None]
    return (a + (b - a) * t).astype(np.float32)


def shade(image: np.ndarray, factor: np.ndarray | float) -> np.ndarray:
    """Multiply an ``H×W×3`` (or ``(3,)``) colour by an ``H×W`` (or scalar) factor."""
    factor = np.asarray(factor, dtype=np.float32)
    if factor.ndim >= 2:
        factor = factor[..., None]
    return (image * factor).astype(np.float32)


def noise_cells(canvas: Canvas, across: float, aspect: float = 1.0) -> tuple[float, float]:
    """Noise cells (rows, columns) over ``canvas`` for ``across`` features per picture width.

    ``aspect`` is the features' width:height ratio (> 1 wide and flat, < 1 tall and
    thin). Feature sizes follow the whole picture's width, so a window gets the same
    texture scale as the full canvas.
    """
    per_pixel = across / canvas.full_width
    return (per_pixel * canvas.height * aspect, per_pixel * canvas.width)


def lambert(
    height_field: np.ndarray, relief: float, light: tuple[float, float, float] = LIGHT
) -> np.ndarray:
    """Diffuse shading of a height field (float32 ``H×W``, arbitrary height units).

    ``relief`` scales the slopes (height units per pixel → surface tilt); ``light`` points
    toward the light (x right, y down, z toward the viewer). Returns float32 ``H×W`` in
    [0, 1].
    """
    height_field = np.asarray(height_field, dtype=np.float32)
    gx = cv2.Sobel(height_field, cv2.CV_32F, 1, 0, ksize=3) * np.float32(relief / 8.0)
    gy = cv2.Sobel(height_field, cv2.CV_32F, 0, 1, ksize=3) * np.float32(relief / 8.0)
    lx, ly, lz = (np.asarray(light, dtype=np.float32) / np.linalg.norm(light)).tolist()
    lit = (lz - gx * lx - gy * ly) / np.sqrt(gx * gx + gy * gy + 1.0)
    return np.clip(lit, 0.0, 1.0).astype(np.float32)


def haze_colour() -> np.ndarray:
    """The colour distant things fade into: the horizon's warm light through blue air."""
    return mix(rgb(HAZE), rgb(SKY_HORIZON), 0.45)


def far_haze_colour() -> np.ndarray:
    """The colour of far mountains against the low sun: blue air with a warm cast."""
    return mix(rgb(SKY_MID), rgb(SKY_HORIZON), 0.35)
