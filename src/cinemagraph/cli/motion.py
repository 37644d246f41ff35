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
@click.option("--motion-model", type=click.Path(path_type=Path), default=None,
              help="A learned motion model (cinemagraph train-motion) instead of the "
                   "weight-free motion from words and shapes.")
@click.option("--model", default=None,
              help="With --motion-model: the Stable Diffusion 1.x model whose text encoder "
                   "reads the prompt (default: the one the motion model was trained with).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True, help="Where a learned motion model runs.")
@click.option("-q", "--quiet", is_flag=True, help="No messages.")
def motion_command(image: Path, masks: tuple[str, ...], soft_mask: bool, labels: Path | None,
                   prompt: str,
                   direction: float | None, speed: float | None, speed_scale: float,
                   turbulence: float, hints: tuple[str, ...], seed: int, output: Path,
                   preview: Path | None, motion_model: Path | None, model: str | None,
                   device: str, quiet: bool) -> None:
    """Build the motion field of IMAGE's fluids from a prompt, their masks and hints.

    \b
    Examples:
      cinemagraph motion falls.jpg --mask water.png --prompt waterfall -o field.npy
      cinemagraph motion lake.jpg --mask sky.png --mask lake.png \\
          --prompt "clouds drifting left over a calm lake" -o f.npy --preview f.png
      cinemagraph motion river.jpg --mask river.png --hint 120,300,-2,1 -o f.npy
      cinemagraph motion river.jpg --mask river.png --prompt river \\
          --motion-model motion.ckpt -o f.npy --preview f.png
    """
    import numpy as np

    from ..io.images import load_image, save_field, warn_if_empty
    from ..io.paths import check_output_files
    from ..motion.field import MotionSettings, scene_motion_field
    from ..motion.hints import parse_hint
    from ..motion.visualize import save_field_preview
    from .regions import describe_motion, load_regions, named_mask

    if output.suffix.lower() != ".npy":
        raise CinemagraphError(f"the motion field is written as .npy, not {output.name}")
    if preview is not None and preview.suffix.lower() != ".png":
        raise CinemagraphError(f"the preview is written as .png, not {preview.name}")
    settings = MotionSettings(seed=seed, direction_deg=direction, speed=speed,
                              speed_scale=speed_scale, turbulence_scale=turbulence)
    arrows = [parse_hint(text) for text in hints]
    if motion_model is None and model is not None:
        raise CinemagraphError("--model only chooses the text encoder of a --motion-model")
    if motion_model is not None and (direction is not None or speed is not None):
        raise CinemagraphError("a learned motion model takes no --direction/--speed: steer it "
                               "with --prompt and --hint")
    inputs = [image, *(named_mask(text)[1] for text in masks), labels, motion_model]
    check_output_files([output, preview], inputs)

    picture = load_image(image)
    shape = picture.shape[:2]
    regions = load_regions(masks, labels, shape, soft=soft_mask)
    union = np.maximum.reduce([mask for _, mask in regions])
    warn_if_empty(union)

    if motion_model is not None:
        from ..learned import load_motion_model
        from ..learned.text import TextEncoder

        learned = load_motion_model(motion_model, device)
        if model is not None:
            learned.attach_text_encoder(TextEncoder.load(model, learned.device))
        field = learned.predict(picture, union, prompt, arrows)
        if speed_scale != 1.0:
            from ..contract import check_field

            field = check_field(field * np.float32(speed_scale), shape,
                                name="the scaled motion field")
    else:
        field = scene_motion_field(picture, regions, prompt, arrows, settings)
    save_field(output, field)
    if preview is not None:
        save_field_preview(preview, field, union)
    if quiet:
        return
    if motion_model is not None:
        click.echo(f"motion from the learned model {motion_model}")
    else:
        for line in describe_motion([name for name, _ in regions], prompt, direction, speed):
            click.echo(line)
    moving = np.hypot(field[..., 0], field[..., 1])[union > 0]
    mean = float(moving.mean()) if moving.size else 0.0
    peak = float(moving.max()) if moving.size else 0.0
    click.echo(f"wrote {output} ({shape[1]}×{shape[0]}, mean speed {mean:.2f} px/frame, "
               f"max {peak:.2f})")
    if preview is not None:
        click.echo(f"wrote {preview}")
