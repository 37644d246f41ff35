"""Settings of the mask stage: how segments are found and which of them are kept."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import CinemagraphError
from ..seeds import check_seed

#: Clustering methods, and the number of clusters each uses by default (as published).
DEFAULT_CLUSTERS = {"kmeans": 10, "spectral": 5}


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class MaskSettings:
    """How the mask is made from the attention statistics captured during generation.

    method:           ``"kmeans"`` (default) or ``"spectral"``: how the averaged
                      self-attention map is cut into segments. KMeans clusters each
                      position's row of the map (where that position attends) as its
                      feature; spectral clustering takes the symmetrised map as the
                      affinity between positions.
    clusters:         number of clusters; ``None`` = 10 for KMeans, 5 for spectral (the
                      published defaults). Fewer are used when the map has fewer positions
                      or distinct rows.
    overlap:          a segment is kept when at least this fraction of it lies inside the
                      fluid's text-grounded region; in (0, 1], default 0.7 (published).
    text_threshold:   the fluid word's cross-attention map, min-max normalised to [0, 1],
                      is its text-grounded region where it is at least this; in (0, 1),
                      default 0.4. A fixed threshold on the normalised map, as DAAM
                      binarises word heat maps, behaves the same whether the fluid fills a
                      tenth or most of the frame (Otsu's threshold does not when the map is
                      not bimodal); it sits a little below half the peak so the region is
                      generous, while ``overlap`` keeps segments that merely touch it out.
    erode_px:         shrink each fluid's mask by this many image pixels (elliptical
                      kernel; edges on the image border stay); 0 = no erosion.
    min_component_px: pieces of a fluid's mask smaller than this many image pixels are
                      dropped (the largest piece always stays); 0 = keep every piece.
    seed:             seeds the clustering: same statistics and seed → same mask.

    Which denoising steps and layers are averaged is decided when the statistics are
    captured (:mod:`cinemagraph.diffusion.capture`), not here: self-attention of decoder
    block ``up_blocks[2]`` (published output blocks 6–8, 32×32 at 512 px) over the steps
    with timestep ≤ :data:`~cinemagraph.diffusion.attention_stats.SELF_ATTENTION_MAX_TIMESTEP`
    (541, set by ``GenerationSettings.self_attention_max_timestep``), and each prompt
    token's cross-attention over heads, every cross-attention layer and every step.
    """

    method: str = "kmeans"
    clusters: int | None = None
    overlap: float = 0.7
    text_threshold: float = 0.4
    erode_px: int = 0
    min_component_px: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in DEFAULT_CLUSTERS:
            raise CinemagraphError(
                f"mask method must be one of {', '.join(DEFAULT_CLUSTERS)}, got {self.method!r}"
            )
        if self.clusters is not None and not (_is_whole(self.clusters) and self.clusters >= 2):
            raise CinemagraphError(
                f"mask clusters must be a whole number ≥ 2, got {self.clusters!r}"
            )
        if not (_is_number(self.overlap) and 0.0 < self.overlap <= 1.0):
            raise CinemagraphError(f"mask overlap must lie in (0, 1], got {self.overlap!r}")
        if not (_is_number(self.text_threshold) and 0.0 < self.text_threshold < 1.0):
            raise CinemagraphError(
                f"mask text threshold must lie in (0, 1), got {self.text_threshold!r}"
            )
        for name in ("erode_px", "min_component_px"):
            value = getattr(self, name)
            if not (_is_whole(value) and value >= 0):
                raise CinemagraphError(f"mask {name} must be a whole number ≥ 0, got {value!r}")
        check_seed(self.seed)

    @property
    def cluster_count(self) -> int:
        """The number of clusters asked for (the method's default when ``clusters`` is None)."""
        return self.clusters if self.clusters is not None else DEFAULT_CLUSTERS[self.method]


def _is_number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))
