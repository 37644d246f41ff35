"""Which UNet layers each stage reads or writes, chosen by block (not by resolution).

The published code numbers the SD 1.x UNet the CompVis way; in diffusers terms:

=========================================  ===============================================
published name                             diffusers module
=========================================  ===============================================
output block 4 ResNet (twin injection)     ``up_blocks[1].resnets[1]`` — its ``conv2``, the
                                           residual branch before the skip connection
output blocks 4–11 self-attention Q/K      ``up_blocks[1].attentions[1:]``,
(twin injection)                           ``up_blocks[2].attentions[:]``,
                                           ``up_blocks[3].attentions[:]`` → ``attn1``
output blocks 6–8 (mask self-attention)    ``up_blocks[2].attentions[:]`` → ``attn1``
cross-attention per token (mask)           every ``attn2`` in the UNet
=========================================  ===============================================

At 512×512 the mask block works at 32×32; other sizes give other resolutions, which is
why layers are picked by name. Names are those of ``unet.attn_processors`` without the
trailing ``.processor``.
"""

from __future__ import annotations

import re

import torch

_ATTENTION = re.compile(
    r"^(?P<block>(?:down_blocks|up_blocks)\.(?P<index>\d+)|mid_block)"
    r"\.attentions\.(?P<attention>\d+)\.transformer_blocks\.\d+\.(?P<kind>attn1|attn2)$"
)


def attention_layer_names(unet: torch.nn.Module) -> list[str]:
    """Names of every attention module in ``unet`` (``…transformer_blocks.0.attn1`` etc.)."""
    return [name.removesuffix(".processor") for name in unet.attn_processors]


def _matches(name: str) -> re.Match[str] | None:
    return _ATTENTION.match(name)


def mask_self_attention_layers(unet: torch.nn.Module) -> list[str]:
    """Self-attention layers whose maps the mask stage clusters: ``up_blocks[2]``."""
    return [
        name
        for name in attention_layer_names(unet)
        if (m := _matches(name)) and m["kind"] == "attn1" and m["block"] == "up_blocks.2"
    ]


def cross_attention_layers(unet: torch.nn.Module) -> list[str]:
    """Cross-attention layers whose per-token maps ground words: all of them."""
    return [
        name
        for name in attention_layer_names(unet)
        if (m := _matches(name)) and m["kind"] == "attn2"
    ]


def twin_attention_layers(unet: torch.nn.Module) -> list[str]:
    """Self-attention layers whose Q and K the twin takes from the artistic pass.

    Published output blocks 4–11: all decoder attention but the first of ``up_blocks[1]``.
    """
    names = []
    for name in attention_layer_names(unet):
        m = _matches(name)
        if not m or m["kind"] != "attn1" or not m["block"].startswith("up_blocks."):
            continue
        block, attention = int(m["index"]), int(m["attention"])
        if block >= 2 or (block == 1 and attention >= 1):
            names.append(name)
    return names


def twin_resnet_conv(unet: torch.nn.Module) -> torch.nn.Module:
    """The module whose output the twin takes from the artistic pass.

    ``up_blocks[1].resnets[1].conv2``: the residual branch of published output block 4,
    replaced before the block adds its own skip connection, as Plug-and-Play does.
    """
    return unet.up_blocks[1].resnets[1].conv2


def level_sizes(latent_size: tuple[int, int], levels: int = 4) -> list[tuple[int, int]]:
    """Spatial size (h, w) of each UNet level for a latent of ``latent_size``.

    Each stride-2 downsampling (3×3, padding 1) maps n to ceil(n / 2); decoder block ``i``
    works at the size of encoder level ``3 − i``.
    """
    sizes = [tuple(latent_size)]
    for _ in range(levels - 1):
        h, w = sizes[-1]
        sizes.append(((h + 1) // 2, (w + 1) // 2))
    return sizes  # type: ignore[return-value]


def spatial_size(tokens: int, latent_size: tuple[int, int]) -> tuple[int, int]:
    """The (h, w) of a layer whose image tokens number ``tokens``."""
    for h, w in level_sizes(latent_size, levels=8):
        if h * w == tokens:
            return h, w
    raise ValueError(f"no UNet level of a {latent_size} latent has {tokens} positions")
