"""Training the frame-synthesis network on a dataset folder (``cinemagraph train-synthesis``).

Each example (:meth:`~cinemagraph.dataset.ClipStore.synthesis_example`) is a start frame
``a``, a target ``t`` and an end frame ``b`` of a clip with its ground-truth motion ``M``:
frame ``a`` is splatted forward by ``t − a`` Euler steps of ``M`` and frame ``b`` backward
by ``b − t`` steps of ``−M`` (weights ``1 − α`` and ``α = (t − a)/(b − a)``), exactly as
the renderer splats one image both ways at inference; the decoded result is compared with
frame ``t``. Loss: L1 + ``perceptual_weight`` × (VGG-16 feature L1 with ``perceptual=
"vgg16"``, else ``1 − SSIM``; see :mod:`.losses`). Validation reports the L1 of the
rendered frames on held-out clips and, for reference, the L1 of the plain RGB splat.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..animate.integrate import EulerIntegrator
from ..dataset.augment import Augmentation
from ..dataset.layout import ClipRecord, split_records
from ..dataset.samples import ClipStore, SynthesisExample, clips_with_frames
from ..errors import CinemagraphError
from .checkpoint import load_weights, save_checkpoint
from .losses import PERCEPTUAL_CHOICES, perceptual_loss, ssim
from .synthesis_net import HOLE_EPS, SynthesisNet, SynthesisNetConfig, splat_symmetric
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

#: Seed stream of the validation examples (fixed, so that validations compare).
VALIDATION_STREAM = 2**31 - 1


@dataclass(frozen=True)
class SynthesisTrainSettings(LoopSettings):
    """:class:`~.training.LoopSettings` plus the perceptual term: ``perceptual``
    (``"none"`` = 1 − SSIM, or ``"vgg16"``) and its weight."""

    batch: int = 4
    perceptual: str = "none"
    perceptual_weight: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.perceptual not in PERCEPTUAL_CHOICES:
            raise CinemagraphError(
                f"perceptual must be one of {', '.join(PERCEPTUAL_CHOICES)}, "
                f"got {self.perceptual!r}")
        if not (math.isfinite(self.perceptual_weight) and self.perceptual_weight >= 0):
            raise CinemagraphError(
                f"perceptual weight must be ≥ 0, got {self.perceptual_weight}")


def displacement(field: np.ndarray, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """F₀→ₛ of float32 ``H×W×2`` px/frame after ``steps`` Euler steps: (disp, valid) on
    the CPU (the engine's torch integrator)."""
    integrator = EulerIntegrator(torch.from_numpy(np.ascontiguousarray(field, dtype=np.float32)))
    for _ in range(steps):
        integrator.step()
    return integrator.disp, integrator.valid


def synthesis_batch(examples: Sequence[SynthesisExample]) -> dict:
    """Stack examples into tensors (CPU) with their displacements and blend weights."""

    def images(name: str) -> torch.Tensor:
        return torch.from_numpy(np.stack([getattr(e, name) for e in examples])).permute(0, 3, 1, 2)

    forward, backward, alphas = [], [], []
    for e in examples:
        forward.append(displacement(e.field, e.forward_steps))
        backward.append(displacement(-e.field, e.backward_steps))
        span = e.forward_steps + e.backward_steps
        alphas.append(e.forward_steps / span if span else 0.0)
    return {"first": images("first"), "target": images("target"), "last": images("last"),
            "forward": forward, "backward": backward, "alpha": alphas}


def render_batch(net: SynthesisNet, batch: dict, device: torch.device, amp: bool
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """The network's frames ``B×3×H×W`` and the plain RGB splats for a batch."""
    first, last = batch["first"].to(device), batch["last"].to(device)
    with autocast(device, amp):
        values_first, z_first = net.encode(first)
        values_last, z_last = net.encode(last)
    splats, coverages = [], []
    for index, alpha in enumerate(batch["alpha"]):
        fwd = tuple(t.to(device) for t in batch["forward"][index])
        bwd = tuple(t.to(device) for t in batch["backward"][index])
        splat, coverage = splat_symmetric(values_first[index], values_last[index],
                                          z_first[index], z_last[index], fwd, bwd, alpha)
        splats.append(splat)
        coverages.append(coverage)
    splatted = torch.stack(splats)
    holes = (torch.stack(coverages) <= HOLE_EPS).float()
    with autocast(device, amp):
        frames = net.decode(splatted, holes)
    return frames.float(), splatted[:, -3:]


def train_synthesis(
    data: str | os.PathLike[str] | Sequence[ClipRecord],
    output: str | os.PathLike[str],
    settings: SynthesisTrainSettings | None = None,
    *,
    config: SynthesisNetConfig | None = None,
    captions: str | os.PathLike[str] | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> TrainResult:
    """Train (or, with ``resume``, continue training) a synthesis network.

    ``data``: a dataset folder (either layout) or clip records; only clips with frames
    are used. The other arguments are as for :func:`~.motion_training.train_motion`.
    """
    settings = settings or SynthesisTrainSettings()
    records = clips_with_frames(load_records(data, captions))
    if not records:
        raise CinemagraphError("no clip in the dataset has frames: the synthesis model "
                               "trains on clips' frames (frames.mp4 or <id>_gt.mp4)")
    train, val = split_records(records, settings.val_fraction)
    checkpoint = existing_checkpoint(output, "synthesis", resume, overwrite)
    if checkpoint is not None:
        config = SynthesisNetConfig.from_dict(checkpoint["config"])
    config = config or SynthesisNetConfig()
    device = training_device(settings.device)
    store = ClipStore(settings.cache_bytes)
    augmentation = Augmentation(settings.min_crop, settings.flip)
    perceptual = perceptual_loss(settings.perceptual)
    if perceptual is not None:
        perceptual = perceptual.to(device)

    net = seeded(settings.seed, lambda: SynthesisNet(config)).to(device)
    optimizer = torch.optim.AdamW(net.parameters(), lr=settings.lr, weight_decay=0.0)
    scaler = grad_scaler(device, settings.amp)
    start, history = 0, []
    if checkpoint is not None:
        load_weights(net, checkpoint["weights"], output)
        state = checkpoint["training"]
        optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        start, history = int(state.get("step", 0)), list(state.get("history", []))

    def make_batch(step: int) -> dict:
        rng = step_rng(settings.seed, step)
        picks = rng.integers(0, len(train), size=settings.batch)
        return synthesis_batch([store.synthesis_example(train[i], config.size, rng, augmentation)
                                for i in picks])

    def loss_of(pred: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, dict]:
        l1 = F.l1_loss(pred, target)
        if perceptual is not None:
            structure = perceptual(pred, target)
        else:
            structure = 1 - ssim(pred.clamp(0, 1), target)
        return l1 + settings.perceptual_weight * structure, {"l1": float(l1.detach())}

    def train_step(step: int) -> dict[str, float]:
        batch = batches.get(step, settings.steps)
        net.train()
        pred, _ = render_batch(net, batch, device, settings.amp)
        loss, parts = loss_of(pred, batch["target"].to(device))
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        return {"loss": float(loss.detach()), **parts}

    @torch.no_grad()
    def validate() -> dict[str, float] | None:
        if not val:
            return None
        net.eval()
        rng = step_rng(settings.seed, VALIDATION_STREAM)
        rendered, splat = [], []
        for record in val:
            batch = synthesis_batch([store.synthesis_example(record, config.size, rng)])
            pred, rgb = render_batch(net, batch, device, settings.amp)
            target = batch["target"].to(device)
            rendered.append(float(F.l1_loss(pred.clamp(0, 1), target)))
            splat.append(float(F.l1_loss(rgb, target)))
        return {"val_l1": float(np.mean(rendered)), "val_l1_splat": float(np.mean(splat))}

    def save(step: int) -> None:
        training = {"step": step, "optimizer": optimizer.state_dict(),
                    "scaler": scaler.state_dict(), "history": history,
                    "settings": asdict(settings),
                    "clips": {"train": len(train), "validation": len(val)}}
        save_checkpoint(output, "synthesis", config.to_dict(), {}, net.state_dict(), training)

    batches = Batches(make_batch, settings.workers)
    try:
        step = run_loop(start=start, settings=settings, train_step=train_step,
                        validate=validate, save=save, history=history,
                        desc="train-synthesis", progress=progress, on_step=on_step)
    finally:
        batches.close()
    return TrainResult(Path(output), step, history)
