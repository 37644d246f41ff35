"""Phone-size photos: shrinking a picture to ``--max-size`` and warning when it is large.

A 12 MP phone photo animates at full size, but slowly and with a lot of memory; most
cinemagraphs are shared at 1–2 k pixels wide. Nothing is shrunk unless asked
(``--max-size PX``: the longer side, aspect ratio kept); above :data:`LARGE_PIXELS` a
warning gives the expected time and memory and the option that cuts them. The figures
per megapixel come from ``benchmarks/bench_files.py`` (a 12 MP photo, 60 frames, the CPU
engine on two cores, written to an mp4).
"""

from __future__ import annotations

import warnings

import cv2
import numpy as np

from ..errors import CinemagraphError

#: Pictures above this many pixels get a warning with the expected time and memory.
LARGE_PIXELS = 4_000_000
#: Seconds per megapixel and frame of the loop, rendered and written (CPU engine).
SECONDS_PER_MEGAPIXEL_FRAME = 0.16
#: Peak memory per megapixel, in bytes, for a loop written as a stream (mp4).
BYTES_PER_MEGAPIXEL = 190e6
#: The longer side ``--max-size`` suggests for a large picture.
SUGGESTED_SIDE = 2048


def check_max_size(max_size: int | None) -> int | None:
    """A longer side in pixels (≥ 16), or None for no limit."""
    if max_size is None:
        return None
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 16:
        raise CinemagraphError(f"--max-size must be a whole number of pixels ≥ 16, got "
                               f"{max_size!r}")
    return max_size


def fit_max_size(image: np.ndarray, max_size: int | None) -> np.ndarray:
    """``image`` (``H×W×C`` or ``H×W``) shrunk so that its longer side is at most
    ``max_size`` (area interpolation, aspect ratio kept); unchanged when it fits."""
    max_size = check_max_size(max_size)
    h, w = image.shape[:2]
    if max_size is None or max(h, w) <= max_size:
        return image
    scale = max_size / max(h, w)
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def warn_if_large(shape: tuple[int, int], frames: int) -> bool:
    """Warn when a picture of ``shape`` (H, W) is above :data:`LARGE_PIXELS`, with the
    expected time and memory of a loop of ``frames``; True when it warned."""
    h, w = shape
    megapixels = h * w / 1e6
    if h * w <= LARGE_PIXELS:
        return False
    seconds = SECONDS_PER_MEGAPIXEL_FRAME * megapixels * frames
    gigabytes = BYTES_PER_MEGAPIXEL * megapixels / 1e9
    warnings.warn(
        f"the picture is {w}×{h} ({megapixels:.1f} MP): a loop of {frames} frames takes "
        f"about {seconds:.0f} s and {gigabytes:.1f} GB of memory on two CPU cores; "
        f"--max-size {SUGGESTED_SIDE} animates it at {SUGGESTED_SIDE} px on the longer side",
        stacklevel=2)
    return True
