"""The text-grounded region of each fluid: where the words that name it are attended to.

A fluid's words are the prompt's words whose noun names its kind in the motion vocabulary
(:mod:`cinemagraph.motion.vocabulary`): "sky" and "clouds" both ground the clouds. A word
spelt by several BPE tokens takes the mean of its tokens' cross-attention maps; several
words combine by their pixelwise maximum. The fluid's map is min-max normalised to [0, 1]
and its region is where it reaches the threshold. Where the regions of several fluids
overlap, a pixel goes to the fluid whose raw cross-attention is stronger there (raw maps
compare directly: every latent pixel shares one softmax over the prompt's tokens).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..diffusion.attention_stats import AttentionStatistics
from ..motion.vocabulary import PHRASES, fluid_kind
from ..motion.words import FluidSpec

_NOT_LETTER = re.compile(r"[^a-z]")
_PHRASE_WORDS = tuple((tuple(phrase.split()), noun) for phrase, noun in PHRASES)


class TextRegions(NamedTuple):
    """Per fluid (keyed by its noun): raw cross-attention and exclusive region.

    ``attention[noun]``: float32 ``H×W`` at the latent size, the fluid's raw map.
    ``region[noun]``: bool ``H×W`` at the latent size; regions of different fluids are
    disjoint.
    """

    attention: dict[str, np.ndarray]
    region: dict[str, np.ndarray]


def prompt_words(stats: AttentionStatistics) -> list[tuple[str, list[int]]]:
    """The prompt's words in lower-case letters, each with the tokens that spell it.

    Punctuation-only words are dropped; multi-word names of a fluid ("northern lights")
    become their noun ("aurora"), as :func:`~cinemagraph.motion.words.parse_motion` reads
    them.
    """
    words = [(_NOT_LETTER.sub("", text.lower()), indices) for text, indices in stats.words()]
    joined: list[tuple[str, list[int]]] = []
    i = 0
    while i < len(words):
        for parts, noun in _PHRASE_WORDS:
            span = words[i : i + len(parts)]
            if tuple(text for text, _ in span) == parts:
                joined.append((noun, [t for _, indices in span for t in indices]))
                i += len(parts)
                break
        else:
            joined.append(words[i])
            i += 1
    return [(text, indices) for text, indices in joined if text]


def fluid_tokens(
    stats: AttentionStatistics, fluids: Sequence[FluidSpec]
) -> dict[str, list[list[int]]]:
    """For each fluid (keyed by its noun, in order), the token indices of each of its words.

    A fluid none of whose words is among the statistics' tokens (the text encoder cut the
    prompt, or the statistics belong to another prompt) is left out with a warning.
    """
    words = prompt_words(stats)
    found: dict[str, list[list[int]]] = {}
    for spec in fluids:
        spelt = [indices for text, indices in words if fluid_kind(text) is spec.kind]
        if spelt:
            found[spec.noun] = spelt
        else:
            warnings.warn(
                f"'{spec.noun}' is not among the prompt tokens the attention was recorded "
                "for, so it gets no mask",
                stacklevel=3,
            )
    return found


def fluid_attention(stats: AttentionStatistics, words: Sequence[Sequence[int]]) -> np.ndarray:
    """Raw cross-attention of a fluid: float32 ``H×W`` at the latent size.

    ``words``: token indices per word; a word's map is its tokens' mean, the fluid's map
    the pixelwise maximum over its words.
    """
    maps = [stats.cross_attention[list(indices)].mean(axis=0) for indices in words]
    return np.max(maps, axis=0).astype(np.float32)


def normalise(latent_map: np.ndarray) -> np.ndarray:
    """Min-max normalise to [0, 1] (float32, same shape); a flat map becomes all zeros."""
    latent_map = np.asarray(latent_map, dtype=np.float32)
    low, high = float(latent_map.min()), float(latent_map.max())
    if not high > low:
        return np.zeros_like(latent_map)
    return (latent_map - low) / (high - low)


def text_regions(
    stats: AttentionStatistics, tokens: dict[str, list[list[int]]], threshold: float
) -> TextRegions:
    """Each fluid's raw map and its region (normalised map ≥ ``threshold``), made disjoint.

    ``tokens``: from :func:`fluid_tokens`. Where regions overlap the stronger raw map wins.
    """
    names = list(tokens)
    attention = {name: fluid_attention(stats, tokens[name]) for name in names}
    claims = np.stack([normalise(attention[name]) >= threshold for name in names])
    strength = np.where(claims, np.stack([attention[name] for name in names]), -np.inf)
    owner = np.argmax(strength, axis=0)
    region = {name: claims[k] & (owner == k) for k, name in enumerate(names)}
    return TextRegions(attention, region)
