"""Blending the forward and the backward splat and compositing into the still image.

Symmetric splatting weighs the forward splat by ``α_f = 1 − t/N`` and the backward one by
``α_b = t/N``. Normalising their *sum* (``Σ num / Σ den``) lets whichever direction happens
to reach a pixel win it outright: where the flow spreads out, single pixels that one
direction missed show the other direction's — unrelated — content, a salt-and-pepper
speckle. Here each direction is first made whole on its own and weighted by how well it
covers the neighbourhood:

    colour_d = num_d / den_d,  or  (G∗num_d) / (G∗den_d) where den_d ≈ 0
    coverage_d = min(1, (G∗den_d) / τ)
    out = Σ_d α_d · coverage_d · colour_d  /  Σ_d α_d · coverage_d

with ``G`` a small Gaussian. Isolated misses are filled from their own direction; large
regions that only one direction reaches (where fluid enters or leaves) still take that
direction's texture; pixels neither covers are holes for :mod:`.fill`. Finally
``frame = round(255 · (a · out + (1 − a) · image))`` wherever the blend weight ``a`` > 0.
"""

from __future__ import annotations

import numba
import numpy as np

#: Local coverage (blurred splat weight) at which a direction counts as fully present.
FULL_COVERAGE = 0.5


@numba.njit(cache=True, nogil=True)
def normalize_and_compose(
    acc_f: np.ndarray,
    acc_b: np.ndarray,
    blur_f: np.ndarray,
    blur_b: np.ndarray,
    alpha_f: float,
    alpha_b: float,
    image: np.ndarray,
    alpha: np.ndarray,
    frame: np.ndarray,
    out: np.ndarray,
    holes: np.ndarray,
) -> int:
    """Blend the two splats and write the composited pixels into ``frame``.

    ``acc_f``, ``acc_b``: float32 ``h×w×(C+1)`` accumulators (num, den) of the forward and
    backward splat (unweighted); ``blur_f``, ``blur_b``: the same, Gaussian-blurred;
    ``alpha_f``, ``alpha_b``: the directions' weights; ``image``: float32 ``h×w×C`` in
    [0, 1]; ``alpha``: float32 ``h×w`` blend weight into the still image; ``frame``:
    uint8 ``h×w×C``, written where ``alpha > 0`` and a colour exists; ``out``: float32
    ``h×w×C`` receives the blended colour (0 in holes); ``holes``: bool ``h×w`` set where
    neither direction covers. Returns the number of holes where ``alpha > 0`` (those
    pixels of ``frame`` are left for the caller to fill).
    """
    h, w, c = image.shape
    count = 0
    for y in range(h):
        for x in range(w):
            weight_sum = 0.0
            for k in range(c):
                out[y, x, k] = 0.0
            for d in range(2):
                acc = acc_f if d == 0 else acc_b
                blur = blur_f if d == 0 else blur_b
                a_d = alpha_f if d == 0 else alpha_b
                if a_d <= 0.0 or blur[y, x, c] <= 1e-6:
                    continue
                coverage = min(1.0, blur[y, x, c] / FULL_COVERAGE)
                wd = a_d * coverage
                if acc[y, x, c] > 1e-4:
                    inv = wd / acc[y, x, c]
                    for k in range(c):
                        out[y, x, k] += acc[y, x, k] * inv
                else:
                    inv = wd / blur[y, x, c]
                    for k in range(c):
                        out[y, x, k] += blur[y, x, k] * inv
                weight_sum += wd
            if weight_sum <= 1e-8:
                holes[y, x] = True
                for k in range(c):
                    out[y, x, k] = 0.0
                if alpha[y, x] > 0.0:
                    count += 1
                continue
            holes[y, x] = False
            a = alpha[y, x]
            for k in range(c):
                value = out[y, x, k] / weight_sum
                out[y, x, k] = value
                if a > 0.0:
                    blended = 255.0 * (a * value + (1.0 - a) * image[y, x, k])
                    frame[y, x, k] = np.uint8(min(max(np.floor(blended + 0.5), 0.0), 255.0))
    return count
