"""Animating the demo scene: each fluid region gets its own motion, one loop for all."""

from __future__ import annotations

import numpy as np

from ..animate import AnimateSettings, animate
from ..motion import MotionSettings, scene_motion_field
from .scene import DemoScene, build_scene


def demo_motion(scene: DemoScene, seed: int = 0) -> np.ndarray:
    """The scene's motion field: float32 ``H×W×2`` px/frame.

    Each region's motion comes from its words ("clouds drifting right", "waterfall", …)
    shaped by the region, as for a user's photo, at the region's own speed
    (:attr:`~.scene.DemoRegion.speed`, chosen so that a loop carries each fluid well
    under its length).
    """
    regions = [(region.prompt, region.mask) for region in scene.regions]
    return scene_motion_field(scene.image, regions, settings=MotionSettings(seed=seed),
                              speeds=[region.speed for region in scene.regions])


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
    field = demo_motion(scene, seed=settings.seed)
    return animate(scene.image, scene.mask, field, settings, progress=progress)
