"""The built-in demo: a waterfall landscape painted in code, with its fluid regions."""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".scene": ("DemoRegion", "DemoScene", "build_scene"),
})
