"""Animating the demo scene: each fluid region gets its own motion, one loop for all."""

from __future__ import annotations

import numpy as np

from ..animate import AnimateSettings, animate
from ..motion import uniform_field
from .scene import DemoScene, build_scene


def demo_motion(scene: DemoScene) -> np.ndarray:
    """The scene's motion field: float32 ``H×W×2`` px/frame, each region its own motion."""
    h, w = scene.image.shape[:2]
    field = np.zeros((h, w, 2), dtype=np.float32)
    for region in scene.regions:
        field += uniform_field(region.mask, region.direction_deg, region.speed)
    return field


def render_demo(
    width: int = 512,
    height: int = 384,
    settings: AnimateSettings | None = None,
    *,
    progress: bool = False,
) -> np.ndarray:
    """Paint the demo scene and animate it; returns uint8 ``N×H×W×3`` frames."""
    settings = settings or AnimateSettings()
    scene = build_scene(width, height, seed=settings.seed)
    return animate(scene.image, scene.mask, demo_motion(scene), settings, progress=progress)
