"""Options shared by the commands that render a loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ..animate.settings import BLENDS, AnimateSettings
from ..limits import check_loop_settings
from .pixels import max_pixels_option


def apply_options(command: Callable, options: list[Callable]) -> Callable:
    """Decorate ``command`` with click options, listed in the order ``--help`` shows them."""
    for option in reversed(options):
        command = option(command)
    return command


def region_options(command: Callable) -> Callable:
    """``--mask [NAME=]PATH`` (repeatable), ``--labels PATH`` (what may move) and
    ``--max-pixels``."""
    return apply_options(command, [
        click.option("--mask", "masks", multiple=True, metavar="[NAME=]PATH",
                     help="PNG whose bright pixels may move (same size or aspect ratio as the "
                          "image); repeat for several fluids: the i-th mask takes the i-th "
                          "fluid of the prompt, or the one NAME says (--mask clouds=sky.png). "
                          "Read as binary: pixels at or above mid-grey (128) move, or above "
                          "Otsu's threshold when much of the mask is grey (with a warning)."),
        click.option("--soft-mask", is_flag=True,
                     help="Keep the mask's greys as weights (a soft mask) instead of reading "
                          "it as binary."),
        click.option("--labels", type=click.Path(path_type=Path), default=None,
                     help="PNG with one grey level per fluid region (0 = still), in "
                          "increasing order of level."),
        max_pixels_option(),
    ])


def steering_options(command: Callable) -> Callable:
    """``--direction``, ``--speed``, ``--hint`` and ``--turbulence``: steering the motion."""
    return apply_options(command, [
        click.option("--direction", type=float, default=None,
                     help="Direction in degrees counter-clockwise on screen: 0 right, 90 up, "
                          "180 left, 270 down (overrides the prompt's words)."),
        click.option("--speed", type=float, default=None,
                     help="Speed in pixels per frame (overrides the prompt's words)."),
        click.option("--hint", "hints", multiple=True, metavar="X,Y,DX,DY",
                     help="Arrow: at pixel (X, Y) move by (DX, DY) px/frame (y down); repeat "
                          "for more. Hints win over words."),
        click.option("--turbulence", type=float, default=1.0, show_default=True,
                     help="Multiply the turbulence of prompt-driven motion (0 = smooth)."),
    ])


def learned_model_options(command: Callable) -> Callable:
    """``--motion-model`` and ``--synthesis-model``: learned models instead of the defaults."""
    return apply_options(command, [
        click.option("--motion-model", type=click.Path(path_type=Path), default=None,
                     help="A learned motion model (cinemagraph train-motion) instead of the "
                          "weight-free motion from words and shapes."),
        click.option("--synthesis-model", type=click.Path(path_type=Path), default=None,
                     help="A learned frame-synthesis model (cinemagraph train-synthesis) "
                          "instead of RGB splatting."),
    ])


def loop_options(command: Callable) -> Callable:
    """Add the animation settings, outputs and ``--quiet`` to a command."""
    options = [
        click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
                     help="Output video; repeat for several. The extension picks the format: "
                          ".mp4 .webm .gif .webp .png (animated), or a folder ending in / for "
                          "PNG frames."),
        click.option("--quality", type=int, default=None, metavar="CRF",
                     help="mp4/webm quality as a CRF: lower is better and larger (default: "
                          "18 for mp4, of 0–51; 30 for webm, of 0–63)."),
        click.option("--output-width", type=int, default=None, metavar="PX",
                     help="Width of the written video in pixels, the aspect ratio kept "
                          "(e.g. 480 for sharing; default: the picture's width)."),
        click.option("--frames", type=int, default=60, show_default=True,
                     help="Frames in the loop."),
        click.option("--fps", type=float, default=30.0, show_default=True,
                     help="Playback frame rate."),
        click.option("--speed-scale", type=float, default=1.0, show_default=True,
                     help="Multiply the motion by this factor."),
        click.option("--max-speed", type=float, default=None,
                     help="Clamp |motion| to this many px/frame at 512 px width "
                          "(scaled with the width; the published method uses 1)."),
        click.option("--feather", type=float, default=2.0, show_default=True,
                     help="Soft edge around the mask, in pixels."),
        click.option("--importance", type=click.Choice(["uniform", "speed"]), default="uniform",
                     show_default=True, help="Softmax-splatting importance: equal, or faster "
                                             "fluid in front."),
        click.option("--blend", type=click.Choice(list(BLENDS)), default="contrast",
                     show_default=True,
                     help="Mixing of the forward and backward splat: keep the texture's "
                          "contrast mid-loop, or the plain (linear) mean, which fades it."),
        click.option("--sharpness", type=float, default=0.4, show_default=True,
                     help="Splat kernel from 0 (bilinear: softer, calmest) to 1 (Catmull-Rom: "
                          "keeps the most detail, fine texture shows more as it moves)."),
        click.option("--crossfade", type=float, default=2.0, show_default=True,
                     help="Power of the forward/backward crossfade, 1 to 8: 1 is linear, "
                          "higher spends fewer frames in the 50/50 mix (less ghosting)."),
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
                     show_default=True, help="Where to compute."),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Seed for everything random."),
        click.option("--overwrite", is_flag=True,
                     help="Write a frames folder even where it holds files cinemagraph did "
                          "not write (same-named files are replaced; nothing is deleted)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages."),
    ]
    return apply_options(command, options)


def settings_from(kwargs: dict) -> AnimateSettings:
    """Build :class:`AnimateSettings` from the parsed loop options (removing them)."""
    check_loop_settings(kwargs["frames"], kwargs["fps"], kwargs["speed_scale"])
    return AnimateSettings(
        frames=kwargs.pop("frames"),
        fps=kwargs.pop("fps"),
        speed=kwargs.pop("speed_scale"),
        max_speed=kwargs.pop("max_speed"),
        feather=kwargs.pop("feather"),
        importance=kwargs.pop("importance"),
        blend=kwargs.pop("blend"),
        sharpness=kwargs.pop("sharpness"),
        crossfade=kwargs.pop("crossfade"),
        device=kwargs.pop("device"),
        seed=kwargs.pop("seed"),
    )


def output_options_from(kwargs: dict) -> dict:
    """``quality`` and ``output_width`` of the loop options (removing them), for
    ``write_outputs`` / ``animate_image``."""
    return {"quality": kwargs.pop("quality"), "output_width": kwargs.pop("output_width")}


def report(paths, frames, quiet: bool, output_width: int | None = None) -> None:
    """Say what was written, one line per output; ``frames`` is the frames or their shape."""
    if quiet:
        return
    from ..io.video import output_size

    n, h, w = (frames.shape if hasattr(frames, "shape") else tuple(frames))[:3]
    h, w = output_size(h, w, output_width)
    for path in paths:
        click.echo(f"wrote {path} ({n} frames, {w}×{h})")
