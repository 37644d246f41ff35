"""Rendering one frame of the loop from its forward and backward displacements.

A :class:`FrameRenderer` holds everything that stays fixed over a video — the points
that take part (:mod:`.points`) and their packed splat source
(:func:`~.splat.pack_source`), the blend weights, the accumulators — and turns
``(F₀→ₜ, F₀→₋₍N−t₎)`` of those points into the animated pixels of frame ``t``:

1. splat the image forward and backward, each into its own accumulator, and measure each
   direction's local coverage and share of the blend (numba: both directions at once, one
   per thread; torch: ``index_add_`` on the tensors' device);
2. measure the local contrast statistics of the two splats and blend them
   (:mod:`.compose`);
3. fill the pixels neither direction reaches, window by window: their colour varies
   smoothly from the pixels around them (:mod:`.fill`), and the picture's own fine
   texture is laid over it, carried along the flow (:meth:`FrameRenderer.hole_texture`).
"""

from __future__ import annotations

import cv2
import numba
import numpy as np
import torch

from ..contract import to_uint8
from .compose import (
    contrast_statistics,
    coverage_shares,
    local_coverage,
    normalize_and_compose,
    row_parts,
    row_spans,
    statistics_shape,
)
from .fill import fill_holes
from .points import PointRuns
from .splat import (
    drop_unstable,
    pack_source,
    splat_points,
    splat_points_sharp,
    splat_points_torch,
)

#: Holes are grouped on a grid of tiles this many pixels wide before they are filled.
HOLE_TILE = 8

#: More separate groups of holes than this are filled in one shared window.
MAX_HOLE_WINDOWS = 32

#: Frames over which the texture laid into holes travels once along the flow before it
#: starts again (one of two phases half a period apart, crossfaded).
HOLE_TEXTURE_PERIOD = 16

#: Width (Gaussian σ, px) of the blur whose residue is the fine texture laid into holes.
HOLE_TEXTURE_SIGMA = 2.0


@numba.njit(cache=True, nogil=True)
def _splat_direction(source, runs, disp, valid, acc, coverage, lo, hi, gone,
                     sharpness) -> None:
    acc[...] = 0.0
    if sharpness > 0.0:
        splat_points_sharp(source, runs, disp, valid, np.float32(sharpness), acc)
        local_coverage(acc, coverage, lo, hi)
        if drop_unstable(acc, coverage, lo, hi):  # what is left decides the coverage
            local_coverage(acc, coverage, lo, hi)
    else:
        splat_points(source, runs, disp, valid, acc)
        local_coverage(acc, coverage, lo, hi)
    coverage_shares(coverage, lo, hi, gone)


@numba.njit(cache=True, nogil=True, parallel=True)
def _splat_both_directions(
    source, runs, fwd_disp, fwd_valid, bwd_disp, bwd_valid, acc_f, acc_b, cov_f, cov_b, lo,
    hi, gone_f, gone_b, sharpness,
) -> None:
    """Both splats and their shares of the blend, the forward and the backward one on two
    threads."""
    for direction in numba.prange(2):
        if direction == 0:
            _splat_direction(source, runs, fwd_disp, fwd_valid, acc_f, cov_f, lo, hi, gone_f,
                             sharpness)
        else:
            _splat_direction(source, runs, bwd_disp, bwd_valid, acc_b, cov_b, lo, hi, gone_b,
                             sharpness)


class FrameRenderer:
    """Renders the animated crop of each frame with one backend: numba (CPU) or torch.

    ``image``: float32 ``h×w×3`` in [0, 1]; ``alpha``: float32 ``h×w`` blend weight into
    the still image; ``weight``: float32 ``h×w`` splat importance exp(Z); ``points``: the
    points that are splatted (:class:`~.points.PointRuns`), whose displacements
    :meth:`render` takes; ``preserve_contrast``: the contrast-preserving blend of
    :mod:`.compose`; ``sharpness``: the splat kernel (:func:`~.splat.splat_points_sharp`,
    0 = bilinear); ``field``: the motion field (float32 ``h×w×2``, px/frame) along which
    the texture laid into holes travels (none without it); ``crossfade``: the power that
    sharpens the two directions' shares (:func:`~.compose.normalize_and_compose`).
    """

    def __init__(
        self,
        image: np.ndarray,
        alpha: np.ndarray,
        weight: np.ndarray,
        points: PointRuns,
        *,
        backend: str,
        device: str,
        preserve_contrast: bool,
        sharpness: float = 0.0,
        field: np.ndarray | None = None,
        crossfade: float = 1.0,
    ) -> None:
        self.torch = backend == "torch"
        self.sharpness = float(sharpness)
        self.motion = field
        self.crossfade = float(crossfade)
        self._texture: np.ndarray | None = None
        self.hole_count = 0
        self.preserve_contrast = preserve_contrast
        h, w, c = image.shape
        self.image, self.alpha = image, alpha
        self.lo, self.hi = row_spans(alpha)
        self.parts = row_parts(self.lo, self.hi, numba.get_num_threads())
        self.holes = np.zeros((h, w), dtype=np.bool_)
        self.accs = [np.zeros((h, w, c + 1), dtype=np.float32) for _ in range(2)]
        self.coverage = [np.zeros((h, w), dtype=np.float32) for _ in range(2)]
        self.gone = [np.empty((h, w), dtype=np.int32) for _ in range(2)]
        self.stats = np.zeros(statistics_shape(h, w), dtype=np.float64)
        if self.torch:
            self.device = torch.device(device)
            self.t_values = torch.from_numpy(points.gather(image)).to(self.device)
            self.t_weight = torch.from_numpy(points.gather(weight)).to(self.device)
            self.t_xs, self.t_ys = (torch.from_numpy(c).to(self.device)
                                    for c in points.coordinates())
            self.t_accs = [torch.zeros((h, w, c + 1), dtype=torch.float32, device=self.device)
                           for _ in range(2)]
        else:
            self.source = points.gather(pack_source(image, weight))
        self.runs = points.runs

    def field(self, field: np.ndarray) -> np.ndarray | torch.Tensor:
        """``field`` (float32 ``h×w×2``) as the backend integrates it."""
        return torch.from_numpy(field).to(self.device) if self.torch else field

    def _splat(self, forward, backward) -> None:
        if not self.torch:
            _splat_both_directions(self.source, self.runs, *forward, *backward, *self.accs,
                                   *self.coverage, self.lo, self.hi, *self.gone,
                                   self.sharpness)
            return
        for (disp, valid), t_acc, acc, coverage, gone in zip(
            (forward, backward), self.t_accs, self.accs, self.coverage, self.gone, strict=True
        ):
            t_acc.zero_()
            splat_points_torch(self.t_values, self.t_xs, self.t_ys, disp, valid, self.t_weight,
                               1.0, t_acc, sharpness=self.sharpness)
            acc[...] = t_acc.cpu().numpy()
            local_coverage(acc, coverage, self.lo, self.hi)
            if self.sharpness > 0 and drop_unstable(acc, coverage, self.lo, self.hi):
                local_coverage(acc, coverage, self.lo, self.hi)
            coverage_shares(coverage, self.lo, self.hi, gone)

    def render(self, forward, backward, alpha_b: float, frame: np.ndarray, t: int = 0) -> None:
        """Write the crop of frame ``t`` (``alpha_b = t/N``) into
        ``frame`` (uint8 h×w×3); :attr:`hole_count` and :attr:`holes` then tell which of
        its pixels were filled.

        ``forward``/``backward``: ``(disp, valid)`` of F₀→ₜ and F₀→₋₍N−t₎ of the points
        (``P×2`` and ``P``).
        """
        self._splat(forward, backward)
        alpha_f = 1.0 - alpha_b
        if self.preserve_contrast:
            contrast_statistics(*self.accs, *self.coverage, alpha_f, alpha_b, self.alpha,
                                self.lo, self.hi, self.parts, self.stats)
        n_holes = normalize_and_compose(
            *self.accs, *self.coverage, alpha_f, alpha_b, self.stats, self.preserve_contrast,
            self.image, self.alpha, self.lo, self.hi, self.parts, frame, self.holes,
            self.crossfade,
        )
        self.hole_count = int(n_holes)
        if n_holes:
            self._fill(frame, t)

    def hole_texture(self, rows: np.ndarray, cols: np.ndarray, t: int) -> np.ndarray:
        """Fine texture for the hole pixels ``(rows, cols)`` of frame ``t`` (float32 ``K×3``,
        zero-mean; zeros without a field).

        The texture is the picture's own detail — the image less its Gaussian blur
        (σ = :data:`HOLE_TEXTURE_SIGMA`), kept inside the animated region — carried along
        the flow as in flow-map animation: it is read at ``x − M(x)·(φ − ½)·T`` for a
        phase ``φ`` that runs from 0 to 1 every ``T`` = :data:`HOLE_TEXTURE_PERIOD`
        frames, so it moves with the fluid's speed and direction, and two phases half a
        period apart are crossfaded (triangle weights, each 0 where its phase restarts),
        their sum rescaled to keep the texture's contrast.
        """
        if self.motion is None:
            return np.zeros((len(rows), 3), dtype=np.float32)
        if self._texture is None:
            blur = cv2.GaussianBlur(self.image, (0, 0), HOLE_TEXTURE_SIGMA)
            self._texture = np.where((self.alpha > 0)[..., None], self.image - blur, 0.0
                                     ).astype(np.float32)
        motion = self.motion[rows, cols]
        xs, ys = cols.astype(np.float32), rows.astype(np.float32)
        phases = (np.array([0.0, 0.5]) + (t % HOLE_TEXTURE_PERIOD) / HOLE_TEXTURE_PERIOD) % 1.0
        weights = 1.0 - np.abs(2.0 * phases - 1.0)
        total = np.zeros((len(rows), 3), dtype=np.float32)
        for phase, weight in zip(phases, weights, strict=True):
            if weight <= 0.0:
                continue
            back = np.float32((phase - 0.5) * HOLE_TEXTURE_PERIOD)
            map_x = (xs - back * motion[:, 0]).reshape(1, -1)
            map_y = (ys - back * motion[:, 1]).reshape(1, -1)
            sample = cv2.remap(self._texture, map_x, map_y, cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=(0.0, 0.0, 0.0))
            total += np.float32(weight) * sample.reshape(-1, 3)
        return total / np.float32(np.sqrt((weights ** 2).sum()))

    def _fill(self, frame: np.ndarray, t: int = 0) -> None:
        """Fill holes inside the animated region from their surroundings.

        Holes are grouped on a grid of :data:`HOLE_TILE`-pixel tiles; each connected
        group of tiles is filled in a window around it (a margin of half its smaller side
        plus 8 px gives push-pull enough context), so scattered small holes cost little;
        many groups are filled in one window over all of them. The colours around the
        holes are those of the frame itself; the texture of :meth:`hole_texture` is laid
        over them.
        """
        h, w = self.holes.shape
        rows, cols = np.divmod(np.flatnonzero(self.holes), w)
        tiles = np.zeros((-(-h // HOLE_TILE), -(-w // HOLE_TILE)), dtype=np.uint8)
        tiles[rows // HOLE_TILE, cols // HOLE_TILE] = 1
        _count, _, stats, _ = cv2.connectedComponentsWithStats(tiles, connectivity=8)
        boxes = stats[1:, :4] * HOLE_TILE
        if len(boxes) > MAX_HOLE_WINDOWS:
            x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
            x1 = (boxes[:, 0] + boxes[:, 2]).max()
            y1 = (boxes[:, 1] + boxes[:, 3]).max()
            boxes = np.array([[x0, y0, x1 - x0, y1 - y0]])
        for x, y, bw, bh in boxes:
            margin = 8 + min(bw, bh) // 2
            top, left = max(0, y - margin), max(0, x - margin)
            window = (slice(top, min(h, y + bh + margin)), slice(left, min(w, x + bw + margin)))
            known = frame[window].astype(np.float32) * np.float32(1.0 / 255.0)
            filled = fill_holes(known, self.holes[window])
            box = (slice(y - top, y - top + bh), slice(x - left, x - left + bw))
            where = self.holes[window][box]
            a = self.alpha[window][box][where][:, None]
            hole_rows, hole_cols = np.nonzero(where)
            texture = self.hole_texture(hole_rows + y, hole_cols + x, t)
            colour = (a * (filled[box][where] + texture)
                      + (1.0 - a) * self.image[window][box][where])
            frame[window][box][where] = to_uint8(colour)
