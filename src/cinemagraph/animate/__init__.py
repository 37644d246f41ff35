"""Stage 5: Euler integration, softmax splatting and the looping frame renderer."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # loaded on first use (see lazy_exports)
    from .engine import (
        animate as animate,
        blend_weights as blend_weights,
        effective_field as effective_field,
        iter_frames as iter_frames,
        prepare_kernels as prepare_kernels,
    )
    from .fill import fill_holes as fill_holes
    from .integrate import EulerIntegrator as EulerIntegrator
    from .settings import AnimateSettings as AnimateSettings
    from .splat import softmax_splat as softmax_splat, splat_accumulate as splat_accumulate

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
