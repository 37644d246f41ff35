"""Stage 4: Eulerian motion fields (float32 H×W×2, pixels per frame, zero outside the mask).

The weight-free default, :func:`motion_field` / :func:`scene_motion_field`, reads the fluid
and its motion from words (:mod:`.vocabulary`, :mod:`.words`), shapes the flow by each
region (:mod:`.potential`), adds turbulence (:mod:`.turbulence`) and honours user hints
(:mod:`.hints`); :mod:`.visualize` draws fields.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # loaded on first use (see lazy_exports)
    from .field import (
        MotionSettings as MotionSettings,
        motion_field as motion_field,
        scene_fluids as scene_fluids,
        scene_motion_field as scene_motion_field,
        split_labels as split_labels,
    )
    from .hints import MotionHint as MotionHint, parse_hint as parse_hint
    from .uniform import direction_vector as direction_vector, uniform_field as uniform_field
    from .visualize import (
        field_preview as field_preview,
        field_to_rgb as field_to_rgb,
        save_field_preview as save_field_preview,
    )
    from .vocabulary import (
        VOCABULARY as VOCABULARY,
        FluidKind as FluidKind,
        known_fluids as known_fluids,
    )
    from .words import FluidSpec as FluidSpec, parse_motion as parse_motion

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
