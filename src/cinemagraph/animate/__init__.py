"""Stage 5: Euler integration, softmax splatting and the looping frame renderer."""

from .engine import animate, blend_weights, effective_field, iter_frames, prepare_kernels
from .fill import fill_holes
from .integrate import EulerIntegrator, integrate
from .settings import AnimateSettings
from .splat import softmax_splat, splat_accumulate

__all__ = [
    "AnimateSettings",
    "EulerIntegrator",
    "animate",
    "blend_weights",
    "effective_field",
    "fill_holes",
    "integrate",
    "iter_frames",
    "prepare_kernels",
    "softmax_splat",
    "splat_accumulate",
]
