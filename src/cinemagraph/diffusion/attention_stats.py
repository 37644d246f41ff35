"""The attention statistics that generation hands to the mask stage, and their file.

``attention.npz`` (written by :meth:`AttentionStatistics.save`, read by
:meth:`AttentionStatistics.load`) holds:

=========================  =========================  =====================================
key                        dtype, shape               meaning
=========================  =========================  =====================================
``self_attention``         float16 ``N×N``            averaged self-attention probabilities
                                                      of the mask block (``up_blocks[2]``);
                                                      row i: where position i attends;
                                                      positions are row-major over
                                                      ``self_attention_size``; rows sum to 1
``self_attention_size``    int32 ``(2,)``             (h, w) of that block; N = h·w
``self_attention_steps``   int32 scalar               denoising steps averaged (timestep ≤
                                                      ``self_attention_max_timestep``)
``self_attention_max_``    int32 scalar               the timestep cut-off (541: the later
``timestep``                                          half of sampling, as published)
``cross_attention``        float16 ``T×H×W``          per prompt token, the probability that
                                                      latent pixel (y, x) attends to it,
                                                      averaged over heads, all
                                                      cross-attention layers (bilinearly
                                                      resized to the latent) and all steps
``cross_attention_steps``  int32 scalar               denoising steps averaged
``tokens``                 unicode ``(T,)``           the prompt's tokens as text (the start,
                                                      end and padding tokens excluded)
``token_ends_word``        bool ``(T,)``              token closes a word (CLIP's ``</w>``);
                                                      a word is a run of tokens ending in one
``latent_size``            int32 ``(2,)``             (H, W) of the latent: image size / 8
``image_size``             int32 ``(2,)``             (height, width) of the image in pixels
=========================  =========================  =====================================

All maps come from the artistic pass: self-attention from both classifier-free-guidance
branches and all heads (as the published statistics), cross-attention from the
prompt-conditioned branch only (the unconditional branch sees no prompt tokens).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CinemagraphError
from ..io.atomic import atomic_file

#: The published cut-off: self-attention maps are averaged over steps with t ≤ 541.
SELF_ATTENTION_MAX_TIMESTEP = 541

_KEYS = (
    "self_attention",
    "self_attention_size",
    "self_attention_steps",
    "self_attention_max_timestep",
    "cross_attention",
    "cross_attention_steps",
    "tokens",
    "token_ends_word",
    "latent_size",
    "image_size",
)


@dataclass(frozen=True)
class AttentionStatistics:
    """Running averages of attention captured while generating (see the module docstring).

    ``self_attention``: float32 ``N×N``, N = h·w of ``self_attention_size``.
    ``cross_attention``: float32 ``T×H×W`` at ``latent_size`` (H, W), one map per token.
    """

    self_attention: np.ndarray
    self_attention_size: tuple[int, int]
    self_attention_steps: int
    self_attention_max_timestep: int
    cross_attention: np.ndarray
    cross_attention_steps: int
    tokens: tuple[str, ...]
    token_ends_word: tuple[bool, ...]
    latent_size: tuple[int, int]
    image_size: tuple[int, int]

    def words(self) -> list[tuple[str, list[int]]]:
        """The prompt's words with the indices of the tokens that spell each."""
        words: list[tuple[str, list[int]]] = []
        text, indices = "", []
        for i, (token, ends) in enumerate(zip(self.tokens, self.token_ends_word, strict=True)):
            text, indices = text + token, [*indices, i]
            if ends or i == len(self.tokens) - 1:
                words.append((text, indices))
                text, indices = "", []
        return words

    def word_map(self, word: str) -> np.ndarray | None:
        """Mean cross-attention map (float32 ``H×W`` at the latent size) of ``word``.

        Every occurrence counts; matching ignores case. ``None`` when the prompt lacks it.
        """
        picked = [i for text, idx in self.words() if text.lower() == word.lower() for i in idx]
        if not picked:
            return None
        return self.cross_attention[picked].mean(axis=0).astype(np.float32)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the compact ``.npz`` (float16 maps), atomically."""
        arrays = {
            "self_attention": self.self_attention.astype(np.float16),
            "self_attention_size": np.asarray(self.self_attention_size, dtype=np.int32),
            "self_attention_steps": np.int32(self.self_attention_steps),
            "self_attention_max_timestep": np.int32(self.self_attention_max_timestep),
            "cross_attention": self.cross_attention.astype(np.float16),
            "cross_attention_steps": np.int32(self.cross_attention_steps),
            "tokens": np.asarray(self.tokens, dtype=np.str_).reshape(len(self.tokens)),
            "token_ends_word": np.asarray(self.token_ends_word, dtype=bool),
            "latent_size": np.asarray(self.latent_size, dtype=np.int32),
            "image_size": np.asarray(self.image_size, dtype=np.int32),
        }
        with atomic_file(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AttentionStatistics:
        """Read a file written by :meth:`save`; maps come back as float32."""
        path = Path(path)
        if not path.is_file():
            raise CinemagraphError(f"attention statistics not found: {path}")
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = [key for key in _KEYS if key not in data]
                if missing:
                    raise CinemagraphError(
                        f"attention statistics {path} lack {', '.join(missing)}: "
                        "re-run `cinemagraph generate`"
                    )
                values = {key: data[key] for key in _KEYS}
        except (OSError, ValueError, EOFError) as exc:
            raise CinemagraphError(f"attention statistics {path} are unreadable: {exc}") from exc

        def pair(key: str) -> tuple[int, int]:
            return int(values[key][0]), int(values[key][1])

        return cls(
            self_attention=values["self_attention"].astype(np.float32),
            self_attention_size=pair("self_attention_size"),
            self_attention_steps=int(values["self_attention_steps"]),
            self_attention_max_timestep=int(values["self_attention_max_timestep"]),
            cross_attention=values["cross_attention"].astype(np.float32),
            cross_attention_steps=int(values["cross_attention_steps"]),
            tokens=tuple(str(t) for t in values["tokens"]),
            token_ends_word=tuple(bool(b) for b in values["token_ends_word"]),
            latent_size=pair("latent_size"),
            image_size=pair("image_size"),
        )
