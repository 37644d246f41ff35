"""Stages 1 and 2: the artistic image and its natural twin, in one batched DDIM loop.

:func:`generate` reads like the method: check inputs → encode the prompts → draw the
initial noise → denoise (artistic and twin latents side by side, Plug-and-Play injecting
from one into the other, attention statistics accumulating) → decode. Nothing is stored
per step and the model runs once per step for both images.

With the same seed the artistic image equals :class:`diffusers.StableDiffusionPipeline`'s
output with a DDIM scheduler (to float round-off: the batch holds more rows), whether or
not the twin is made.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from ..errors import CinemagraphError
from ..seeds import check_seed
from .attention_stats import SELF_ATTENTION_MAX_TIMESTEP, AttentionStatistics
from .batch import ARTISTIC, COND, NEGATIVE, TWIN, UNCOND, BatchLayout
from .captions import natural_caption
from .capture import AttentionRecorder, StepSwitches, capturing
from .models import check_sd1_unet
from .twin import TwinSettings

#: Largest accepted image side in pixels (the mask block's self-attention map grows as
#: the fourth power of the side).
MAX_SIZE = 2048
#: Smallest accepted image side: the UNet downsamples the 1/8 latent three times.
MIN_SIZE = 64


@dataclass(frozen=True)
class GenerationSettings:
    """Sampling settings shared by the artistic and the twin pass.

    ``steps``: DDIM steps (1–1000; the published code uses 50, the write-up 1000).
    ``guidance``: classifier-free guidance scale (≤ 1 turns guidance off, as in diffusers).
    ``width``/``height``: pixels, multiples of 8. ``negative_prompt``: text to steer away
    from ("" is the plain unconditional branch). ``capture_attention``: record the mask
    statistics; ``self_attention_max_timestep``: only steps at or below it count for
    the self-attention average (the last step alone if none is).
    """

    steps: int = 50
    guidance: float = 7.5
    seed: int = 0
    width: int = 512
    height: int = 512
    negative_prompt: str = ""
    capture_attention: bool = True
    self_attention_max_timestep: int = SELF_ATTENTION_MAX_TIMESTEP

    def validate(self) -> None:
        if not 1 <= self.steps <= 1000:
            raise CinemagraphError(f"steps must be between 1 and 1000, got {self.steps}")
        if not (math.isfinite(self.guidance) and self.guidance >= 0):
            raise CinemagraphError(f"guidance must be a number ≥ 0, got {self.guidance}")
        for name, value in (("width", self.width), ("height", self.height)):
            if value % 8 or not MIN_SIZE <= value <= MAX_SIZE:
                raise CinemagraphError(
                    f"image {name} must be a multiple of 8 between {MIN_SIZE} and {MAX_SIZE} "
                    f"pixels, got {value}"
                )
        check_seed(self.seed)


@dataclass
class GenerationResult:
    """What stages 1 and 2 produce.

    ``image`` / ``twin``: float32 ``H×W×3`` in [0, 1] (``twin`` is ``None`` when not made).
    ``initial_noise``: float32 ``1×4×(H/8)×(W/8)``, the latent both passes start from.
    ``attention``: the mask statistics (``None`` when not captured). ``timings``: seconds.
    """

    image: np.ndarray
    twin: np.ndarray | None
    prompt: str
    twin_prompt: str | None
    initial_noise: np.ndarray
    attention: AttentionStatistics | None
    settings: GenerationSettings
    twin_settings: TwinSettings | None
    timings: dict[str, float] = field(default_factory=dict)


def warn_if_cut(tokenizer, text: str, what: str) -> None:
    """Warn, saying what is lost, when ``text`` exceeds the text encoder's length."""
    limit = tokenizer.model_max_length
    ids = tokenizer(text, truncation=True, max_length=10 * limit).input_ids
    if len(ids) > limit:
        removed = tokenizer.decode(ids[limit - 1 : -1]).strip()
        warnings.warn(
            f"the {what} is longer than the text encoder's {limit - 2} tokens; "
            f"this part was cut: {removed!r}",
            stacklevel=3,
        )


def encode_text(pipe, text: str, what: str = "prompt") -> torch.Tensor:
    """CLIP embedding of ``text``, as :class:`~diffusers.StableDiffusionPipeline` computes it.

    Returns ``1×77×D`` in the text encoder's dtype on the UNet's device.
    """
    tokenizer, encoder = pipe.tokenizer, pipe.text_encoder
    warn_if_cut(tokenizer, text, what)
    inputs = tokenizer(
        text,
        padding="max_length",
        max_length=tokenizer.model_max_length,
        truncation=True,
        return_tensors="pt",
    )
    device = pipe.unet.device
    mask = None
    if getattr(encoder.config, "use_attention_mask", False):
        mask = inputs.attention_mask.to(device)
    embedding = encoder(inputs.input_ids.to(device), attention_mask=mask)[0]
    return embedding.to(dtype=encoder.dtype, device=device)


def prompt_tokens(tokenizer, prompt: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """The prompt's tokens as text and whether each closes a word (start/end excluded)."""
    ids = tokenizer(prompt, truncation=True, max_length=tokenizer.model_max_length).input_ids
    ids = ids[1:-1]
    raw = tokenizer.convert_ids_to_tokens(ids)
    suffix = "</w>"
    texts = tuple(tokenizer.convert_tokens_to_string([t.removesuffix(suffix)]) for t in raw)
    return texts, tuple(t.endswith(suffix) for t in raw)


def make_initial_noise(
    seed: int, latent_channels: int, latent_size: tuple[int, int]
) -> torch.Tensor:
    """Float32 ``1×C×h×w`` standard normal noise from a CPU generator seeded with ``seed``.

    Drawn as :class:`~diffusers.StableDiffusionPipeline` draws it when given a CPU
    generator, so the same seed gives the same picture on CPU and CUDA.
    """
    from diffusers.utils.torch_utils import randn_tensor

    generator = torch.Generator(device="cpu").manual_seed(int(seed))
    shape = (1, latent_channels, *latent_size)
    return randn_tensor(shape, generator=generator, device=torch.device("cpu"), dtype=torch.float32)


def ddim_scheduler(pipe, steps: int):
    """A fresh DDIM scheduler from the pipeline's scheduler config, set to ``steps`` steps.

    With as many steps as training timesteps (1000) the usual offset of 1 would ask for
    timestep 1000, which does not exist; the offset is then 0 (timesteps 999 … 0).
    """
    from diffusers import DDIMScheduler

    scheduler = DDIMScheduler.from_config(pipe.scheduler.config)
    if steps + scheduler.config.steps_offset > scheduler.config.num_train_timesteps:
        scheduler = DDIMScheduler.from_config(pipe.scheduler.config, steps_offset=0)
    scheduler.set_timesteps(steps, device=pipe.unet.device)
    return scheduler


def _combine(
    noise: torch.Tensor, layout: BatchLayout, guidance: float, uncond_weight: float
) -> torch.Tensor:
    """Classifier-free guidance per stream: UNet output rows → one ε per latent.

    ``noise``: the UNet's ``rows×4×h×w`` prediction in ``layout`` order; returns
    ``streams×4×h×w``. ``uncond_weight`` (α) blends the twin's negative-prompt row into its
    unconditional one, where the layout has it: α·ε_uncond + (1 − α)·ε_negative.
    """
    out = []
    for stream in range(layout.streams):
        cond = noise[layout.row(stream, COND)]
        if not layout.guidance:
            out.append(cond)
            continue
        uncond = noise[layout.row(stream, UNCOND)]
        negative_row = layout.row(stream, NEGATIVE)
        if negative_row is not None:
            uncond = uncond_weight * uncond + (1.0 - uncond_weight) * noise[negative_row]
        out.append(uncond + guidance * (cond - uncond))
    return torch.stack(out)


def layout_text(
    pipe, layout: BatchLayout, prompt: str, negative_prompt: str, twin_prompt: str | None
) -> torch.Tensor:
    """The text embedding of every batch row (``rows×77×D``), each text encoded once.

    Unconditional rows get ``negative_prompt``; the twin's negative-prompt row, the
    artistic prompt.
    """
    texts = {COND: {ARTISTIC: prompt, TWIN: twin_prompt}, NEGATIVE: {TWIN: prompt}}
    encoded: dict[str, torch.Tensor] = {}

    def embedding(text: str, what: str) -> torch.Tensor:
        if text not in encoded:
            encoded[text] = encode_text(pipe, text, what)
        return encoded[text]

    rows = []
    for stream, branch in layout.rows:
        if branch == UNCOND:
            rows.append(embedding(negative_prompt, "negative prompt"))
        else:
            what = "twin prompt" if (stream, branch) == (TWIN, COND) else "prompt"
            rows.append(embedding(texts[branch][stream], what))  # type: ignore[arg-type]
    return torch.cat(rows)


def denoising_step(
    unet,
    scheduler,
    latents: torch.Tensor,
    t: torch.Tensor,
    text: torch.Tensor,
    layout: BatchLayout,
    guidance: float,
    uncond_weight: float = 1.0,
) -> torch.Tensor:
    """One DDIM step of every stream: one UNet call over the layout's rows.

    ``latents``: ``streams×4×h×w`` at timestep ``t``; ``text``: ``rows×77×D``. Returns the
    latents at the next timestep. Capture and injection, when installed
    (:func:`~.capture.capturing`), happen inside the UNet call.
    """
    rows = layout.latent_rows().to(latents.device)
    model_input = scheduler.scale_model_input(latents.index_select(0, rows), t)
    noise = unet(model_input, t, encoder_hidden_states=text, return_dict=False)[0]
    guided = _combine(noise, layout, guidance, uncond_weight)
    return scheduler.step(guided, t, latents, eta=0.0, return_dict=False)[0]


def _decode(pipe, latent: torch.Tensor) -> np.ndarray:
    """``1×4×h×w`` latent → float32 ``(8h)×(8w)×3`` image in [0, 1]."""
    image = pipe.vae.decode(latent / pipe.vae.config.scaling_factor, return_dict=False)[0]
    return pipe.image_processor.postprocess(image, output_type="np")[0].astype(np.float32)


@torch.no_grad()
def generate(
    pipe,
    prompt: str,
    settings: GenerationSettings | None = None,
    twin: TwinSettings | None = None,
    progress: bool = False,
) -> GenerationResult:
    """Generate the artistic image for ``prompt`` and, unless ``twin`` is ``None``, its twin.

    ``pipe``: a :class:`diffusers.StableDiffusionPipeline` (SD 1.x; see
    :func:`~.models.load_pipeline`, or :func:`~.tiny.tiny_pipeline` for tests). Its own
    scheduler only lends its config: sampling is DDIM. ``progress`` shows a bar over steps
    on stderr.
    """
    settings = settings or GenerationSettings()
    settings.validate()
    if not prompt or not prompt.strip():
        raise CinemagraphError("the prompt is empty: say what the picture should show")
    if twin is not None:
        twin.validate()
    check_sd1_unet(pipe.unet)
    unet = pipe.unet
    device, dtype = unet.device, unet.dtype
    timings: dict[str, float] = {}

    start = time.perf_counter()
    twin_prompt = None
    if twin is not None:
        twin_prompt = twin.prompt if twin.prompt is not None else natural_caption(prompt)
    layout = BatchLayout.build(
        twin=twin is not None,
        guidance=settings.guidance > 1.0,
        twin_negative=twin is not None and twin.artistic_negative,
    )
    text = layout_text(pipe, layout, prompt, settings.negative_prompt, twin_prompt)
    tokens, ends_word = prompt_tokens(pipe.tokenizer, prompt)
    timings["encode_seconds"] = time.perf_counter() - start

    scale = pipe.vae_scale_factor
    latent_size = (settings.height // scale, settings.width // scale)
    noise = make_initial_noise(settings.seed, unet.config.in_channels, latent_size)
    scheduler = ddim_scheduler(pipe, settings.steps)
    latents = noise.to(device=device, dtype=dtype).repeat(layout.streams, 1, 1, 1)
    latents = latents * scheduler.init_noise_sigma

    switches = StepSwitches()
    recorder = None
    if settings.capture_attention:
        token_columns = torch.arange(1, 1 + len(tokens))
        recorder = AttentionRecorder(
            latent_size,
            self_rows=layout.artistic_rows(),
            cross_row=layout.row(ARTISTIC, COND),  # type: ignore[arg-type]
            token_columns=token_columns,
            device=device,
        )
    injection = layout.injection_pairs() if twin is not None else None
    feature_steps, attention_steps = (
        twin.injection_steps(settings.steps) if twin is not None else (0, 0)
    )
    uncond_weights = (
        twin.unconditional_weights(settings.steps) if twin is not None else np.ones(settings.steps)
    )

    start = time.perf_counter()
    with capturing(unet, switches, recorder, injection):
        for i, t in enumerate(tqdm(scheduler.timesteps, desc="denoising", unit="step",
                                   disable=not progress, leave=False)):
            switches.record_cross = recorder is not None
            # Steps at or below the cut-off; the last step if none reached it.
            switches.record_self = recorder is not None and (
                int(t) <= settings.self_attention_max_timestep
                or (i == settings.steps - 1 and recorder.self_steps == 0)
            )
            switches.inject_resnet = i < feature_steps
            switches.inject_attention = i < attention_steps
            latents = denoising_step(unet, scheduler, latents, t, text, layout,
                                     settings.guidance, float(uncond_weights[i]))
            if recorder is not None:
                recorder.count_step(switches)
    denoise = time.perf_counter() - start
    timings["denoise_seconds"] = denoise
    timings["seconds_per_step"] = denoise / settings.steps

    start = time.perf_counter()
    image = _decode(pipe, latents[ARTISTIC : ARTISTIC + 1])
    twin_image = _decode(pipe, latents[TWIN : TWIN + 1]) if twin is not None else None
    timings["decode_seconds"] = time.perf_counter() - start

    attention = None
    if recorder is not None:
        attention = recorder.result(
            tokens,
            ends_word,
            image_size=(settings.height, settings.width),
            self_attention_max_timestep=settings.self_attention_max_timestep,
        )
    return GenerationResult(
        image=image,
        twin=twin_image,
        prompt=prompt,
        twin_prompt=twin_prompt,
        initial_noise=noise.numpy(),
        attention=attention,
        settings=settings,
        twin_settings=twin,
        timings=timings,
    )
