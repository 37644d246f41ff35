"""Sparse motion hints as input channels of the motion network (the controllable variant).

Each hint (x, y, dx, dy) — pixels and px/frame — spreads over a Gaussian of standard
deviation σ = :data:`HINT_SIGMA_FRACTION` × the shorter image side. The three channels are
the Gaussian-weighted average hint vector (dx, dy, divided by the motion normalisation)
and the summed weight clipped to 1 (0 = no hint near here). In training a random number
of hints (none in half of the examples, so that the model also works without them) is
drawn at random mask pixels with the ground-truth motion there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: σ of a hint's Gaussian, as a fraction of the shorter image side.
HINT_SIGMA_FRACTION = 1 / 24
#: Largest number of hints drawn for one training example.
MAX_TRAINING_HINTS = 5


def hint_maps(hints: Sequence[Sequence[float]], shape: tuple[int, int], norm: float
              ) -> np.ndarray:
    """float32 ``H×W×3`` channels for ``hints`` [(x, y, dx, dy), …] in an image of
    ``shape`` (H, W); ``norm`` is the motion normalisation in px/frame."""
    h, w = shape
    maps = np.zeros((h, w, 3), dtype=np.float32)
    if len(hints) == 0:
        return maps
    table = np.asarray(hints, dtype=np.float32).reshape(-1, 4)
    sigma = HINT_SIGMA_FRACTION * min(h, w)
    ys = np.arange(h, dtype=np.float32)[None, :, None]
    xs = np.arange(w, dtype=np.float32)[None, None, :]
    gauss = np.exp(-((xs - table[:, 0, None, None]) ** 2 + (ys - table[:, 1, None, None]) ** 2)
                   / (2 * sigma * sigma))  # K×H×W
    total = gauss.sum(axis=0)
    safe = np.maximum(total, 1e-6)
    maps[..., 0] = (gauss * table[:, 2, None, None]).sum(axis=0) / safe / norm
    maps[..., 1] = (gauss * table[:, 3, None, None]).sum(axis=0) / safe / norm
    maps[..., 2] = np.minimum(total, 1.0)
    maps[total < 1e-3, :2] = 0.0
    return maps


def sample_hints(rng: np.random.Generator, mask: np.ndarray, field: np.ndarray,
                 max_hints: int = MAX_TRAINING_HINTS) -> list[tuple[float, float, float, float]]:
    """Random training hints: none half of the time, else 1…``max_hints`` at random pixels
    of ``mask`` (float ``H×W``) carrying ``field`` (float ``H×W×2`` px/frame) there."""
    ys, xs = np.nonzero(mask > 0)
    if len(ys) == 0 or max_hints < 1 or rng.random() < 0.5:
        return []
    count = int(rng.integers(1, max_hints + 1))
    picks = rng.integers(0, len(ys), size=count)
    return [(float(xs[i]), float(ys[i]), float(field[ys[i], xs[i], 0]),
             float(field[ys[i], xs[i], 1])) for i in picks]
