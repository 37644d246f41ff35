"""``cinemagraph animate``: a still image + what may move + how → a looping video."""

from __future__ import annotations

from pathlib import Path

import click

from .options import (
    learned_model_options,
    loop_options,
    output_options_from,
    region_options,
    report,
    settings_from,
    steering_options,
)


@click.command("animate")
@click.argument("image", type=click.Path(path_type=Path))
@region_options
@click.option("--motion", "field", type=click.Path(path_type=Path), default=None,
              help="Motion field .npy: float H×W×2, pixels per frame (dx right, dy down).")
@click.option("--prompt", default=None,
              help='What moves and how, e.g. "waterfall" or "clouds drifting right over a '
                   'calm lake": the motion follows the words and each region\'s shape.')
@steering_options
@click.option("--model", default="CompVis/stable-diffusion-v1-4", show_default=True,
              help="Without --mask: the Stable Diffusion 1.x model that finds the prompt's "
                   "fluids in IMAGE (Hugging Face id from the cache, or a local folder).")
@click.option("--inversion-steps", type=int, default=50, show_default=True,
              help="Without --mask: DDIM inversion steps.")
@learned_model_options
@click.option("--save-mask", type=click.Path(path_type=Path), default=None,
              help="Also write the mask that was used (PNG).")
@click.option("--max-size", type=int, default=None, metavar="PX",
              help="Shrink IMAGE (and its masks) so that its longer side is at most PX "
                   "pixels, e.g. 2048 for a phone photo (default: full size; above 4 MP a "
                   "warning gives the expected time and memory).")
@loop_options
def animate_command(image: Path, masks: tuple[str, ...], soft_mask: bool, labels: Path | None,
                    field: Path | None, prompt: str | None, hints: tuple[str, ...],
                    direction: float | None, speed: float | None, turbulence: float,
                    model: str, inversion_steps: int, motion_model: Path | None,
                    synthesis_model: Path | None, save_mask: Path | None,
                    max_size: int | None, **kwargs) -> None:
    """Animate IMAGE: the masked parts move, everything else stays exactly still.

    \b
    Motion is one of: --prompt (words, shaped by each mask), --direction with --speed
    (the same everywhere), or --motion (a field you made). With --prompt and no --mask,
    the diffusion model finds the fluids the prompt names (needs model weights).
    Masks are read as binary: mid-grey (128 of 255) and brighter moves, or what is above
    Otsu's threshold when much of a mask is grey (a warning says so; --soft-mask keeps
    the greys). Without -o the loop is written to IMAGE-cinemagraph.mp4 (the image's
    name, in the current folder).
    \b
    Examples:
      cinemagraph animate falls.jpg --mask water.png --prompt waterfall -o falls.mp4
      cinemagraph animate lake.jpg --mask sky.png --mask lake.png \\
          --prompt "clouds drifting left over a calm lake" -o lake.gif
      cinemagraph animate sky.png --mask clouds.png --direction 0 --speed 0.5 -o sky.webm
      cinemagraph animate sky.png --mask clouds.png --motion field.npy -o a.gif -o frames/
      cinemagraph animate river.jpg --prompt "river flowing left" -o river.mp4
    """
    import numpy as np

    from ..io.images import load_image, save_image
    from ..io.size import check_max_size, fit_max_size, warn_if_large
    from ..io.video import check_outputs
    from ..limits import check_loop_memory
    from ..motion.hints import parse_hint
    from .regions import describe_motion, load_regions, named_mask

    quiet = kwargs.pop("quiet")
    overwrite = kwargs.pop("overwrite")
    outputs = list(kwargs.pop("outputs")) or [f"{image.stem}-cinemagraph.mp4"]
    written = output_options_from(kwargs)
    check_max_size(max_size)
    settings = settings_from(kwargs)
    arrows = [parse_hint(text) for text in hints]
    inputs = [image, *(named_mask(text)[1] for text in masks), labels, field, motion_model,
              synthesis_model]
    check_outputs([*outputs, *([save_mask] if save_mask else [])], inputs, overwrite=overwrite)
    still = fit_max_size(load_image(image), max_size)
    warn_if_large(still.shape[:2], settings.frames)
    check_loop_memory(settings.frames, *still.shape[:2],
                      streamed_to=None if synthesis_model else outputs)
    given = masks or labels is not None or not prompt or motion_model is not None
    regions = load_regions(masks, labels, still.shape[:2], soft_mask) if given else None
    if regions is None:
        from ..mask.segmenter import named_fluids
        from ..motion.words import parse_motion

        named_fluids(parse_motion(prompt or ""))  # the fluids to look for, before any work
    # The stages load (torch, numba) once the inputs are known to be good.
    from ..api import animate_image, find_regions, load_learned_models
    from ..mask.settings import MaskSettings
    from ..motion.field import MotionSettings

    motion_settings = MotionSettings(seed=settings.seed, turbulence_scale=turbulence)
    mask_settings = MaskSettings(seed=settings.seed)
    motion_net, synthesis_net = load_learned_models(motion_model, synthesis_model,
                                                    settings.device)
    if regions is None:
        from ..diffusion.models import quiet_libraries

        with quiet_libraries():
            regions = find_regions(still, None, prompt, model=model, device=settings.device,
                                   inversion_steps=inversion_steps, mask_settings=mask_settings,
                                   progress=not quiet)
    if not quiet and field is None and motion_net is None:
        for line in describe_motion([name for name, _ in regions], prompt, direction, speed):
            click.echo(line)
    if save_mask is not None:
        save_image(save_mask, np.maximum.reduce([m for _, m in regions]))
    frames = animate_image(still, regions, field, prompt=prompt, hints=arrows,
                           direction=direction, speed=speed, settings=settings,
                           motion_settings=motion_settings, outputs=outputs,
                           progress=not quiet, motion_model=motion_net,
                           synthesis_model=synthesis_net, overwrite=overwrite,
                           soft_mask=soft_mask, return_frames=False, **written)
    shape = frames.shape if frames is not None else (settings.frames, *still.shape[:2])
    report(outputs, shape, quiet, written["output_width"])
