"""Loading and saving images, masks and motion fields in the data contract's types."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..contract import check_field, check_image, check_mask, to_uint8
from ..errors import CinemagraphError
from .atomic import atomic_file

#: A mask whose aspect ratio differs from the image's by less than this is resized to fit.
MASK_ASPECT_TOLERANCE = 0.01


def _open(path: str | os.PathLike[str], what: str) -> Image.Image:
    path = Path(path)
    if not path.exists():
        raise CinemagraphError(f"{what} not found: {path}")
    if path.is_dir():
        raise CinemagraphError(f"{what} {path} is a folder, not an image file")
    try:
        with Image.open(path) as img:
            img.load()
            return ImageOps.exif_transpose(img)
    except UnidentifiedImageError as exc:
        raise CinemagraphError(f"{what} {path} is not an image file Pillow can read") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CinemagraphError(f"{what} {path} is corrupt or truncated: {exc}") from exc


def _to_float(img: Image.Image) -> np.ndarray:
    """Pixels as float32 in [0, 1], H×W (grey) or H×W×C, alpha kept as the last channel."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(img, dtype=np.float32) / 65535.0
    if img.mode == "I":
        arr = np.asarray(img, dtype=np.float64)
        scale = 65535.0 if arr.max(initial=0) > 255 else 255.0
        return np.clip(arr / scale, 0, 1).astype(np.float32)
    if img.mode == "F":
        arr = np.asarray(img, dtype=np.float32)
        return np.clip(arr, 0, 1) if arr.max(initial=0) <= 1 else np.clip(arr / 255.0, 0, 1)
    if img.mode == "1":
        return np.asarray(img, dtype=np.float32)
    if img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
    return np.asarray(img, dtype=np.float32) / 255.0


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Load an image as float32 ``H×W×3`` RGB in [0, 1].

    EXIF orientation is applied; grey, palette, CMYK and 16-bit images are converted; an
    alpha channel is dropped.
    """
    arr = _to_float(_open(path, "image"))
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    elif arr.shape[2] == 2:  # grey + alpha
        arr = np.repeat(arr[:, :, :1], 3, axis=2)
    else:
        arr = arr[:, :, :3]
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise CinemagraphError(f"image {path} is too small ({arr.shape[1]}×{arr.shape[0]})")
    return check_image(arr, name=f"image {path}")


def load_mask(path: str | os.PathLike[str], shape: tuple[int, int] | None) -> np.ndarray:
    """Load a mask PNG as float32 ``H×W`` in [0, 1]; bright pixels may move.

    Colour masks are reduced to their luminance; an alpha channel, if the image has one
    and it is not fully opaque, is the mask. A mask of another size with the same aspect
    ratio (within 1%) is resized to ``shape`` (``(H, W)``); a different aspect ratio is an
    error, since it is probably the mask of another picture. ``shape=None`` keeps the
    file's own size.
    """
    img = _open(path, "mask")
    arr = _to_float(img)
    if arr.ndim == 3:
        if arr.shape[2] in (2, 4) and arr[..., -1].min() < 1.0:
            arr = arr[..., -1]
        elif arr.shape[2] in (3, 4):
            arr = arr[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        else:
            arr = arr[..., 0]
    h, w = arr.shape if shape is None else shape
    if arr.shape != (h, w):
        mh, mw = arr.shape
        if abs(mw / mh - w / h) > MASK_ASPECT_TOLERANCE * (w / h):
            raise CinemagraphError(
                f"mask {path} is {mw}×{mh} but the image is {w}×{h}: the aspect ratios differ,"
                " so it cannot be the mask of this image"
            )
        interp = cv2.INTER_AREA if mw > w else cv2.INTER_LINEAR
        arr = cv2.resize(arr, (w, h), interpolation=interp)
    return check_mask(arr, (h, w), name=f"mask {path}")


def save_image(path: str | os.PathLike[str], image: np.ndarray) -> Path:
    """Save a float ``H×W×3`` (or ``H×W``) image in [0, 1] or a uint8 image as PNG, atomically."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = to_uint8(arr)
    with atomic_file(path) as tmp:
        Image.fromarray(arr).save(tmp, format="PNG")
    return Path(path)


def load_field(path: str | os.PathLike[str], shape: tuple[int, int]) -> np.ndarray:
    """Load a motion field ``.npy`` (float ``H×W×2``, pixels per frame) and validate it."""
    path = Path(path)
    if not path.exists():
        raise CinemagraphError(f"motion field not found: {path}")
    try:
        field = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise CinemagraphError(f"motion field {path} is not a readable .npy array: {exc}") from exc
    if not isinstance(field, np.ndarray):
        raise CinemagraphError(f"motion field {path} must hold a single array")
    return check_field(field, shape, name=f"motion field {path}")


def save_field(path: str | os.PathLike[str], field: np.ndarray) -> Path:
    """Save a motion field as float32 ``.npy``, atomically."""
    with atomic_file(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, np.asarray(field, dtype=np.float32), allow_pickle=False)
    return Path(path)


def warn_if_empty(mask: np.ndarray) -> bool:
    """Warn when nothing may move; returns True when the mask is empty."""
    if not (mask > 0).any():
        warnings.warn("the mask is empty: nothing will move, the output is a still loop",
                      stacklevel=2)
        return True
    return False
