"""Stage 3: which pixels may move — one mask per fluid the prompt names.

=====================  ================================================================
module                 job
=====================  ================================================================
:mod:`.segmenter`      the :class:`Segmenter` interface; the attention segmenter
                       (default) and the user's masks, which always override it
:mod:`.attention`      each fluid's text-grounded region from its words' cross-attention
:mod:`.clustering`     segments from the averaged self-attention (KMeans or spectral),
                       split into connected pieces
:mod:`.refine`         segments kept by overlap, upsampling, erosion, small pieces
:mod:`.grid`           where the self-attention grid lies on the latent and the image
:mod:`.settings`       :class:`MaskSettings` and their defaults
:mod:`.files`          a user's mask file read as binary; ``mask.png`` and
                       ``mask-<fluid>.png`` in a run folder
=====================  ================================================================

Masks are float32 ``H×W`` in [0, 1] (1 = may move), keyed by the noun the prompt uses for
each fluid, in the order of :func:`~cinemagraph.motion.words.parse_motion`, so that
``scene_motion_field(image, masks, prompt)`` moves each region as its fluid.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # loaded on first use (see lazy_exports)
    from .files import save_masks as save_masks, union_mask as union_mask
    from .segmenter import (
        AttentionSegmenter as AttentionSegmenter,
        Segmenter as Segmenter,
        UserMasks as UserMasks,
        attention_masks as attention_masks,
        choose_segmenter as choose_segmenter,
        masks_from_attention as masks_from_attention,
    )
    from .settings import MaskSettings as MaskSettings

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
