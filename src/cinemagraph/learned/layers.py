"""Building blocks of the learned models: ResNet blocks, SPADE, cross-attention, gated convs.

Tensors are ``B×C×H×W`` unless stated otherwise.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def norm_groups(channels: int) -> int:
    """Groups of a GroupNorm over ``channels``: the largest of 32, 16, … that divides it."""
    for groups in (32, 16, 8, 4, 2, 1):
        if channels % groups == 0:
            return groups
    return 1


def resize_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``x`` resized (bilinear, antialiased when shrinking) to ``like``'s height and width."""
    if x.shape[-2:] == like.shape[-2:]:
        return x
    shrink = x.shape[-2] > like.shape[-2]
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False,
                         antialias=shrink)


class ResBlock(nn.Module):
    """GroupNorm → SiLU → conv3×3, twice, plus a (1×1 when widths differ) skip."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(norm_groups(in_channels), in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(norm_groups(out_channels), out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = (nn.Identity() if in_channels == out_channels
                     else nn.Conv2d(in_channels, out_channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class SPADE(nn.Module):
    """Spatially-adaptive normalisation (Park et al., CVPR 2019).

    ``out = norm(x) · (1 + γ(c)) + β(c)``, with ``norm`` a parameter-free GroupNorm and
    γ, β predicted per pixel from the conditioning map ``c`` (here the image, the mask
    and the hint channels, resized to ``x``).
    """

    def __init__(self, channels: int, cond_channels: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(norm_groups(channels), channels, affine=False)
        self.shared = nn.Sequential(nn.Conv2d(cond_channels, hidden, 3, padding=1), nn.ReLU())
        self.gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.shared(resize_to(cond, x))
        return self.norm(x) * (1 + self.gamma(h)) + self.beta(h)


class SpadeResBlock(nn.Module):
    """A ResBlock whose normalisations are SPADE, conditioned on the input maps."""

    def __init__(self, in_channels: int, out_channels: int, cond_channels: int, hidden: int
                 ) -> None:
        super().__init__()
        self.norm1 = SPADE(in_channels, cond_channels, hidden)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm2 = SPADE(out_channels, cond_channels, hidden)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = (nn.Identity() if in_channels == out_channels
                     else nn.Conv2d(in_channels, out_channels, 1))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x, cond)))
        h = self.conv2(F.silu(self.norm2(h, cond)))
        return self.skip(x) + h


class CrossAttention(nn.Module):
    """Image features attend to text tokens (as SD's UNet does), residual.

    ``x``: ``B×C×H×W``; ``text``: ``B×L×D`` token embeddings. Queries come from the
    normalised features, keys and values from the text; the output projection starts at
    zero, so a new block leaves the features unchanged until it learns.
    """

    def __init__(self, channels: int, text_dim: int, heads: int) -> None:
        super().__init__()
        if channels % heads:
            raise ValueError(f"{channels} channels do not split into {heads} heads")
        self.heads = heads
        self.norm = nn.GroupNorm(norm_groups(channels), channels)
        self.to_q = nn.Linear(channels, channels, bias=False)
        self.to_k = nn.Linear(text_dim, channels, bias=False)
        self.to_v = nn.Linear(text_dim, channels, bias=False)
        self.to_out = nn.Linear(channels, channels)
        nn.init.zeros_(self.to_out.weight)
        nn.init.zeros_(self.to_out.bias)

    def forward(self, x: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        tokens = self.norm(x).flatten(2).transpose(1, 2)  # B×HW×C

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, -1, self.heads, c // self.heads).transpose(1, 2)

        text = text.to(tokens.dtype)
        att = F.scaled_dot_product_attention(split(self.to_q(tokens)), split(self.to_k(text)),
                                             split(self.to_v(text)))
        out = self.to_out(att.transpose(1, 2).reshape(b, h * w, c))
        return x + out.transpose(1, 2).reshape(b, c, h, w)


class GatedConv(nn.Module):
    """Gated convolution (Yu et al., ICCV 2019): ``SiLU(conv_f(x)) · σ(conv_g(x))``.

    The learned gate lets the layer ignore hole pixels and fill them from valid ones.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 dilation: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 2 * out_channels, 3, stride=stride,
                              padding=dilation, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features, gate = self.conv(x).chunk(2, dim=1)
        return F.silu(features) * torch.sigmoid(gate)
