"""Image mode: DDIM inversion of a photo, recording the attention statistics on the way.

The photo is encoded by the VAE and run *up* the DDIM trajectory with diffusers'
:class:`~diffusers.DDIMInverseScheduler`, conditioned on the prompt without guidance
(inversion is only faithful without it). The UNet calls along the way see the photo's own
latents, so the same processors that record the statistics of a generated image
(:mod:`.capture`) record the photo's: self-attention over the steps with timestep ≤ 541
and each prompt token's cross-attention — exactly what the mask stage needs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from tqdm.auto import tqdm

from ..contract import check_image
from ..errors import CinemagraphError
from .attention_stats import SELF_ATTENTION_MAX_TIMESTEP, AttentionStatistics
from .capture import AttentionRecorder, StepSwitches, capturing
from .generate import encode_text, prompt_tokens
from .models import check_sd1_unet

#: The longer side of the photo as the model sees it (SD 1.x works at 512 px).
INVERSION_SIZE = 512


@dataclass
class InversionResult:
    """The inverted photo: ``noise`` float32 ``1×4×h×w`` (the latent at the last
    timestep), the attention statistics at the model's size, and timings in seconds."""

    noise: np.ndarray
    attention: AttentionStatistics
    model_size: tuple[int, int]
    timings: dict[str, float] = field(default_factory=dict)


def model_size(height: int, width: int, longest: int = INVERSION_SIZE) -> tuple[int, int]:
    """(height, width) scaled so the longer side is ``longest``, both multiples of 8."""
    scale = longest / max(height, width)
    return (max(8, round(height * scale / 8) * 8), max(8, round(width * scale / 8) * 8))


@torch.no_grad()
def invert_image(
    pipe,
    image: np.ndarray,
    prompt: str,
    steps: int = 50,
    size: int = INVERSION_SIZE,
    progress: bool = False,
) -> InversionResult:
    """Invert ``image`` (float32 ``H×W×3`` in [0, 1]) with DDIM and record its attention.

    ``pipe``: an SD 1.x :class:`diffusers.StableDiffusionPipeline`; ``prompt``: words that
    name what is in the photo (the fluids' cross-attention grounds the mask); ``steps``:
    DDIM steps; ``size``: the longer side in pixels the model works at. The statistics'
    ``image_size`` is the model's size (see :func:`model_size`), not the photo's.
    """
    from diffusers import DDIMInverseScheduler

    image = check_image(image)
    if not prompt or not prompt.strip():
        raise CinemagraphError("the prompt is empty: name what moves in the photo")
    if not 1 <= steps <= 1000:
        raise CinemagraphError(f"steps must be between 1 and 1000, got {steps}")
    check_sd1_unet(pipe.unet)
    unet, vae = pipe.unet, pipe.vae
    device, dtype = unet.device, unet.dtype
    timings: dict[str, float] = {}

    start = time.perf_counter()
    h, w = model_size(*image.shape[:2], longest=size)
    resized = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    pixels = torch.from_numpy(resized).permute(2, 0, 1)[None].to(device=device, dtype=dtype)
    latents = vae.encode(pixels * 2 - 1).latent_dist.mean * vae.config.scaling_factor
    text = encode_text(pipe, prompt)
    tokens, ends_word = prompt_tokens(pipe.tokenizer, prompt)
    timings["encode_seconds"] = time.perf_counter() - start

    scheduler = DDIMInverseScheduler.from_config(pipe.scheduler.config)
    scheduler.set_timesteps(steps, device=device)
    latent_size = (latents.shape[2], latents.shape[3])
    recorder = AttentionRecorder(
        latent_size,
        self_rows=torch.tensor([0]),
        cross_row=0,
        token_columns=torch.arange(1, 1 + len(tokens)),
        device=device,
    )
    switches = StepSwitches()
    start = time.perf_counter()
    timesteps = scheduler.timesteps
    with capturing(unet, switches, recorder, None):
        for i, t in enumerate(tqdm(timesteps, desc="inverting", unit="step",
                                   disable=not progress, leave=False)):
            switches.record_cross = True
            switches.record_self = int(t) <= SELF_ATTENTION_MAX_TIMESTEP or (
                i == len(timesteps) - 1 and recorder.self_steps == 0)
            noise_pred = unet(latents, t, encoder_hidden_states=text, return_dict=False)[0]
            latents = scheduler.step(noise_pred, t, latents, return_dict=False)[0]
            recorder.count_step(switches)
    timings["invert_seconds"] = time.perf_counter() - start
    stats = recorder.result(tokens, ends_word, image_size=(h, w),
                            self_attention_max_timestep=SELF_ATTENTION_MAX_TIMESTEP)
    return InversionResult(latents.float().cpu().numpy(), stats, (h, w), timings)
