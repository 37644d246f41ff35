"""Checking an uploaded picture by its content: format, bytes and pixels, before decoding."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import CinemagraphError

#: Picture formats the studio opens (Pillow's names) and the file suffix each is kept with.
PICTURE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def format_bytes(size: float) -> str:
    """A byte count as people read it: ``"3.2 MB"``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size / 1e3:.3g} kB"


def format_pixels(pixels: int) -> str:
    """``40000000`` → ``"40 MP"``; small counts stay whole."""
    return f"{pixels / 1e6:.3g} MP" if pixels >= 1_000_000 else f"{pixels} pixels"


@dataclass(frozen=True)
class CheckedPicture:
    """An upload that is a picture the studio opens: its suffix and oriented size."""

    suffix: str
    width: int
    height: int


def check_size(data: bytes, limit: int, what: str = "upload") -> None:
    """Refuse ``data`` longer than ``limit`` bytes."""
    if len(data) > limit:
        raise CinemagraphError(
            f"the {what} is {format_bytes(len(data))}, more than the limit of "
            f"{format_bytes(limit)} (start the studio with --max-upload-mb to change it)")
    if not data:
        raise CinemagraphError(f"the {what} is empty")


def check_picture(data: bytes, max_bytes: int, max_pixels: int) -> CheckedPicture:
    """What ``data`` holds, read from its bytes (never its name): a JPEG, PNG or WebP
    picture of at most ``max_pixels`` pixels, or a one-line error."""
    check_size(data, max_bytes, "picture")
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind = img.format
            width, height = img.size
            orientation = img.getexif().get(0x0112, 1)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError) as exc:
        raise CinemagraphError(
            "the upload is not a picture the studio can open (JPEG, PNG or WebP)") from exc
    if kind not in PICTURE_FORMATS:
        raise CinemagraphError(
            f"the upload is a {kind} file; the studio opens JPEG, PNG and WebP pictures")
    if width * height > max_pixels:
        raise CinemagraphError(
            f"the picture has {format_pixels(width * height)} ({width}×{height}), more than "
            f"the limit of {format_pixels(max_pixels)} (start the studio with --max-pixels "
            "to change it)")
    if width < 2 or height < 2:
        raise CinemagraphError(f"the picture is too small ({width}×{height})")
    if orientation in (5, 6, 7, 8):  # EXIF orientations that swap the sides
        width, height = height, width
    return CheckedPicture(PICTURE_FORMATS[kind], width, height)


def decode_grey_png(data: bytes, shape: tuple[int, int], what: str) -> np.ndarray:
    """A grey PNG painted by the page as float32 ``H×W`` in [0, 1] of ``shape``."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "PNG":
                raise CinemagraphError(f"{what} is not a PNG image")
            if img.size != (shape[1], shape[0]):
                raise CinemagraphError(
                    f"{what} is {img.size[0]}×{img.size[1]}, not the picture's "
                    f"{shape[1]}×{shape[0]}")
            grey = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise CinemagraphError(f"{what} is not a readable PNG image") from exc
    return grey
