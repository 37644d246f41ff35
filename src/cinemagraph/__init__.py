"""cinemagraph: seamless looping videos in which only the fluids move.

The stages are plain functions over the data contract (:mod:`cinemagraph.contract`):

* :mod:`cinemagraph.motion`   — Eulerian motion fields (stage 4)
* :mod:`cinemagraph.animate`  — integration, splatting and the looping renderer (stage 5)
* :mod:`cinemagraph.io`       — images, masks, fields and videos, written atomically

:func:`animate_image` is the one-call entry point for a still photo.
"""

__version__ = "0.1.0"

from .animate import AnimateSettings, animate, iter_frames
from .api import animate_image
from .errors import CinemagraphError
from .io.images import load_image, load_mask, save_field, save_image
from .io.video import write_outputs, write_video

__all__ = [
    "AnimateSettings",
    "CinemagraphError",
    "__version__",
    "animate",
    "animate_image",
    "iter_frames",
    "load_image",
    "load_mask",
    "save_field",
    "save_image",
    "write_outputs",
    "write_video",
]
