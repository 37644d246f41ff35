"""The still parts of the demo scene: mountains, forest, the cliff, banks, rocks and grass.

Each layer paints into a window of the canvas that it covers completely below its top
edge, so later layers only need to repaint their own windows.
"""

from __future__ import annotations

import cv2
import numpy as np

from .canvas import Canvas, edge_alpha
from .noise import fractal_noise, fractal_profile, smoothstep
from .paint import (
    FALL_CENTRE_U,
    FALL_TOP_V,
    POOL_TOP_V,
    far_haze_colour,
    haze_colour,
    lambert,
    mix,
    noise_cells,
    rgb,
    shade,
)

#: Rows (fractions of the height) each layer's window spans. Every layer covers its
#: window fully below its top edge, down to where the next nearer layer surely covers it.
MOUNTAINS_V = (0.08, 0.42)
FOREST_HILLS_V = (0.24, 0.42)
CLIFF_V = (0.24, 0.8)
BANKS_V = (0.28, 1.0)
FOREGROUND_V = (0.78, 1.0)
#: Highest peak of a mountain range, in units of the range's typical height.
MAX_RISE = 2.0


def paint_mountains(canvas: Canvas, rng: np.random.Generator) -> None:
    """Two ranges of distant mountains, paler and bluer with distance, misty at their feet."""
    view = canvas.window(*MOUNTAINS_V)
    w, full_h = view.width, view.full_height
    v = view.v
    for base, height, haze, tint in (
        (0.295, 0.065, 0.50, (0.42, 0.42, 0.62)),
        (0.325, 0.045, 0.30, (0.26, 0.33, 0.44)),
    ):
        peaks = np.abs(fractal_profile(rng, w, 1.6, persistence=0.45))
        rise = 0.5 * fractal_profile(rng, w, 3.0, persistence=0.55) + peaks - 0.3
        rise = rise * min(1.0, MAX_RISE / max(float(rise.max()), 1e-6))  # no towering peak
        ridge = base - height * rise
        below = v - ridge[None, :]
        gullies = fractal_noise(rng, view.shape, noise_cells(view, 7.0, aspect=0.5), ridged=True)
        heightfield = 0.8 * gullies - smoothstep(0.0, 0.1, below) * 3.0
        lit = lambert(heightfield, relief=12.0 * view.full_width / 512)
        colour = shade(rgb(tint), 0.5 + 0.7 * lit)
        # Snow catches the sun on the highest faces of the far range.
        if haze > 0.4:
            summit = smoothstep(base - 0.05, base - 0.09, ridge)[None, :]
            snow = smoothstep(0.55, 0.85, lit) * smoothstep(0.03, 0.0, below) * summit
            colour = mix(colour, rgb((0.97, 0.88, 0.80)), 0.7 * snow)
        mist = haze + (1.0 - haze) * 0.8 * smoothstep(0.0, 0.12, below)
        view.paint(mix(colour, far_haze_colour(), mist), edge_alpha(below * full_h))


def paint_forest_hills(canvas: Canvas, rng: np.random.Generator) -> None:
    """A wooded ridge in the middle distance, its canopy a bumpy fractal."""
    view = canvas.window(*FOREST_HILLS_V)
    w = view.width
    ridge = 0.315 + 0.015 * fractal_profile(rng, w, 2.5)
    ridge = ridge - 0.005 * np.abs(fractal_profile(rng, w, 90.0))
    below = view.v - ridge[None, :]
    canopy = fractal_noise(rng, view.shape, noise_cells(view, 90.0, aspect=0.8), ridged=True)
    broad = fractal_noise(rng, view.shape, noise_cells(view, 6.0), octaves=3)
    lit = lambert(canopy + 1.5 * broad, relief=3.0 * view.full_width / 512)
    colour = shade(rgb((0.16, 0.27, 0.24)), 0.5 + 0.9 * lit)
    mist = 0.35 + 0.45 * smoothstep(0.0, 0.1, below)
    view.paint(mix(colour, haze_colour(), mist), edge_alpha(below * view.full_height))


def cliff_rim(canvas: Canvas, rng: np.random.Generator) -> np.ndarray:
    """Top edge of the cliff per column, as a fraction of the height (float32 ``width``).

    It rises toward the sides and dips to a notch where the river pours over.
    """
    off = np.abs(canvas.u[0] - FALL_CENTRE_U)
    rim = FALL_TOP_V - 0.035 * smoothstep(0.06, 0.4, off)
    rim = rim + 0.012 * np.tanh(fractal_profile(rng, canvas.width, 5.0) / 2.0)
    notch = np.exp(-((off / 0.085) ** 2))
    return (rim * (1.0 - notch) + (FALL_TOP_V - 0.003) * notch).astype(np.float32)


def paint_cliff(canvas: Canvas, rng: np.random.Generator) -> None:
    """The rock wall behind the pool: strata, joints and blocks, moss, and a grassy rim."""
    view = canvas.window(*CLIFF_V)
    full_h, w = view.full_height, view.width
    u, v = view.u, view.v
    scale = view.full_width / 512
    rim = cliff_rim(view, rng)
    # Bushes along the rim break its line.
    bushes = (
        0.012
        * smoothstep(0.0, 1.2, fractal_profile(rng, w, 25.0))
        * (1.0 - np.exp(-(((u[0] - FALL_CENTRE_U) / 0.07) ** 2)))
    )
    below_rim = (v - rim[None, :]) * full_h  # pixels
    alpha = edge_alpha((v - (rim - bushes)[None, :]) * full_h)

    strata = fractal_noise(rng, view.shape, noise_cells(view, 4.0, aspect=9.0))
    joints = fractal_noise(rng, view.shape, noise_cells(view, 16.0, aspect=0.25), ridged=True)
    blocks = fractal_noise(rng, view.shape, noise_cells(view, 8.0), ridged=True)
    grain = fractal_noise(rng, view.shape, noise_cells(view, 120.0))
    heightfield = 0.6 * strata + 1.0 * joints + 0.8 * blocks + 0.12 * grain
    # The wall curves back into an amphitheatre round the falls.
    bowl = 40.0 * np.exp(-(((u - FALL_CENTRE_U) / 0.3) ** 2))
    lit = lambert(heightfield + bowl, relief=5.0 * scale)
    colour = mix(rgb((0.17, 0.15, 0.21)), rgb((0.70, 0.57, 0.45)), lit**1.3)
    colour = shade(colour, 0.9 + 0.05 * np.clip(grain, -2.0, 2.0))
    # Mineral stains run down the face.
    stains = fractal_noise(rng, view.shape, noise_cells(view, 12.0, aspect=0.15), octaves=4)
    colour = shade(colour, 0.92 + 0.1 * np.clip(stains, -2.0, 2.0))
    # Wet rock beside the falls and near the water is darker; the gorge's depths are cool.
    near_fall = np.exp(-(((u - FALL_CENTRE_U) / 0.10) ** 2))
    wet = 0.45 * near_fall + 0.35 * smoothstep(POOL_TOP_V - 0.14, POOL_TOP_V, v)
    colour = shade(colour, 1.0 - wet)
    depth = smoothstep(FALL_TOP_V, POOL_TOP_V, v)
    colour = mix(colour, shade(colour, 0.8) * rgb((0.85, 0.95, 1.15)), depth)
    moss_noise = fractal_noise(rng, view.shape, noise_cells(view, 18.0, aspect=2.5))
    moss = smoothstep(
        0.9, 1.8, moss_noise + 0.5 * strata + 0.9 * smoothstep(POOL_TOP_V - 0.12, POOL_TOP_V, v)
    )
    moss_colour = shade(rgb((0.22, 0.30, 0.13)), 0.45 + 0.8 * lit)
    colour = mix(colour, moss_colour, 0.6 * moss)
    # Ferns and grass on the ledges of the strata.
    ledges = fractal_noise(rng, view.shape, noise_cells(view, 14.0, aspect=10.0))
    ledge = smoothstep(1.2, 1.8, ledges + 0.35 * grain) * smoothstep(0.2, 0.6, lit)
    colour = mix(colour, shade(rgb((0.30, 0.40, 0.16)), 0.6 + 0.6 * lit), 0.8 * ledge)
    # Grass and bushes on the rim, sunlit from the left.
    fringe = np.maximum(0.5, 0.008 * full_h * (1.0 + 0.6 * np.clip(grain, -1.0, 2.0)))
    grass = np.clip(1.0 - below_rim / fringe, 0.0, 1.0)
    leaves = fractal_noise(rng, view.shape, noise_cells(view, 60.0))
    grass_colour = mix(rgb((0.10, 0.16, 0.07)), rgb((0.42, 0.48, 0.20)), smoothstep(-1, 1, leaves))
    colour = mix(colour, grass_colour, grass)
    view.paint(mix(colour, haze_colour(), 0.1), alpha)


def bank_ridge(canvas: Canvas, rng: np.random.Generator, side: int) -> np.ndarray:
    """Skyline of a wooded bank per column, as a fraction of the height (float32 ``width``).

    ``side`` is −1 for the left bank and +1 for the right one.
    """
    u = canvas.u[0]
    reach = u if side < 0 else 1.0 - u  # distance in from the picture's edge
    width = 0.28 if side < 0 else 0.23
    ridge = 0.36 + 0.64 * smoothstep(0.1 * width, width + 0.04, reach)
    return (ridge + 0.015 * fractal_profile(rng, canvas.width, 2.0)).astype(np.float32)


def paint_fir(
    canvas: Canvas,
    rng: np.random.Generator,
    x: float,
    foot: float,
    tall: float,
    colour: np.ndarray,
    haze: float,
) -> None:
    """One fir tree standing at (``x``, ``foot``) pixels of ``canvas``, ``tall`` pixels high.

    Its silhouette is a cone of drooping branch tiers with ragged needles; the sunlit
    side (left) is lighter; ``haze`` in [0, 1] fades it toward the distance colour.
    """
    h, w = canvas.shape
    half_base = tall * rng.uniform(0.17, 0.23)
    x0, x1 = max(0, int(x - half_base - 3)), min(w, int(x + half_base + 4))
    y0, y1 = max(0, int(foot - tall - 2)), min(h, int(foot + 2))
    if x1 <= x0 or y1 <= y0:
        return
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5
    t = np.clip((ys - (foot - tall)) / tall, 0.0, 1.0)  # 0 at the tip, 1 at the foot
    tiers = max(3.0, tall / max(4.0, 0.06 * tall + 3.0))
    droop = np.mod(t * tiers + rng.random(), 1.0)
    row_jitter = rng.random((y1 - y0, 1), dtype=np.float32)
    half = half_base * t**0.9 * (0.5 + 0.5 * droop**0.7) * (0.8 + 0.35 * row_jitter)
    needles = rng.random((y1 - y0, x1 - x0), dtype=np.float32) * min(2.0, 0.04 * tall + 0.5)
    dx = xs - x
    alpha = edge_alpha(half - np.abs(dx) - needles) * edge_alpha(foot - ys)
    side = np.clip(-dx / np.maximum(half, 0.5), -1.0, 1.0)  # +1 on the sunlit left edge
    lit = np.clip(0.45 + 0.4 * side + 0.25 * droop - 0.15 * needles, 0.0, 1.2)
    tree = shade(colour, 0.55 + 0.75 * lit)
    canvas.paint_box(y0, x0, mix(tree, haze_colour(), haze), alpha)


def paint_banks(canvas: Canvas, rng: np.random.Generator) -> None:
    """The wooded banks left and right of the pool: rows of firs, back to front."""
    for side, u_span in ((-1, (0.0, 0.45)), (1, (0.55, 1.0))):
        view = canvas.window(*BANKS_V, *u_span)
        floor = fractal_noise(rng, view.shape, noise_cells(view, 30.0), octaves=4)
        floor_colour = mix(
            rgb((0.04, 0.07, 0.05)), rgb((0.16, 0.22, 0.12)), smoothstep(-1.5, 2.0, floor)
        )
        ridge = bank_ridge(view, rng, side)
        view.paint(floor_colour, edge_alpha((view.v - ridge[None, :]) * view.full_height))
        for x, foot, tall, nearness in _fir_positions(view, rng, ridge, side):
            tint = rgb((0.07, 0.16, 0.13)) * np.float32(0.8 + 0.4 * rng.random())
            paint_fir(view, rng, x, foot, tall, tint, haze=0.3 * (1.0 - nearness))


def _fir_positions(
    canvas: Canvas, rng: np.random.Generator, ridge: np.ndarray, side: int
) -> list[tuple[float, float, float, float]]:
    """(x px, foot px, height px, nearness in [0, 1]) of the firs on one bank, back first.

    Positions are in ``canvas`` pixels; ``ridge`` is the bank's skyline (float32
    ``width``, fractions of the picture's height).
    """
    full_h, full_w = canvas.full_height, canvas.full_width
    count = int(np.clip(60 * (full_w / full_h) / (4 / 3), 16, 160))
    reach = rng.random(count) ** 1.2 * (0.30 if side < 0 else 0.25)
    us = reach if side < 0 else 1.0 - reach
    xs = us * full_w - canvas.left
    cols = np.clip(xs.astype(int), 0, canvas.width - 1)
    feet_v = ridge[cols] + 0.01 + rng.random(count) ** 1.5 * (1.0 - ridge[cols])
    nearness = np.clip((feet_v - 0.4) / 0.55, 0.0, 1.0)
    talls = (0.10 + 0.22 * nearness) * full_h * rng.uniform(0.75, 1.25, count)
    feet = feet_v * full_h - canvas.top
    order = np.argsort(feet, kind="stable")
    return [
        (float(xs[i]), float(feet[i]), float(talls[i]), float(nearness[i]))
        for i in order
        if feet_v[i] < 1.08
    ]


def paint_boulder(
    canvas: Canvas,
    rng: np.random.Generator,
    centre: tuple[float, float],
    radii: tuple[float, float],
) -> None:
    """A rounded rock at ``centre`` (x, y px of ``canvas``), ``radii`` (rx, ry px), lit left."""
    h, w = canvas.shape
    rx, ry = radii
    x0, x1 = max(0, int(centre[0] - 1.3 * rx)), min(w, int(centre[0] + 1.3 * rx) + 1)
    y0, y1 = max(0, int(centre[1] - 1.3 * ry)), min(h, int(centre[1] + 1.3 * ry) + 1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    ys = (np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - centre[1]) / ry
    xs = (np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5 - centre[0]) / rx
    lumps = fractal_noise(rng, (y1 - y0, x1 - x0), (2.0, 2.0))
    r2 = (np.abs(xs) ** 2.6 + np.abs(ys) ** 2.6) ** (2 / 2.6) + 0.25 * lumps
    dome = np.sqrt(np.clip(1.0 - r2, 0.0, 1.0)) * min(rx, ry)
    alpha = edge_alpha((1.0 - r2) * 0.5 * min(rx, ry)) * edge_alpha((0.55 - ys) * ry)
    grain = fractal_noise(rng, dome.shape, (3.0, 3.0), ridged=True)
    lit = lambert(dome + 0.25 * min(rx, ry) * grain, relief=1.0)
    colour = mix(rgb((0.08, 0.08, 0.10)), rgb((0.60, 0.52, 0.44)), lit**1.5)
    colour = shade(colour, 1.0 - 0.4 * smoothstep(0.1, 0.55, ys))  # wet at the waterline
    canvas.paint_box(y0, x0, colour, alpha)


def paint_shore_rocks(canvas: Canvas, rng: np.random.Generator) -> None:
    """A few boulders where the banks meet the pool, each with its dark reflection."""
    full_h, full_w = canvas.full_height, canvas.full_width
    for cu, cv, size in (
        (0.335, 0.795, 0.03),
        (0.31, 0.87, 0.035),
        (0.715, 0.79, 0.025),
        (0.75, 0.86, 0.04),
    ):
        cu, cv = cu + rng.uniform(-0.01, 0.01), cv + rng.uniform(-0.01, 0.01)
        radius = size * full_w * rng.uniform(0.85, 1.15)
        reach_u, reach_v = 1.5 * radius / full_w, 1.5 * radius / full_h
        view = canvas.window(cv - reach_v, cv + reach_v, cu - reach_u, cu + reach_u)
        dx = (view.u - cu) * full_w / radius
        dy = (view.v - cv) * full_h / (0.5 * radius)
        view.veil(rgb((0.03, 0.05, 0.05)), 0.6 * np.exp(-(dx * dx + (dy - 0.9) ** 2) * 1.5))
        centre = (cu * full_w - view.left, cv * full_h - view.top)
        paint_boulder(view, rng, centre, (radius, radius * 0.55))


def paint_foreground(canvas: Canvas, rng: np.random.Generator) -> None:
    """Grass along the bottom edge, thick in the corners: two rows of pointed blades."""
    view = canvas.window(*FOREGROUND_V)
    u = view.u[0]
    corner = 0.12 * np.exp(-((u / 0.2) ** 2)) + 0.10 * np.exp(-(((1.0 - u) / 0.16) ** 2))
    for row, (spacing, height, base, tone) in enumerate(
        ((2.5, 0.05, 0.975, 0.75), (3.5, 0.035, 0.995, 0.45))
    ):
        _paint_grass_row(view, rng, spacing, height, base - corner * (1.0 - 0.3 * row), tone)


def _paint_grass_row(
    canvas: Canvas,
    rng: np.random.Generator,
    spacing: float,
    height: float,
    base: np.ndarray,
    tone: float,
) -> None:
    """One row of grass blades about ``spacing`` px apart, up to ``height`` tall.

    ``base`` (float32 ``width``) is where the grass rises from, as a fraction of the
    picture's height; ``tone`` in [0, 1] is how much light the row catches.
    """
    w, full_h = canvas.width, canvas.full_height
    v = canvas.v
    blade_count = max(4, round(w / spacing))
    # Random heights joined by straight lines: a row of pointed blades.
    tips = rng.random((1, blade_count), dtype=np.float32)
    blades = cv2.resize(tips, (w, 1), interpolation=cv2.INTER_LINEAR)[0]
    shades = cv2.resize(
        rng.random((1, blade_count), dtype=np.float32), (w, 1), interpolation=cv2.INTER_NEAREST
    )[0]
    tufts = smoothstep(-0.8, 1.2, fractal_profile(rng, w, 14.0 * w / canvas.full_width))
    top = base - height * (0.25 + 0.75 * tufts) * blades**1.5
    below = v - top[None, :]
    lit = tone * (0.25 + 0.45 * shades[None, :]) * smoothstep(0.06, 0.0, below)
    colour = mix(rgb((0.02, 0.04, 0.02)), rgb((0.52, 0.56, 0.26)), np.clip(lit, 0.0, 1.0))
    canvas.paint(colour, edge_alpha(below * full_h))
