"""Pictures of motion fields: the Middlebury colour wheel (Baker et al., IJCV 2011).

Hue gives the direction of motion and saturation its speed: white is still, fully
saturated is ``max_speed``. Motion to the right is red, down the screen yellow, to the left
cyan, up blue-violet; previews carry a key in their corner.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import cv2
import numpy as np

from ..contract import check_field, check_mask
from ..io.images import save_image


def _colour_wheel() -> np.ndarray:
    """The 55 reference colours of the Middlebury wheel, float ``55×3`` in [0, 1]."""
    segments = ((15, (1, 0, 0), (1, 1, 0)), (6, (1, 1, 0), (0, 1, 0)),
                (4, (0, 1, 0), (0, 1, 1)), (11, (0, 1, 1), (0, 0, 1)),
                (13, (0, 0, 1), (1, 0, 1)), (6, (1, 0, 1), (1, 0, 0)))
    rows = []
    for n, start, end in segments:
        t = np.floor(255 * np.arange(n) / n)[:, None] / 255.0
        rows.append(np.asarray(start) * (1 - t) + np.asarray(end) * t)
    return np.concatenate(rows, axis=0)


WHEEL = _colour_wheel()


def field_to_rgb(field: np.ndarray, max_speed: float | None = None) -> np.ndarray:
    """Colour-code a motion field: uint8 ``H×W×3``.

    ``field``: float ``H×W×2`` (dx, dy) pixels per frame. ``max_speed``: the speed shown
    fully saturated (pixels per frame); default the field's largest speed. Faster motion is
    drawn darker; still pixels are white.
    """
    field = np.asarray(field, dtype=np.float64)
    u, v = field[..., 0], field[..., 1]
    speed = np.hypot(u, v)
    peak = float(speed.max()) if speed.size else 0.0
    scale = max_speed if max_speed is not None and max_speed > 0 else peak
    if scale <= 0:
        return np.full((*field.shape[:2], 3), 255, dtype=np.uint8)
    radius = speed / scale
    n = len(WHEEL)
    position = (np.arctan2(-v, -u) / np.pi + 1.0) / 2.0 * (n - 1)
    k0 = np.floor(position).astype(np.int64) % n
    k1 = (k0 + 1) % n
    f = (position - np.floor(position))[..., None]
    colour = (1 - f) * WHEEL[k0] + f * WHEEL[k1]
    inside = (radius <= 1)[..., None]
    colour = np.where(inside, 1 - radius[..., None] * (1 - colour), colour * 0.75)
    return np.clip(np.rint(colour * 255), 0, 255).astype(np.uint8)


def colour_key(size: int) -> np.ndarray:
    """A round key to the colour wheel, uint8 ``size×size×3`` (white outside the disc)."""
    half = (size - 1) / 2.0
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    field = np.stack([(xs - half) / max(half, 1), (ys - half) / max(half, 1)], axis=-1)
    key = field_to_rgb(field, max_speed=1.0)
    key[np.hypot(field[..., 0], field[..., 1]) > 1.0] = 255
    return key


def _draw_arrows(canvas: np.ndarray, field: np.ndarray, scale: float) -> None:
    height, width = field.shape[:2]
    step = max(8, min(height, width) // 16)
    colour = (20, 20, 20)
    for y in range(step // 2, height, step):
        for x in range(step // 2, width, step):
            dx, dy = field[y, x]
            length = float(np.hypot(dx, dy))
            if length < 0.01 * scale:
                continue
            reach = 0.8 * step * math.sqrt(min(length / scale, 1.0)) / length
            tip = (round(x + dx * reach), round(y + dy * reach))
            cv2.arrowedLine(canvas, (x, y), tip, colour, 1, cv2.LINE_AA, tipLength=0.35)


def field_preview(field: np.ndarray, mask: np.ndarray | None = None,
                  max_speed: float | None = None, arrows: bool = True,
                  key: bool = True) -> np.ndarray:
    """The colour-wheel picture of a field with extras, uint8 ``H×W×3``.

    ``field``: float ``H×W×2``, pixels per frame. ``mask``: optional float ``H×W`` in [0, 1];
    its outline (at 0.5) is drawn. ``max_speed``: speed shown fully saturated; default the
    99th percentile of the moving pixels' speeds, so a few fast swirls do not wash out the
    rest. ``arrows``: sparse arrows showing direction, their length growing with the square
    root of the speed (so slow fluids stay visible beside fast ones). ``key``: a small
    colour-wheel key in a corner that holds no part of the field (bottom-right first), or,
    when every corner does, in a white strip added below the picture (the result is then
    taller than the field).
    """
    field = check_field(field, np.shape(field)[:2])
    height, width = field.shape[:2]
    speed = np.hypot(field[..., 0], field[..., 1])
    moving = speed[speed > 0]
    scale = max_speed if max_speed else float(np.percentile(moving, 99)) if moving.size else 0.0
    canvas = np.ascontiguousarray(field_to_rgb(field, scale or None))
    thickness = max(1, round(min(height, width) / 256))
    if mask is not None:
        inside = (check_mask(mask, (height, width)) >= 0.5).astype(np.uint8)
        contours, _ = cv2.findContours(inside, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(canvas, contours, -1, (60, 60, 60), thickness, cv2.LINE_AA)
    if arrows and scale > 0 and min(height, width) >= 32:
        _draw_arrows(canvas, field, scale)
    size = min(height, width) // 6
    if key and size >= 16:
        occupied = speed > 0
        if mask is not None:
            occupied |= inside.astype(bool)
        canvas = _add_key(canvas, occupied, size)
    return canvas


def _add_key(canvas: np.ndarray, occupied: np.ndarray, size: int) -> np.ndarray:
    """Draw the key in the first corner (bottom-right, bottom-left, top-right, top-left)
    that holds no part of the field, or in a white strip added below the picture."""
    height, width = canvas.shape[:2]
    margin = max(2, size // 8)
    span = size + 2 * margin
    corners = [(height - span, width - span), (height - span, 0), (0, width - span), (0, 0)]
    free = [(y, x) for y, x in corners if not occupied[y:y + span, x:x + span].any()]
    if free:
        top, left = free[0]
    else:
        canvas = np.concatenate([canvas, np.full((span, width, 3), 255, np.uint8)])
        top, left = height, width - span
    patch = canvas[top + margin:top + margin + size, left + margin:left + margin + size]
    wheel = colour_key(size)
    disc = np.hypot(*np.mgrid[0:size, 0:size] - (size - 1) / 2.0) <= (size - 1) / 2.0
    patch[disc] = wheel[disc]
    cv2.circle(patch, (size // 2, size // 2), size // 2, (60, 60, 60), 1, cv2.LINE_AA)
    return np.ascontiguousarray(canvas)


def save_field_preview(path: str | os.PathLike[str], field: np.ndarray,
                       mask: np.ndarray | None = None, max_speed: float | None = None,
                       arrows: bool = True, key: bool = True) -> Path:
    """Write :func:`field_preview` as a PNG, atomically. Returns the path."""
    return save_image(path, field_preview(field, mask, max_speed, arrows, key))
