"""``cinemagraph generate``: a text prompt → artistic image, natural twin and mask statistics."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import click

from ..diffusion.models import DEFAULT_MODEL, DEVICES
from ..errors import CinemagraphError
from .options import apply_options


def parse_size(text: str) -> tuple[int, int]:
    """``"512"`` → (512, 512); ``"768x512"`` → width 768, height 512. Returns (width, height)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[x×X*]\s*(\d+))?\s*", text)
    if not match:
        raise CinemagraphError(f"--size must be N or WIDTHxHEIGHT in pixels, got {text!r}")
    width = int(match[1])
    return width, int(match[2]) if match[2] else width


def sampling_options(command: Callable) -> Callable:
    """Stage 1's options: ``--steps --guidance --seed --size --negative-prompt --model
    --device`` and ``--twin-prompt``."""
    options = [
        click.option("--steps", default=50, show_default=True, type=int,
                     help="DDIM steps (1–1000)."),
        click.option("--guidance", default=7.5, show_default=True, type=float,
                     help="Classifier-free guidance scale."),
        click.option("--seed", default=0, show_default=True, type=int,
                     help="Seed of the initial noise: the same seed gives the same images."),
        click.option("--size", default="512", show_default=True,
                     help="Image size in pixels, N or WIDTHxHEIGHT, multiples of 8."),
        click.option("--negative-prompt", default="", help="What the images should not show."),
        click.option("--model", default=DEFAULT_MODEL, show_default=True,
                     help="Stable Diffusion 1.x: Hugging Face id (from the cache) or local "
                          "folder."),
        click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
                     help="fp16 on CUDA, fp32 on CPU."),
        click.option("--twin-prompt", default=None,
                     help="Caption of the natural twin (default: derived from the prompt)."),
    ]
    return apply_options(command, options)


def twin_options(command: Callable) -> Callable:
    """Stage 2's options: ``--feature-injection --attention-injection --twin-negative``."""
    options = [
        click.option("--feature-injection", default=0.8, show_default=True, type=float,
                     help="Share of steps with the artistic ResNet feature injected into the "
                          "twin."),
        click.option("--attention-injection", default=0.5, show_default=True, type=float,
                     help="Share of steps with the artistic self-attention Q/K injected."),
        click.option("--twin-negative/--no-twin-negative", default=False, show_default=True,
                     help="Steer the twin away from the artistic prompt, as the published code "
                          "does (one more UNet branch: about 25% slower)."),
    ]
    return apply_options(command, options)


@click.command("generate")
@click.argument("prompt")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Run folder to write image.png, twin.png, attention.npz and run.json into.")
@sampling_options
@click.option("--twin/--no-twin", "make_twin", default=True, show_default=True,
              help="Also make the natural-looking twin (in the same denoising loop).")
@twin_options
def generate_command(
    prompt: str,
    output: Path,
    steps: int,
    guidance: float,
    seed: int,
    size: str,
    negative_prompt: str,
    model: str,
    device: str,
    twin_prompt: str | None,
    make_twin: bool,
    feature_injection: float,
    attention_injection: float,
    twin_negative: bool,
) -> None:
    """Generate an artistic image for PROMPT, its natural twin and the mask statistics."""
    from ..diffusion.generate import GenerationSettings
    from ..diffusion.models import quiet_libraries
    from ..diffusion.twin import TwinSettings

    width, height = parse_size(size)
    settings = GenerationSettings(
        steps=steps, guidance=guidance, seed=seed, width=width, height=height,
        negative_prompt=negative_prompt,
    )
    settings.validate()
    twin = None
    if make_twin:
        twin = TwinSettings(
            prompt=twin_prompt,
            feature_fraction=feature_injection,
            attention_fraction=attention_injection,
            artistic_negative=twin_negative,
        )
        twin.validate()
    elif twin_prompt is not None:
        raise CinemagraphError("--twin-prompt makes no sense with --no-twin")

    with quiet_libraries():
        from ..diffusion.run import generate_to_folder

    from ..io.atomic import check_writable

    check_writable(output / "run.json")  # before the model loads
    click.echo(f"loading {model} …", err=True)
    result, written = generate_to_folder(
        prompt, output, settings, twin, model=model, device=device, progress=True
    )
    if result.twin_prompt is not None:
        click.echo(f"twin caption: {result.twin_prompt}", err=True)
    per_step = result.timings["seconds_per_step"]
    click.echo(f"{steps} steps at {per_step:.2f} s/step", err=True)
    for path in written.values():
        click.echo(str(path))
