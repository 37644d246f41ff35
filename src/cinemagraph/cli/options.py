"""Options shared by the commands that render a loop."""

from __future__ import annotations

from collections.abc import Callable

import click

from ..animate import AnimateSettings


def loop_options(command: Callable) -> Callable:
    """Add the animation settings, outputs and ``--quiet`` to a command."""
    options = [
        click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
                     help="Output video; repeat for several. The extension picks the format: "
                          ".mp4 .webm .gif .png (animated), or a folder ending in / for "
                          "PNG frames."),
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
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
                     show_default=True, help="Where to compute."),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Seed for everything random."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_from(kwargs: dict) -> AnimateSettings:
    """Build :class:`AnimateSettings` from the parsed loop options (removing them)."""
    return AnimateSettings(
        frames=kwargs.pop("frames"),
        fps=kwargs.pop("fps"),
        speed=kwargs.pop("speed_scale"),
        max_speed=kwargs.pop("max_speed"),
        feather=kwargs.pop("feather"),
        importance=kwargs.pop("importance"),
        device=kwargs.pop("device"),
        seed=kwargs.pop("seed"),
    )


def report(paths, frames, quiet: bool) -> None:
    """Say what was written, one line per output."""
    if quiet:
        return
    n, h, w = frames.shape[:3]
    for path in paths:
        click.echo(f"wrote {path} ({n} frames, {w}×{h})")
