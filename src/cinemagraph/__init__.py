"""cinemagraph: seamless looping videos in which only the fluids move.

The stages are plain functions over the data contract (:mod:`cinemagraph.contract`):

* :mod:`cinemagraph.motion`   — Eulerian motion fields (stage 4)
* :mod:`cinemagraph.animate`  — integration, splatting and the looping renderer (stage 5)
* :mod:`cinemagraph.io`       — images, masks, fields and videos, written atomically

:func:`animate_image` is the one-call entry point for a still photo.
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from . import animate as _animate_package  # noqa: F401  (light: its names load lazily)
from ._lazy import lazy_exports

# The subpackage ``cinemagraph.animate`` and the function ``animate`` share a name.
# Importing the subpackage above bound the name to it, and importing it again never
# rebinds it; dropping that binding lets the function come from ``__getattr__``.
globals().pop("animate")

if TYPE_CHECKING:  # loaded on first use (see lazy_exports)
    from .animate.engine import animate as animate, iter_frames as iter_frames
    from .animate.settings import AnimateSettings as AnimateSettings
    from .api import animate_image as animate_image
    from .errors import CinemagraphError as CinemagraphError
    from .io.images import (
        load_image as load_image,
        load_mask as load_mask,
        save_field as save_field,
        save_image as save_image,
    )
    from .io.video import write_outputs as write_outputs, write_video as write_video

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
__all__ = [*__all__, "__version__"]
