"""cinemagraph: seamless looping videos in which only the fluids move.

The stages are plain functions over the data contract (:mod:`cinemagraph.contract`):

* :mod:`cinemagraph.motion`   — Eulerian motion fields (stage 4)
* :mod:`cinemagraph.animate`  — integration, splatting and the looping renderer (stage 5)
* :mod:`cinemagraph.io`       — images, masks, fields and videos, written atomically

:func:`animate_image` is the one-call entry point for a still photo.
"""

__version__ = "0.1.0"

from . import animate as _animate_package  # noqa: F401  (light: its names load lazily)
from ._lazy import lazy_exports

# The subpackage ``cinemagraph.animate`` and the function ``animate`` share a name.
# Importing the subpackage above bound the name to it, and importing it again never
# rebinds it; dropping that binding lets the function come from ``__getattr__``.
globals().pop("animate")

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".animate.engine": ("animate", "iter_frames"),
    ".animate.settings": ("AnimateSettings",),
    ".api": ("animate_image",),
    ".errors": ("CinemagraphError",),
    ".io.images": ("load_image", "load_mask", "save_field", "save_image"),
    ".io.video": ("write_outputs", "write_video"),
})
__all__ = [*__all__, "__version__"]
