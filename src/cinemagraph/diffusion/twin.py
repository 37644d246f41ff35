"""Stage 2 settings: the natural-looking twin by Plug-and-Play, and its schedules.

The twin is sampled from the artistic image's initial noise with a natural caption, in the
same batched denoising loop as the artistic image (:func:`~.generate.generate`). For the
first ``feature_fraction`` of the steps the twin's decoder block-4 ResNet feature is the
artistic pass's; for the first ``attention_fraction`` its decoder self-attention Q and K
are too (Plug-and-Play; published defaults 0.8 and 0.5). Layout comes from the injected
features, appearance from the caption.

The published code also steers the twin away from the artistic prompt: a third branch
with the artistic prompt as a negative prompt is blended into the unconditional one,
``ε̃ = α_i·ε_uncond + (1 − α_i)·ε_negative``, with α_i falling from ``negative_alpha``
(0.75) to 0 over the steps ("linear"). It costs a fifth UNet row per step (+25% time), so
it is off by default (``artistic_negative=False``): the injection alone keeps the layout,
and the caption's "realistic, photography" already pulls the look towards a photograph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import CinemagraphError

#: Ways the unconditional weight α falls over the steps (the published options).
NEGATIVE_SCHEDULES = ("linear", "constant", "exp")


@dataclass(frozen=True)
class TwinSettings:
    """How the twin is made.

    ``prompt``: the natural caption; ``None`` derives it from the artistic prompt
    (:func:`~.captions.natural_caption`). ``feature_fraction`` / ``attention_fraction``:
    share of the steps, counted from the first (noisiest), with the ResNet feature /
    self-attention Q and K injected; 0 injects nothing, 1 injects at every step.
    ``artistic_negative``: blend in the artistic prompt as a negative prompt (published);
    ``negative_alpha`` and ``negative_schedule`` shape that blend.
    """

    prompt: str | None = None
    feature_fraction: float = 0.8
    attention_fraction: float = 0.5
    artistic_negative: bool = False
    negative_alpha: float = 0.75
    negative_schedule: str = "linear"

    def validate(self) -> None:
        for name in ("feature_fraction", "attention_fraction", "negative_alpha"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                label = name.replace("_", " ")
                raise CinemagraphError(f"twin {label} must lie in [0, 1], got {value}")
        if self.negative_schedule not in NEGATIVE_SCHEDULES:
            raise CinemagraphError(
                f"unknown negative-prompt schedule {self.negative_schedule!r}: use one of "
                + ", ".join(NEGATIVE_SCHEDULES)
            )
        if self.prompt is not None and not self.prompt.strip():
            raise CinemagraphError("the twin prompt is empty")

    def injection_steps(self, steps: int) -> tuple[int, int]:
        """Number of leading steps with (ResNet feature, self-attention Q/K) injected."""
        return round(self.feature_fraction * steps), round(self.attention_fraction * steps)

    def unconditional_weights(self, steps: int) -> np.ndarray:
        """α_i per step (float64 ``(steps,)``): the unconditional branch's weight.

        1 everywhere when ``artistic_negative`` is off; otherwise the published schedule
        times ``negative_alpha``.
        """
        if not self.artistic_negative:
            return np.ones(steps)
        ramp = np.linspace(0.0, 1.0, steps)
        if self.negative_schedule == "linear":
            weights = ramp[::-1]
        elif self.negative_schedule == "exp":
            weights = np.exp(-6.0 * ramp)
        else:
            weights = np.ones(steps)
        return weights * self.negative_alpha
