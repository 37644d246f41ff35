"""The mask stage's interface, and the default segmenter that reads the diffusion attention.

A :class:`Segmenter` turns an image and the fluids the prompt names into one mask per
fluid. Two are built in:

* :class:`AttentionSegmenter` (the default for generated images): the fluid words'
  cross-attention gives a coarse, text-grounded region; clustering the averaged
  self-attention gives crisp segments; segments that lie mostly inside the region are
  kept, upsampled to the image and optionally eroded (:func:`attention_masks`).
* :class:`UserMasks`: masks the user drew. A user mask always overrides the attention;
  :func:`choose_segmenter` encodes that rule.

Another segmenter (a segmentation network, say) plugs in by implementing the same call.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from ..contract import check_image, check_mask
from ..diffusion.attention_stats import AttentionStatistics
from ..errors import CinemagraphError
from ..motion.vocabulary import NEUTRAL, known_fluids
from ..motion.words import FluidSpec, parse_motion
from .attention import fluid_tokens, text_regions
from .clustering import cluster_positions, connected_segments
from .grid import cell_size_px, latent_to_grid
from .refine import drop_small_pieces, erode, keep_segments, segment_overlap, upsample_labels
from .settings import MaskSettings

#: A mask per fluid, keyed by the noun the prompt uses for it, in the prompt's order.
FluidMasks = dict[str, np.ndarray]


@runtime_checkable
class Segmenter(Protocol):
    """Finds the pixels of each fluid.

    ``image``: float32 ``H×W×3`` in [0, 1]. ``fluids``: the fluids to find, as
    :func:`~cinemagraph.motion.words.parse_motion` gives them. Returns one float32 ``H×W``
    mask in [0, 1] (1 = may move) per fluid found, keyed by ``FluidSpec.noun``, in the
    fluids' order; a fluid that is not found is left out (with a warning).
    """

    def __call__(self, image: np.ndarray, fluids: Sequence[FluidSpec]) -> FluidMasks: ...


def named_fluids(fluids: Sequence[FluidSpec]) -> list[FluidSpec]:
    """The fluids that the vocabulary knows; raises when there are none.

    :func:`~cinemagraph.motion.words.parse_motion` gives a neutral spec for a prompt that
    names no fluid: nothing in the picture is then known to move.
    """
    named = [spec for spec in fluids if spec.kind is not NEUTRAL and spec.noun]
    if not named:
        raise CinemagraphError(
            "the prompt names no fluid to animate (known: " + ", ".join(known_fluids())
            + "); name one in the prompt or give a mask with --mask"
        )
    return named


def check_statistics(stats: AttentionStatistics) -> None:
    """Raise :class:`CinemagraphError` when the statistics' arrays do not fit together."""
    h, w = stats.self_attention_size
    tokens = len(stats.tokens)
    problems = []
    if np.shape(stats.self_attention) != (h * w, h * w):
        problems.append(f"self-attention is {np.shape(stats.self_attention)}, expected "
                        f"{(h * w, h * w)} for a {h}×{w} grid")
    if np.shape(stats.cross_attention) != (tokens, *stats.latent_size):
        problems.append(f"cross-attention is {np.shape(stats.cross_attention)}, expected "
                        f"{(tokens, *stats.latent_size)}")
    if len(stats.token_ends_word) != tokens:
        problems.append("tokens and word ends differ in number")
    if min(stats.image_size) < 1:
        problems.append(f"image size {stats.image_size}")
    if not problems and not (np.isfinite(stats.self_attention).all()
                             and np.isfinite(stats.cross_attention).all()):
        problems.append("NaN or infinite values")
    if problems:
        raise CinemagraphError(
            "attention statistics are inconsistent (" + "; ".join(problems)
            + "): re-run `cinemagraph generate`"
        )


def attention_masks(
    stats: AttentionStatistics,
    fluids: Sequence[FluidSpec],
    settings: MaskSettings | None = None,
) -> FluidMasks:
    """One mask per fluid from the attention captured while the image was generated.

    ``stats``: the statistics of the prompt that named ``fluids``. Returns float32 masks
    of ``stats.image_size`` with values in {0, 1}, keyed by ``FluidSpec.noun`` in the
    fluids' order; masks of different fluids are disjoint. A fluid missing from the
    prompt's tokens, or whose words drew no distinct attention, is left out with a
    warning; when no fluid is left this raises :class:`CinemagraphError`.
    """
    settings = settings or MaskSettings()
    fluids = named_fluids(fluids)
    check_statistics(stats)
    tokens = fluid_tokens(stats, fluids)
    if not tokens:
        raise _no_region(fluids)
    regions = text_regions(stats, tokens, settings.text_threshold)
    names = []
    for name in tokens:
        if np.ptp(regions.attention[name]) > 0:
            names.append(name)
        else:
            warnings.warn(f"the attention to '{name}' is the same everywhere, so it gets no mask",
                          stacklevel=2)
    if not names:
        raise _no_region(fluids)
    grid = stats.self_attention_size
    labels = cluster_positions(stats.self_attention, grid, settings.method,
                               settings.cluster_count, settings.seed)
    segments, count = connected_segments(labels)

    claims, strength = [], []
    for name in names:
        coverage = latent_to_grid(regions.region[name].astype(np.float32), grid)
        keep, fell_back = keep_segments(segment_overlap(segments, count, coverage),
                                        settings.overlap)
        if fell_back:
            warnings.warn(
                f"no segment lies {settings.overlap:.0%} inside the region attended to for "
                f"'{name}'; keeping the one that overlaps it most",
                stacklevel=2,
            )
        claims.append(keep[segments])
        strength.append(latent_to_grid(regions.attention[name], grid))
    # A cell claimed by several fluids goes to the one attended to most there.
    owner = np.argmax(np.where(claims, strength, -np.inf), axis=0)
    grid_labels = np.where(np.any(claims, axis=0), owner + 1, 0)

    cell = cell_size_px(stats.latent_size, grid, stats.image_size)
    image_labels = upsample_labels(grid_labels, len(names) + 1, cell, stats.image_size)
    masks: FluidMasks = {}
    for k, name in enumerate(names):
        mask = _clean(image_labels == k + 1, name, settings)
        if mask.any():
            masks[name] = mask.astype(np.float32)
        else:
            warnings.warn(f"'{name}' lost its whole region to another fluid and gets no mask",
                          stacklevel=2)
    if not masks:
        raise _no_region(fluids)
    return masks


def _no_region(fluids: Sequence[FluidSpec]) -> CinemagraphError:
    return CinemagraphError(
        "the attention shows no region for " + ", ".join(spec.noun for spec in fluids)
        + "; give a mask with --mask"
    )


def _clean(mask: np.ndarray, name: str, settings: MaskSettings) -> np.ndarray:
    """Erode (unless that removes everything) and drop small pieces: bool ``H×W``."""
    if settings.erode_px > 0 and mask.any():
        eroded = erode(mask, settings.erode_px)
        if eroded.any():
            mask = eroded
        else:
            warnings.warn(
                f"eroding '{name}' by {settings.erode_px} px would remove it entirely; "
                "its mask is left uneroded",
                stacklevel=3,
            )
    return drop_small_pieces(mask, settings.min_component_px)


def masks_from_attention(
    stats: AttentionStatistics, prompt: str, settings: MaskSettings | None = None
) -> FluidMasks:
    """One mask per fluid named in ``prompt``, from the attention recorded while generating.

    ``prompt``: the prompt the statistics were recorded for; its fluids are those of
    :func:`~cinemagraph.motion.words.parse_motion`, so the motion stage animates the same
    fluids in the same order. Returns float32 ``H×W`` masks (``stats.image_size``) in
    {0, 1}, keyed by the prompt's noun for each fluid. See :func:`attention_masks`.
    """
    return attention_masks(stats, parse_motion(prompt), settings)


@dataclass(frozen=True)
class AttentionSegmenter:
    """The default :class:`Segmenter` for a generated image: reads its attention statistics.

    ``stats``: the statistics recorded while generating the image; ``settings``: see
    :class:`MaskSettings`.
    """

    stats: AttentionStatistics
    settings: MaskSettings = field(default_factory=MaskSettings)

    def __call__(self, image: np.ndarray, fluids: Sequence[FluidSpec]) -> FluidMasks:
        image = check_image(image)
        if image.shape[:2] != tuple(self.stats.image_size):
            h, w = self.stats.image_size
            raise CinemagraphError(
                f"the image is {image.shape[1]}×{image.shape[0]} but its attention statistics "
                f"are for {w}×{h}: they belong to another image"
            )
        return attention_masks(self.stats, fluids, self.settings)


@dataclass(frozen=True)
class UserMasks:
    """A :class:`Segmenter` that returns masks the user gave: they override the attention.

    ``masks``: one mask (float ``H×W`` in [0, 1]), a mapping name → mask, or a sequence of
    (name or None, mask) pairs (as the command line reads ``--mask [NAME=]PATH``). A
    region without a name takes the noun of the fluid at its position among the fluids
    (the first region the first fluid …), or ``region-<i>`` when there are fewer fluids.
    """

    masks: np.ndarray | Mapping[str, np.ndarray] | Sequence[tuple[str | None, np.ndarray]]

    def __call__(self, image: np.ndarray, fluids: Sequence[FluidSpec]) -> FluidMasks:
        shape = check_image(image).shape[:2]
        regions = self._regions()
        if not regions:
            raise CinemagraphError("no mask given: say which regions may move")
        nouns = [spec.noun for spec in fluids if spec.kind is not NEUTRAL and spec.noun]
        named = {name for name, _ in regions if name}
        out: FluidMasks = {}
        for i, (name, mask) in enumerate(regions):
            if not name:
                name = nouns[i] if i < len(nouns) and nouns[i] not in named else f"region-{i + 1}"
            if name in out:
                raise CinemagraphError(f"two masks are named '{name}'; give each its own name")
            out[name] = check_mask(mask, shape, name=f"mask {name}")
        return out

    def _regions(self) -> list[tuple[str | None, np.ndarray]]:
        if isinstance(self.masks, np.ndarray):
            return [(None, self.masks)]
        if isinstance(self.masks, Mapping):
            return [(str(name), mask) for name, mask in self.masks.items()]
        return [(name, mask) for name, mask in self.masks]


def choose_segmenter(
    user_masks: np.ndarray | Mapping[str, np.ndarray]
    | Sequence[tuple[str | None, np.ndarray]] | None,
    stats: AttentionStatistics | None,
    settings: MaskSettings | None = None,
) -> Segmenter:
    """The segmenter for a run: the user's masks when given (they always win), else the
    attention statistics; raises :class:`CinemagraphError` when there are neither."""
    has_user = user_masks is not None and (
        isinstance(user_masks, np.ndarray) or len(user_masks) > 0
    )
    if has_user:
        return UserMasks(user_masks)  # type: ignore[arg-type]
    if stats is not None:
        return AttentionSegmenter(stats, settings or MaskSettings())
    raise CinemagraphError(
        "nothing says which pixels may move: give --mask PATH, or generate the image from a "
        "prompt so its attention can find the fluids"
    )
