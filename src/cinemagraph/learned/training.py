"""What both training loops share: devices and mixed precision, seeding, batch prefetching,
the step loop with its progress bar, periodic validation and checkpoints, and resuming.

Every step ``s`` draws its batch from ``numpy.random.default_rng([seed, s])``, so the data a
step sees depends on the seed and the step only: a run resumed from a checkpoint sees
exactly the batches the uninterrupted run would have seen.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ..dataset.layout import ClipRecord, open_dataset
from ..errors import CinemagraphError
from .checkpoint import load_checkpoint

#: The largest learning rate accepted (AdamW's steps are about lr in size: beyond 1 the
#: weights are noise).
MAX_LR = 1.0


@dataclass(frozen=True)
class LoopSettings:
    """Settings every training run has.

    ``steps``: total optimisation steps (a resumed run continues up to this). ``batch``:
    examples per step. ``lr``: AdamW learning rate. ``device``: ``"auto"``, ``"cpu"`` or
    ``"cuda"``. ``seed``: seeds the initial weights and every batch. ``val_fraction``:
    share of clips held out for validation (chosen by a hash of the clip id).
    ``val_every`` / ``checkpoint_every``: steps between validations / checkpoints (0 =
    only at the end). ``workers``: threads that prepare the next batches (0 = none).
    ``amp``: float16 mixed precision on CUDA (always float32 on the CPU).
    ``min_crop``, ``flip``: augmentation (:class:`~cinemagraph.dataset.Augmentation`).
    ``cache_bytes``: memory for decoded clips.
    """

    steps: int = 20_000
    batch: int = 8
    lr: float = 2e-4
    device: str = "auto"
    seed: int = 0
    val_fraction: float = 0.1
    val_every: int = 500
    checkpoint_every: int = 1000
    workers: int = 0
    amp: bool = True
    min_crop: float = 0.6
    flip: bool = True
    cache_bytes: int = 1 << 30

    def __post_init__(self) -> None:
        for name in ("steps", "batch"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise CinemagraphError(f"{name} must be a whole number ≥ 1, got {value!r}")
        for name in ("val_every", "checkpoint_every", "workers", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise CinemagraphError(
                    f"{name.replace('_', ' ')} must be a whole number ≥ 0, got {value!r}")
        if not (math.isfinite(self.lr) and 0 < self.lr <= MAX_LR):
            raise CinemagraphError(
                f"learning rate must lie in (0, {MAX_LR:g}], got {self.lr}")
        if not 0 <= self.val_fraction < 1:
            raise CinemagraphError(
                f"validation fraction must lie in [0, 1), got {self.val_fraction}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise CinemagraphError(f"device must be auto, cpu or cuda, got {self.device!r}")


@dataclass
class TrainResult:
    """Where a run ended: the checkpoint path, its step, and the validation history
    (one dict per validation: ``step`` and the metrics)."""

    path: Path
    step: int
    history: list[dict] = field(default_factory=list)


def load_records(data: str | os.PathLike[str] | Sequence[ClipRecord],
                 captions: str | os.PathLike[str] | None = None) -> list[ClipRecord]:
    """The clips of a dataset folder (either layout), or the given records."""
    if isinstance(data, (str, os.PathLike)):
        return open_dataset(data, captions)
    records = list(data)
    if not records:
        raise CinemagraphError("there are no clips to train on")
    return records


def step_rng(seed: int, step: int) -> np.random.Generator:
    """The random generator of training step ``step``."""
    return np.random.default_rng([seed, step])


def seeded(seed: int, build: Callable[[], torch.nn.Module]) -> torch.nn.Module:
    """``build()`` with torch's generator seeded, leaving the global generator untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def training_device(device: str) -> torch.device:
    from ..diffusion.models import resolve_device

    return resolve_device(device)


def autocast(device: torch.device, amp: bool):
    """float16 autocast on CUDA when ``amp``; a no-op elsewhere."""
    enabled = amp and device.type == "cuda"
    return torch.autocast(device_type=device.type, dtype=torch.float16, enabled=enabled)


def grad_scaler(device: torch.device, amp: bool) -> torch.amp.GradScaler:
    return torch.amp.GradScaler(device.type, enabled=amp and device.type == "cuda")


def existing_checkpoint(output: str | os.PathLike[str], kind: str, resume: bool,
                        overwrite: bool) -> dict | None:
    """The checkpoint to resume from, or None to start afresh.

    An existing output needs ``resume`` (continue it) or ``overwrite`` (start over).
    """
    output = Path(output)
    if output.exists() and output.is_dir():
        raise CinemagraphError(f"cannot write the checkpoint {output}: it is a folder")
    if not output.exists():
        return None
    if resume:
        return load_checkpoint(output, kind)
    if overwrite:
        return None
    raise CinemagraphError(
        f"{output} exists: pass --resume to continue training it, or --overwrite to start over")


class Batches:
    """Batches by step number, prepared ``workers`` steps ahead on threads (or inline)."""

    def __init__(self, make: Callable[[int], object], workers: int) -> None:
        self.make = make
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers) if workers else None
        self._pending: dict[int, Future] = {}

    def get(self, step: int, last: int) -> object:
        if self._pool is None:
            return self.make(step)
        for ahead in range(step, min(step + self.workers, last) + 1):
            if ahead not in self._pending:
                self._pending[ahead] = self._pool.submit(self.make, ahead)
        return self._pending.pop(step).result()

    def close(self) -> None:
        if self._pool is not None:
            for future in self._pending.values():
                future.cancel()
            self._pool.shutdown(wait=True)


def check_losses(losses: dict[str, float], step: int, saved: int | None) -> None:
    """Stop training with a one-line error when a loss is NaN or infinite (the weights are
    then ruined: nothing more is saved). ``saved``: the step of the last checkpoint written
    by this run, if any."""
    for name, value in losses.items():
        if not math.isfinite(value):
            kept = (f"the checkpoint of step {saved} is kept" if saved is not None
                    else "nothing was saved")
            raise CinemagraphError(
                f"training diverged at step {step}: the {name} loss became {value}; {kept} "
                "(try a lower --lr, or check the data)")


def run_loop(
    *,
    start: int,
    settings: LoopSettings,
    train_step: Callable[[int], dict[str, float]],
    validate: Callable[[], dict[str, float] | None],
    save: Callable[[int], None],
    history: list[dict],
    desc: str,
    progress: bool,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> int:
    """Run steps ``start+1 … settings.steps``; returns the last step done.

    Validates every ``val_every`` steps and at the end; saves every ``checkpoint_every``
    steps, at the end, and — when interrupted (``KeyboardInterrupt``) — at the last step
    completed before re-raising. ``on_step(step, losses)`` is called after each step.
    """
    step = start
    last_saved = start
    bar = tqdm(total=settings.steps, initial=start, desc=desc, unit="step",
               disable=not progress, dynamic_ncols=True)
    metrics: dict[str, float] = {}
    try:
        with bar:
            while step < settings.steps:
                losses = train_step(step + 1)
                check_losses(losses, step + 1, last_saved if last_saved > start else None)
                step += 1
                bar.update()
                if settings.val_every and step % settings.val_every == 0 and step < settings.steps:
                    found = validate()
                    if found is not None:
                        metrics = found
                        history.append({"step": step, **found})
                bar.set_postfix({**{k: f"{v:.4g}" for k, v in losses.items()},
                                 **{k: f"{v:.4g}" for k, v in metrics.items()}})
                if settings.checkpoint_every and step % settings.checkpoint_every == 0:
                    save(step)
                    last_saved = step
                if on_step is not None:
                    on_step(step, losses)
    except KeyboardInterrupt:
        if step > last_saved:
            save(step)
        raise
    if not history or history[-1]["step"] != step:
        found = validate()
        if found is not None:
            history.append({"step": step, **found})
    if step > last_saved or start == step:
        save(step)
    return step
