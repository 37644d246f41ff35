"""The data contract shared by every stage, and the checks that enforce it.

=============  ==========================================  ==============================
thing          type                                        notes
=============  ==========================================  ==============================
image          float32 ``H×W×3`` in [0, 1]                 RGB
mask           float32 ``H×W`` in [0, 1]                   1 = may move
motion field   float32 ``H×W×2``, pixels per frame         (dx, dy): x right, y down
frames         uint8 ``N×H×W×3``                           frame N would equal frame 0
=============  ==========================================  ==============================

Each ``check_*`` function returns the value converted to the contract's dtype/layout (a
copy only where needed) or raises :class:`~cinemagraph.errors.CinemagraphError` with one
line naming the problem.
"""

from __future__ import annotations

import numpy as np

from .errors import CinemagraphError

#: Largest motion magnitude (pixels per frame) accepted in a field.  Anything faster is
#: almost certainly a unit mistake (e.g. a field in pixels per *video*).
MAX_SPEED_PX_PER_FRAME = 256.0


def check_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Validate an RGB image: float32 ``H×W×3`` with finite values in [0, 1]."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise CinemagraphError(f"{name} must be H×W×3 RGB, got shape {image.shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise CinemagraphError(f"{name} is empty (shape {image.shape})")
    image = image.astype(np.float32, copy=False)
    if not np.isfinite(image).all():
        raise CinemagraphError(f"{name} contains NaN or infinite values")
    if image.min() < 0.0 or image.max() > 1.0:
        raise CinemagraphError(
            f"{name} values must lie in [0, 1], got [{image.min():.3g}, {image.max():.3g}]"
        )
    return np.ascontiguousarray(image)


def check_mask(mask: np.ndarray, shape: tuple[int, int], name: str = "mask") -> np.ndarray:
    """Validate a mask: float32 ``H×W`` in [0, 1] whose size equals ``shape``."""
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[2] == 1:
        mask = mask[..., 0]
    if mask.ndim != 2:
        raise CinemagraphError(f"{name} must be H×W, got shape {mask.shape}")
    if mask.shape != tuple(shape):
        raise CinemagraphError(
            f"{name} is {mask.shape[1]}×{mask.shape[0]} but the image is "
            f"{shape[1]}×{shape[0]} (width×height); they must match"
        )
    mask = mask.astype(np.float32, copy=False)
    if not np.isfinite(mask).all():
        raise CinemagraphError(f"{name} contains NaN or infinite values")
    return np.ascontiguousarray(np.clip(mask, 0.0, 1.0))


def check_field_layout(
    field: np.ndarray, shape: tuple[int, int] | None, name: str = "motion field"
) -> None:
    """Check a field's dtype and shape without touching its values (so a memory-mapped
    file is not read): real numbers (float or integer), ``H×W×2``, ``H×W`` = ``shape``
    when given."""
    if field.dtype.kind not in "fiu":
        kind = ("complex numbers" if field.dtype.kind == "c" else
                "Python objects" if field.dtype.kind == "O" else f"dtype {field.dtype}")
        raise CinemagraphError(
            f"{name} must hold real numbers (float or integer), not {kind}")
    if field.ndim != 3 or field.shape[2] != 2:
        raise CinemagraphError(f"{name} must be H×W×2 (dx, dy), got shape {field.shape}")
    if shape is not None and field.shape[:2] != tuple(shape):
        raise CinemagraphError(
            f"{name} is {field.shape[1]}×{field.shape[0]} but the image is "
            f"{shape[1]}×{shape[0]} (width×height); they must match"
        )


def check_field(
    field: np.ndarray, shape: tuple[int, int], name: str = "motion field"
) -> np.ndarray:
    """Validate a motion field: finite float32 ``H×W×2`` in pixels per frame."""
    field = np.asarray(field)
    check_field_layout(field, shape, name)
    field = field.astype(np.float32, copy=False)
    if not np.isfinite(field).all():
        raise CinemagraphError(f"{name} contains NaN or infinite values")
    peak = float(np.abs(field).max()) if field.size else 0.0
    if peak > MAX_SPEED_PX_PER_FRAME:
        raise CinemagraphError(
            f"{name} has absurd values (up to {peak:.3g} px/frame; at most "
            f"{MAX_SPEED_PX_PER_FRAME:g} is accepted): is it in pixels per frame?"
        )
    return np.ascontiguousarray(field)


def check_frames(frames: np.ndarray, name: str = "frames") -> np.ndarray:
    """Validate frames: uint8 ``N×H×W×3`` with N ≥ 1."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[3] != 3:
        raise CinemagraphError(f"{name} must be N×H×W×3, got shape {frames.shape}")
    if frames.shape[0] < 1:
        raise CinemagraphError(f"{name}: there are no frames")
    if frames.dtype != np.uint8:
        raise CinemagraphError(f"{name} must be uint8, got {frames.dtype}")
    return frames


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Convert a float image in [0, 1] to uint8 by rounding (the contract's quantisation)."""
    return np.clip(np.rint(np.asarray(image, dtype=np.float32) * 255.0), 0, 255).astype(np.uint8)
