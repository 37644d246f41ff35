"""Fine, seeded, divergence-free turbulence: the curl of a smooth random stream function.

A stream function ψ is built from smooth noise (white noise on a coarse lattice,
interpolated bicubically and lightly blurred; two octaves), and the velocity is its curl

    v = (∂ψ/∂y, −∂ψ/∂x),

whose divergence ∂²ψ/∂x∂y − ∂²ψ/∂y∂x vanishes: swirls that neither gather nor spread
the picture. The same seed gives the same field.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..errors import CinemagraphError

#: Largest lattice cell, in pixels, on which the noise is smoothed before resizing.
WORK_CELL_PX = 8.0
#: Relative amplitude and size of each octave: the second, with swirls half the size, is
#: weak (a shimmer on the large swirls; strong fine curl folds the texture it carries).
OCTAVES: tuple[tuple[float, float], ...] = ((1.0, 1.0), (0.25, 0.5))


def _smooth_noise(shape: tuple[int, int], feature_px: float,
                  rng: np.random.Generator) -> np.ndarray:
    """White noise on a lattice of ``feature_px`` cells, interpolated and blurred: ``H×W``.

    Large swirls are smoothed on a coarser working grid (at most WORK_CELL_PX pixels per
    lattice cell) and then brought to full size, which costs the same for any swirl size.
    """
    height, width = shape
    cell = max(feature_px, 1.0)
    lattice = rng.standard_normal((math.ceil(height / cell) + 3, math.ceil(width / cell) + 3))
    work_cell = min(cell, WORK_CELL_PX)
    size = (round(lattice.shape[1] * work_cell), round(lattice.shape[0] * work_cell))
    noise = cv2.resize(lattice.astype(np.float32), size, interpolation=cv2.INTER_CUBIC)
    noise = cv2.GaussianBlur(noise, (0, 0), max(work_cell / 4.0, 0.5))
    offset = round(work_cell)  # skip the lattice's first cell, where interpolation is clamped
    noise = noise[offset:, offset:]
    if work_cell < cell:
        scale = cell / work_cell
        full = (math.ceil(noise.shape[1] * scale), math.ceil(noise.shape[0] * scale))
        noise = cv2.resize(noise, full, interpolation=cv2.INTER_CUBIC)
        noise = cv2.GaussianBlur(noise, (0, 0), 0.5 * scale)  # no ripple from the resize
    return noise[:height, :width]


def stream_function(shape: tuple[int, int], feature_px: float,
                    seed: int | tuple[int, ...]) -> np.ndarray:
    """A smooth random scalar field (float32 ``H×W``) with swirls of about ``feature_px``."""
    if not (math.isfinite(feature_px) and feature_px > 0):
        raise CinemagraphError(f"turbulence size must be > 0 pixels, got {feature_px}")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    psi = np.zeros(shape, dtype=np.float32)
    for amplitude, size in OCTAVES:
        psi += np.float32(amplitude) * _smooth_noise(shape, feature_px * size, rng)
    return psi


def curl_noise(shape: tuple[int, int], feature_px: float,
               seed: int | tuple[int, ...]) -> np.ndarray:
    """Divergence-free random motion, float32 ``H×W×2`` (dx, dy), unitless, RMS speed 1.

    ``shape``: ``(H, W)``. ``feature_px``: typical swirl size in pixels. ``seed``: a
    non-negative integer or tuple of them; same seed → same field.
    """
    height, width = shape
    if height < 2 or width < 2:
        return np.zeros((height, width, 2), dtype=np.float32)
    psi = stream_function(shape, feature_px, seed)
    velocity = np.empty((height, width, 2), dtype=np.float32)
    velocity[..., 0], velocity[..., 1] = np.gradient(psi)  # ∂ψ/∂y, ∂ψ/∂x
    velocity[..., 1] *= -1.0
    rms = math.sqrt(float(np.mean(np.square(velocity, dtype=np.float64))) * 2.0)
    if rms < 1e-12:
        return np.zeros((height, width, 2), dtype=np.float32)
    velocity *= np.float32(1.0 / rms)
    return velocity
