"""Loading and saving images, masks and motion fields in the data contract's types."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import warnings
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..contract import check_field, check_field_layout, check_image, check_mask, to_uint8
from ..errors import CinemagraphError
from ..limits import MAX_PIXELS, check_pixel_limit, format_pixels
from .atomic import atomic_file, check_name_lengths

#: A mask whose aspect ratio differs from the image's by less than this is resized to fit.
MASK_ASPECT_TOLERANCE = 0.01

#: The first bytes of every ``.npy`` file.
NPY_MAGIC = b"\x93NUMPY"

_PIXEL_LIMIT: ContextVar[int] = ContextVar("pixel_limit", default=MAX_PIXELS)


@contextlib.contextmanager
def pixel_limit(limit: int) -> Iterator[int]:
    """Within the block, images of up to ``limit`` pixels are read (default
    :data:`~cinemagraph.limits.MAX_PIXELS`); larger ones are refused before decoding."""
    token = _PIXEL_LIMIT.set(check_pixel_limit(limit))
    try:
        yield limit
    finally:
        _PIXEL_LIMIT.reset(token)


def current_pixel_limit() -> int:
    """The largest image, in pixels, read now (see :func:`pixel_limit`)."""
    return _PIXEL_LIMIT.get()


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc) or type(exc).__name__).lower()


def check_input_file(path: str | os.PathLike[str], what: str) -> Path:
    """Check that ``path`` names a readable regular file; returns it as a ``Path``.

    A missing file, a folder, a special file (a pipe would block the read), a name over
    255 bytes or a file that cannot be read is a one-line error naming ``what``.
    """
    path = Path(path)
    check_name_lengths(path, what=f"cannot read {what}")
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise CinemagraphError(f"{what} not found: {path}") from exc
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise CinemagraphError(f"cannot read {what} {path}: the path is too long") from exc
        raise CinemagraphError(f"cannot read {what} {path}: {_reason(exc)}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise CinemagraphError(f"{what} {path} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise CinemagraphError(f"{what} {path} is not a regular file")
    if not os.access(path, os.R_OK):
        raise CinemagraphError(f"cannot read {what} {path}: permission denied")
    return path


def _too_many_pixels(path: Path, what: str, width: int, height: int, limit: int
                     ) -> CinemagraphError:
    return CinemagraphError(
        f"{what} {path} is {width}×{height} ({format_pixels(width * height)}), more than the "
        f"limit of {format_pixels(limit)}: pass --max-pixels {width * height} if you trust it")


def _open(path: str | os.PathLike[str], what: str) -> Image.Image:
    """Open and decode an image file, refusing one over the pixel limit before decoding."""
    path = check_input_file(path, what)
    limit = current_pixel_limit()
    previous = Image.MAX_IMAGE_PIXELS
    try:
        Image.MAX_IMAGE_PIXELS = None  # our own limit, checked before decoding, replaces it
        with Image.open(path) as img:
            width, height = img.size
            if width * height > limit:
                raise _too_many_pixels(path, what, width, height, limit)
            img.load()
            return ImageOps.exif_transpose(img)
    except Image.DecompressionBombError as exc:
        raise CinemagraphError(
            f"{what} {path} has more pixels than the limit of {format_pixels(limit)} "
            "(pass a larger --max-pixels if you trust it)") from exc
    except UnidentifiedImageError as exc:
        raise CinemagraphError(f"{what} {path} is not an image file Pillow can read") from exc
    except PermissionError as exc:
        raise CinemagraphError(f"cannot read {what} {path}: permission denied") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CinemagraphError(f"{what} {path} is corrupt or truncated: {exc}") from exc
    except MemoryError as exc:
        raise CinemagraphError(f"{what} {path} is too large to decode in memory") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous


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


def load_npy(path: str | os.PathLike[str], what: str) -> np.ndarray:
    """Open a ``.npy`` array without reading its data yet (a read-only memory map).

    Anything but a ``.npy`` file, an array of Python objects and a truncated file are
    one-line errors naming ``what`` (e.g. "motion field"); the caller checks the shape and
    dtype before copying the data into memory.
    """
    path = check_input_file(path, what)
    try:
        with open(path, "rb") as fh:
            magic = fh.read(len(NPY_MAGIC))
    except OSError as exc:
        raise CinemagraphError(f"cannot read {what} {path}: {_reason(exc)}") from exc
    if magic != NPY_MAGIC:
        raise CinemagraphError(f"{path} is not a .npy {what}: not a readable NumPy array file")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if "object" in str(exc).lower() or "pickle" in str(exc).lower():
            raise CinemagraphError(
                f"{what} {path} holds Python objects, not numbers") from exc
        raise CinemagraphError(f"{what} {path} is truncated or damaged") from exc
    except (OSError, EOFError) as exc:
        raise CinemagraphError(f"{what} {path} is truncated or damaged") from exc
    if not isinstance(array, np.ndarray):
        raise CinemagraphError(f"{what} {path} must hold a single array")
    return array


def _copy(array: np.ndarray, path: Path, what: str) -> np.ndarray:
    """The data of a memory-mapped array, in memory."""
    try:
        return np.array(array)
    except (OSError, ValueError) as exc:
        raise CinemagraphError(f"{what} {path} is truncated or damaged") from exc


def load_field(path: str | os.PathLike[str], shape: tuple[int, int]) -> np.ndarray:
    """Load a motion field ``.npy`` (float ``H×W×2``, pixels per frame) and validate it."""
    path = Path(path)
    what = "motion field"
    mapped = load_npy(path, what)
    name = f"motion field {path}"
    check_field_layout(mapped, shape, name=name)
    return check_field(_copy(mapped, path, what), shape, name=name)


def load_field_array(path: str | os.PathLike[str], what: str = "motion file") -> np.ndarray:
    """A stored motion field of any size: float32 ``H×W×2`` px/frame (layout and dtype
    checked before the data is read)."""
    path = Path(path)
    mapped = load_npy(path, what)
    check_field_layout(mapped, None, name=f"{what} {path}")
    return _copy(mapped, path, what).astype(np.float32)


def read_rgb8(path: str | os.PathLike[str], what: str = "frame") -> np.ndarray:
    """An image file as uint8 ``H×W×3`` RGB (EXIF orientation applied), under the pixel
    limit; every problem is a one-line error naming ``what``."""
    img = _open(path, what)
    return np.asarray(img if img.mode == "RGB" else img.convert("RGB"))


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
