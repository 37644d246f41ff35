"""Reading and steering what happens inside the UNet while it samples.

Two things happen inside the UNet call of each denoising step, both by composition — an
attention processor on chosen layers and a forward hook on one convolution — never by
patching classes:

* **Capture** (:class:`AttentionRecorder`): running averages of the mask block's
  self-attention probabilities and of each prompt token's cross-attention map. Each is one
  accumulator allocated once, so memory does not grow with the number of steps; the
  probabilities are computed beside the layer's own attention (from the same Q and K), so
  the layer's output, and hence the image, is exactly what the stock processor gives.
* **Plug-and-Play injection** (:func:`capturing` with ``injection``): in the batched
  artistic + twin call, the twin rows' self-attention Q and K and the twin rows' ResNet
  feature are overwritten by the artistic rows' ones while the step is inside the
  injection window. Artistic rows are only read, never written.

:class:`StepSwitches` says, per step, which of these are on; the denoising loop sets it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .attention_stats import AttentionStatistics
from .layers import (
    cross_attention_layers,
    mask_self_attention_layers,
    spatial_size,
    twin_attention_layers,
    twin_resnet_conv,
)

#: Largest number of attention probabilities materialised at once while recording
#: self-attention (64 Mi floats = 256 MB in fp32); more heads are done in turns.
_MAX_PROBABILITIES = 1 << 26


@dataclass
class StepSwitches:
    """What the processors and hooks do during the current UNet call."""

    record_self: bool = False
    record_cross: bool = False
    inject_attention: bool = False
    inject_resnet: bool = False


class AttentionRecorder:
    """Running sums of attention probabilities, turned into averages by :meth:`result`.

    ``self_rows``: long tensor, the batch rows whose self-attention is averaged (the
    artistic pass's rows). ``cross_row``: the batch row whose cross-attention is recorded
    (the artistic prompt-conditioned row). ``token_columns``: long tensor, the positions of
    the prompt's tokens in the text encoder's sequence. ``latent_size``: (H, W).
    """

    def __init__(
        self,
        latent_size: tuple[int, int],
        self_rows: torch.Tensor,
        cross_row: int,
        token_columns: torch.Tensor,
        device: torch.device,
    ) -> None:
        self.latent_size = (int(latent_size[0]), int(latent_size[1]))
        self.device = device
        self.self_rows = self_rows.to(device)
        self.cross_row = int(cross_row)
        self.token_columns = token_columns.to(device)
        self.self_sum: torch.Tensor | None = None
        self.self_size: tuple[int, int] | None = None
        self.self_maps = 0
        self.self_steps = 0
        self.cross_sum = torch.zeros(
            (len(token_columns), *self.latent_size), dtype=torch.float32, device=device
        )
        self.cross_maps = 0
        self.cross_steps = 0

    def add_self(self, query: torch.Tensor, key: torch.Tensor, scale: float) -> None:
        """Add softmax(Q Kᵀ · scale) of the recorded rows, every head, to the running sum.

        ``query``, ``key``: ``B×heads×N×d`` (any float dtype); summed in float32.
        """
        q = query.index_select(0, self.self_rows).flatten(0, 1).float()
        k = key.index_select(0, self.self_rows).flatten(0, 1).float()
        n = q.shape[1]
        if self.self_sum is None:
            self.self_size = spatial_size(n, self.latent_size)
            self.self_sum = torch.zeros((n, n), dtype=torch.float32, device=q.device)
        chunk = max(1, _MAX_PROBABILITIES // (n * n))
        for start in range(0, q.shape[0], chunk):
            scores = torch.bmm(q[start : start + chunk], k[start : start + chunk].transpose(1, 2))
            self.self_sum += (scores * scale).softmax(dim=-1).sum(dim=0)
        self.self_maps += q.shape[0]

    def add_cross(self, query: torch.Tensor, key: torch.Tensor, scale: float) -> None:
        """Add the prompt tokens' cross-attention maps (mean over heads) at the latent size.

        ``query``: ``B×heads×N×d``; ``key``: ``B×heads×L×d`` over the L text positions.
        """
        q = query[self.cross_row].float()
        k = key[self.cross_row].float()
        probs = (torch.bmm(q, k.transpose(1, 2)) * scale).softmax(dim=-1).mean(dim=0)
        h, w = spatial_size(q.shape[1], self.latent_size)
        maps = probs.index_select(1, self.token_columns).T.reshape(1, -1, h, w)
        if (h, w) != self.latent_size:
            maps = F.interpolate(maps, size=self.latent_size, mode="bilinear", align_corners=False)
        self.cross_sum += maps[0]
        self.cross_maps += 1

    def count_step(self, switches: StepSwitches) -> None:
        """Note that a denoising step was recorded under ``switches``."""
        self.self_steps += int(switches.record_self)
        self.cross_steps += int(switches.record_cross)

    def result(
        self,
        tokens: tuple[str, ...],
        token_ends_word: tuple[bool, ...],
        image_size: tuple[int, int],
        self_attention_max_timestep: int,
    ) -> AttentionStatistics:
        """The averages as numpy arrays (see :class:`AttentionStatistics`)."""
        if self.self_sum is None or self.self_maps == 0:
            raise RuntimeError("no self-attention was recorded: no step passed the cut-off")
        self_attention = (self.self_sum / self.self_maps).cpu().numpy()
        cross = self.cross_sum / max(self.cross_maps, 1)
        return AttentionStatistics(
            self_attention=self_attention.astype(np.float32),
            self_attention_size=self.self_size,  # type: ignore[arg-type]
            self_attention_steps=self.self_steps,
            self_attention_max_timestep=int(self_attention_max_timestep),
            cross_attention=cross.cpu().numpy().astype(np.float32),
            cross_attention_steps=self.cross_steps,
            tokens=tuple(tokens),
            token_ends_word=tuple(token_ends_word),
            latent_size=self.latent_size,
            image_size=(int(image_size[0]), int(image_size[1])),
        )


class CaptureAttnProcessor:
    """diffusers' ``AttnProcessor2_0`` computation, plus recording and Q/K injection.

    The layer's output is computed exactly as ``AttnProcessor2_0`` does (one fused
    scaled-dot-product attention over the whole batch). Injection copies Q and K of the
    ``sources`` rows onto the ``targets`` rows before that; recording reads Q and K.
    """

    def __init__(
        self,
        switches: StepSwitches,
        recorder: AttentionRecorder | None = None,
        record_self: bool = False,
        record_cross: bool = False,
        injection: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> None:
        self.switches = switches
        self.recorder = recorder
        self.record_self = record_self and recorder is not None
        self.record_cross = record_cross and recorder is not None
        self.injection = injection

    def __call__(
        self,
        attn,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
        *args,
        **kwargs,
    ) -> torch.Tensor:
        residual = hidden_states
        if attn.spatial_norm is not None:
            hidden_states = attn.spatial_norm(hidden_states, temb)
        input_ndim = hidden_states.ndim
        if input_ndim == 4:
            batch_size, channel, height, width = hidden_states.shape
            hidden_states = hidden_states.view(batch_size, channel, height * width).transpose(1, 2)
        batch_size, sequence_length, _ = (
            hidden_states.shape if encoder_hidden_states is None else encoder_hidden_states.shape
        )
        if attention_mask is not None:
            attention_mask = attn.prepare_attention_mask(
                attention_mask, sequence_length, batch_size
            )
            attention_mask = attention_mask.view(
                batch_size, attn.heads, -1, attention_mask.shape[-1]
            )
        if attn.group_norm is not None:
            hidden_states = attn.group_norm(hidden_states.transpose(1, 2)).transpose(1, 2)

        query = attn.to_q(hidden_states)
        if encoder_hidden_states is None:
            encoder_hidden_states = hidden_states
        elif attn.norm_cross:
            encoder_hidden_states = attn.norm_encoder_hidden_states(encoder_hidden_states)
        key = attn.to_k(encoder_hidden_states)
        value = attn.to_v(encoder_hidden_states)

        inner_dim = key.shape[-1]
        head_dim = inner_dim // attn.heads
        query = query.view(batch_size, -1, attn.heads, head_dim).transpose(1, 2)
        key = key.view(batch_size, -1, attn.heads, head_dim).transpose(1, 2)
        value = value.view(batch_size, -1, attn.heads, head_dim).transpose(1, 2)
        if attn.norm_q is not None:
            query = attn.norm_q(query)
        if attn.norm_k is not None:
            key = attn.norm_k(key)

        switches = self.switches
        if self.injection is not None and switches.inject_attention:
            sources, targets = self.injection
            query.index_copy_(0, targets, query.index_select(0, sources))
            key.index_copy_(0, targets, key.index_select(0, sources))
        if self.record_self and switches.record_self:
            self.recorder.add_self(query, key, attn.scale)  # type: ignore[union-attr]
        if self.record_cross and switches.record_cross:
            self.recorder.add_cross(query, key, attn.scale)  # type: ignore[union-attr]

        hidden_states = F.scaled_dot_product_attention(
            query, key, value, attn_mask=attention_mask, dropout_p=0.0, is_causal=False
        )
        hidden_states = hidden_states.transpose(1, 2).reshape(batch_size, -1, attn.heads * head_dim)
        hidden_states = hidden_states.to(query.dtype)
        hidden_states = attn.to_out[0](hidden_states)
        hidden_states = attn.to_out[1](hidden_states)
        if input_ndim == 4:
            hidden_states = hidden_states.transpose(-1, -2).reshape(
                batch_size, channel, height, width
            )
        if attn.residual_connection:
            hidden_states = hidden_states + residual
        return hidden_states / attn.rescale_output_factor


@contextlib.contextmanager
def capturing(
    unet: torch.nn.Module,
    switches: StepSwitches,
    recorder: AttentionRecorder | None = None,
    injection: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Iterator[None]:
    """Install recording and/or injection on ``unet`` for the duration of the block.

    ``injection``: (sources, targets) long tensors of batch rows; ``None`` injects nothing.
    Layers that neither record nor inject keep their own processor; everything is
    restored on exit, also after an error.
    """
    original = unet.attn_processors
    device = next(unet.parameters()).device
    if injection is not None:
        injection = (injection[0].to(device), injection[1].to(device))
    self_layers = set(mask_self_attention_layers(unet)) if recorder else set()
    cross_layers = set(cross_attention_layers(unet)) if recorder else set()
    inject_layers = set(twin_attention_layers(unet)) if injection is not None else set()
    processors = dict(original)
    for name in self_layers | cross_layers | inject_layers:
        processors[f"{name}.processor"] = CaptureAttnProcessor(
            switches,
            recorder,
            record_self=name in self_layers,
            record_cross=name in cross_layers,
            injection=injection if name in inject_layers else None,
        )
    handle = None
    if injection is not None:
        sources, targets = injection

        def inject_resnet_feature(module, inputs, output: torch.Tensor) -> torch.Tensor:
            if switches.inject_resnet:
                output.index_copy_(0, targets, output.index_select(0, sources))
            return output

        handle = twin_resnet_conv(unet).register_forward_hook(inject_resnet_feature)
    unet.set_attn_processor(processors)
    try:
        yield
    finally:
        if handle is not None:
            handle.remove()
        unet.set_attn_processor(original)
