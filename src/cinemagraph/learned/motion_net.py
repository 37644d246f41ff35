"""The motion network: a U-Net from (image, mask, hints) and text to an Eulerian field.

Inputs, ``B×·×S×S``: the image in [−1, 1] (3 channels), the mask in {0, 1} (1), and when
the configuration has hints, the hint channels (3: dx and dy divided by the motion
normalisation, and the hint weight; see :mod:`.hints`). Output ``B×2×S×S``: the field in
px/frame at size S divided by the motion normalisation (stored in the checkpoint).

Encoder levels are ResNet blocks with GroupNorm; decoder levels are SPADE ResNet blocks
whose normalisation is modulated by the input maps, as in the published motion model;
the lowest ``attention_levels`` levels (and the middle) cross-attend to the text tokens
(SD 1.x's CLIP text encoder: 77×768). With ``text_dim`` 0 the model has no text input.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from ..diffusion.models import DEFAULT_MODEL
from ..errors import CinemagraphError
from .bounds import MAX_SIZE, MAX_WIDTH, config_dict, flag, whole, widths
from .layers import SPADE, CrossAttention, ResBlock, SpadeResBlock

#: Hint channels: dx/norm, dy/norm, weight.
HINT_CHANNELS = 3


@dataclass(frozen=True)
class MotionNetConfig:
    """Shape of the motion network.

    ``size``: side of the square images it trains on (a multiple of 2^(levels−1));
    at inference the shorter image side is resized to it. ``channels``: width per level.
    ``attention_levels``: how many of the lowest levels cross-attend to the text.
    ``heads``: attention heads (must divide those levels' widths). ``text_dim``: width of
    the text embedding (768 for SD 1.x; 0 = no text). ``hints``: take sparse-hint
    channels. ``spade_hidden``: width of SPADE's hidden layer. ``text_model``: where the
    text encoder comes from when none is handed in (Hub id or folder).
    """

    size: int = 256
    channels: tuple[int, ...] = (32, 64, 128, 256)
    attention_levels: int = 2
    heads: int = 4
    text_dim: int = 768
    hints: bool = True
    spade_hidden: int = 64
    text_model: str = DEFAULT_MODEL

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", widths("channels", self.channels))
        levels = len(self.channels)
        whole("size", self.size, 8, MAX_SIZE)
        whole("attention levels", self.attention_levels, 0, levels)
        whole("heads", self.heads, 1, 64)
        whole("text width", self.text_dim, 0, 4096)
        flag("hints", self.hints)
        whole("SPADE width", self.spade_hidden, 1, MAX_WIDTH)
        if not isinstance(self.text_model, str) or len(self.text_model) > 4096:
            raise CinemagraphError("the network's text model must be a model name or folder")
        if self.size < 8 or self.size % 2 ** (levels - 1):
            raise CinemagraphError(
                f"size {self.size} must be ≥ 8 and a multiple of {2 ** (levels - 1)} "
                f"for {levels} levels")
        if not 0 <= self.attention_levels <= levels:
            raise CinemagraphError(f"attention levels must lie in [0, {levels}]")
        if self.text_dim < 0:
            raise CinemagraphError(f"text dim must be ≥ 0, got {self.text_dim}")
        if self.text_dim and any(c % self.heads for c in self.attention_widths()):
            raise CinemagraphError(
                f"{self.heads} heads do not divide the attention widths {self.attention_widths()}")

    def attention_widths(self) -> tuple[int, ...]:
        return self.channels[len(self.channels) - self.attention_levels:]

    @property
    def input_channels(self) -> int:
        return 4 + (HINT_CHANNELS if self.hints else 0)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["channels"] = list(self.channels)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> MotionNetConfig:
        data = config_dict(data, "motion-model")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise CinemagraphError(f"unknown motion-model settings {sorted(unknown)}")
        return cls(**{**data, "channels": widths("channels", data.get("channels", cls.channels))})


class MotionUNet(nn.Module):
    """See the module docstring. ``forward(maps, text)`` → ``B×2×S×S`` normalised field."""

    def __init__(self, config: MotionNetConfig) -> None:
        super().__init__()
        self.config = config
        ch = config.channels
        levels = len(ch)
        cond = config.input_channels
        first_attention = levels - config.attention_levels

        def attention(level: int) -> nn.Module | None:
            if config.text_dim and level >= first_attention:
                return CrossAttention(ch[level], config.text_dim, config.heads)
            return None

        self.stem = nn.Conv2d(cond, ch[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        self.down_attn = nn.ModuleList()
        self.downsample = nn.ModuleList()
        previous = ch[0]
        for level, width in enumerate(ch):
            self.down_blocks.append(ResBlock(previous, width))
            self.down_attn.append(attention(level) or nn.Identity())
            self.downsample.append(nn.Conv2d(width, width, 3, stride=2, padding=1)
                                   if level < levels - 1 else nn.Identity())
            previous = width
        self.mid = ResBlock(ch[-1], ch[-1])
        self.mid_attn = attention(levels - 1) or nn.Identity()
        self.upsample = nn.ModuleList()
        self.up_blocks = nn.ModuleList()
        self.up_attn = nn.ModuleList()
        for level in reversed(range(levels)):
            below = ch[level + 1] if level < levels - 1 else ch[-1]
            self.upsample.append(nn.Conv2d(below, ch[level], 3, padding=1)
                                 if level < levels - 1 else nn.Identity())
            self.up_blocks.append(SpadeResBlock(2 * ch[level], ch[level], cond,
                                                config.spade_hidden))
            self.up_attn.append(attention(level) or nn.Identity())
        self.head_norm = SPADE(ch[0], cond, config.spade_hidden)
        self.head = nn.Conv2d(ch[0], 2, 3, padding=1)

    @staticmethod
    def _attend(block: nn.Module, x: torch.Tensor, text: torch.Tensor | None) -> torch.Tensor:
        if isinstance(block, CrossAttention):
            return block(x, text)
        return x

    def forward(self, maps: torch.Tensor, text: torch.Tensor | None = None) -> torch.Tensor:
        """``maps``: ``B×input_channels×H×W`` (H, W multiples of 2^(levels−1));
        ``text``: ``B×L×text_dim`` (ignored when ``text_dim`` is 0)."""
        if self.config.text_dim and text is None:
            raise ValueError("this motion network needs a text embedding")
        x = self.stem(maps)
        skips = []
        for block, attn, down in zip(self.down_blocks, self.down_attn, self.downsample,
                                     strict=True):
            x = self._attend(attn, block(x), text)
            skips.append(x)
            x = down(x)
        x = self._attend(self.mid_attn, self.mid(x), text)
        for up, block, attn in zip(self.upsample, self.up_blocks, self.up_attn, strict=True):
            skip = skips.pop()
            if x.shape[-2:] != skip.shape[-2:]:
                x = up(F.interpolate(x, size=skip.shape[-2:], mode="nearest"))
            x = self._attend(attn, block(torch.cat([x, skip], dim=1), maps), text)
        return self.head(F.silu(self.head_norm(x, maps)))
