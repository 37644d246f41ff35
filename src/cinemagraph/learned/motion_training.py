"""Training the motion network on a dataset folder (``cinemagraph train-motion``).

Each step draws ``batch`` clips, takes a random square crop of each (flipped half of the
time, dx negated) resized to the network's size, optionally draws sparse hints from the
true motion (:mod:`.hints`), replaces the caption by ``""`` with probability
``caption_dropout`` (so the model also works without a prompt), and minimises the
end-point error inside the mask in normalised units (``field / motion_norm``), plus the
optional adversarial terms (:mod:`.losses`). Text embeddings are computed once per
distinct caption (:class:`~.text.EmbeddingCache`).

``motion_norm`` (px/frame at the trained size) is the 95th percentile of the speeds inside
the masks of up to 64 training clips, unless given; it is stored in the checkpoint.
Validation reports the EPE in px/frame at the trained size on the held-out clips (their
centred squares), next to the EPE of the zero field.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..dataset.augment import Augmentation
from ..dataset.layout import ClipRecord, split_records
from ..dataset.samples import ClipStore, MotionExample
from ..errors import CinemagraphError
from .checkpoint import load_weights, save_checkpoint
from .hints import hint_maps, sample_hints
from .losses import (
    PatchDiscriminator,
    discriminator_loss,
    endpoint_error,
    feature_matching_loss,
    generator_adversarial_loss,
)
from .motion_net import MotionNetConfig, MotionUNet
from .text import EmbeddingCache, TextEncoder
from .training import (
    Batches,
    LoopSettings,
    TrainResult,
    autocast,
    existing_checkpoint,
    grad_scaler,
    load_records,
    run_loop,
    seeded,
    step_rng,
    training_device,
)

#: Clips looked at to estimate the motion normalisation.
NORM_CLIPS = 64
#: Percentile of the speeds inside the masks that becomes the normalisation.
NORM_PERCENTILE = 95.0


@dataclass(frozen=True)
class MotionTrainSettings(LoopSettings):
    """:class:`~.training.LoopSettings` plus: ``caption_dropout`` (share of examples
    trained without their caption), ``gan_weight`` (adversarial term, 0 = off) and
    ``feature_matching_weight`` (used with it), ``motion_norm`` (px/frame at the trained
    size; None = estimated from the data)."""

    caption_dropout: float = 0.1
    gan_weight: float = 0.0
    feature_matching_weight: float = 10.0
    motion_norm: float | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.caption_dropout <= 1:
            raise CinemagraphError(
                f"caption dropout must lie in [0, 1], got {self.caption_dropout}")
        if not (math.isfinite(self.gan_weight) and self.gan_weight >= 0):
            raise CinemagraphError(f"GAN weight must be ≥ 0, got {self.gan_weight}")
        if self.motion_norm is not None and not self.motion_norm > 0:
            raise CinemagraphError(f"motion norm must be positive, got {self.motion_norm}")


def estimate_norm(store: ClipStore, records: Sequence[ClipRecord], size: int) -> float:
    """The :data:`NORM_PERCENTILE` percentile of mask speeds at ``size`` (px/frame)."""
    speeds = []
    for record in records[:NORM_CLIPS]:
        example = store.motion_example(record, size, None)
        speeds.append(np.linalg.norm(example.field, axis=-1)[example.mask > 0])
    values = np.concatenate(speeds) if speeds else np.zeros(0)
    if values.size == 0:
        return 1.0
    return max(float(np.percentile(values, NORM_PERCENTILE)), 1e-3)


def motion_inputs(examples: Sequence[MotionExample], hints: Sequence[Sequence] | None,
                  norm: float, device: torch.device) -> tuple[torch.Tensor, ...]:
    """Network inputs ``B×C×S×S``, normalised targets ``B×2×S×S`` and masks ``B×1×S×S``."""
    maps, targets, masks = [], [], []
    for index, example in enumerate(examples):
        channels = [example.image * 2 - 1, example.mask[..., None]]
        if hints is not None:
            channels.append(hint_maps(hints[index], example.mask.shape, norm))
        maps.append(np.concatenate(channels, axis=-1))
        targets.append(example.field / norm)
        masks.append(example.mask[..., None])

    def tensor(items: list[np.ndarray]) -> torch.Tensor:
        return torch.from_numpy(np.stack(items).astype(np.float32)).permute(0, 3, 1, 2).to(device)

    return tensor(maps), tensor(targets), tensor(masks)


def train_motion(
    data: str | os.PathLike[str] | Sequence[ClipRecord],
    output: str | os.PathLike[str],
    settings: MotionTrainSettings | None = None,
    *,
    config: MotionNetConfig | None = None,
    text_encoder: TextEncoder | None = None,
    captions: str | os.PathLike[str] | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> TrainResult:
    """Train (or, with ``resume``, continue training) a motion network; returns the result.

    ``data``: a dataset folder (either layout) or clip records. ``output``: the checkpoint
    file, written every ``checkpoint_every`` steps, at the end and on interruption.
    ``config``: the network's shape for a new run (default: SD 1.x-sized text input when a
    text encoder is given, none otherwise); a resumed run keeps the checkpoint's.
    ``text_encoder``: required when the configuration has a text input.
    """
    settings = settings or MotionTrainSettings()
    records = load_records(data, captions)
    train, val = split_records(records, settings.val_fraction)
    checkpoint = existing_checkpoint(output, "motion", resume, overwrite)
    if checkpoint is not None:
        config = MotionNetConfig.from_dict(checkpoint["config"])
    elif config is None:
        config = MotionNetConfig(text_dim=text_encoder.dim if text_encoder else 0)
    if config.text_dim:
        if text_encoder is None:
            raise CinemagraphError(
                "this motion model is conditioned on text: give it a text encoder "
                "(--model), or train without text (--no-text)")
        if text_encoder.dim != config.text_dim:
            raise CinemagraphError(
                f"the text encoder gives {text_encoder.dim}-wide embeddings but the motion "
                f"model expects {config.text_dim}")
    device = training_device(settings.device)
    store = ClipStore(settings.cache_bytes)
    augmentation = Augmentation(settings.min_crop, settings.flip)

    model = seeded(settings.seed, lambda: MotionUNet(config)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=0.0)
    scaler = grad_scaler(device, settings.amp)
    discriminator = d_optimizer = None
    if settings.gan_weight > 0:
        discriminator = seeded(settings.seed + 1, lambda: PatchDiscriminator(
            config.input_channels + 2, width=config.channels[0])).to(device)
        d_optimizer = torch.optim.AdamW(discriminator.parameters(), lr=settings.lr,
                                        betas=(0.5, 0.999), weight_decay=0.0)
    start, history = 0, []
    if checkpoint is not None:
        load_weights(model, checkpoint["weights"], output)
        state = checkpoint["training"]
        optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        if discriminator is not None and state.get("discriminator"):
            discriminator.load_state_dict(state["discriminator"])
            d_optimizer.load_state_dict(state["discriminator_optimizer"])
        start, history = int(state.get("step", 0)), list(state.get("history", []))
        norm = float(checkpoint["normalisation"]["motion_norm"])
    else:
        norm = settings.motion_norm or estimate_norm(store, train, config.size)

    cache = EmbeddingCache(text_encoder) if config.text_dim else None
    reference = None
    if cache is not None:
        cache.add([r.caption for r in records] + [""])
        reference = text_encoder.reference().tolist()

    def make_batch(step: int):
        rng = step_rng(settings.seed, step)
        picks = rng.integers(0, len(train), size=settings.batch)
        examples = [store.motion_example(train[i], config.size, rng, augmentation) for i in picks]
        hints = ([sample_hints(rng, e.mask, e.field) for e in examples] if config.hints
                 else None)
        captions_ = ["" if rng.random() < settings.caption_dropout else e.caption
                     for e in examples]
        maps, target, mask = motion_inputs(examples, hints, norm, torch.device("cpu"))
        return maps, target, mask, captions_

    def text_for(captions_: list[str]) -> torch.Tensor | None:
        return cache.batch(captions_, device) if cache is not None else None

    def train_step(step: int) -> dict[str, float]:
        maps, target, mask, captions_ = batches.get(step, settings.steps)
        maps, target, mask = maps.to(device), target.to(device), mask.to(device)
        text = text_for(captions_)
        model.train()
        losses = {}
        with autocast(device, settings.amp):
            pred = model(maps, text) * mask
            epe = endpoint_error(pred.float(), target, mask)
            loss = epe
            if discriminator is not None:
                fake_logits, fake_features = discriminator(torch.cat([maps, pred], 1))
                _, real_features = discriminator(torch.cat([maps, target], 1))
                adversarial = generator_adversarial_loss(fake_logits.float())
                matching = feature_matching_loss(fake_features, real_features)
                loss = loss + settings.gan_weight * (
                    adversarial + settings.feature_matching_weight * matching)
                losses["adv"] = float(adversarial.detach())
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        if discriminator is not None:
            with autocast(device, settings.amp):
                real_logits, _ = discriminator(torch.cat([maps, target], 1))
                fake_logits, _ = discriminator(torch.cat([maps, pred.detach()], 1))
                d_loss = discriminator_loss(real_logits.float(), fake_logits.float())
            d_optimizer.zero_grad(set_to_none=True)
            scaler.scale(d_loss).backward()
            scaler.step(d_optimizer)
            scaler.update()
            losses["disc"] = float(d_loss.detach())
        losses["epe"] = float(epe.detach()) * norm
        return losses

    @torch.no_grad()
    def validate() -> dict[str, float] | None:
        if not val:
            return None
        model.eval()
        errors, zero = [], []
        for start_index in range(0, len(val), settings.batch):
            part = val[start_index: start_index + settings.batch]
            examples = [store.motion_example(r, config.size, None) for r in part]
            maps, target, mask = motion_inputs(
                examples, [[] for _ in examples] if config.hints else None, norm, device)
            with autocast(device, settings.amp):
                pred = model(maps, text_for([e.caption for e in examples])) * mask
            errors.append(float(endpoint_error(pred.float(), target, mask)) * norm * len(part))
            zero.append(float(endpoint_error(torch.zeros_like(target), target, mask))
                        * norm * len(part))
        return {"val_epe": sum(errors) / len(val), "val_zero_epe": sum(zero) / len(val)}

    def save(step: int) -> None:
        training = {
            "step": step, "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
            "history": history, "settings": asdict(settings),
            "clips": {"train": len(train), "validation": len(val)},
        }
        if discriminator is not None:
            training["discriminator"] = discriminator.state_dict()
            training["discriminator_optimizer"] = d_optimizer.state_dict()
        save_checkpoint(output, "motion", config.to_dict(),
                        {"motion_norm": norm, "text_reference": reference},
                        model.state_dict(), training)

    batches = Batches(make_batch, settings.workers)
    try:
        step = run_loop(start=start, settings=settings, train_step=train_step,
                        validate=validate, save=save, history=history, desc="train-motion",
                        progress=progress, on_step=on_step)
    finally:
        batches.close()
    return TrainResult(Path(output), step, history)
