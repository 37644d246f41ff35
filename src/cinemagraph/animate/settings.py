"""Settings of the animation stage."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import CinemagraphError
from ..limits import MAX_FPS, MAX_FRAMES, MIN_FPS
from ..seeds import check_seed

#: Image width at which speeds given "at 512 px" are taken literally.
REFERENCE_WIDTH = 512

#: Ways of mixing the forward and the backward splat (see :mod:`.compose`).
BLENDS = ("contrast", "linear")


@dataclass(frozen=True)
class AnimateSettings:
    """How a motion field becomes a looping video.

    frames:     number of frames N in the loop (frame N would equal frame 0); 2 … 10 000.
    fps:        playback rate of written videos, frames per second; 0.1 … 240.
    speed:      multiplier applied to the motion field; ≥ 0.
    max_speed:  optional clamp of |M| in px/frame *at 512 px image width*, applied before
                ``speed`` (the published method uses 1.0); scaled with the image width.
    feather:    width in pixels of the soft edge around the mask where the animated and
                the still image are blended; beyond it every pixel is the input exactly.
    importance: softmax-splatting importance Z per pixel: ``"uniform"`` (Z = 0, average
                splatting) or ``"speed"`` (Z ∝ |M|, faster fluid in front).
    blend:      how the forward and backward splats are mixed: ``"contrast"`` keeps the
                texture's contrast mid-loop (variance-preserving), ``"linear"`` is the plain
                weighted mean of symmetric splatting, which fades detail mid-loop.
    sharpness:  the splat kernel, from 0 (bilinear, 2×2 pixels: blurs the texture's fine
                detail at fractional offsets) to 1 (Catmull-Rom, 4×4 pixels: keeps most
                of it); in between, a mix of the two. Sharper frames also change more
                from one frame to the next: fine texture that moves shows.
    crossfade:  the power p of the crossfade between the forward and the backward splat:
                the backward one weighs u^p / (u^p + (1 − u)^p) at u = t/N; 1 is the linear
                crossfade, larger powers spend fewer frames in the 50/50 mix, where the two
                splats show through each other (:func:`~.engine.crossfade_weight`).
    device:     ``"auto"`` (CUDA when available, else CPU), ``"cpu"`` or ``"cuda"``.
    seed:       seed for every random choice of the stages that use this run (the RGB
                engine itself is deterministic).
    """

    frames: int = 60
    fps: float = 30.0
    speed: float = 1.0
    max_speed: float | None = None
    feather: float = 2.0
    importance: str = "uniform"
    blend: str = "contrast"
    sharpness: float = 0.4
    crossfade: float = 2.0
    device: str = "auto"
    seed: int = 0

    def __post_init__(self) -> None:
        if (isinstance(self.frames, bool) or not isinstance(self.frames, int)
                or not 2 <= self.frames <= MAX_FRAMES):
            raise CinemagraphError(
                f"frames must be a whole number from 2 to {MAX_FRAMES}, got {self.frames!r}")
        if not (math.isfinite(self.fps) and MIN_FPS <= self.fps <= MAX_FPS):
            raise CinemagraphError(
                f"fps must lie in [{MIN_FPS:g}, {MAX_FPS:g}] frames per second, got {self.fps!r}")
        if not (math.isfinite(self.speed) and self.speed >= 0):
            raise CinemagraphError(f"speed must be a number ≥ 0, got {self.speed!r}")
        if self.max_speed is not None and not (
            math.isfinite(self.max_speed) and self.max_speed > 0
        ):
            raise CinemagraphError(f"max speed must be a positive number, got {self.max_speed!r}")
        if not (math.isfinite(self.feather) and self.feather >= 0):
            raise CinemagraphError(f"feather must be a number ≥ 0, got {self.feather!r}")
        if self.importance not in ("uniform", "speed"):
            raise CinemagraphError(
                f"importance must be 'uniform' or 'speed', got {self.importance!r}"
            )
        if self.blend not in BLENDS:
            raise CinemagraphError(f"blend must be one of {', '.join(BLENDS)}, got {self.blend!r}")
        if not (math.isfinite(self.sharpness) and 0.0 <= self.sharpness <= 1.0):
            raise CinemagraphError(
                f"sharpness must be a number from 0 to 1, got {self.sharpness!r}")
        if not (math.isfinite(self.crossfade) and 1.0 <= self.crossfade <= 8.0):
            raise CinemagraphError(
                f"crossfade must be a number from 1 to 8, got {self.crossfade!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise CinemagraphError(f"device must be auto, cpu or cuda, got {self.device!r}")
        check_seed(self.seed)
