"""``cinemagraph animate``: a still image + mask + motion → a looping video."""

from __future__ import annotations

from pathlib import Path

import click

from ..api import animate_image
from .options import loop_options, report, settings_from


@click.command("animate")
@click.argument("image", type=click.Path(path_type=Path))
@click.option("--mask", "mask", type=click.Path(path_type=Path), required=True,
              help="PNG whose bright pixels may move (same size or aspect ratio as IMAGE).")
@click.option("--motion", "field", type=click.Path(path_type=Path), default=None,
              help="Motion field .npy: float H×W×2, pixels per frame (dx right, dy down).")
@click.option("--direction", type=float, default=None,
              help="Direction in degrees counter-clockwise on screen: 0 right, 90 up, "
                   "180 left, 270 down.")
@click.option("--speed", type=float, default=None, help="Speed in pixels per frame.")
@loop_options
def animate_command(image: Path, mask: Path, field: Path | None, direction: float | None,
                    speed: float | None, **kwargs) -> None:
    """Animate IMAGE: the masked part moves with the given motion, the rest stays still.

    \b
    Examples:
      cinemagraph animate falls.jpg --mask water.png --direction 270 --speed 2 -o falls.mp4
      cinemagraph animate sky.png --mask clouds.png --motion field.npy -o a.gif -o a.webm
    """
    quiet = kwargs.pop("quiet")
    outputs = list(kwargs.pop("outputs")) or [f"{image.stem}-cinemagraph.mp4"]
    settings = settings_from(kwargs)
    frames = animate_image(image, mask, field, direction=direction, speed=speed,
                           settings=settings, outputs=outputs, progress=not quiet)
    report(outputs, frames, quiet)
