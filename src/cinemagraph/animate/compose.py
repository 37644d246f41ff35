"""Normalising splat accumulators and blending the result into the still image.

Fused into one compiled pass because it runs once per frame on every pixel of the
animated region: ``out = num/den`` where a splat arrived, then
``frame = round(255 · (a · out + (1 − a) · image))`` where the blend weight ``a`` > 0.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def normalize_and_compose(
    acc_a: np.ndarray,
    acc_b: np.ndarray,
    image: np.ndarray,
    alpha: np.ndarray,
    frame: np.ndarray,
    out: np.ndarray,
    holes: np.ndarray,
    eps: float,
) -> int:
    """Normalise ``acc_a + acc_b`` and write the blended pixels into ``frame``.

    ``acc_a``, ``acc_b``: float32 ``h×w×(C+1)`` splat accumulators (num, den);
    ``image``: float32 ``h×w×C`` in [0, 1]; ``alpha``: float32 ``h×w`` blend weight;
    ``frame``: uint8 ``h×w×C``, written where ``alpha > 0`` and a splat arrived;
    ``out``: float32 ``h×w×C`` receives ``num/den`` (0 in holes); ``holes``: bool
    ``h×w`` set where nothing arrived. Returns the number of holes where ``alpha > 0``
    (those pixels of ``frame`` are left for the caller to fill).
    """
    h, w, c = image.shape
    count = 0
    for y in range(h):
        for x in range(w):
            a = alpha[y, x]
            den = acc_a[y, x, c] + acc_b[y, x, c]
            if den <= eps:
                for k in range(c):
                    out[y, x, k] = 0.0
                holes[y, x] = True
                if a > 0.0:
                    count += 1
                continue
            holes[y, x] = False
            for k in range(c):
                value = (acc_a[y, x, k] + acc_b[y, x, k]) / den
                out[y, x, k] = value
                if a > 0.0:
                    blended = 255.0 * (a * value + (1.0 - a) * image[y, x, k])
                    frame[y, x, k] = np.uint8(min(max(np.floor(blended + 0.5), 0.0), 255.0))
    return count
