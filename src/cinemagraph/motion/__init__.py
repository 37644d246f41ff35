"""Stage 4: Eulerian motion fields (float32 H×W×2, pixels per frame, zero outside the mask).

The weight-free default, :func:`motion_field` / :func:`scene_motion_field`, reads the fluid
and its motion from words (:mod:`.vocabulary`, :mod:`.words`), shapes the flow by each
region (:mod:`.potential`), adds turbulence (:mod:`.turbulence`) and honours user hints
(:mod:`.hints`); :mod:`.visualize` draws fields.
"""

from .field import MotionSettings, motion_field, scene_fluids, scene_motion_field, split_labels
from .hints import MotionHint, parse_hint
from .uniform import direction_vector, uniform_field
from .visualize import field_preview, field_to_rgb, save_field_preview
from .vocabulary import VOCABULARY, FluidKind, known_fluids
from .words import FluidSpec, parse_motion

__all__ = [
    "VOCABULARY",
    "FluidKind",
    "FluidSpec",
    "MotionHint",
    "MotionSettings",
    "direction_vector",
    "field_preview",
    "field_to_rgb",
    "known_fluids",
    "motion_field",
    "parse_hint",
    "parse_motion",
    "save_field_preview",
    "scene_fluids",
    "scene_motion_field",
    "split_labels",
    "uniform_field",
]
