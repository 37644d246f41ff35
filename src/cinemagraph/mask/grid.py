"""Where the self-attention grid lies on the latent and on the image.

The mask block's self-attention works on a grid that the UNet reached by halving the
latent (rounding up) a few times: at 512 px the latent is 64×64 and the grid 32×32, so
each grid cell covers 2×2 latent pixels and 16×16 image pixels. When a side is odd the
last cell row or column reaches past the latent's edge.
"""

from __future__ import annotations

import numpy as np

from ..errors import CinemagraphError


def latent_per_cell(latent_size: tuple[int, int], grid_size: tuple[int, int]) -> int:
    """How many latent pixels one grid cell spans along each side (a power of two).

    Raises :class:`CinemagraphError` when no number of halvings of ``latent_size`` gives
    ``grid_size``: the statistics do not fit together.
    """
    size, factor = (int(latent_size[0]), int(latent_size[1])), 1
    while size != tuple(grid_size):
        if size == (1, 1) or size[0] < grid_size[0] or size[1] < grid_size[1]:
            raise CinemagraphError(
                f"attention statistics are inconsistent: a self-attention grid of "
                f"{grid_size[0]}×{grid_size[1]} does not come from a "
                f"{latent_size[0]}×{latent_size[1]} latent"
            )
        size, factor = ((size[0] + 1) // 2, (size[1] + 1) // 2), factor * 2
    return factor


def latent_to_grid(latent_map: np.ndarray, grid_size: tuple[int, int]) -> np.ndarray:
    """Mean of a latent-sized map over each grid cell: float32 ``h×w``.

    ``latent_map``: float ``H×W`` at the latent size. Cells that reach past the latent's
    edge average the part inside it.
    """
    latent_map = np.asarray(latent_map, dtype=np.float32)
    h, w = grid_size
    factor = latent_per_cell(latent_map.shape, grid_size)
    padded_h, padded_w = h * factor, w * factor
    weights = np.zeros((padded_h, padded_w), dtype=np.float32)
    weights[: latent_map.shape[0], : latent_map.shape[1]] = 1.0
    values = np.zeros((padded_h, padded_w), dtype=np.float32)
    values[: latent_map.shape[0], : latent_map.shape[1]] = latent_map
    sums = values.reshape(h, factor, w, factor).sum(axis=(1, 3))
    counts = weights.reshape(h, factor, w, factor).sum(axis=(1, 3))
    return (sums / counts).astype(np.float32)


def cell_size_px(
    latent_size: tuple[int, int], grid_size: tuple[int, int], image_size: tuple[int, int]
) -> tuple[float, float]:
    """Height and width of one grid cell in image pixels."""
    factor = latent_per_cell(latent_size, grid_size)
    return (
        image_size[0] / latent_size[0] * factor,
        image_size[1] / latent_size[1] * factor,
    )
