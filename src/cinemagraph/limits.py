"""The bounds of what cinemagraph accepts, and the memory check of a loop.

Each bound keeps a typo or a unit mistake from turning into minutes of work, an
out-of-memory kill or an unplayable video; the README lists them.

* pixels of an image: 64 000 000 (64 MP; ``--max-pixels`` raises it): decompression bombs;
* frame rate: 0.1 – 240 frames/second: players refuse or mangle the rest;
* frames of a loop: 2 – 10 000 (5½ minutes at 30 fps);
* speed multiplier: 0 – 100, as the motion stage's own multiplier;
* demo width and height: 64 – 8192 pixels (OpenCV's remap stops at 32 767).

Beyond the hard bounds, a loop is refused when the memory it needs (its frames are held in
memory) is more than the machine has available: see :func:`check_loop_memory`.
"""

from __future__ import annotations

import math
import os

from .errors import CinemagraphError

#: Images (and masks) with more pixels than this are refused unless the limit is raised.
MAX_PIXELS = 64_000_000

#: Frame rates accepted, frames per second.
MIN_FPS = 0.1
MAX_FPS = 240.0

#: Frames of one loop.
MIN_FRAMES = 2
MAX_FRAMES = 10_000

#: Largest speed multiplier (the motion stage's bound on its own multiplier too).
MAX_SPEED_SCALE = 100.0

#: The demo scene's width and height, in pixels.
MAX_DEMO_SIDE = 8192

#: Bytes the engine and the writers hold per pixel of every frame (the uint8 frames and
#: the encoder's copy), per pixel of the picture (its float32 working arrays), and per
#: pixel and square root of the frame count (the stored states of the backward pass).
BYTES_PER_FRAME_PIXEL = 8
BYTES_PER_PIXEL = 256
BYTES_PER_PIXEL_ROOT_FRAME = 18


def format_pixels(pixels: int) -> str:
    """``64000000`` → ``"64 MP"``; small counts stay whole."""
    if pixels >= 1_000_000:
        return f"{pixels / 1e6:.3g} MP"
    return f"{pixels} pixels"


def format_bytes(size: float) -> str:
    """A byte count the way people read it: ``"3.2 GB"``."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size / 1e3:.3g} kB"


def check_pixel_limit(limit: object) -> int:
    """Return ``limit`` as an int, or raise when it is not a whole number ≥ 1."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise CinemagraphError(f"the pixel limit must be a whole number ≥ 1, got {limit!r}")
    return limit


def loop_bytes(frames: int, height: int, width: int) -> int:
    """About how many bytes rendering and writing a loop of ``frames`` at ``width``×``height``
    takes (measured on the RGB engine, a little generously)."""
    pixels = height * width
    per_pixel = (BYTES_PER_PIXEL + BYTES_PER_PIXEL_ROOT_FRAME * math.sqrt(frames)
                 + BYTES_PER_FRAME_PIXEL * frames)
    return int(pixels * per_pixel)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (MemAvailable on Linux, else the free
    physical pages), or None where the system does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_loop_memory(frames: int, height: int, width: int) -> int:
    """Refuse a loop whose frames would not fit in the memory available; returns the bytes
    it needs."""
    needed = loop_bytes(frames, height, width)
    available = available_memory()
    if available is not None and needed > available:
        raise CinemagraphError(
            f"a loop of {frames} frames at {width}×{height} needs about "
            f"{format_bytes(needed)} of memory but {format_bytes(available)} is available: "
            "use fewer --frames or a smaller picture")
    return needed


def check_loop_settings(frames: object, fps: object, speed_scale: object) -> None:
    """Refuse a loop's frame count, frame rate or speed multiplier outside the bounds."""
    if (isinstance(frames, bool) or not isinstance(frames, int)
            or not MIN_FRAMES <= frames <= MAX_FRAMES):
        raise CinemagraphError(
            f"--frames must be a whole number from {MIN_FRAMES} to {MAX_FRAMES}, got {frames!r}")
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and MIN_FPS <= fps <= MAX_FPS):
        raise CinemagraphError(
            f"--fps must lie in [{MIN_FPS:g}, {MAX_FPS:g}] frames per second, got {fps!r}")
    if not (isinstance(speed_scale, (int, float)) and math.isfinite(speed_scale)
            and 0 <= speed_scale <= MAX_SPEED_SCALE):
        raise CinemagraphError(
            f"--speed-scale must lie in [0, {MAX_SPEED_SCALE:g}], got {speed_scale!r}")
