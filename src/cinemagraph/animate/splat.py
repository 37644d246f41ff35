"""Softmax splatting (Niklaus & Liu, CVPR 2020): forward warping with importance weights.

Every source pixel ``p`` with colour ``I(p)``, displacement ``F(p)`` and importance ``Z(p)``
is pushed to ``q = p + F(p)`` and spread over the four pixels around ``q`` with the
bilinear kernel ``b(n, q) = max(0, 1 − |nₓ − qₓ|) · max(0, 1 − |n_y − q_y|)``::

    num(n) = Σₚ α · exp(Z(p)) · b(n, p + F(p)) · I(p)
    den(n) = Σₚ α · exp(Z(p)) · b(n, p + F(p))
    out(n) = num(n) / den(n)          (undefined — a hole — where den(n) = 0)

``α`` is a per-call scalar weight, so that several splats can accumulate into one
``num``/``den`` buffer and be normalised together. ``exp(Z)`` is passed in as ``weight``
(callers subtract max Z first).

Both sums are one scatter of a *packed source* ``S = (α·exp(Z)·I, α·exp(Z))``
(``H×W×(C+1)``): ``acc(n) = Σₚ b(n, p + F(p)) · S(p)``. :func:`pack_source` builds it,
:func:`splat_points` scatters it from chosen points (:mod:`.points`) with a compiled numba
kernel (a renderer packs once per video and splats every frame) and :func:`splat_packed`
from every pixel; :func:`splat_points_torch` does the same with ``index_add_`` on torch
tensors of any device (CUDA); :func:`splat_accumulate` packs and splats every pixel, on
numpy arrays or torch tensors.
"""

from __future__ import annotations

import numba
import numpy as np
import torch

from .points import PointRuns


@numba.njit(cache=True, nogil=True, inline="always")
def _spread(acc, source, i, y0, x0, w00, w01, w10, w11, channels):
    """Add source[i] to the 2×2 pixels at (y0, x0) with bilinear weights (all inside)."""
    for k in range(channels):
        v = source[i, k]
        acc[y0, x0, k] += w00 * v
        acc[y0, x0 + 1, k] += w01 * v
        acc[y0 + 1, x0, k] += w10 * v
        acc[y0 + 1, x0 + 1, k] += w11 * v


@numba.njit(cache=True, nogil=True, inline="always")
def _kernel_corner(x, y, dx, dy):
    """Top-left pixel (x0, y0) of the 2×2 kernel around (x + dx, y + dy) and the
    kernel's weights along each axis: (x0, y0, ax, ay, 1 − ax, 1 − ay)."""
    one = np.float32(1.0)
    tx = np.float32(x) + dx
    ty = np.float32(y) + dy
    fx0 = np.floor(tx)
    fy0 = np.floor(ty)
    ax = tx - fx0
    ay = ty - fy0
    return int(fx0), int(fy0), ax, ay, one - ax, one - ay


@numba.njit(cache=True, nogil=True)
def _spread_clipped(acc, source, i, y0, x0, ax, ay, bx, by):
    """Add source[i] to those of the 2×2 pixels at (y0, x0) that lie inside ``acc``.

    Only points landing on the border come here; kept out of line, it leaves the kernels'
    common case small.
    """
    h, w, channels = acc.shape
    for j in range(2):
        yy = y0 + j
        if yy < 0 or yy >= h:
            continue
        ky = ay if j == 1 else by
        for xi in range(2):
            xx = x0 + xi
            if xx < 0 or xx >= w:
                continue
            kk = ky * (ax if xi == 1 else bx)
            if kk == 0.0:
                continue
            for k in range(channels):
                acc[yy, xx, k] += kk * source[i, k]


@numba.njit(cache=True, nogil=True, inline="always")
def _add_column(acc, y, x, t0, t1, t2, t3, b0, b1, b2, b3):
    """Add (t0…t3) to acc[y, x] and (b0…b3) to acc[y + 1, x] (4 channels)."""
    acc[y, x, 0] += t0
    acc[y, x, 1] += t1
    acc[y, x, 2] += t2
    acc[y, x, 3] += t3
    acc[y + 1, x, 0] += b0
    acc[y + 1, x, 1] += b1
    acc[y + 1, x, 2] += b2
    acc[y + 1, x, 3] += b3


@numba.njit(cache=True, nogil=True)
def _splat_rgbw(source, runs, disp, valid, acc) -> None:
    """:func:`splat_points` for 4 channels (RGB + weight), carrying a column in registers.

    A point's 2×2 kernel covers a left and a right column of two pixels. Where the field
    is smooth, the next point's left column is this point's right one, so the right
    column is held back (*pending*) and merged with the next point's share before it is
    written: each point reads and writes 8 accumulator values instead of 16, and no write
    waits on the one before it. Each run is walked through views of its own, whose
    indices are known not to be negative: numba then leaves out the checks for negative
    indices.
    """
    h, w = acc.shape[0], acc.shape[1]
    zero = np.float32(0.0)
    py, px = -1, -1  # the pending column: (py, px) gets p0…p3, (py + 1, px) gets q0…q3
    p0 = p1 = p2 = p3 = q0 = q1 = q2 = q3 = zero
    for r in range(runs.shape[0]):
        y, first, start = runs[r, 0], runs[r, 1], runs[r, 3]
        stop = start + runs[r, 2] - first
        run_source, run_disp, run_valid = source[start:stop], disp[start:stop], valid[start:stop]
        for j in range(run_disp.shape[0]):
            if not run_valid[j]:
                continue
            x = first + j
            dx = run_disp[j, 0]
            dy = run_disp[j, 1]
            if dx == 0.0 and dy == 0.0:  # a still pixel: the kernel is 1 on itself
                acc[y, x, 0] += run_source[j, 0]
                acc[y, x, 1] += run_source[j, 1]
                acc[y, x, 2] += run_source[j, 2]
                acc[y, x, 3] += run_source[j, 3]
                continue
            x0, y0, ax, ay, bx, by = _kernel_corner(x, y, dx, dy)
            if x0 >= 0 and x0 + 1 < w and y0 >= 0 and y0 + 1 < h:  # the common case
                s0, s1, s2, s3 = (run_source[j, 0], run_source[j, 1], run_source[j, 2],
                                  run_source[j, 3])
                w00, w10 = bx * by, bx * ay
                t0, t1, t2, t3 = w00 * s0, w00 * s1, w00 * s2, w00 * s3
                b0, b1, b2, b3 = w10 * s0, w10 * s1, w10 * s2, w10 * s3
                if py == y0 and px == x0:  # the pending column is this left column
                    t0 += p0
                    t1 += p1
                    t2 += p2
                    t3 += p3
                    b0 += q0
                    b1 += q1
                    b2 += q2
                    b3 += q3
                elif py >= 0:
                    _add_column(acc, py, px, p0, p1, p2, p3, q0, q1, q2, q3)
                _add_column(acc, y0, x0, t0, t1, t2, t3, b0, b1, b2, b3)
                w01, w11 = ax * by, ax * ay
                p0, p1, p2, p3 = w01 * s0, w01 * s1, w01 * s2, w01 * s3
                q0, q1, q2, q3 = w11 * s0, w11 * s1, w11 * s2, w11 * s3
                py, px = y0, x0 + 1
                continue
            _spread_clipped(acc, run_source, j, y0, x0, ax, ay, bx, by)  # on the border
    if py >= 0:
        _add_column(acc, py, px, p0, p1, p2, p3, q0, q1, q2, q3)


@numba.njit(cache=True, nogil=True)
def splat_points(source, runs, disp, valid, acc) -> None:
    """``acc += Σₚ b(·, p + F(p)) · source(p)`` in place over the points of ``runs``
    (compiled; numpy arrays).

    ``source``: float32 ``P×K`` (the points' rows of :func:`pack_source`); ``runs``: the
    points' :attr:`~.points.PointRuns.runs`; ``disp``: float32 ``P×2`` pixels (dx, dy);
    ``valid``: bool ``P`` (False = point dropped); ``acc``: float32 ``H×W×K``. Mass that
    lands outside the image is lost.
    """
    h, w, channels = acc.shape
    if channels == 4:  # RGB + weight
        _splat_rgbw(source, runs, disp, valid, acc)
        return
    for r in range(runs.shape[0]):
        y, first, start = runs[r, 0], runs[r, 1], runs[r, 3]
        stop = start + runs[r, 2] - first
        run_source, run_disp, run_valid = source[start:stop], disp[start:stop], valid[start:stop]
        for j in range(run_disp.shape[0]):
            if not run_valid[j]:
                continue
            x = first + j
            dx = run_disp[j, 0]
            dy = run_disp[j, 1]
            if dx == 0.0 and dy == 0.0:  # a still pixel: the kernel is 1 on itself
                for k in range(channels):
                    acc[y, x, k] += run_source[j, k]
                continue
            x0, y0, ax, ay, bx, by = _kernel_corner(x, y, dx, dy)
            if x0 >= 0 and x0 + 1 < w and y0 >= 0 and y0 + 1 < h:  # the common case
                _spread(acc, run_source, j, y0, x0, bx * by, ax * by, bx * ay, ax * ay,
                        channels)
                continue
            _spread_clipped(acc, run_source, j, y0, x0, ax, ay, bx, by)  # on the border


@numba.njit(cache=True, nogil=True, inline="always")
def _sharp_taps(a, sharpness):
    """The four weights at the pixels −1, 0, 1, 2 around a point at fraction ``a`` ∈ [0, 1)
    past pixel 0: the bilinear kernel mixed with the Catmull-Rom one (Keys, a = −½) in
    the share ``sharpness``. They sum to 1, and a whole-pixel landing has weight 1."""
    half = np.float32(0.5)
    a2 = a * a
    a3 = a2 * a
    s = sharpness
    r = np.float32(1.0) - s
    return (s * half * (-a3 + np.float32(2.0) * a2 - a),
            r * (np.float32(1.0) - a)
            + s * half * (np.float32(3.0) * a3 - np.float32(5.0) * a2 + np.float32(2.0)),
            r * a + s * half * (np.float32(-3.0) * a3 + np.float32(4.0) * a2 + a),
            s * half * (a3 - a2))


@numba.njit(cache=True, nogil=True, inline="always")
def _add_tap(cell, k, s0, s1, s2, s3):
    cell[0] += k * s0
    cell[1] += k * s1
    cell[2] += k * s2
    cell[3] += k * s3


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=True)
def splat_points_sharp(source, runs, disp, valid, sharpness, acc) -> None:
    """:func:`splat_points` with the sharpened kernel of :func:`_sharp_taps` instead of the
    bilinear one (compiled; 4 channels: RGB + weight).

    The kernel spans 4×4 pixels less its corners (the corners' weights are below 0.6 %
    of the centre's at any sharpness, and the normalisation by ``den`` absorbs them). It
    interpolates — weight 1 on a whole-pixel landing — and its negative lobes keep much
    of the detail that the bilinear kernel blurs away at fractional offsets. Where the
    flow spreads the points out, a pixel's signed weight ``den`` can fall far below its
    neighbours' and its colour ``num/den`` becomes an unstable extrapolation:
    :func:`drop_unstable` removes such pixels. Mass that lands outside the image is lost.
    """
    h, w = acc.shape[0], acc.shape[1]
    for r in range(runs.shape[0]):
        y, first, start = runs[r, 0], runs[r, 1], runs[r, 3]
        stop = start + runs[r, 2] - first
        run_source, run_disp, run_valid = source[start:stop], disp[start:stop], valid[start:stop]
        for j in range(run_disp.shape[0]):
            if not run_valid[j]:
                continue
            x = first + j
            dx = run_disp[j, 0]
            dy = run_disp[j, 1]
            s0, s1, s2, s3 = run_source[j, 0], run_source[j, 1], run_source[j, 2], run_source[j, 3]
            if dx == 0.0 and dy == 0.0:  # a still pixel: the kernel is 1 on itself
                _add_tap(acc[y, x], np.float32(1.0), s0, s1, s2, s3)
                continue
            x0, y0, ax, ay, _bx, _by = _kernel_corner(x, y, dx, dy)
            wx0, wx1, wx2, wx3 = _sharp_taps(ax, sharpness)
            wy0, wy1, wy2, wy3 = _sharp_taps(ay, sharpness)
            if x0 >= 1 and x0 + 2 < w and y0 >= 1 and y0 + 2 < h:  # the common case
                top, up, down, bottom = acc[y0 - 1], acc[y0], acc[y0 + 1], acc[y0 + 2]
                _add_tap(top[x0], wy0 * wx1, s0, s1, s2, s3)
                _add_tap(top[x0 + 1], wy0 * wx2, s0, s1, s2, s3)
                for row, ky in ((up, wy1), (down, wy2)):
                    _add_tap(row[x0 - 1], ky * wx0, s0, s1, s2, s3)
                    _add_tap(row[x0], ky * wx1, s0, s1, s2, s3)
                    _add_tap(row[x0 + 1], ky * wx2, s0, s1, s2, s3)
                    _add_tap(row[x0 + 2], ky * wx3, s0, s1, s2, s3)
                _add_tap(bottom[x0], wy3 * wx1, s0, s1, s2, s3)
                _add_tap(bottom[x0 + 1], wy3 * wx2, s0, s1, s2, s3)
                continue
            wx = (wx0, wx1, wx2, wx3)
            wy = (wy0, wy1, wy2, wy3)
            for jy in range(4):  # on the border
                yy = y0 - 1 + jy
                if yy < 0 or yy >= h:
                    continue
                for jx in range(4):
                    xx = x0 - 1 + jx
                    if xx < 0 or xx >= w or ((jx == 0 or jx == 3) and (jy == 0 or jy == 3)):
                        continue
                    _add_tap(acc[yy, xx], wy[jy] * wx[jx], s0, s1, s2, s3)


#: A sharp splat's pixel whose ``den`` is below this share of its neighbourhood's
#: (the local coverage) is dropped (:func:`drop_unstable`).
MIN_STABLE_SHARE = 0.5


@numba.njit(cache=True, nogil=True)
def drop_unstable(acc, coverage, lo, hi) -> int:
    """Empty the pixels of a sharp splat (:func:`splat_points_sharp`) whose ``den`` is below
    :data:`MIN_STABLE_SHARE` of their ``coverage`` (float32 ``H×W``: the binomial blur of
    ``den``), in the spans ``[lo[y], hi[y])``: the compositing then takes their colour from
    the neighbourhood, as for any pixel a splat misses. An undistorted splat has ``den``
    equal to its coverage everywhere and loses nothing. Returns how many were dropped (the
    coverage is then to be measured again)."""
    share = np.float32(MIN_STABLE_SHARE)
    dropped = 0
    for y in range(acc.shape[0]):
        for x in range(lo[y], hi[y]):
            if acc[y, x, 3] < share * coverage[y, x] or acc[y, x, 3] < 0.0:
                acc[y, x, 0] = 0.0
                acc[y, x, 1] = 0.0
                acc[y, x, 2] = 0.0
                acc[y, x, 3] = 0.0
                dropped += 1
    return dropped


def splat_packed(source: np.ndarray, disp: np.ndarray, valid: np.ndarray, acc: np.ndarray) -> None:
    """``acc += Σₚ b(·, p + F(p)) · source(p)`` in place over every pixel (numpy arrays).

    ``source``: float32 ``H×W×K`` (from :func:`pack_source`); ``disp``: float32 ``H×W×2``
    pixels (dx, dy); ``valid``: bool ``H×W`` (False = point dropped); ``acc``: float32
    ``H×W×K``.
    """
    h, w, channels = source.shape
    splat_points(
        np.ascontiguousarray(source).reshape(h * w, channels), PointRuns.whole(h, w).runs,
        np.ascontiguousarray(disp).reshape(h * w, 2), np.ascontiguousarray(valid).reshape(-1),
        acc,
    )


def pack_source(image: np.ndarray, weight: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """The packed source ``(α·w·I, α·w)``: float32 ``H×W×(C+1)``.

    ``image``: float32 ``H×W×C``; ``weight``: float32 ``H×W`` = exp(Z); ``alpha``: scalar.
    """
    image = np.asarray(image, dtype=np.float32)
    h, w, c = image.shape
    packed = np.empty((h, w, c + 1), dtype=np.float32)
    np.multiply(np.float32(alpha), weight, out=packed[..., c], casting="same_kind")
    np.multiply(image, packed[..., c, None], out=packed[..., :c])
    return packed


def splat_points_torch(
    values: torch.Tensor,
    xs: torch.Tensor,
    ys: torch.Tensor,
    disp: torch.Tensor,
    valid: torch.Tensor,
    weight: torch.Tensor,
    alpha: float,
    acc: torch.Tensor,
    sharpness: float = 0.0,
) -> None:
    """Add the softmax splat of points at pixels ``(xs, ys)`` (float32 ``P`` each) into
    ``acc`` in place (torch, any device).

    ``values``: float32 ``P×C``; ``disp``: float32 ``P×2`` pixels; ``valid``: bool ``P``;
    ``weight``: float32 ``P`` = exp(Z); ``alpha``: scalar; ``acc``: float32 ``H×W×(C+1)``
    (``num`` in channels ``0…C−1``, ``den`` in channel ``C``); ``sharpness``: 0 for the
    bilinear kernel, up to 1 for the Catmull-Rom one (:func:`splat_points_sharp`).
    """
    h, w, channels = acc.shape
    tx = xs + disp[:, 0]
    ty = ys + disp[:, 1]
    x0 = torch.floor(tx)
    y0 = torch.floor(ty)
    ax = tx - x0
    ay = ty - y0
    wt = (alpha * weight) * valid.to(weight.dtype)
    packed = torch.cat([values, torch.ones_like(values[:, :1])], dim=1)  # P×(C+1)
    flat_acc = acc.view(h * w, channels)
    if sharpness > 0:
        offsets = (-1, 0, 1, 2)
        taps_x, taps_y = _sharp_taps_torch(ax, sharpness), _sharp_taps_torch(ay, sharpness)
    else:
        offsets, taps_x, taps_y = (0, 1), (1 - ax, ax), (1 - ay, ay)
    for j, ky in zip(offsets, taps_y, strict=True):
        yy = y0 + j
        for i, kx in zip(offsets, taps_x, strict=True):
            if i in (-1, 2) and j in (-1, 2):  # the corners are left out
                continue
            xx = x0 + i
            k = wt * kx * ky
            inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h) & (k != 0)
            index = (yy[inside] * w + xx[inside]).long()
            flat_acc.index_add_(0, index, packed[inside] * k[inside][:, None])


def _sharp_taps_torch(a: torch.Tensor, sharpness: float) -> tuple[torch.Tensor, ...]:
    """:func:`_sharp_taps` of a tensor of fractions."""
    a2 = a * a
    a3 = a2 * a
    s, r = sharpness, 1.0 - sharpness
    return (s * 0.5 * (-a3 + 2 * a2 - a), r * (1 - a) + s * 0.5 * (3 * a3 - 5 * a2 + 2),
            r * a + s * 0.5 * (-3 * a3 + 4 * a2 + a), s * 0.5 * (a3 - a2))


def _splat_torch(image, disp, valid, weight, alpha: float, acc) -> None:
    """:func:`splat_points_torch` from every pixel of ``image`` (``H×W×C``)."""
    h, w, c = image.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, device=image.device, dtype=disp.dtype),
        torch.arange(w, device=image.device, dtype=disp.dtype),
        indexing="ij",
    )
    splat_points_torch(image.reshape(h * w, c), xs.reshape(-1), ys.reshape(-1),
                       disp.reshape(h * w, 2), valid.reshape(-1), weight.reshape(-1), alpha,
                       acc)


def splat_accumulate(
    image: np.ndarray | torch.Tensor,
    disp: np.ndarray | torch.Tensor,
    valid: np.ndarray | torch.Tensor,
    weight: np.ndarray | torch.Tensor,
    alpha: float,
    acc: np.ndarray | torch.Tensor,
) -> None:
    """Add one weighted softmax splat into ``acc`` in place.

    ``image``: float32 ``H×W×C`` (any values); ``disp``: float32 ``H×W×2`` pixels (dx, dy);
    ``valid``: bool ``H×W`` (False = point dropped); ``weight``: float32 ``H×W`` = exp(Z);
    ``alpha``: scalar weight of this splat; ``acc``: float32 ``H×W×(C+1)`` holding
    ``num`` in channels ``0…C−1`` and ``den`` in channel ``C``. All numpy (numba kernel)
    or all torch tensors on one device.
    """
    if isinstance(image, torch.Tensor):
        _splat_torch(image, disp, valid, weight, float(alpha), acc)
    else:
        splat_packed(pack_source(image, weight, alpha), disp, valid, acc)


def normalize(acc: np.ndarray, eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Split an accumulator into ``out = num/den`` (float32 ``H×W×C``) and holes (bool ``H×W``).

    Holes (``den ≤ eps``) are set to 0 in ``out``.
    """
    den = acc[..., -1]
    holes = den <= eps
    out = acc[..., :-1] / np.where(holes, 1.0, den)[..., None]
    out[holes] = 0.0
    return out.astype(np.float32, copy=False), holes


def softmax_splat(
    image: np.ndarray,
    disp: np.ndarray,
    importance: np.ndarray | None = None,
    valid: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Forward-warp ``image`` (float32 ``H×W×C``) by ``disp`` (float32 ``H×W×2``, pixels).

    ``importance`` is Z (float32 ``H×W``, default 0 = average splatting). Returns the
    warped image (float32 ``H×W×C``, 0 in holes) and the hole mask (bool ``H×W``).
    """
    image = np.ascontiguousarray(image, dtype=np.float32)
    h, w, c = image.shape
    disp = np.ascontiguousarray(disp, dtype=np.float32)
    if importance is None:
        weight = np.ones((h, w), dtype=np.float32)
    else:
        z = np.asarray(importance, dtype=np.float32)
        weight = np.exp(z - z.max()).astype(np.float32)
    if valid is None:
        valid = np.ones((h, w), dtype=np.bool_)
    acc = np.zeros((h, w, c + 1), dtype=np.float32)
    splat_accumulate(image, disp, np.ascontiguousarray(valid), weight, 1.0, acc)
    return normalize(acc)
