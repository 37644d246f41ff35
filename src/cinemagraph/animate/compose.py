"""Blending the forward and the backward splat and compositing into the still image.

Symmetric splatting weighs the forward splat by ``α_f = 1 − t/N`` and the backward one by
``α_b = t/N``. Normalising their *sum* (``Σ num / Σ den``) lets whichever direction happens
to reach a pixel win it outright: where the flow spreads out, single pixels that one
direction missed show the other direction's — unrelated — content, a salt-and-pepper
speckle. Here each direction is first made whole on its own and weighted by how well it
covers the neighbourhood:

    colour_d = num_d / den_d,  or  (G∗num_d) / (G∗den_d) where den_d ≈ 0
    share_d  = min(1, (G∗den_d) / τ) ** p · fade_d
    a = α_f · share_f / Σ_d α_d · share_d,     b = 1 − a

with ``G`` the 3×3 binomial kernel (1 2 1)ᵀ(1 2 1)/16, ``τ`` = :data:`FULL_COVERAGE`
and ``p`` = :data:`COVERAGE_POWER`. A crossfade power ``q`` > 1 then sharpens the share:
``a ← a^q / (a^q + (1 − a)^q)``. Where both directions cover fully, ``a`` = 1 − t/N
becomes :func:`~.engine.crossfade_weight`'s, so the frames pass through the 50/50 mix
of the two splats — whose textures have drifted apart and show through each other —
faster; where one direction fades out, its small share shrinks further. Isolated misses
are filled from their own direction; large regions that only one direction reaches
(where fluid enters or leaves) still take that direction's texture; pixels neither
covers are holes for :mod:`.fill`.

Where fluid enters — at the image border or from still pixels — the forward splat leaves
a band that only the backward one covers, and the blend would switch from one texture to
the mix of both across a line that travels with the flow. ``fade_d`` makes each direction
fade in over :data:`EDGE_RAMP` pixels from where it reaches nothing::

    fade_d = 1 − (1 − ε) · min(1, 4 · gone_d)

with ``gone_d`` the share of pixels in the (2r + 1)² box around the pixel (r =
:data:`EDGE_RAMP`) that direction ``d`` does not reach and ``ε`` = :data:`EDGE_FLOOR`.
``fade_d`` is ε (the direction barely counts) wherever a quarter of the box is not
reached — up to r/2 pixels inside a straight edge, and at a band as thin as r/2 along the
image border — and rises to 1 at r pixels inside. Where neither direction is well
inside, ``ε`` keeps the plain ratio.

A shifted splat has G∗den = 1 (times exp(Z)); a stretched one less. Where fluid speeds up
away from still pixels — the lip of a waterfall — the water that started there is pulled
out into thin streaks as it travels, while the other direction shows water packed as
densely as in the picture. The power makes the denser direction win such places: a
direction stretched to a third of its density counts 1/27 against an undistorted one.

**Contrast-preserving blend.** Mid-loop, ``x = colour_f`` and ``y = colour_b`` show the
texture displaced by ``N·M`` against each other, so they are nearly uncorrelated, and
their plain mean ``a·x + b·y`` has only ``√(a² + b²)`` (down to 71 %) of the texture's
contrast: the loop would fade to a blur in its middle and sharpen towards its ends. The
``"contrast"`` blend restores the detail's variance (the histogram-preserving blend of
Heitz & Neyret, HPG 2018)::

    out = a·x + b·y + (g − 1) · (a·(x − μ_x) + b·(y − μ_y)),
    g   = 1 / √(a² + b² + 2ab·ρ)

where ``μ_x``, ``μ_y`` are the local means of the two splats and ``ρ ∈ [0, 1]`` their
local correlation, measured over cells of :data:`CELL` × :data:`CELL` pixels
(:func:`contrast_statistics`) and interpolated bilinearly between cell centres. Where the
two agree (still pixels, slow flow, shared large-scale structure) ``ρ ≈ 1`` and
``g ≈ 1``: nothing is boosted that was not lost. ``a = 1`` or ``b = 1`` gives ``g = 1``,
so a frame that is one splat alone is unchanged. The ``"linear"`` blend is the plain mean.

Finally ``frame = round(255 · (α · out + (1 − α) · image))`` wherever the blend weight
``α`` > 0.
"""

from __future__ import annotations

import numba
import numpy as np

from .points import balanced_parts

#: Local coverage (blurred splat weight) at which a direction counts as fully present:
#: that of an undistorted splat.
FULL_COVERAGE = 1.0

#: How strongly the blend prefers the denser of the two directions (see the module text).
COVERAGE_POWER = 3

#: Local coverage at or below which a direction counts as absent from a pixel.
MIN_COVERAGE = 1e-6

#: Pixels over which a direction fades in from where it reaches nothing (module text).
EDGE_RAMP = 16

#: A direction's share right at the edge of what it reaches, against its share inside.
EDGE_FLOOR = 0.02

#: Side in pixels of the cells over which the contrast statistics are measured.
CELL = 16

#: The statistics sample every STRIDE-th pixel of every STRIDE-th row.
STRIDE = 2

#: Per-cell statistics: [has, ρ, μ_x (3), μ_y (3)] once finished; the raw sums while
#: accumulating are [n, Σx (3), Σy (3), Σx·x, Σy·y, Σx·y].
_RAW = 10
_HAS, _RHO, _MU_X, _MU_Y = 0, 1, 2, 5


def row_spans(alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``alpha`` (float32 ``h×w``), the columns ``[lo, hi)`` that hold all its
    pixels with ``alpha`` > 0 (int64 ``h`` each; ``lo = hi = 0`` in a row with none).

    The kernels below visit only these spans: nothing else of a frame is animated.
    """
    inside = np.asarray(alpha) > 0
    present = inside.any(axis=1)
    lo = np.where(present, inside.argmax(axis=1), 0)
    hi = np.where(present, inside.shape[1] - inside[:, ::-1].argmax(axis=1), 0)
    return lo.astype(np.int64), hi.astype(np.int64)


def row_parts(lo: np.ndarray, hi: np.ndarray, threads: int) -> np.ndarray:
    """Split the rows into ``threads`` runs with about as many span pixels each
    (:func:`~.points.balanced_parts`): the animated pixels are rarely spread evenly over
    the rows (sky at the top, water at the bottom)."""
    return balanced_parts(hi - lo, threads)


def statistics_shape(height: int, width: int) -> tuple[int, int, int]:
    """Shape of the float64 buffer :func:`contrast_statistics` fills for an ``h×w`` crop."""
    return (-(-height // CELL), -(-width // CELL), _RAW)


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _binomial(acc: np.ndarray, y: int, x: int, k: int) -> float:
    """Σ G·acc[..., k] over the 3×3 binomial window at (y, x), inside the image
    (renormalised where the window overhangs the border)."""
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
    return total / weight


@numba.njit(cache=True, nogil=True, error_model="numpy")
def local_coverage(acc: np.ndarray, coverage: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
    """``coverage`` (float32 ``h×w``) ← G∗den of an accumulator (``h×w×(C+1)``), in the
    spans ``[lo[y], hi[y])`` of :func:`row_spans` (elsewhere ``coverage`` is left as is).

    G is the 3×3 binomial kernel, renormalised where it overhangs the border; applied as
    two 3-tap passes, float32. The border pixels are done apart, so that the inner loops
    have no branches.
    """
    h, w = acc.shape[0], acc.shape[1]
    c = acc.shape[2] - 1
    two, quarter, third = np.float32(2.0), np.float32(0.25), np.float32(1.0 / 3.0)
    rows = np.empty((h, w), dtype=np.float32)
    for y in range(h):
        # The horizontal pass, where this row's vertical neighbours need it.
        start, stop = w, 0
        for r in range(max(0, y - 1), min(h, y + 2)):
            if lo[r] < hi[r]:
                start = min(start, lo[r])
                stop = max(stop, hi[r])
        if start >= stop:
            continue
        if w == 1:
            rows[y, 0] = acc[y, 0, c]
            continue
        if start == 0:
            rows[y, 0] = (two * acc[y, 0, c] + acc[y, 1, c]) * third
        for x in range(max(start, 1), min(stop, w - 1)):
            rows[y, x] = (acc[y, x - 1, c] + two * acc[y, x, c] + acc[y, x + 1, c]) * quarter
        if stop == w:
            rows[y, w - 1] = (acc[y, w - 2, c] + two * acc[y, w - 1, c]) * third
    for y in range(h):
        if 0 < y < h - 1:
            for x in range(lo[y], hi[y]):
                coverage[y, x] = (rows[y - 1, x] + two * rows[y, x] + rows[y + 1, x]) * quarter
        elif h == 1:
            for x in range(lo[y], hi[y]):
                coverage[y, x] = rows[y, x]
        else:  # the first or the last row: one neighbour
            other = 1 if y == 0 else h - 2
            for x in range(lo[y], hi[y]):
                coverage[y, x] = (two * rows[y, x] + rows[other, x]) * third


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _share(coverage: np.float32) -> np.float32:
    """``min(1, coverage / τ) ** p``, exactly 0 where the direction reaches nothing."""
    if coverage <= MIN_COVERAGE:
        return np.float32(0.0)
    base = min(np.float32(1.0), coverage * np.float32(1.0 / FULL_COVERAGE))
    share = np.float32(1.0)
    for _ in range(COVERAGE_POWER):  # multiplications, not a call to pow
        share *= base
    return share


@numba.njit(cache=True, nogil=True, error_model="numpy")
def coverage_shares(
    coverage: np.ndarray, lo: np.ndarray, hi: np.ndarray, gone: np.ndarray
) -> None:
    """Turn a direction's local coverage (:func:`local_coverage`) into its share of the
    blend, ``min(1, coverage / τ) ** p · fade``, in place in the spans (module text).

    ``coverage``: float32 ``h×w``; ``gone``: int32 ``h×w`` scratch. A pixel counts as
    not reached where its coverage is at most :data:`MIN_COVERAGE` (its share is then
    exactly 0); pixels outside the spans and outside the crop count as reached. The box
    sums are running sums along the rows and then down the columns, kept only near the
    pixels not reached; elsewhere ``fade`` is exactly 1.

    Written with explicit loops: array expressions would become parallel loops of their
    own inside the renderer's parallel kernel.
    """
    h, w = coverage.shape
    r = EDGE_RAMP
    one, give = np.float32(1.0), np.float32(1.0 - EDGE_FLOOR)
    # Per row, the columns [first, last) within r of its pixels not reached (none:
    # first = last); there gone[y, x] = those pixels within r columns of x.
    first = np.zeros(h, dtype=np.int64)
    last = np.zeros(h, dtype=np.int64)
    before = np.zeros(w + 1, dtype=np.int32)  # before[x]: pixels not reached left of x
    for y in range(h):
        a, b = lo[y], hi[y]
        count = 0
        for x in range(a, b):
            count += coverage[y, x] <= MIN_COVERAGE
            before[x + 1] = count
        if count == 0:
            continue
        for x in range(a + 1):
            before[x] = 0
        for x in range(b + 1, w + 1):
            before[x] = count
        lowest, highest = a, b - 1  # the first and the last pixel not reached
        while before[lowest + 1] == 0:
            lowest += 1
        while before[highest] == count:
            highest -= 1
        first[y], last[y] = max(0, lowest - r), min(w, highest + r + 1)
        for x in range(first[y], last[y]):
            gone[y, x] = before[min(w, x + r + 1)] - before[max(0, x - r)]
    # The same per block of r rows, so that a row finds the columns where the rows
    # within r of it have sums from three blocks.
    blocks = -(-h // r)
    block_first = np.full(blocks, w, dtype=np.int64)
    block_last = np.zeros(blocks, dtype=np.int64)
    for y in range(h):
        if first[y] < last[y]:
            block_first[y // r] = min(block_first[y // r], first[y])
            block_last[y // r] = max(block_last[y // r], last[y])
    scale = np.float32(4.0 / (2 * r + 1) ** 2)
    column = np.zeros(w, dtype=np.int32)  # Σ gone over the rows within r of row y
    for q in range(min(r, h - 1) + 1):
        for x in range(first[q], last[q]):
            column[x] += gone[q, x]
    for y in range(h):
        a, b = lo[y], hi[y]
        near_lo, near_hi = w, 0
        for j in range(max(0, y // r - 1), min(blocks, y // r + 2)):
            near_lo = min(near_lo, block_first[j])
            near_hi = max(near_hi, block_last[j])
        near_lo, near_hi = min(max(near_lo, a), b), max(min(near_hi, b), a)
        if near_lo >= near_hi:
            near_lo = near_hi = b
        for x in range(a, near_lo):
            coverage[y, x] = _share(coverage[y, x])
        for x in range(near_lo, near_hi):
            fade = one - give * min(one, scale * np.float32(column[x]))
            coverage[y, x] = _share(coverage[y, x]) * fade
        for x in range(near_hi, b):
            coverage[y, x] = _share(coverage[y, x])
        enter, leave = y + r + 1, y - r
        if enter < h:
            for x in range(first[enter], last[enter]):
                column[x] += gone[enter, x]
        if leave >= 0:
            for x in range(first[leave], last[leave]):
                column[x] -= gone[leave, x]


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _direction_weight(alpha_d: np.float32, share: np.float32) -> np.float32:
    """A direction's weight before normalising: ``alpha_d · share``
    (:func:`coverage_shares`); exactly 0 where the direction reaches nothing."""
    if alpha_d <= 0.0 or share <= 0.0:
        return np.float32(0.0)
    return alpha_d * share


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _blurred_colour(acc: np.ndarray, y: int, x: int) -> tuple[float, float, float]:
    """(G∗num)/(G∗den) at (y, x): the colour of a pixel that got (almost) nothing."""
    den = _binomial(acc, y, x, 3)
    if den <= 0.0:
        return 0.0, 0.0, 0.0
    return (_binomial(acc, y, x, 0) / den, _binomial(acc, y, x, 1) / den,
            _binomial(acc, y, x, 2) / den)


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _colour(acc: np.ndarray, y: int, x: int) -> tuple[float, float, float]:
    """num/den (RGB) at (y, x); (G∗num)/(G∗den) where the pixel got nothing."""
    own = acc[y, x, 3]
    if own > 1e-4:
        inv = np.float32(1.0) / own
        return acc[y, x, 0] * inv, acc[y, x, 1] * inv, acc[y, x, 2] * inv
    c0, c1, c2 = _blurred_colour(acc, y, x)
    return np.float32(c0), np.float32(c1), np.float32(c2)


@numba.njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def contrast_statistics(
    acc_f: np.ndarray,
    acc_b: np.ndarray,
    cov_f: np.ndarray,
    cov_b: np.ndarray,
    alpha_f: float,
    alpha_b: float,
    alpha: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    parts: np.ndarray,
    stats: np.ndarray,
) -> None:
    """Local means and correlation of the two splats, per :data:`CELL`-pixel cell.

    Inputs as for :func:`normalize_and_compose`. ``stats``: float64 buffer of
    :func:`statistics_shape`; on return ``stats[cy, cx, :8]`` holds
    ``[has, ρ, μ_x (RGB), μ_y (RGB)]`` — ``has`` is 0 where too few pixels see both
    directions to measure anything. Only pixels both directions cover count, sampled on
    a grid of every :data:`STRIDE`-th pixel.

    Scalar code throughout: numpy expressions on arrays here would take seconds longer to
    compile on first use.
    """
    h = alpha.shape[0]
    n_rows, n_cols = stats.shape[0], stats.shape[1]
    af, ab = np.float32(alpha_f), np.float32(alpha_b)
    for part in numba.prange(parts.shape[0] - 1):
        # The thread's run of rows, rounded to whole rows of cells.
        first = min((parts[part] + CELL // 2) // CELL, n_rows)
        stop = n_rows if part == parts.shape[0] - 2 else min(
            (parts[part + 1] + CELL // 2) // CELL, n_rows)
        for cy in range(first, stop):
            band = stats[cy]
            for cx in range(n_cols):
                for k in range(_RAW):
                    band[cx, k] = 0.0
            for y in range(cy * CELL, min(h, (cy + 1) * CELL), STRIDE):
                for x in range(-(-lo[y] // STRIDE) * STRIDE, hi[y], STRIDE):
                    if (alpha[y, x] <= 0.0 or _direction_weight(af, cov_f[y, x]) <= 0.0
                            or _direction_weight(ab, cov_b[y, x]) <= 0.0):
                        continue
                    x0, x1, x2 = _colour(acc_f, y, x)
                    y0, y1, y2 = _colour(acc_b, y, x)
                    sums = band[x // CELL]
                    sums[0] += 1.0
                    sums[1] += x0
                    sums[2] += x1
                    sums[3] += x2
                    sums[4] += y0
                    sums[5] += y1
                    sums[6] += y2
                    sums[7] += x0 * x0 + x1 * x1 + x2 * x2
                    sums[8] += y0 * y0 + y1 * y1 + y2 * y2
                    sums[9] += x0 * y0 + x1 * y1 + x2 * y2
            for cx in range(n_cols):
                n = band[cx, 0]
                if n < 8.0:
                    band[cx, _HAS] = 0.0
                    continue
                var_x = band[cx, 7] / n
                var_y = band[cx, 8] / n
                cov_xy = band[cx, 9] / n
                mx0, mx1, mx2 = band[cx, 1] / n, band[cx, 2] / n, band[cx, 3] / n
                my0, my1, my2 = band[cx, 4] / n, band[cx, 5] / n, band[cx, 6] / n
                var_x -= mx0 * mx0
                var_y -= my0 * my0
                cov_xy -= mx0 * my0
                var_x -= mx1 * mx1
                var_y -= my1 * my1
                cov_xy -= mx1 * my1
                var_x -= mx2 * mx2
                var_y -= my2 * my2
                cov_xy -= mx2 * my2
                band[cx, _MU_X], band[cx, _MU_X + 1], band[cx, _MU_X + 2] = mx0, mx1, mx2
                band[cx, _MU_Y], band[cx, _MU_Y + 1], band[cx, _MU_Y + 2] = my0, my1, my2
                band[cx, _HAS] = 1.0
                if var_x <= 1e-7 or var_y <= 1e-7:  # flat: no detail to restore
                    band[cx, _RHO] = 1.0
                else:
                    band[cx, _RHO] = min(1.0, max(0.0, cov_xy / np.sqrt(var_x * var_y)))


@numba.njit(cache=True, nogil=True, inline="always")
def _to_byte(value: np.float32) -> np.uint8:
    """round(value) clamped to 0…255: clamping first, truncation is rounding down."""
    return np.uint8(np.int32(min(max(value + np.float32(0.5), np.float32(0.0)),
                                 np.float32(255.0))))


@numba.njit(cache=True, nogil=True, parallel=True, error_model="numpy", fastmath=True)
def normalize_and_compose(
    acc_f: np.ndarray,
    acc_b: np.ndarray,
    cov_f: np.ndarray,
    cov_b: np.ndarray,
    alpha_f: float,
    alpha_b: float,
    stats: np.ndarray,
    preserve_contrast: bool,
    image: np.ndarray,
    alpha: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    parts: np.ndarray,
    frame: np.ndarray,
    holes: np.ndarray,
    crossfade: float = 1.0,
) -> int:
    """Blend the two splats and write the composited pixels into ``frame``.

    ``acc_f``, ``acc_b``: float32 ``h×w×4`` accumulators (num RGB, den) of the forward and
    backward splat; ``cov_f``, ``cov_b``: their shares of the blend (the local coverage
    of :func:`local_coverage` after :func:`coverage_shares`); ``alpha_f``, ``alpha_b``:
    the directions' weights;
    ``stats``: from :func:`contrast_statistics` (read only if ``preserve_contrast``);
    ``image``: float32 ``h×w×3`` in [0, 1]; ``alpha``: float32 ``h×w`` blend weight into
    the still image; ``lo``, ``hi``: its :func:`row_spans`; ``parts``: the threads'
    runs of rows (:func:`row_parts`); ``frame``: uint8 ``h×w×3``
    (may be a view), written where ``alpha > 0`` and a colour exists; ``holes``: bool
    ``h×w`` set where neither direction covers and
    cleared where one does (left as is where ``alpha`` is 0); ``crossfade``: the power
    ``p`` that sharpens the forward splat's share ``a`` into ``aᵖ / (aᵖ + (1 − a)ᵖ)``
    (module text). Returns the number of holes (those pixels of ``frame`` are left for the
    caller to fill).
    """
    w = alpha.shape[1]
    n_rows, n_cols = stats.shape[0], stats.shape[1]
    # Each column's left cell centre and its distance to it, in cells.
    cell_left = np.empty(w, dtype=np.int64)
    cell_frac = np.empty(w, dtype=np.float32)
    for x in range(w):
        gx = (x + 0.5) / CELL - 0.5
        left = int(np.floor(gx))
        cell_left[x] = min(max(left, 0), n_cols - 1)
        cell_frac[x] = gx - left if 0 <= left < n_cols - 1 else 0.0
    # Arithmetic in float32, like the accumulators.
    one, zero, full = np.float32(1.0), np.float32(0.0), np.float32(255.0)
    af, ab = np.float32(alpha_f), np.float32(alpha_b)
    power = np.float32(crossfade)
    count = 0
    for part in numba.prange(parts.shape[0] - 1):
        for y in range(parts[part], parts[part + 1]):
            # The statistics interpolated to this row, per cell column: [has, ρ, μ_x, μ_y].
            row = np.zeros((n_cols, 8), dtype=np.float32)
            if preserve_contrast:
                gy = (y + 0.5) / CELL - 0.5
                top = int(np.floor(gy))
                fy = gy - top
                for j in range(2):
                    cy = min(max(top + j, 0), n_rows - 1)
                    wy = fy if j == 1 else 1.0 - fy
                    for cx in range(n_cols):
                        has = np.float32(stats[cy, cx, _HAS] * wy)
                        row[cx, 0] += has
                        for k in range(1, 8):
                            row[cx, k] += has * np.float32(stats[cy, cx, k])
                for cx in range(n_cols):
                    if row[cx, 0] > 1e-6:
                        inv = one / row[cx, 0]
                        for k in range(1, 8):
                            row[cx, k] *= inv
            for x in range(lo[y], hi[y]):
                weight = alpha[y, x]
                if weight <= 0.0:  # a still pixel: the input is its colour
                    continue
                wf = _direction_weight(af, cov_f[y, x])
                wb = _direction_weight(ab, cov_b[y, x])
                total = wf + wb
                if total <= 0.0:  # neither direction reaches this pixel
                    holes[y, x] = True
                    count += 1
                    continue
                holes[y, x] = False
                inv = one / total
                a = wf * inv
                if crossfade != 1.0 and 0.0 < a < 1.0:
                    if crossfade == 2.0:
                        pa, pb = a * a, (one - a) * (one - a)
                    else:
                        pa, pb = a ** power, (one - a) ** power
                    a = pa / (pa + pb)
                b = one - a
                x0, x1, x2 = _colour(acc_f, y, x) if wf > 0.0 else (zero, zero, zero)
                y0, y1, y2 = _colour(acc_b, y, x) if wb > 0.0 else (zero, zero, zero)
                v0 = a * x0 + b * y0
                v1 = a * x1 + b * y1
                v2 = a * x2 + b * y2
                if preserve_contrast and wf > 0.0 and wb > 0.0:
                    c0 = cell_left[x]
                    c1 = c0 + 1 if c0 + 1 < n_cols else c0
                    w0 = (one - cell_frac[x]) * row[c0, 0]
                    w1 = cell_frac[x] * row[c1, 0]
                    has = w0 + w1
                    if has > 1e-6:
                        w0 /= has
                        w1 = one - w0
                        rho = w0 * row[c0, 1] + w1 * row[c1, 1]
                        # a + b = 1, so a² + b² + 2abρ = 1 − 2ab(1 − ρ).
                        boost = one / np.sqrt(one - np.float32(2.0) * a * b * (one - rho)) - one
                        fa = boost * a
                        fb = boost * b
                        v0 += (fa * (x0 - w0 * row[c0, 2] - w1 * row[c1, 2])
                               + fb * (y0 - w0 * row[c0, 5] - w1 * row[c1, 5]))
                        v1 += (fa * (x1 - w0 * row[c0, 3] - w1 * row[c1, 3])
                               + fb * (y1 - w0 * row[c0, 6] - w1 * row[c1, 6]))
                        v2 += (fa * (x2 - w0 * row[c0, 4] - w1 * row[c1, 4])
                               + fb * (y2 - w0 * row[c0, 7] - w1 * row[c1, 7]))
                rest = one - weight
                frame[y, x, 0] = _to_byte(full * (weight * v0 + rest * image[y, x, 0]))
                frame[y, x, 1] = _to_byte(full * (weight * v1 + rest * image[y, x, 1]))
                frame[y, x, 2] = _to_byte(full * (weight * v2 + rest * image[y, x, 2]))
    return count
