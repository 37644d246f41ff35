"""Images and fields constructed for tests, with properties known in advance."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import cv2
import numpy as np
import torch


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Small convolutions run faster on one torch thread, above all on a busy machine.

    Set right before the work: numba's OpenMP launches (the engine that makes synthetic
    clips) reset the OpenMP thread count torch reads.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def smooth_texture(height: int, width: int, seed: int = 0, blur: float = 2.0) -> np.ndarray:
    """A smooth random RGB texture, float32 ``H×W×3`` in [0.05, 0.95]."""
    rng = np.random.default_rng(seed)
    noise = rng.random((height, width, 3)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), blur)
    noise -= noise.min()
    noise /= max(float(noise.max()), 1e-6)
    return (0.05 + 0.9 * noise).astype(np.float32)


def box_mask(height: int, width: int, top: int, left: int, bottom: int, right: int) -> np.ndarray:
    """float32 ``H×W`` mask that is 1 on rows top:bottom and columns left:right."""
    mask = np.zeros((height, width), dtype=np.float32)
    mask[top:bottom, left:right] = 1.0
    return mask


def constant_field(height: int, width: int, dx: float, dy: float) -> np.ndarray:
    """float32 ``H×W×2`` field of constant velocity (px/frame)."""
    field = np.empty((height, width, 2), dtype=np.float32)
    field[..., 0] = dx
    field[..., 1] = dy
    return field
