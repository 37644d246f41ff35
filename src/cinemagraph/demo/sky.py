"""The sky of the demo scene: a late-afternoon gradient with sunlit fractal clouds."""

from __future__ import annotations

import cv2
import numpy as np

from .canvas import Canvas
from .noise import fractal_noise, smoothstep
from .paint import (
    CLOUD_LIT,
    CLOUD_SHADE,
    HORIZON_V,
    SKY_HORIZON,
    SKY_MID,
    SUN_GLOW,
    SUN_UV,
    ZENITH,
    mix,
    rgb,
    shade,
)

#: Region name of the sky (clouds and the air around them drift together).
REGION = "clouds"
#: Lowest the sky can show between the mountains, as a fraction of the height.
SKY_BOTTOM_V = 0.42
#: Share of the sky above :data:`OPEN_SKY_V` (the part clear of the mountains) under cloud.
CLOUD_SHARE = 0.6
OPEN_SKY_V = 0.23


def paint_sky(canvas: Canvas, rng: np.random.Generator) -> None:
    """Cover the picture with sky and clouds, as the ``clouds`` region."""
    ones = np.ones(canvas.shape, dtype=np.float32)
    canvas.paint(rgb(SKY_HORIZON), ones, region=REGION)  # hidden below the mountains
    sky = canvas.window(0.0, SKY_BOTTOM_V)
    t = sky.v / HORIZON_V
    colour = mix(rgb(ZENITH), rgb(SKY_MID), smoothstep(0.0, 0.7, t))
    colour = mix(colour, rgb(SKY_HORIZON), smoothstep(0.5, 1.05, t))
    glow = _sun_glow(sky)
    colour = mix(colour, rgb(SUN_GLOW), 0.85 * glow)
    sky.paint(colour, np.ones(sky.shape, dtype=np.float32), region=REGION)

    cover = cloud_cover(sky, rng)
    density = smoothstep(0.0, 0.9, cover)
    lit = _cloud_light(sky, cover)
    colour = mix(rgb(CLOUD_SHADE), rgb(CLOUD_LIT), lit)
    colour = mix(colour, rgb(SUN_GLOW), 0.4 * glow)
    colour = shade(colour, 1.0 - 0.15 * smoothstep(0.5, 1.0, density))
    # Far clouds take on the colour of the air near the horizon.
    colour = mix(colour, rgb(SKY_HORIZON), 0.45 * smoothstep(0.15, HORIZON_V, sky.v))
    sky.paint(colour, 0.95 * density, region=REGION)


def _sun_glow(canvas: Canvas) -> np.ndarray:
    """Brightness of the sun's halo: float32 ``height×width`` in [0, 1]."""
    aspect = canvas.full_width / canvas.full_height
    d2 = ((canvas.u - SUN_UV[0]) * aspect) ** 2 + (canvas.v - SUN_UV[1]) ** 2
    glow = 0.6 * np.exp(-d2 / 0.06) + 0.4 * np.exp(-d2 / 0.008)
    return np.clip(glow, 0.0, 1.0).astype(np.float32)


def cloud_cover(canvas: Canvas, rng: np.random.Generator) -> np.ndarray:
    """Cloud thickness seen in perspective: float32 ``height×width``; cloud where > 0.

    Fractal noise lies on a flat cloud deck; rows nearer the horizon look farther along
    it, so clouds there are smaller and flatter. The canvas should span the full width.
    """
    h, w = canvas.shape
    near = 0.25
    v = np.clip(canvas.v[:, 0], 0.0, HORIZON_V)
    depth = 1.0 / (HORIZON_V + near - v)  # distance along the deck, per row
    d0, d1 = 1.0 / (HORIZON_V + near), 1.0 / near
    tex_h, tex_w = h, int(np.ceil(w * (d1 / d0) ** 0.7))
    # The deck's texture spans the whole depth range and a wider view than the picture.
    aspect = canvas.full_height / canvas.full_width
    base_cells = (2.5 * 1.5 * aspect, 2.5)
    fine_cells = (14.0 * 1.4 * aspect, 14.0)
    base_tex = fractal_noise(rng, (tex_h, tex_w), base_cells, persistence=0.5)
    fine_tex = fractal_noise(rng, (tex_h, tex_w), fine_cells)
    rows = ((depth - d0) / (d1 - d0) * (tex_h - 1)).astype(np.float32)
    spread = (depth / d0) ** 0.7
    cols = tex_w / 2 + (np.arange(w, dtype=np.float32)[None, :] + 0.5 - w / 2) * spread[:, None]
    map_x = cols.astype(np.float32)
    map_y = np.repeat(rows[:, None], w, axis=1)
    base = cv2.remap(base_tex, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    fine = cv2.remap(fine_tex, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    # Puffy tops: the fine octaves erode the edges more than the cores.
    cover = base + 0.35 * fine * smoothstep(1.2, 0.2, base)
    cover = cover + 0.6 * smoothstep(0.0, 0.25, canvas.v)
    # Whatever the seed, about the same share of the open sky is cloud.
    open_rows = max(1, min(h, round(OPEN_SKY_V * canvas.full_height) - canvas.top))
    cover = cover - np.quantile(cover[:open_rows], 1.0 - CLOUD_SHARE)
    # Nothing below the horizon.
    cover = cover - 3.0 * smoothstep(HORIZON_V - 0.05, HORIZON_V, canvas.v)
    return cover.astype(np.float32)


def _cloud_light(canvas: Canvas, cover: np.ndarray) -> np.ndarray:
    """How sunlit each cloud pixel is: float32 ``height×width`` in [0, 1].

    ``cover`` is the cloud thickness (float32 ``height×width``). A cloud is lit where it
    thins toward the sun: compare the thickness here with that a little way toward it.
    """
    h, w = canvas.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    sun_x = SUN_UV[0] * canvas.full_width - canvas.left
    sun_y = SUN_UV[1] * canvas.full_height - canvas.top
    dx, dy = sun_x - xs, sun_y - ys
    dist = np.sqrt(dx * dx + dy * dy) + 1e-3
    step = 0.02 * canvas.full_width
    toward = cv2.remap(
        cover,
        xs + dx / dist * step,
        ys + dy / dist * step,
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    lit = 0.45 + 5.0 * (cover - toward) - 0.35 * smoothstep(0.3, 1.5, cover)
    return np.clip(lit, 0.0, 1.0).astype(np.float32)
