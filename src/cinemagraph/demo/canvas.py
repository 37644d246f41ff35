"""A painter's canvas that keeps track of where each named (fluid) layer stays visible."""

from __future__ import annotations

import math

import numpy as np


def edge_alpha(signed_distance: np.ndarray, softness: float = 1.0) -> np.ndarray:
    """Anti-aliased coverage from a signed distance in pixels (positive = inside).

    Returns float32 of the same shape in [0, 1]: 0.5 on the edge, ramping over
    ``softness`` pixels.
    """
    d = np.asarray(signed_distance, dtype=np.float32)
    return np.clip(0.5 + d / np.float32(softness), 0.0, 1.0).astype(np.float32)


class Canvas:
    """An RGB picture painted back to front, with one visibility mask per named region.

    A canvas may be a *window* onto a larger picture (see :meth:`window`): layers that only
    touch part of the picture work on a window, so their noise and arithmetic cover only
    those pixels. In a window, ``height``/``width`` and pixel positions are the window's,
    while ``u`` (float32 ``1×width``) and ``v`` (float32 ``height×1``) are pixel-centre
    positions as fractions of the *whole* picture's width and height.
    """

    def __init__(self, height: int, width: int) -> None:
        self.full_height, self.full_width = height, width
        self.top, self.left = 0, 0
        self.height, self.width = height, width
        self.picture = np.zeros((height, width, 3), dtype=np.float32)
        self._masks: dict[str, np.ndarray] = {}

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of this canvas or window, in pixels."""
        return (self.height, self.width)

    @property
    def rgb(self) -> np.ndarray:
        """This window's pixels: a float32 ``height×width×3`` view into the picture."""
        return self.picture[self.top : self.top + self.height, self.left : self.left + self.width]

    @property
    def u(self) -> np.ndarray:
        """Column centres as fractions of the picture's width: float32 ``1×width``."""
        cols = np.arange(self.left, self.left + self.width, dtype=np.float32) + 0.5
        return (cols / self.full_width)[None, :]

    @property
    def v(self) -> np.ndarray:
        """Row centres as fractions of the picture's height: float32 ``height×1``."""
        rows = np.arange(self.top, self.top + self.height, dtype=np.float32) + 0.5
        return (rows / self.full_height)[:, None]

    def window(self, v0: float, v1: float, u0: float = 0.0, u1: float = 1.0) -> Canvas:
        """The part of the picture between rows ``v0``–``v1`` and columns ``u0``–``u1``.

        Bounds are fractions of the whole picture, clipped to this canvas and widened to
        at least one pixel. Painting in the window paints the picture.
        """
        top = min(max(self.top, math.floor(v0 * self.full_height)), self.top + self.height - 1)
        bottom = max(min(self.top + self.height, math.ceil(v1 * self.full_height)), top + 1)
        left = min(max(self.left, math.floor(u0 * self.full_width)), self.left + self.width - 1)
        right = max(min(self.left + self.width, math.ceil(u1 * self.full_width)), left + 1)
        view = Canvas.__new__(Canvas)
        view.full_height, view.full_width = self.full_height, self.full_width
        view.top, view.left = top, left
        view.height, view.width = bottom - top, right - left
        view.picture = self.picture
        view._masks = self._masks
        return view

    def paint(self, colour: np.ndarray, alpha: np.ndarray, region: str | None = None) -> None:
        """Lay ``colour`` (``height×width×3`` or ``(3,)``) over the canvas with ``alpha``.

        ``alpha`` is float32 ``height×width`` in [0, 1]. Everything painted before is
        hidden by ``alpha``; if ``region`` is given, that region's mask gains ``alpha``.
        """
        self.paint_box(0, 0, colour, alpha, region)

    def paint_box(
        self,
        top: int,
        left: int,
        colour: np.ndarray,
        alpha: np.ndarray,
        region: str | None = None,
    ) -> None:
        """Like :meth:`paint`, for an ``h×w`` patch whose top-left pixel is (``top``, ``left``).

        Positions are in this canvas's pixels; the patch must lie inside it.
        """
        alpha = np.clip(np.asarray(alpha, dtype=np.float32), 0.0, 1.0)
        rows = slice(self.top + top, self.top + top + alpha.shape[0])
        cols = slice(self.left + left, self.left + left + alpha.shape[1])
        under = self.picture[rows, cols]
        colour = np.broadcast_to(np.asarray(colour, dtype=np.float32), under.shape)
        under += (colour - under) * alpha[..., None]
        for name, mask in self._masks.items():
            if name != region:
                mask[rows, cols] *= 1.0 - alpha
        if region is not None:
            mask = self._masks.setdefault(
                region, np.zeros((self.full_height, self.full_width), dtype=np.float32)
            )
            mask[rows, cols] += (1.0 - mask[rows, cols]) * alpha

    def veil(self, colour: np.ndarray, alpha: np.ndarray) -> None:
        """Lay a translucent veil (mist, shadow) over the canvas without hiding any region.

        ``colour`` is ``height×width×3`` or ``(3,)``; ``alpha`` is float32 ``height×width``
        in [0, 1].
        """
        alpha = np.clip(np.asarray(alpha, dtype=np.float32), 0.0, 1.0)
        under = self.rgb
        colour = np.broadcast_to(np.asarray(colour, dtype=np.float32), under.shape)
        under += (colour - under) * alpha[..., None]

    def mask(self, region: str) -> np.ndarray:
        """Where ``region`` shows in the whole picture: float32 ``H×W`` in [0, 1]."""
        mask = self._masks.get(region)
        if mask is None:
            return np.zeros((self.full_height, self.full_width), dtype=np.float32)
        return np.clip(mask, 0.0, 1.0).astype(np.float32)
