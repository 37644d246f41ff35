"""The moving water of the demo scene: the waterfall and the pool it falls into.

Texture inside each body of water is kept statistically even along its direction of
motion (no brightness ramp down the falls), so that moving it does not drag a visible
band along; the glassy lip where the river tips over is painted as a still layer.
"""

from __future__ import annotations

import cv2
import numpy as np

from .canvas import Canvas, edge_alpha
from .noise import fractal_noise, fractal_profile, smoothstep
from .paint import (
    FALL_CENTRE_U,
    FALL_TOP_V,
    FALL_WIDTH_BOTTOM,
    FALL_WIDTH_TOP,
    POOL_TOP_V,
    mix,
    noise_cells,
    rgb,
    shade,
)

WATERFALL = "waterfall"
POOL = "pool"
#: Height of the still, glassy lip at the top of the falls (fraction of the height).
LIP_HEIGHT = 0.018
#: Still band of foam where the falls meet the pool, above and below the waterline
#: (fractions of the height, at least :data:`PLUNGE_MIN_PX` pixels each). It keeps the two
#: regions apart, so that tracing the pool's motion back never climbs up the falls.
PLUNGE_ABOVE, PLUNGE_BELOW = 0.006, 0.009
PLUNGE_MIN_PX = 1.5


def fall_edges(canvas: Canvas, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Left and right edges of the falling water per row of ``canvas``.

    Returns two float32 arrays of ``canvas.height`` positions, as fractions of the
    picture's width.
    """
    t = np.clip((canvas.v[:, 0] - FALL_TOP_V) / (POOL_TOP_V - FALL_TOP_V), 0.0, 1.0)
    half = 0.5 * (FALL_WIDTH_TOP + (FALL_WIDTH_BOTTOM - FALL_WIDTH_TOP) * t**1.5)
    centre = FALL_CENTRE_U + 0.005 * np.sin(2.5 * t)
    ragged = 0.005 * (0.4 + t)
    cells = 8.0 * canvas.height / canvas.full_height
    left = centre - half + ragged * np.tanh(fractal_profile(rng, canvas.height, cells) / 2)
    right = centre + half + ragged * np.tanh(fractal_profile(rng, canvas.height, cells) / 2)
    return left.astype(np.float32), right.astype(np.float32)


def paint_waterfall(canvas: Canvas, rng: np.random.Generator) -> None:
    """The falls: white water in long streaks and foam clumps below a glassy lip."""
    view = canvas.window(
        FALL_TOP_V - 0.01, POOL_TOP_V + 0.03, FALL_CENTRE_U - 0.1, FALL_CENTRE_U + 0.1
    )
    full_h, full_w = view.full_height, view.full_width
    u, v = view.u, view.v
    left, right = fall_edges(view, rng)
    inside = np.minimum(u - left[:, None], right[:, None] - u) * full_w  # pixels
    alpha = edge_alpha(inside, 1.2) * edge_alpha((v - FALL_TOP_V) * full_h + 0.5)
    alpha = alpha * edge_alpha((POOL_TOP_V + 0.02 - v) * full_h)
    across = np.clip((u - left[:, None]) / np.maximum(right - left, 1e-6)[:, None], 0.0, 1.0)

    streaks = fractal_noise(rng, view.shape, noise_cells(view, 120.0, aspect=0.12), 0.6)
    sheets = fractal_noise(rng, view.shape, noise_cells(view, 45.0, aspect=0.2), 0.55)
    clumps = fractal_noise(rng, view.shape, noise_cells(view, 60.0, aspect=0.6), 0.6)
    threads = fractal_noise(rng, view.shape, noise_cells(view, 300.0, aspect=0.1), 0.7)
    spray = fractal_noise(rng, view.shape, noise_cells(view, 260.0, aspect=0.35), 0.7)
    texture = 0.55 * streaks + 0.4 * sheets + 0.5 * clumps + 0.3 * threads
    foam = smoothstep(-0.9, 1.1, texture)
    foam = foam + 0.5 * smoothstep(1.0, 2.2, spray) - 0.25 * smoothstep(0.8, 2.0, -spray)
    colour = mix(rgb((0.38, 0.48, 0.54)), rgb((0.95, 0.96, 0.96)), np.clip(foam, 0.0, 1.0))
    # Round cross-section: darker at the sides, brighter on the sunlit left.
    body = np.clip(np.sin(np.pi * across), 0.0, 1.0) ** 0.5 * (0.8 + 0.2 * (1.0 - across))
    colour = shade(colour, 0.55 + 0.45 * body)
    view.paint(np.clip(colour, 0.0, 1.0), alpha, region=WATERFALL)

    # The lip: smooth green-grey water curling over, breaking up into white below.
    lip_end = FALL_TOP_V + LIP_HEIGHT
    breaking = smoothstep(FALL_TOP_V, lip_end, v)
    glassy = shade(rgb((0.30, 0.44, 0.44)), 0.85 + 0.15 * np.clip(streaks, -2.0, 2.0))
    lip_colour = mix(glassy, colour, breaking**2)
    crest = np.exp(-(((v - FALL_TOP_V) * full_h / (0.006 * full_h + 1.0)) ** 2))
    lip_colour = mix(lip_colour, rgb((0.95, 0.95, 0.88)), 0.55 * crest * body)
    view.paint(np.clip(lip_colour, 0.0, 1.0), alpha * edge_alpha((lip_end - v) * full_h, 2.0))


def paint_pool(canvas: Canvas, rng: np.random.Generator) -> None:
    """The pool: a rippled reflection of the scene above, rings and foam at the impact."""
    view = canvas.window(POOL_TOP_V - 0.02, 1.0)
    full_h, full_w = view.full_height, view.full_width
    u, v = view.u, view.v
    shore = POOL_TOP_V + 0.004 * np.tanh(fractal_profile(rng, view.width, 30.0) / 2)
    alpha = edge_alpha((v - shore[None, :]) * full_h)

    ripples = fractal_noise(rng, view.shape, noise_cells(view, 24.0, aspect=6.0), 0.6)
    wavelets = fractal_noise(rng, view.shape, noise_cells(view, 80.0, aspect=4.0), 0.6)
    nearness = np.clip((v - POOL_TOP_V) / (1.0 - POOL_TOP_V), 0.0, 1.0)  # 0 far … 1 near
    # The reflection: the picture mirrored about the waterline, jostled by the ripples.
    amplitude = (0.8 + 3.5 * nearness) * (full_w / 512)
    rows = v * full_h - 0.5
    cols = u * full_w - 0.5
    src_y = 2.0 * POOL_TOP_V * full_h - rows + amplitude * (1.6 * ripples + 0.6 * wavelets)
    src_x = cols + 0.6 * amplitude * wavelets
    reflection = cv2.remap(
        view.picture,
        np.ascontiguousarray(src_x, dtype=np.float32),
        np.clip(src_y, 0.0, full_h - 1.0).astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    blur = 2 * max(1, round(0.004 * full_w)) + 1
    reflection = cv2.blur(reflection, (blur, 1))
    fresnel = 0.85 - 0.45 * nearness
    colour = mix(rgb((0.06, 0.18, 0.20)), reflection * rgb((0.78, 0.88, 0.90)), fresnel)
    colour = shade(colour, 1.0 + 0.10 * ripples + 0.07 * wavelets)
    glint = smoothstep(1.4, 2.4, 0.7 * ripples + 0.7 * wavelets) * (1.0 - 0.5 * nearness)
    colour = mix(colour, rgb((1.0, 0.93, 0.78)), 0.75 * glint)

    # Rings spread from where the falls land, squashed by perspective.
    dx = u - FALL_CENTRE_U
    dy = (v - (POOL_TOP_V + 0.01)) * 3.0 * full_h / full_w
    dist = np.sqrt(dx * dx + dy * dy)
    rings = np.cos(2.0 * np.pi * dist / 0.02 + 1.5 * ripples) * np.exp(-dist / 0.18)
    colour = shade(colour, 1.0 + 0.12 * rings * smoothstep(0.02, 0.08, dist))
    # Foam: a churning patch at the impact, and trails drifting away from it.
    churn = fractal_noise(rng, view.shape, noise_cells(view, 30.0, aspect=2.0), 0.6)
    half_fall = 0.5 * FALL_WIDTH_BOTTOM
    core = smoothstep(half_fall + 0.05, half_fall - 0.01, dist)
    trails = smoothstep(0.4, 1.5, churn + 0.6 * ripples) * np.exp(-dist / 0.12)
    foam = np.clip(smoothstep(-0.8, 0.6, churn) * core + 0.8 * trails, 0.0, 1.0)
    foam_colour = shade(rgb((0.92, 0.94, 0.95)), 0.8 + 0.2 * np.clip(wavelets, -1.0, 1.0))
    colour = mix(colour, foam_colour, 0.95 * foam)
    view.paint(np.clip(colour, 0.0, 1.0), alpha, region=POOL)


def paint_plunge_line(canvas: Canvas, rng: np.random.Generator) -> None:
    """The still, billowing white water where the falls plunge into the pool.

    Its core band covers the join of the ``waterfall`` and ``pool`` regions across the
    whole width of the falls, so the two regions never touch; splashes rise above it.
    """
    full_h, full_w = canvas.full_height, canvas.full_width
    above = max(PLUNGE_ABOVE, PLUNGE_MIN_PX / full_h)
    below = max(PLUNGE_BELOW, PLUNGE_MIN_PX / full_h)
    splash = 0.02  # tallest splash above the core band, fraction of the height
    centre = FALL_CENTRE_U + 0.005 * np.sin(2.5)  # where fall_edges puts the foot
    half = 0.5 * FALL_WIDTH_BOTTOM + 0.012 + 3.0 / full_w  # beyond the ragged edges
    view = canvas.window(
        POOL_TOP_V - above - splash - 0.01,
        POOL_TOP_V + below + 0.01,
        centre - half - 0.03,
        centre + half + 0.03,
    )
    u, v = view.u, view.v
    across = np.clip(np.abs(u[0] - centre) / half, 0.0, 1.5)
    billows = smoothstep(-1.0, 1.5, fractal_profile(rng, view.width, 40.0 * view.width / full_w))
    top = POOL_TOP_V - above - splash * billows * np.clip(1.0 - across**2, 0.0, 1.0)
    # Round ends that reach a little past the falls on either side.
    reach = half + 0.02 * (1.0 - smoothstep(0.0, 1.0, (v - (POOL_TOP_V - above)) / splash))
    alpha = edge_alpha((v - top[None, :]) * full_h, 1.5)
    trail = 0.008 * smoothstep(
        -0.5, 1.5, fractal_profile(rng, view.width, 60.0 * view.width / full_w)
    )
    bottom = POOL_TOP_V + below + trail * np.clip(1.0 - across, 0.0, 1.0)
    alpha = alpha * edge_alpha((bottom[None, :] - v) * full_h, 1.5)
    alpha = alpha * edge_alpha((reach - np.abs(u - centre)) * full_w, 2.0)
    churn = fractal_noise(rng, view.shape, noise_cells(view, 120.0, aspect=1.5), 0.6)
    height = np.clip((bottom[None, :] - v) / (above + below + splash), 0.0, 1.0)
    light = 0.78 + 0.1 * np.clip(churn, -1.5, 1.5) + 0.12 * height - 0.08 * across[None, :]
    view.paint(shade(rgb((0.93, 0.95, 0.96)), light), alpha)


def paint_mist(canvas: Canvas, rng: np.random.Generator) -> None:
    """A veil of spray over the foot of the falls; it hides nothing from the regions."""
    view = canvas.window(
        POOL_TOP_V - 0.2, POOL_TOP_V + 0.2, FALL_CENTRE_U - 0.45, FALL_CENTRE_U + 0.45
    )
    dx = (view.u - FALL_CENTRE_U) / 0.16
    dy = (view.v - POOL_TOP_V) / 0.07
    puff = fractal_noise(rng, view.shape, noise_cells(view, 10.0), octaves=4)
    veil = np.exp(-(dx * dx + dy * dy)) * np.clip(0.6 + 0.25 * puff, 0.0, 1.0)
    view.veil(rgb((0.90, 0.92, 0.93)), 0.55 * veil)
