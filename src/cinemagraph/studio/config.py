"""The studio's limits and sizes, with their documented defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CinemagraphError

#: Largest upload accepted by default, in bytes (a picture or a project zip).
DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024

#: Largest picture accepted by default, in pixels (a 12 MP photo fits easily).
DEFAULT_MAX_UPLOAD_PIXELS = 40_000_000


@dataclass(frozen=True)
class StudioConfig:
    """How the studio server behaves.

    max_upload_bytes:  largest picture or project zip accepted, in bytes.
    max_upload_pixels: largest picture accepted, in pixels (checked before decoding).
    session_max_age_s: a session idle for longer than this is removed, with its files.
    max_sessions:      at most this many sessions are kept; the longest idle goes first.
    work_side:         longer side, in pixels, of the picture the page paints on.
    preview_side:      longer side of the looping preview (≤ 512).
    draft_side:        longer side of the quick first preview shown while the full one renders.
    root:              folder for the sessions' folders; None = a new temporary folder.
    model:             the Stable Diffusion 1.x model of the prompt box (a Hugging Face id
                       in the cache, or a local diffusers folder).
    device:            where the model runs: auto, cpu or cuda.
    text_steps:        DDIM steps of a generated picture (and its twin).
    text_size:         side in pixels of a generated picture (a multiple of 8).
    inversion_steps:   DDIM inversion steps of "find from the prompt" on a photo.
    """

    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_upload_pixels: int = DEFAULT_MAX_UPLOAD_PIXELS
    session_max_age_s: float = 6 * 3600.0
    max_sessions: int = 32
    work_side: int = 1024
    preview_side: int = 512
    draft_side: int = 256
    root: Path | None = None
    model: str = "CompVis/stable-diffusion-v1-4"
    device: str = "auto"
    text_steps: int = 50
    text_size: int = 512
    inversion_steps: int = 50

    def __post_init__(self) -> None:
        if self.max_upload_bytes < 1024:
            raise CinemagraphError(
                f"the upload limit must be at least 1024 bytes, got {self.max_upload_bytes}")
        if self.max_upload_pixels < 4:
            raise CinemagraphError(
                f"the pixel limit must be at least 4 pixels, got {self.max_upload_pixels}")
        if self.max_sessions < 1:
            raise CinemagraphError(f"max sessions must be ≥ 1, got {self.max_sessions}")
        if not 16 <= self.draft_side <= self.preview_side <= 512:
            raise CinemagraphError("preview sizes must satisfy 16 ≤ draft ≤ preview ≤ 512")
        for name, steps in (("text steps", self.text_steps),
                            ("inversion steps", self.inversion_steps)):
            if not 1 <= steps <= 1000:
                raise CinemagraphError(f"{name} must be between 1 and 1000, got {steps}")
        if self.text_size % 8 or not 64 <= self.text_size <= 1024:
            raise CinemagraphError("the generated picture's size must be a multiple of 8 from "
                                   f"64 to 1024 pixels, got {self.text_size}")
        if self.work_side < self.preview_side:
            raise CinemagraphError("the painting size must be at least the preview size")
