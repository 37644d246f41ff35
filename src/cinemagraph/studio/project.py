"""What the user made in the editor, and how it becomes the command line's inputs.

A project holds the picture, the moving regions (a soft mask each, painted at the page's
size, with a fluid name, direction and speed words), the freeze mask, the arrows and the
loop settings. It is turned into exactly what ``cinemagraph animate`` reads: one mask PNG
per region at the picture's full size (frozen pixels, and a margin around them as wide as
the engine's feather, cleared), the region's words as its name, and arrows as hints; so
the command line :func:`command_line` gives reproduces an export byte for byte.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from ..animate import AnimateSettings
from ..contract import MAX_SPEED_PX_PER_FRAME
from ..errors import CinemagraphError
from ..motion import MotionSettings
from ..motion.words import DIRECTION_WORDS, SPEED_WORDS

#: Direction choices of a region ("" = what the fluid's name implies).
DIRECTIONS = ("", "left", "right", "up", "down", "northeast", "northwest", "southeast",
              "southwest")

#: Speed choices of a region ("" = the fluid's usual speed).
SPEEDS = ("", "barely", "slow", "fast", "rushing")

#: An arrow's length is how far the fluid under it travels in this many seconds.
ARROW_SECONDS = 2.0

#: The engine's feather (px): frozen pixels keep this much margin, plus one, from motion.
FEATHER_PX = AnimateSettings().feather

#: Longest loop the studio renders, in frames (a minute at 30 fps).
STUDIO_MAX_FRAMES = 1800

#: Bounds of the fps and global speed sliders.
MIN_FPS, MAX_FPS = 1.0, 120.0
MAX_SPEED_SCALE = 20.0

#: Most regions and arrows in one project.
MAX_REGIONS = 16
MAX_ARROWS = 64

#: A generated picture's natural twin, in the session folder and in a saved project.
TWIN_FILE = "twin.png"

#: A generated picture's motion field (computed on its twin), in a saved project.
MOTION_FILE = "motion.npy"

_NAME = re.compile(r"^[a-z][a-z ]{0,39}$")

assert all(word in DIRECTION_WORDS for word in DIRECTIONS if word)
assert all(word in SPEED_WORDS for word in SPEEDS if word)


def _number(value: Any, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and low <= value <= high):
        raise CinemagraphError(f"{what} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _whole(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CinemagraphError(f"{what} must be a whole number from {low} to {high}, "
                               f"got {value!r}")
    return value


@dataclass(frozen=True)
class LoopSettings:
    """The sliders: global speed multiplier, turbulence multiplier, loop frames, fps, seed."""

    speed: float = 1.0
    turbulence: float = 1.0
    frames: int = 60
    fps: float = 30.0
    seed: int = 0

    @classmethod
    def from_json(cls, data: Any) -> LoopSettings:
        if not isinstance(data, dict):
            raise CinemagraphError("settings must be an object")
        default = cls()
        return cls(
            speed=_number(data.get("speed", default.speed), "speed", 0.0, MAX_SPEED_SCALE),
            turbulence=_number(data.get("turbulence", default.turbulence), "turbulence",
                               0.0, 100.0),
            frames=_whole(data.get("frames", default.frames), "frames", 2, STUDIO_MAX_FRAMES),
            fps=_number(data.get("fps", default.fps), "fps", MIN_FPS, MAX_FPS),
            seed=_whole(data.get("seed", default.seed), "seed", 0, 2**32 - 1),
        )

    def animate_settings(self) -> AnimateSettings:
        return AnimateSettings(frames=self.frames, fps=self.fps, speed=self.speed,
                               seed=self.seed)

    def motion_settings(self) -> MotionSettings:
        return MotionSettings(seed=self.seed, turbulence_scale=self.turbulence)


@dataclass(frozen=True)
class Arrow:
    """A dragged arrow, from (x0, y0) to (x1, y1) in the full picture's pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def from_json(cls, data: Any, width: int, height: int) -> Arrow:
        if not isinstance(data, dict):
            raise CinemagraphError("an arrow must be an object with x0, y0, x1, y1")
        x0, x1 = (_number(data.get(k), f"arrow {k}", 0, width - 1) for k in ("x0", "x1"))
        y0, y1 = (_number(data.get(k), f"arrow {k}", 0, height - 1) for k in ("y0", "y1"))
        return cls(x0, y0, x1, y1)

    def hint(self, fps: float) -> tuple[float, float, float, float]:
        """The hint (x, y, dx, dy): at the arrow's tail, its vector per frame (rounded to
        the digits the command line carries)."""
        frames = fps * ARROW_SECONDS
        dx, dy = (self.x1 - self.x0) / frames, (self.y1 - self.y0) / frames
        cap = MAX_SPEED_PX_PER_FRAME / max(1e-9, math.hypot(dx, dy))
        if cap < 1:
            dx, dy = dx * cap, dy * cap
        return (round(self.x0, 2), round(self.y0, 2), round(dx, 4), round(dy, 4))


@dataclass
class Region:
    """One moving region: its soft mask at the page's size and its words."""

    name: str
    direction: str = ""
    speed: str = ""
    colour: str = "#3b82f6"
    mask: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))

    @property
    def label(self) -> str:
        """The region's words, as ``--mask LABEL=PATH`` names it ("slow water left")."""
        return " ".join(word for word in (self.speed, self.name, self.direction) if word)


def region_from_json(data: Any, index: int) -> Region:
    if not isinstance(data, dict):
        raise CinemagraphError(f"region {index + 1} must be an object")
    name = str(data.get("name", "")).strip().lower()
    if not _NAME.match(name):
        raise CinemagraphError(
            f"region {index + 1}: the name must be a fluid word in letters (water, clouds, "
            f"smoke …), got {name!r}")
    direction = str(data.get("direction", ""))
    if direction not in DIRECTIONS:
        raise CinemagraphError(f"region {index + 1}: unknown direction {direction!r}")
    speed = str(data.get("speed", ""))
    if speed not in SPEEDS:
        raise CinemagraphError(f"region {index + 1}: unknown speed {speed!r}")
    colour = str(data.get("colour", "#3b82f6"))
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        colour = "#3b82f6"
    return Region(name=name, direction=direction, speed=speed, colour=colour)


def scene_prompt(regions: Sequence[Region]) -> str:
    """The prompt given beside the masks: every region's words, in order."""
    return ", ".join(region.label for region in regions)


def resize_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A soft mask brought to ``shape`` (area-averaged down, bilinear up), float32 [0, 1]."""
    if mask.shape == tuple(shape):
        return mask.astype(np.float32)
    down = shape[0] * shape[1] < mask.shape[0] * mask.shape[1]
    resized = cv2.resize(mask.astype(np.float32), (shape[1], shape[0]),
                         interpolation=cv2.INTER_AREA if down else cv2.INTER_LINEAR)
    return np.clip(resized, 0.0, 1.0).astype(np.float32)


def frozen_margin(freeze: np.ndarray, feather: float = FEATHER_PX) -> np.ndarray:
    """Pixels motion must stay away from (bool ``H×W``): the frozen pixels (≥ 0.5) grown by
    the engine's feather plus one pixel, so that they equal the picture exactly."""
    frozen = (freeze >= 0.5).astype(np.uint8)
    radius = math.ceil(feather) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(frozen, kernel) > 0


def region_masks(regions: Sequence[Region], freeze: np.ndarray,
                 shape: tuple[int, int]) -> list[np.ndarray]:
    """Each region's mask at ``shape``, quantised to 8 bits as its PNG stores it, with the
    freeze brush winning. float32 ``H×W`` in [0, 1]."""
    still = frozen_margin(resize_mask(freeze, shape)) if freeze.size else None
    masks = []
    for region in regions:
        mask = np.rint(resize_mask(region.mask, shape) * 255.0) / 255.0
        if still is not None:
            mask[still] = 0.0
        masks.append(mask.astype(np.float32))
    return masks


def mask_file(index: int) -> str:
    """The project-relative path of region ``index``'s full-size mask."""
    return f"masks/region-{index + 1}.png"


def command_line(picture: str, regions: Sequence[Region], arrows: Sequence[Arrow],
                 settings: LoopSettings, output: str, motion_file: str | None = None) -> str:
    """The ``cinemagraph animate`` command that renders this project from its saved files
    (paths relative to the project folder) into ``output``. ``motion_file``: a saved field
    (a generated picture's, computed on its twin) that replaces the prompt and hints."""
    args = ["cinemagraph", "animate", picture]
    for index, region in enumerate(regions):
        args += ["--mask", f"{region.label}={mask_file(index)}"]
    args += ["--soft-mask"]
    if motion_file is not None:
        args += ["--motion", motion_file]
    else:
        args += ["--prompt", scene_prompt(regions)]
        for arrow in arrows:
            args += ["--hint", ",".join(repr(float(v)) for v in arrow.hint(settings.fps))]
        args += ["--turbulence", repr(settings.turbulence)]
    args += ["--frames", str(settings.frames),
             "--fps", repr(settings.fps), "--speed-scale", repr(settings.speed),
             "--seed", str(settings.seed), "-o", output]
    return shlex.join(args)
