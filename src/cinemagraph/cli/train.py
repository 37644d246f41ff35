"""``cinemagraph train-motion`` and ``train-synthesis``: train the learned stages 4 and 5.

The motion model is conditioned on text through SD 1.x's CLIP text encoder, loaded from
``--model`` (a Hub id in the Hugging Face cache, or a local diffusers folder; only the
tokenizer and the text encoder are loaded). ``--no-text`` trains a model without text
input instead: it needs no weights at all, and ignores prompts at inference.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ..diffusion.models import DEFAULT_MODEL
from ..learned.loss_names import PERCEPTUAL_CHOICES


def _loop_options(batch: int, lr: float) -> Callable:
    """Options both training commands share."""

    def decorate(command: Callable) -> Callable:
        options = [
            click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
                         help="Checkpoint file to write (weights, settings, normalisation)."),
            click.option("--steps", type=int, default=20_000, show_default=True,
                         help="Total training steps (a resumed run continues up to this)."),
            click.option("--batch", type=int, default=batch, show_default=True,
                         help="Examples per step."),
            click.option("--lr", type=float, default=lr, show_default=True,
                         help="Learning rate (AdamW)."),
            click.option("--size", type=int, default=256, show_default=True,
                         help="Side of the square training crops, in pixels (a new run's; "
                              "a resumed run keeps its own)."),
            click.option("--width", type=int, default=32, show_default=True,
                         help="Channels of the first network level (doubling per level)."),
            click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]),
                         default="auto", show_default=True,
                         help="Where to train (mixed precision on CUDA)."),
            click.option("--captions", type=click.Path(path_type=Path), default=None,
                         help="Captions file (id<TAB>caption) for the published layout."),
            click.option("--val-fraction", type=float, default=0.1, show_default=True,
                         help="Share of clips held out for validation."),
            click.option("--val-every", type=int, default=500, show_default=True,
                         help="Steps between validations."),
            click.option("--checkpoint-every", type=int, default=1000, show_default=True,
                         help="Steps between checkpoints (also written at the end and when "
                              "interrupted)."),
            click.option("--workers", type=int, default=0, show_default=True,
                         help="Threads preparing the next batches."),
            click.option("--seed", type=int, default=0, show_default=True,
                         help="Seed of the initial weights and of every batch."),
            click.option("--resume", is_flag=True,
                         help="Continue the run saved in --output."),
            click.option("--overwrite", is_flag=True,
                         help="Start over even though --output exists."),
            click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary."),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _report(result, quiet: bool, metric: str, baseline: str, what: str, against: str) -> None:
    if quiet:
        return
    line = f"wrote {result.path} (step {result.step})"
    if result.history:
        last = result.history[-1]
        line += f"; validation {what}: {last[metric]:.4g} ({last[baseline]:.4g} for {against})"
    click.echo(line)


@click.command("train-motion")
@click.argument("data_dir", type=click.Path(path_type=Path))
@_loop_options(batch=8, lr=2e-4)
@click.option("--model", default=None,
              help=f"SD 1.x model whose text encoder conditions the motion "
                   f"[default: {DEFAULT_MODEL}, or the resumed run's].")
@click.option("--no-text", is_flag=True, help="Train without text conditioning.")
@click.option("--hints/--no-hints", default=True, show_default=True,
              help="Sparse-hint input channels (arrows steer the model).")
@click.option("--gan-weight", type=float, default=0.0, show_default=True,
              help="Weight of the adversarial + feature-matching terms (0 = EPE only).")
def train_motion_command(data_dir: Path, output: Path, steps: int, batch: int, lr: float,
                         size: int, width: int, device: str, captions: Path | None,
                         val_fraction: float, val_every: int, checkpoint_every: int,
                         workers: int, seed: int, resume: bool, overwrite: bool, quiet: bool,
                         model: str | None, no_text: bool, hints: bool,
                         gan_weight: float) -> None:
    """Train the motion network on DATA_DIR (from `cinemagraph dataset`, or the published
    Eulerian layout).

    \b
    Examples:
      cinemagraph train-motion data/ -o motion.ckpt --device cuda
      cinemagraph train-motion data/ -o motion.ckpt --resume
      cinemagraph train-motion data/ -o motion.ckpt --no-text --size 128 --steps 2000
    """
    from ..dataset.layout import open_dataset
    from ..learned.checkpoint import load_checkpoint
    from ..learned.motion_net import MotionNetConfig
    from ..learned.motion_training import MotionTrainSettings, train_motion
    from ..learned.text import TextEncoder

    settings = MotionTrainSettings(
        steps=steps, batch=batch, lr=lr, device=device, seed=seed, val_fraction=val_fraction,
        val_every=val_every, checkpoint_every=checkpoint_every, workers=workers,
        gan_weight=gan_weight)
    records = open_dataset(data_dir, captions)  # a bad folder fails before any model loads
    text_model = model
    if resume and output.is_file():
        previous = load_checkpoint(output, "motion")["config"]
        conditioned = bool(previous.get("text_dim"))
        text_model = (text_model or previous.get("text_model")) if conditioned else None
    elif not no_text:
        text_model = text_model or DEFAULT_MODEL
    encoder = None
    if text_model is not None and not no_text:
        from ..diffusion.models import resolve_device

        encoder = TextEncoder.load(text_model, resolve_device(device))
    channels = tuple(width * 2 ** level for level in range(4))
    config = MotionNetConfig(size=size, channels=channels, heads=4,
                             text_dim=encoder.dim if encoder else 0, hints=hints,
                             text_model=text_model or DEFAULT_MODEL)
    result = train_motion(records, output, settings, config=config, text_encoder=encoder,
                          resume=resume, overwrite=overwrite, progress=not quiet)
    _report(result, quiet, "val_epe", "val_zero_epe", "EPE in px/frame", "the zero field")


@click.command("train-synthesis")
@click.argument("data_dir", type=click.Path(path_type=Path))
@_loop_options(batch=4, lr=2e-4)
@click.option("--perceptual", type=click.Choice(PERCEPTUAL_CHOICES), default="none",
              show_default=True, help="Perceptual term: none (1 − SSIM, no weights) or vgg16 "
                                      "(torchvision weights in the torch hub cache).")
def train_synthesis_command(data_dir: Path, output: Path, steps: int, batch: int, lr: float,
                            size: int, width: int, device: str, captions: Path | None,
                            val_fraction: float, val_every: int, checkpoint_every: int,
                            workers: int, seed: int, resume: bool, overwrite: bool,
                            quiet: bool, perceptual: str) -> None:
    """Train the frame-synthesis network on the clips' frames in DATA_DIR.

    \b
    Examples:
      cinemagraph train-synthesis data/ -o synth.ckpt --device cuda
      cinemagraph train-synthesis data/ -o synth.ckpt --resume
    """
    from ..learned.synthesis_net import SynthesisNetConfig
    from ..learned.synthesis_training import SynthesisTrainSettings, train_synthesis

    settings = SynthesisTrainSettings(
        steps=steps, batch=batch, lr=lr, device=device, seed=seed, val_fraction=val_fraction,
        val_every=val_every, checkpoint_every=checkpoint_every, workers=workers,
        perceptual=perceptual)
    config = SynthesisNetConfig(size=size, features=width, encoder_width=width,
                                decoder_channels=(width, 2 * width, 4 * width))
    result = train_synthesis(data_dir, output, settings, config=config, captions=captions,
                             resume=resume, overwrite=overwrite, progress=not quiet)
    _report(result, quiet, "val_l1", "val_l1_splat", "L1", "the plain RGB splat")
