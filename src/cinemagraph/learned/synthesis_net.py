"""The frame-synthesis network: encode the image, splat features, decode with gated convs.

1. **Encoder** (full resolution): image (``B×3×H×W`` in [0, 1]) → ``features`` feature
   channels and an importance channel Z for softmax splatting.
2. **Symmetric softmax splatting** of the features *and the RGB image* (the engine's
   :func:`~cinemagraph.animate.splat.splat_accumulate` on C channels): the first frame
   pushed forward with weight 1 − α, the last pushed backward with weight α, both with
   weights exp(Z − max Z), normalised by the summed weights (:func:`splat_symmetric`).
3. **Decoder**: a U-Net of gated convolutions (Yu et al. 2019) over the splatted
   features, the splatted RGB and the hole mask (where no weight arrived) predicts a
   correction added to the splatted RGB — so an untrained decoder already renders the
   RGB splat, and learning goes to filling holes and fixing blur.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from ..animate.splat import splat_accumulate
from ..errors import CinemagraphError
from .bounds import MAX_SIZE, MAX_WIDTH, config_dict, whole, widths
from .layers import GatedConv, ResBlock

#: Coverage (splatted bilinear weight) at or below which a pixel is a hole.
HOLE_EPS = 1e-3
#: Z is squashed into (−Z_RANGE, Z_RANGE) so that exp(Z) stays finite.
Z_RANGE = 10.0


@dataclass(frozen=True)
class SynthesisNetConfig:
    """Shape of the synthesis network.

    ``size``: side of the square training crops. ``features``: channels splatted.
    ``encoder_width``: width of the encoder. ``decoder_channels``: width per decoder
    level (the image is padded to a multiple of 2^(levels−1)). ``context``: pixels of
    context kept around the moving region at inference.
    """

    size: int = 256
    features: int = 32
    encoder_width: int = 32
    decoder_channels: tuple[int, ...] = (32, 64, 128)
    context: int = 16

    def __post_init__(self) -> None:
        object.__setattr__(self, "decoder_channels",
                           widths("decoder channels", self.decoder_channels))
        levels = len(self.decoder_channels)
        whole("size", self.size, 8, MAX_SIZE)
        whole("features", self.features, 1, MAX_WIDTH)
        whole("encoder width", self.encoder_width, 1, MAX_WIDTH)
        whole("context", self.context, 0, MAX_SIZE)
        if levels < 1 or min(self.decoder_channels) < 1 or self.features < 1:
            raise CinemagraphError("synthesis widths must be positive")
        if self.size < 8 or self.size % 2 ** (levels - 1):
            raise CinemagraphError(
                f"size {self.size} must be ≥ 8 and a multiple of {2 ** (levels - 1)}")
        if self.context < 0:
            raise CinemagraphError(f"context must be ≥ 0, got {self.context}")

    @property
    def stride(self) -> int:
        return 2 ** (len(self.decoder_channels) - 1)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["decoder_channels"] = list(self.decoder_channels)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SynthesisNetConfig:
        data = config_dict(data, "synthesis-model")
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise CinemagraphError(f"unknown synthesis-model settings {sorted(unknown)}")
        return cls(**{**data, "decoder_channels": widths(
            "decoder channels", data.get("decoder_channels", cls.decoder_channels))})


class FeatureEncoder(nn.Module):
    """Image ``B×3×H×W`` in [0, 1] → (features ``B×F×H×W``, Z ``B×1×H×W``)."""

    def __init__(self, config: SynthesisNetConfig) -> None:
        super().__init__()
        width = config.encoder_width
        self.net = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), ResBlock(width, width), ResBlock(width, width),
            nn.Conv2d(width, config.features + 1, 3, padding=1))

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.net(image * 2 - 1)
        z = Z_RANGE * torch.tanh(out[:, -1:] / Z_RANGE)
        return out[:, :-1], z


class GatedDecoder(nn.Module):
    """Gated-convolution U-Net: ``B×in×H×W`` → RGB correction ``B×3×H×W``."""

    def __init__(self, in_channels: int, channels: tuple[int, ...]) -> None:
        super().__init__()
        self.inp = GatedConv(in_channels, channels[0])
        self.down = nn.ModuleList()
        for level in range(1, len(channels)):
            self.down.append(nn.Sequential(GatedConv(channels[level - 1], channels[level], 2),
                                           GatedConv(channels[level], channels[level])))
        bottom = channels[-1]
        self.middle = nn.Sequential(GatedConv(bottom, bottom, dilation=2),
                                    GatedConv(bottom, bottom, dilation=4),
                                    GatedConv(bottom, bottom))
        self.up = nn.ModuleList()
        for level in reversed(range(len(channels) - 1)):
            self.up.append(GatedConv(channels[level + 1] + channels[level], channels[level]))
        self.out = nn.Conv2d(channels[0], 3, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inp(x)
        skips = [x]
        for block in self.down:
            x = block(x)
            skips.append(x)
        x = self.middle(skips.pop())
        for block in self.up:
            skip = skips.pop()
            x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
            x = block(torch.cat([x, skip], dim=1))
        return self.out(x)


class SynthesisNet(nn.Module):
    """Encoder + decoder; the splatting between them is :func:`splat_symmetric`."""

    def __init__(self, config: SynthesisNetConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = FeatureEncoder(config)
        self.decoder = GatedDecoder(config.features + 3 + 1, config.decoder_channels)

    def encode(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``B×3×H×W`` in [0, 1] → splat values ``B×(F+3)×H×W`` (features, then the RGB
        image) and Z ``B×1×H×W``."""
        features, z = self.encoder(image)
        return torch.cat([features, image.to(features.dtype)], dim=1), z

    def decode(self, splatted: torch.Tensor, holes: torch.Tensor) -> torch.Tensor:
        """``splatted``: ``B×(F+3)×H×W`` normalised splat; ``holes``: ``B×1×H×W`` in
        {0, 1}. Returns RGB ``B×3×H×W`` (about [0, 1]): splatted RGB + correction."""
        rgb = splatted[:, -3:]
        return rgb + self.decoder(torch.cat([splatted, holes.to(splatted.dtype)], dim=1))


def splat_symmetric(
    first: torch.Tensor, last: torch.Tensor, z_first: torch.Tensor, z_last: torch.Tensor,
    forward: tuple[torch.Tensor, torch.Tensor], backward: tuple[torch.Tensor, torch.Tensor],
    alpha: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric softmax splat of one example; differentiable in values and Z.

    ``first``, ``last``: ``C×H×W`` values; ``z_first``, ``z_last``: ``1×H×W`` importance;
    ``forward`` / ``backward``: (displacement ``H×W×2`` px, valid ``H×W`` bool) pushing
    ``first`` / ``last`` to the target time; ``alpha``: weight of the backward splat.
    Returns the normalised splat ``C×H×W`` (0 in holes) and the coverage ``1×H×W``: the
    splatted weight *without* the importance factors, so that a pixel reached only by
    low-Z sources is not mistaken for a hole. Computed in float32 whatever the inputs'
    dtype.
    """
    c, h, w = first.shape
    z_max = torch.maximum(z_first.max(), z_last.max()).detach().float()
    acc = torch.zeros((h, w, c + 2), dtype=torch.float32, device=first.device)
    for values, z, (disp, valid), weight in ((first, z_first, forward, 1.0 - alpha),
                                             (last, z_last, backward, alpha)):
        if weight <= 0:
            continue
        importance = torch.exp(z[0].float() - z_max)
        # An extra channel of 1/exp(Z) accumulates the coverage without the importance.
        values = torch.cat([values.float(), (1.0 / importance).detach()[None]], dim=0)
        splat_accumulate(values.permute(1, 2, 0), disp.float(), valid, importance, weight, acc)
    coverage, den = acc[..., c], acc[..., c + 1]
    out = acc[..., :c] / den.clamp_min(1e-12)[..., None]
    out = torch.where((coverage > HOLE_EPS)[..., None], out, torch.zeros_like(out))
    return out.permute(2, 0, 1), coverage[None]
