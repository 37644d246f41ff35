"""Stage 5: Euler integration, softmax splatting and the looping frame renderer."""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".engine": ("animate", "blend_weights", "effective_field", "iter_frames", "prepare_kernels"),
    ".fill": ("fill_holes",),
    ".integrate": ("EulerIntegrator",),
    ".settings": ("AnimateSettings",),
    ".splat": ("softmax_splat", "splat_accumulate"),
})
