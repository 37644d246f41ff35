"""Stage 4: Eulerian motion fields (float32 H×W×2, pixels per frame, zero outside the mask).

The weight-free default, :func:`motion_field` / :func:`scene_motion_field`, reads the fluid
and its motion from words (:mod:`.vocabulary`, :mod:`.words`), shapes the flow by each
region (:mod:`.potential`), adds turbulence (:mod:`.turbulence`) and honours user hints
(:mod:`.hints`); :mod:`.visualize` draws fields.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".field": (
        "MotionSettings", "motion_field", "scene_fluids", "scene_motion_field", "split_labels",
    ),
    ".hints": ("MotionHint", "parse_hint"),
    ".uniform": ("direction_vector", "uniform_field"),
    ".visualize": ("field_preview", "field_to_rgb", "save_field_preview"),
    ".vocabulary": ("VOCABULARY", "FluidKind", "known_fluids"),
    ".words": ("FluidSpec", "parse_motion"),
})
