"""``cinemagraph demo``: a landscape painted in code, animated — no files or weights needed."""

from __future__ import annotations

import click

from ..errors import CinemagraphError
from ..limits import MAX_DEMO_SIDE, check_loop_memory
from .options import loop_options, output_options_from, report, settings_from


@click.command("demo")
@click.option("--width", type=int, default=512, show_default=True,
              help=f"Width in pixels (at most {MAX_DEMO_SIDE}).")
@click.option("--height", type=int, default=384, show_default=True,
              help=f"Height in pixels (at most {MAX_DEMO_SIDE}).")
@loop_options
def demo_command(width: int, height: int, **kwargs) -> None:
    """Paint a sample scene in code (sky, hills, a waterfall into a pool) and animate it.

    \b
    Example:
      cinemagraph demo -o demo.mp4 -o demo.gif
    """
    from ..io.video import check_outputs, write_outputs

    quiet = kwargs.pop("quiet")
    outputs = list(kwargs.pop("outputs")) or ["demo.mp4"]
    overwrite = kwargs.pop("overwrite")
    written = output_options_from(kwargs)
    settings = settings_from(kwargs)
    for name, side in (("width", width), ("height", height)):
        if side > MAX_DEMO_SIDE:
            raise CinemagraphError(
                f"--{name} {side} is more than the demo paints (at most {MAX_DEMO_SIDE} px)")
    check_loop_memory(settings.frames, height, width)
    check_outputs(outputs, overwrite=overwrite)
    from ..demo.render import render_demo  # the engine loads once the options are known good

    frames = render_demo(width, height, settings, progress=not quiet)
    write_outputs(outputs, frames, settings.fps, progress=not quiet, overwrite=overwrite,
                  quality=written["quality"], width=written["output_width"])
    report(outputs, frames, quiet, written["output_width"])
