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

with ``G`` the 3×3 binomial kernel (1 2 1)ᵀ(1 2 1)/16. Isolated misses are filled from
their own direction; large regions that only one direction reaches (where fluid enters or
leaves) still take that direction's texture; pixels neither covers are holes for
:mod:`.fill`. Finally
``frame = round(255 · (a · out + (1 − a) · image))`` wherever the blend weight ``a`` > 0.
"""

from __future__ import annotations

import numba
import numpy as np

#: Local coverage (blurred splat weight) at which a direction counts as fully present.
FULL_COVERAGE = 0.5


@numba.njit(cache=True, nogil=True)
def _binomial(acc: np.ndarray, y: int, x: int, k: int) -> tuple[float, float]:
    """(Σ G·acc[..., k], Σ G) over the 3×3 binomial window at (y, x), inside the image."""
    h, w = acc.shape[0], acc.shape[1]
    total = 0.0
    weight = 0.0
    for dy in range(-1, 2):
        yy = y + dy
        if yy < 0 or yy >= h:
            continue
        wy = 2.0 if dy == 0 else 1.0
        for dx in range(-1, 2):
            xx = x + dx
            if xx < 0 or xx >= w:
                continue
            kw = wy * (2.0 if dx == 0 else 1.0)
            total += kw * acc[yy, xx, k]
            weight += kw
    return total, weight


@numba.njit(cache=True, nogil=True)
def local_coverage(acc: np.ndarray, coverage: np.ndarray) -> None:
    """``coverage`` (float32 ``h×w``) ← G∗den of an accumulator (``h×w×(C+1)``).

    G is the 3×3 binomial kernel, renormalised where it overhangs the border; applied as
    two 3-tap passes.
    """
    h, w = acc.shape[0], acc.shape[1]
    c = acc.shape[2] - 1
    rows = np.empty((h, w), dtype=np.float32)
    for y in range(h):
        for x in range(w):
            total = 2.0 * acc[y, x, c]
            weight = 2.0
            if x > 0:
                total += acc[y, x - 1, c]
                weight += 1.0
            if x < w - 1:
                total += acc[y, x + 1, c]
                weight += 1.0
            rows[y, x] = total / weight
    for y in range(h):
        up = y - 1 if y > 0 else -1
        down = y + 1 if y < h - 1 else -1
        weight = 2.0 + (up >= 0) + (down >= 0)
        for x in range(w):
            total = 2.0 * rows[y, x]
            if up >= 0:
                total += rows[up, x]
            if down >= 0:
                total += rows[down, x]
            coverage[y, x] = total / weight


@numba.njit(cache=True, nogil=True)
def _blurred_colour(acc: np.ndarray, y: int, x: int, k: int) -> float:
    """(G∗num)/(G∗den) of channel ``k`` at (y, x): the colour where the pixel got nothing."""
    num, _ = _binomial(acc, y, x, k)
    den, _ = _binomial(acc, y, x, acc.shape[2] - 1)
    return num / den if den > 0.0 else 0.0


@numba.njit(cache=True, nogil=True, parallel=True)
def normalize_and_compose(
    acc_f: np.ndarray,
    acc_b: np.ndarray,
    cov_f: np.ndarray,
    cov_b: np.ndarray,
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
    backward splat (unweighted); ``cov_f``, ``cov_b``: their local coverage G∗den
    (:func:`local_coverage`); ``alpha_f``, ``alpha_b``: the directions' weights;
    ``image``: float32 ``h×w×C`` in [0, 1]; ``alpha``: float32 ``h×w`` blend weight into
    the still image; ``frame``: uint8 ``h×w×C``, written where ``alpha > 0`` and a colour
    exists; ``out``: float32 ``h×w×C`` receives the blended colour (0 in holes; the
    input itself where ``alpha`` is 0, which is what the hole filling sees there);
    ``holes``: bool ``h×w`` set where neither direction covers (never where ``alpha`` is 0).
    Returns the number of holes (those pixels of ``frame`` are left for the caller to
    fill).
    """
    h, w, c = image.shape
    count = 0
    for y in numba.prange(h):
        for x in range(w):
            if alpha[y, x] <= 0.0:  # a still pixel: the input is its colour
                holes[y, x] = False
                for k in range(c):
                    out[y, x, k] = image[y, x, k]
                continue
            weight_sum = 0.0
            for k in range(c):
                out[y, x, k] = 0.0
            for d in range(2):
                acc = acc_f if d == 0 else acc_b
                a_d = alpha_f if d == 0 else alpha_b
                local = cov_f[y, x] if d == 0 else cov_b[y, x]
                if a_d <= 0.0 or local <= 1e-6:
                    continue
                wd = a_d * min(1.0, local / FULL_COVERAGE)
                own = acc[y, x, c]
                for k in range(c):
                    colour = acc[y, x, k] / own if own > 1e-4 else _blurred_colour(acc, y, x, k)
                    out[y, x, k] += wd * colour
                weight_sum += wd
            if weight_sum <= 1e-8:
                holes[y, x] = True
                count += 1
                continue
            holes[y, x] = False
            a = alpha[y, x]
            for k in range(c):
                value = out[y, x, k] / weight_sum
                out[y, x, k] = value
                blended = 255.0 * (a * value + (1.0 - a) * image[y, x, k])
                frame[y, x, k] = np.uint8(min(max(np.floor(blended + 0.5), 0.0), 255.0))
    return count
