"""The demo scene: a waterfall landscape painted entirely in code, with its fluid regions.

The picture is built back to front like a painting (sky and clouds, distant mountains,
a wooded ridge, the rock cliff, the waterfall, the pool with its reflection and foam, the
wooded banks, rocks and grass), and each fluid layer remembers where it stays visible.
All geometry is in fractions of the image size, so any size works; all randomness comes
from one seeded generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import CinemagraphError
from . import land, sky, water
from .canvas import Canvas
from .paint import mix, rgb

#: Smallest width or height accepted by :func:`build_scene`, in pixels.
MIN_SIZE = 64
#: Size (width, height) at which the regions' default speeds below are stated.
REFERENCE_SIZE = (512, 384)
#: Each region's name, prompt, default direction (degrees CCW on screen) and default
#: speed (px/frame at the reference size). A loop of :data:`LOOP_FRAMES` frames moves
#: the falls' water about two thirds of their height. Symmetric splatting shows, mid-loop,
#: the water from the lip pushed down and the water from the plunge line pushed up; at a
#: full height per loop the two trailing edges meet in the middle of the falls, and
#: neither direction has texture there but the lip's stretched in streaks.
REGION_MOTIONS = (
    (sky.REGION, "clouds drifting right", 0.0, 0.5),
    (water.WATERFALL, "waterfall", 270.0, 1.8),
    (water.POOL, "lake rippling gently", 270.0, 0.3),
)
#: Loop length (frames) the default speeds are chosen for.
LOOP_FRAMES = 60


@dataclass(frozen=True, eq=False)
class DemoRegion:
    """One fluid region of the demo scene and its default motion.

    ``mask`` is float32 ``H×W`` in [0, 1] (1 = may move, soft edges of 1–2 px);
    ``direction_deg`` is counter-clockwise as seen on screen (0 right, 90 up, 270 down);
    ``speed`` is in pixels per frame at this scene's size.
    """

    name: str
    mask: np.ndarray
    prompt: str
    direction_deg: float
    speed: float


@dataclass(frozen=True, eq=False)
class DemoScene:
    """The demo picture (float32 ``H×W×3`` in [0, 1]) and its fluid regions."""

    image: np.ndarray
    regions: tuple[DemoRegion, ...]

    @property
    def mask(self) -> np.ndarray:
        """Union (pixel-wise max) of the region masks: float32 ``H×W`` in [0, 1]."""
        return np.maximum.reduce([region.mask for region in self.regions]).astype(np.float32)

    def region(self, name: str) -> DemoRegion:
        """The region called ``name`` (``KeyError`` if there is none)."""
        for region in self.regions:
            if region.name == name:
                return region
        raise KeyError(name)


def build_scene(width: int = 512, height: int = 384, seed: int = 0) -> DemoScene:
    """Paint the demo landscape at ``width``×``height`` pixels, reproducibly for ``seed``.

    Returns the image and three regions: ``clouds`` (the sky, drifting right),
    ``waterfall`` (falling) and ``pool`` (rippling toward the viewer), with default speeds
    scaled to the picture's size. Sizes below 64 pixels raise :class:`CinemagraphError`.
    """
    if int(width) != width or int(height) != height:
        raise CinemagraphError(f"demo size must be whole pixels, got {width}×{height}")
    width, height = int(width), int(height)
    if width < MIN_SIZE or height < MIN_SIZE:
        raise CinemagraphError(
            f"demo size must be at least {MIN_SIZE}×{MIN_SIZE} pixels, got {width}×{height}"
        )
    rng = np.random.default_rng(seed)
    canvas = Canvas(height, width)
    sky.paint_sky(canvas, rng)
    land.paint_mountains(canvas, rng)
    land.paint_forest_hills(canvas, rng)
    land.paint_cliff(canvas, rng)
    water.paint_waterfall(canvas, rng)
    water.paint_pool(canvas, rng)
    water.paint_plunge_line(canvas, rng)
    water.paint_mist(canvas, rng)
    land.paint_shore_rocks(canvas, rng)
    land.paint_banks(canvas, rng)
    land.paint_foreground(canvas, rng)
    image = _grade(canvas)

    regions = tuple(
        DemoRegion(
            name,
            canvas.mask(name),
            prompt,
            direction_deg,
            speed * _speed_scale(direction_deg, width, height),
        )
        for name, prompt, direction_deg, speed in REGION_MOTIONS
    )
    return DemoScene(image=image, regions=regions)


def _speed_scale(direction_deg: float, width: int, height: int) -> float:
    """How much a speed stated at :data:`REFERENCE_SIZE` grows at ``width``×``height``.

    Motion scales with the picture's extent along it: sideways with the width, up and
    down with the height, so that every region crosses the same share of itself per loop.
    """
    theta = math.radians(direction_deg)
    return (
        abs(math.cos(theta)) * width / REFERENCE_SIZE[0]
        + abs(math.sin(theta)) * height / REFERENCE_SIZE[1]
    )


def _grade(canvas: Canvas) -> np.ndarray:
    """The finished picture: gentle S-curve, warm highlights, soft vignette.

    Returns float32 ``H×W×3`` in [0, 1].
    """
    image = np.clip(canvas.rgb, 0.0, 1.0)
    image = image + 0.4 * image * (1.0 - image) * (image - 0.45)
    image = mix(image, image * rgb((1.05, 1.0, 0.93)), image.mean(axis=2))
    dist2 = ((canvas.u - 0.5) / 0.72) ** 2 + ((canvas.v - 0.48) / 0.72) ** 2
    vignette = 1.0 - 0.25 * np.clip(dist2, 0.0, 1.0) ** 1.5
    return np.clip(image * vignette[..., None], 0.0, 1.0).astype(np.float32)
