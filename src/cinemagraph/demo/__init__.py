"""The built-in demo: a waterfall landscape painted in code, with its fluid regions."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # loaded on first use (see lazy_exports)
    from .scene import DemoRegion as DemoRegion, DemoScene as DemoScene, build_scene as build_scene

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
