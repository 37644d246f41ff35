"""Procedural noise for the demo scene: value noise, fractal sums of it, and ramps.

Every function draws its randomness from the ``numpy.random.Generator`` it is given, so a
scene built from one seeded generator is reproducible bit for bit.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def smoothstep(edge0: float, edge1: float, x: np.ndarray | float) -> np.ndarray:
    """Hermite ramp: 0 below ``edge0``, 1 above ``edge1``, smooth in between.

    ``x`` is any float array (or scalar); returns float32 of the same shape, in [0, 1].
    ``edge1 < edge0`` gives the falling ramp.
    """
    t = np.clip((np.asarray(x, dtype=np.float32) - edge0) / (edge1 - edge0), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def value_noise(
    rng: np.random.Generator, shape: tuple[int, int], cells: tuple[float, float]
) -> np.ndarray:
    """One octave of smooth value noise.

    A grid of uniform random values with ``cells`` = (rows, columns) cells across the
    output is upsampled bicubically to ``shape`` = (H, W) and cropped at a random sub-cell
    offset, so that octaves built on doubling grids do not share grid lines.

    Returns float32 ``H×W``, roughly in [0, 1] (bicubic overshoot can leave it slightly).
    """
    h, w = shape
    cy, cx = max(1, round(cells[0])), max(1, round(cells[1]))
    cell_h, cell_w = h / cy, w / cx
    grid = rng.random((cy + 1, cx + 1), dtype=np.float32)
    offset_y, offset_x = rng.random(2)
    big = cv2.resize(
        grid,
        (math.ceil((cx + 1) * cell_w), math.ceil((cy + 1) * cell_h)),
        interpolation=cv2.INTER_CUBIC,
    )
    y0 = min(int(offset_y * cell_h), big.shape[0] - h)
    x0 = min(int(offset_x * cell_w), big.shape[1] - w)
    return big[y0 : y0 + h, x0 : x0 + w]


def fractal_noise(
    rng: np.random.Generator,
    shape: tuple[int, int],
    cells: tuple[float, float],
    persistence: float = 0.5,
    lacunarity: float = 2.0,
    octaves: int | None = None,
    ridged: bool = False,
) -> np.ndarray:
    """Fractal (fBm) noise: octaves of :func:`value_noise` at growing frequency.

    ``shape`` = (H, W) of the output; ``cells`` = (rows, columns) of the coarsest octave;
    each further octave multiplies the cell counts by ``lacunarity`` and the amplitude by
    ``persistence``. Unequal cell counts give anisotropic noise (few rows and many
    columns → vertical streaks). By default octaves are added until the finest cells are
    about 2 pixels. ``ridged`` folds each octave (``(1 - |2n - 1|)²``), giving sharp
    crests like eroded rock or mountain ridges.

    Returns float32 ``H×W`` standardised to mean 0 and standard deviation 1 (all zeros
    when the field is constant).
    """
    if octaves is None:
        ratios = [c / s for c, s in zip(cells, shape, strict=True) if s > 1]
        finest = max(ratios) if ratios else 1.0
        octaves = max(1, math.floor(math.log(0.5 / finest) / math.log(lacunarity)) + 1)
    total = np.zeros(shape, dtype=np.float32)
    amplitude = 1.0
    for octave in range(octaves):
        scale = lacunarity**octave
        layer = value_noise(rng, shape, (cells[0] * scale, cells[1] * scale))
        if ridged:
            layer = np.square(1.0 - np.abs(2.0 * layer - 1.0))
        total += np.float32(amplitude) * layer
        amplitude *= persistence
    return standardise(total)


def fractal_profile(
    rng: np.random.Generator, length: int, cells: float, persistence: float = 0.5
) -> np.ndarray:
    """A 1-D fractal curve (e.g. a ridge line): float32 of ``length`` samples, mean 0, std 1.

    ``cells`` is the number of coarse undulations along the curve.
    """
    return fractal_noise(rng, (1, length), (1, cells), persistence=persistence)[0]


def standardise(field: np.ndarray) -> np.ndarray:
    """Shift and scale a float array to mean 0 and standard deviation 1 (float32)."""
    field = np.asarray(field, dtype=np.float32)
    std = float(field.std())
    if std < 1e-12:
        return np.zeros_like(field)
    return ((field - field.mean()) / std).astype(np.float32)
