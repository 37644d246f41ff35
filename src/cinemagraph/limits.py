"""The bounds of what cinemagraph accepts, and the memory check of a loop.

Each bound keeps a typo or a unit mistake from turning into minutes of work, an
out-of-memory kill or an unplayable video; the README lists them.

* pixels of an image: 64 000 000 (64 MP; ``--max-pixels`` raises it): decompression bombs;
* frame rate: 0.1 – 240 frames/second: players refuse or mangle the rest;
* frames of a loop: 2 – 10 000 (5½ minutes at 30 fps);
* speed multiplier: 0 – 100, as the motion stage's own multiplier;
* demo width and height: 64 – 8192 pixels (OpenCV's remap stops at 32 767).

Beyond the hard bounds, a loop is refused when the memory it needs is more than the
machine has available: see :func:`check_loop_memory`. That depends on where the frames go:
frames returned to the caller are all held; frames streamed to the encoders are not, except
by a GIF or WebP writer, which keeps its frames until it has them all.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

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

#: Bytes the engine holds per pixel of the picture: its float32 working arrays and the
#: frame it renders into (193 measured on the RGB engine with a mask over the whole
#: picture; a little more here).
BYTES_PER_PIXEL = 224
#: The engine's backward pass keeps its integrated states, this many bytes per point and
#: state (:data:`cinemagraph.animate.engine.STATE_BYTES_PER_POINT`), all of them while they
#: fit in this budget (``…engine.STORED_STATES_BUDGET``), else about 2√N at a time.
STATE_BYTES_PER_POINT = 9
STORED_STATES_BUDGET = 1 << 30
#: Bytes per pixel of every frame held: returned frames (uint8 RGB) …
BYTES_PER_FRAME_PIXEL = 3
#: … and, per output of these kinds, the frames its writer keeps until the end (their
#: copies, palette indices or encoder images).
WRITER_BYTES_PER_FRAME_PIXEL = {".gif": 4, ".webp": 5}

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


def held_states(frames: int, points: int) -> int:
    """How many of the backward pass's states the engine holds at once for a loop of
    ``frames`` over ``points`` moving points: all N−1 while they fit in
    :data:`STORED_STATES_BUDGET`, else its checkpoints and one run between two (c ≈ √N
    states each)."""
    if (frames - 1) * points * STATE_BYTES_PER_POINT <= STORED_STATES_BUDGET:
        return frames - 1
    run = math.isqrt(max(frames - 2, 0)) + 1
    return (frames - 2) // run + 1 + run


def loop_bytes(frames: int, height: int, width: int,
               streamed_to: Iterable[str | os.PathLike[str]] | None = None) -> int:
    """About how many bytes rendering and writing a loop of ``frames`` at ``width``×``height``
    takes, a little generously (every pixel counted as moving).

    ``streamed_to``: None when every frame is held (returned to the caller, as
    ``animate_image`` does by default); else the outputs the frames stream to, one at a
    time, of which only GIF and WebP keep theirs."""
    pixels = height * width
    needed = pixels * (BYTES_PER_PIXEL + STATE_BYTES_PER_POINT * held_states(frames, pixels))
    if streamed_to is None:
        per_frame = BYTES_PER_FRAME_PIXEL
    else:
        per_frame = sum(WRITER_BYTES_PER_FRAME_PIXEL.get(os.path.splitext(str(path))[1].lower(),
                                                         0)
                        for path in streamed_to)
    return int(needed + pixels * frames * per_frame)


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


def check_loop_memory(frames: int, height: int, width: int,
                      streamed_to: Iterable[str | os.PathLike[str]] | None = None) -> int:
    """Refuse a loop that would not fit in the memory available; returns the bytes it needs
    (:func:`loop_bytes`: ``streamed_to`` the outputs when the frames stream to them)."""
    needed = loop_bytes(frames, height, width, streamed_to)
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
