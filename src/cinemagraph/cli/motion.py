"""``cinemagraph motion``: words, masks and hints → a motion field (.npy) and its picture."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import CinemagraphError
from .options import region_options, steering_options


@click.command("motion")
@click.argument("image", type=click.Path(path_type=Path))
@region_options
@click.option("--prompt", default="", help='What moves and how, e.g. "clouds drifting right '
                                          'over a waterfall".')
@click.option("--speed-scale", type=float, default=1.0, show_default=True,
              help="Multiply the speeds the words give.")
@steering_options
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the turbulence.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Motion field to write (.npy, float32 H×W×2, pixels per frame).")
@click.option("--preview", type=click.Path(path_type=Path), default=None,
              help="Also write a colour-wheel picture of the field (.png).")
@click.option("-q", "--quiet", is_flag=True, help="No messages.")
def motion_command(image: Path, masks: tuple[str, ...], labels: Path | None, prompt: str,
                   direction: float | None, speed: float | None, speed_scale: float,
                   turbulence: float, hints: tuple[str, ...], seed: int, output: Path,
                   preview: Path | None, quiet: bool) -> None:
    """Build the motion field of IMAGE's fluids from a prompt, their masks and hints.

    \b
    Examples:
      cinemagraph motion falls.jpg --mask water.png --prompt waterfall -o field.npy
      cinemagraph motion lake.jpg --mask sky.png --mask lake.png \\
          --prompt "clouds drifting left over a calm lake" -o f.npy --preview f.png
      cinemagraph motion river.jpg --mask river.png --hint 120,300,-2,1 -o f.npy
    """
    import numpy as np

    from ..io.images import load_image, save_field, warn_if_empty
    from ..motion.field import MotionSettings, scene_fluids, scene_motion_field
    from ..motion.hints import parse_hint
    from ..motion.visualize import save_field_preview
    from .regions import load_regions

    if output.suffix.lower() != ".npy":
        raise CinemagraphError(f"the motion field is written as .npy, not {output.name}")
    if preview is not None and preview.suffix.lower() != ".png":
        raise CinemagraphError(f"the preview is written as .png, not {preview.name}")
    settings = MotionSettings(seed=seed, direction_deg=direction, speed=speed,
                              speed_scale=speed_scale, turbulence_scale=turbulence)
    arrows = [parse_hint(text) for text in hints]

    picture = load_image(image)
    shape = picture.shape[:2]
    regions = load_regions(masks, labels, shape)
    union = np.maximum.reduce([mask for _, mask in regions])
    warn_if_empty(union)

    field = scene_motion_field(picture, regions, prompt, arrows, settings)
    save_field(output, field)
    if preview is not None:
        save_field_preview(preview, field, union)
    if quiet:
        return
    for index, spec in enumerate(scene_fluids([name for name, _ in regions], prompt)):
        click.echo(f"region {index + 1}: {spec.describe()}")
    if direction is not None or speed is not None:
        parts = ([f"direction {direction:g}°"] if direction is not None else []) + (
            [f"speed {speed:g} px/frame"] if speed is not None else [])
        click.echo(f"overridden by the options: {', '.join(parts)}")
    moving = np.hypot(field[..., 0], field[..., 1])[union > 0]
    mean = float(moving.mean()) if moving.size else 0.0
    peak = float(moving.max()) if moving.size else 0.0
    click.echo(f"wrote {output} ({shape[1]}×{shape[0]}, mean speed {mean:.2f} px/frame, "
               f"max {peak:.2f})")
    if preview is not None:
        click.echo(f"wrote {preview}")
