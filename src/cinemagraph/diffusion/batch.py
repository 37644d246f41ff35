"""Which row of the UNet batch is what, when the artistic and twin passes share one batch.

With classifier-free guidance and a twin the rows are::

    [artistic-uncond, twin-uncond, (twin-negative), artistic-cond, twin-cond]

Without a twin they are ``[artistic-uncond, artistic-cond]``, exactly the batch
:class:`diffusers.StableDiffusionPipeline` builds, and without guidance just the
conditioned rows. Plug-and-Play copies each twin row's features from the artistic row of
the same branch; the twin's negative-prompt row (the published code's extra branch) takes
them from the artistic unconditional row, as the published code feeds the unconditional
half of the source features to the first half of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

ARTISTIC, TWIN = 0, 1
UNCOND, COND, NEGATIVE = "uncond", "cond", "negative"


@dataclass(frozen=True)
class BatchLayout:
    """The rows of one UNet call: ``rows[i] = (stream, branch)``.

    ``stream`` is :data:`ARTISTIC` or :data:`TWIN` (the index of its latent);
    ``branch`` is :data:`UNCOND`, :data:`COND` or :data:`NEGATIVE`.
    """

    rows: tuple[tuple[int, str], ...]

    @classmethod
    def build(cls, twin: bool, guidance: bool, twin_negative: bool = False) -> BatchLayout:
        streams = (ARTISTIC, TWIN) if twin else (ARTISTIC,)
        rows: list[tuple[int, str]] = []
        if guidance:
            rows += [(stream, UNCOND) for stream in streams]
            if twin and twin_negative:
                rows.append((TWIN, NEGATIVE))
        rows += [(stream, COND) for stream in streams]
        return cls(tuple(rows))

    @property
    def streams(self) -> int:
        """Number of latents denoised side by side (1 or 2)."""
        return 1 + max(stream for stream, _ in self.rows)

    @property
    def guidance(self) -> bool:
        return any(branch == UNCOND for _, branch in self.rows)

    def row(self, stream: int, branch: str) -> int | None:
        """Index of the row, or ``None`` when the layout has no such row."""
        try:
            return self.rows.index((stream, branch))
        except ValueError:
            return None

    def latent_rows(self) -> torch.Tensor:
        """Long tensor: for each row, which latent it denoises (index into the streams)."""
        return torch.tensor([stream for stream, _ in self.rows], dtype=torch.long)

    def artistic_rows(self) -> torch.Tensor:
        """Long tensor of the artistic stream's rows (unconditional first)."""
        return torch.tensor([i for i, (s, _) in enumerate(self.rows) if s == ARTISTIC])

    def injection_pairs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(sources, targets): twin row ``targets[k]`` takes artistic row ``sources[k]``."""
        sources, targets = [], []
        for i, (stream, branch) in enumerate(self.rows):
            if stream == TWIN:
                source = self.row(ARTISTIC, COND if branch == COND else UNCOND)
                if source is not None:
                    sources.append(source)
                    targets.append(i)
        return torch.tensor(sources, dtype=torch.long), torch.tensor(targets, dtype=torch.long)
