"""The built-in demo: a waterfall landscape painted in code, with its fluid regions."""

from .scene import DemoRegion, DemoScene, build_scene

__all__ = ["DemoRegion", "DemoScene", "build_scene"]
