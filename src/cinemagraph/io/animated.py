"""GIF and animated WebP, written by Pillow: palette, still pixels, frame delays.

**GIF.** One palette of 255 colours for the whole loop (median cut over frames from across
it); index 255 is transparent. Frame 0 is drawn in full with Floyd–Steinberg dither; every
later frame keeps, pixel by pixel, the previous frame's palette index wherever that colour
is still as close to the frame as a fresh choice would be, or within
:data:`GIF_KEEP_DISTANCE` of it. Pillow then writes only the rectangle that changed and
makes the kept pixels transparent, which LZW packs into almost nothing: still parts cost
nothing and never shimmer, and slowly changing water costs little. The moving pixels are
mapped to the palette without dither (dither noise would change every frame).

GIF delays are whole hundredths of a second, so a frame rate whose delay is not whole is
met on average: each frame ends at the hundredth nearest to its true end time, e.g. 30 fps
plays as 3, 4, 3, 3, 4, 3 … hundredths (30, 40, 30 ms: exactly 30 fps every 3 frames)
instead of a constant 3 (33.3 fps). Browsers play delays below 2 hundredths at 10, so no
delay is shorter than 2 (50 fps at most).

**WebP.** Lossy animated WebP (libwebp through Pillow, quality 80), loops forever; frame
times are kept in milliseconds, so any frame rate plays at its own average. WebP codes
each frame on its own (only the changed rectangle), so moving water costs about what a
GIF costs, in better colour; the mp4 is the small file.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

#: Colours of the GIF palette; the one index left over is the transparent one.
GIF_COLOURS = 255
#: A pixel keeps its previous palette colour when that is within this RGB distance (0–255).
#: On the white water of a rapids photo, 14 instead of 12 cuts the GIF by 9 % for 0.4 dB
#: of PSNR; 4 % instead of 1.5 % of the pixels that clearly change then keep their colour
#: for a frame (16: 17 % smaller, 8 % kept; ``benchmarks/bench_files.py``).
GIF_KEEP_DISTANCE = 14.0
#: Frames sampled from across the loop for the palette.
PALETTE_SAMPLE_FRAMES = 8
#: Pixels per sampled frame for the palette (larger frames are subsampled).
PALETTE_SAMPLE_PIXELS = 128 * 1024
#: Shortest GIF delay that browsers honour, in hundredths of a second.
GIF_MIN_DELAY_CS = 2
#: Quality of lossy WebP frames (0–100).
WEBP_QUALITY = 80


def gif_delays_cs(count: int, fps: float) -> list[int]:
    """Delays in hundredths of a second for ``count`` frames at ``fps``: each frame ends at
    the hundredth nearest its true end, and none is shorter than :data:`GIF_MIN_DELAY_CS`."""
    ends = [math.floor(100.0 * (k + 1) / fps + 0.5) for k in range(count)]
    delays = [b - a for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    return [max(GIF_MIN_DELAY_CS, d) for d in delays]


def _palette_image(frames: Sequence[np.ndarray]) -> Image.Image:
    """A ``P`` image whose palette is the loop's :data:`GIF_COLOURS` colours."""
    picks = np.unique(np.linspace(0, len(frames) - 1, min(PALETTE_SAMPLE_FRAMES, len(frames)))
                      .round().astype(int))
    h, w = frames[0].shape[:2]
    step = max(1, math.ceil(math.sqrt(h * w / PALETTE_SAMPLE_PIXELS)))
    sample = np.concatenate([frames[i][::step, ::step] for i in picks], axis=0)
    return Image.fromarray(np.ascontiguousarray(sample)).quantize(
        colors=GIF_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def _indices(frame: np.ndarray, palette: Image.Image, dither: bool) -> np.ndarray:
    image = Image.fromarray(np.ascontiguousarray(frame)).quantize(
        palette=palette, dither=Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE)
    return np.asarray(image)


def gif_indices(frames: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Palette indices (uint8 ``H×W`` per frame) and the palette (uint8
    :data:`GIF_COLOURS` ×3) of the loop's GIF (see the module docstring)."""
    palette_image = _palette_image(frames)
    colours = np.asarray(palette_image.getpalette()[: 3 * GIF_COLOURS], dtype=np.float32)
    colours = colours.reshape(-1, 3)
    if len(colours) < GIF_COLOURS:
        colours = np.concatenate([colours, np.zeros((GIF_COLOURS - len(colours), 3),
                                                    np.float32)])
    previous = _indices(frames[0], palette_image, dither=True)
    result = [previous]
    for before, frame in itertools.pairwise(frames):
        fresh = _indices(frame, palette_image, dither=False)
        rgb = frame.astype(np.float32)
        kept_error = np.linalg.norm(colours[previous] - rgb, axis=-1)
        fresh_error = np.linalg.norm(colours[fresh] - rgb, axis=-1)
        keep = kept_error <= np.maximum(fresh_error, GIF_KEEP_DISTANCE)
        keep |= (frame == before).all(axis=-1)  # a still pixel keeps its (dithered) index
        current = np.where(keep, previous, fresh).astype(np.uint8)
        result.append(current)
        previous = current
    return result, colours.astype(np.uint8)


def save_gif(path: Path, frames: Sequence[np.ndarray], fps: float) -> None:
    """Write uint8 ``H×W×3`` ``frames`` as a GIF that loops forever (module docstring)."""
    indices, colours = gif_indices(frames)
    palette = np.zeros((GIF_COLOURS + 1, 3), np.uint8)
    palette[:GIF_COLOURS] = colours
    images = []
    for frame in indices:
        image = Image.fromarray(frame, mode="P")
        image.putpalette(palette.ravel().tolist())
        images.append(image)
    delays = [10 * cs for cs in gif_delays_cs(len(images), fps)]
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], loop=0,
                   duration=delays, disposal=1, optimize=True, transparency=GIF_COLOURS)


def save_webp(path: Path, frames: Sequence[np.ndarray], fps: float,
              quality: int = WEBP_QUALITY) -> None:
    """Write uint8 ``H×W×3`` ``frames`` as a lossy animated WebP that loops forever."""
    images = [Image.fromarray(np.ascontiguousarray(frame)) for frame in frames]
    images[0].save(path, format="WEBP", save_all=True, append_images=images[1:], loop=0,
                   duration=1000.0 / fps, quality=quality, method=4, lossless=False,
                   minimize_size=False, allow_mixed=False)
