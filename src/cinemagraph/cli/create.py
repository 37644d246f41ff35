"""``cinemagraph "prompt"`` (= ``cinemagraph create``): every stage, one resumable run folder."""

from __future__ import annotations

from pathlib import Path

import click

from ..limits import check_loop_memory, check_loop_settings
from .generate import parse_size, sampling_options, twin_options
from .options import learned_model_options, steering_options
from .pixels import max_pixels_option

FORMAT_CHOICES = ("mp4", "webm", "gif", "webp", "png", "frames")


@click.command("create")
@click.argument("prompt")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Run folder (default runs/<prompt-slug>-s<seed>/: the same command finds "
                   "the same folder and reuses what is done).")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMAT_CHOICES),
              help="Also write cinemagraph.<format> (frames: a folder of PNGs); repeat.")
@sampling_options
@twin_options
# stage 3
@click.option("--mask", "masks", multiple=True, metavar="[NAME=]PATH",
              help="Your own mask(s): they replace the mask from attention. Read as "
                   "binary: mid-grey (128) and brighter moves, or above Otsu's threshold "
                   "when much of the mask is grey (with a warning).")
@click.option("--soft-mask", is_flag=True,
              help="Keep your masks' greys as weights instead of reading them as binary.")
@click.option("--mask-method", type=click.Choice(["kmeans", "spectral"]), default="kmeans",
              show_default=True, help="How the self-attention is clustered.")
@click.option("--clusters", type=int, default=None,
              help="Number of clusters (default 10 for kmeans, 5 for spectral).")
@click.option("--mask-overlap", type=float, default=0.7, show_default=True,
              help="Keep a segment when this share of it lies in the word's region.")
@click.option("--mask-threshold", type=float, default=0.4, show_default=True,
              help="The word's normalised cross-attention above this is its region.")
@click.option("--erode", type=int, default=0, show_default=True,
              help="Shrink each mask by this many pixels.")
@max_pixels_option()
# stage 4
@steering_options
@learned_model_options
# stage 5
@click.option("--frames", type=int, default=60, show_default=True, help="Frames in the loop.")
@click.option("--fps", type=float, default=30.0, show_default=True, help="Playback rate.")
@click.option("--speed-scale", type=float, default=1.0, show_default=True,
              help="Multiply the motion by this factor.")
@click.option("--max-speed", type=float, default=None,
              help="Clamp |motion| to this many px/frame at 512 px width.")
@click.option("--feather", type=float, default=2.0, show_default=True,
              help="Soft edge around the mask, in pixels.")
@click.option("--quality", type=int, default=None, metavar="CRF",
              help="mp4/webm quality as a CRF: lower is better and larger (default: 18 for "
                   "mp4, of 0–51; 30 for webm, of 0–63).")
@click.option("--output-width", type=int, default=None, metavar="PX",
              help="Width of the written videos in pixels, the aspect ratio kept (default: "
                   "the image's width).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages.")
def create_command(prompt: str, output: Path | None, formats: tuple[str, ...], steps: int,
                   guidance: float, seed: int, size: str, negative_prompt: str, model: str,
                   device: str, twin_prompt: str | None, feature_injection: float,
                   attention_injection: float, twin_negative: bool, masks: tuple[str, ...],
                   soft_mask: bool,
                   mask_method: str, clusters: int | None, mask_overlap: float,
                   mask_threshold: float, erode: int, direction: float | None,
                   speed: float | None, hints: tuple[str, ...], turbulence: float,
                   motion_model: Path | None, synthesis_model: Path | None,
                   frames: int, fps: float, speed_scale: float, max_speed: float | None,
                   feather: float, quality: int | None, output_width: int | None,
                   quiet: bool) -> None:
    """Make a cinemagraph from PROMPT: generate → twin → mask → motion → animate.

    \b
    Writes image.png, twin.png, mask.png (+ one per fluid), motion.npy, motion.png,
    cinemagraph.mp4 (+ --format …) and run.json into the run folder. Run it again after
    an interruption, or with only later settings changed (speed, frames, format, mask),
    and the finished stages are reused.
    \b
    Example:
      cinemagraph "a waterfall between two hills, Van Gogh style, sunset" --format gif
    """
    from ..animate.settings import AnimateSettings
    from ..diffusion.generate import GenerationSettings
    from ..diffusion.models import quiet_libraries
    from ..diffusion.twin import TwinSettings
    from ..mask.settings import MaskSettings
    from ..motion.field import MotionSettings
    from ..motion.hints import parse_hint
    from .regions import named_mask

    with quiet_libraries():
        from ..pipeline import TextSettings, make_cinemagraph

    width, height = parse_size(size)
    check_loop_settings(frames, fps, speed_scale)
    check_loop_memory(frames, height, width, streamed_to=None if synthesis_model else
                      [f"cinemagraph.{f}" for f in ("mp4", *formats) if f != "frames"])
    animate_settings = AnimateSettings(frames=frames, fps=fps, speed=speed_scale,
                                       max_speed=max_speed, feather=feather, device=device,
                                       seed=seed)
    settings = TextSettings(
        model=model,
        device=device,
        generation=GenerationSettings(steps=steps, guidance=guidance, seed=seed, width=width,
                                      height=height, negative_prompt=negative_prompt),
        twin=TwinSettings(prompt=twin_prompt, feature_fraction=feature_injection,
                          attention_fraction=attention_injection,
                          artistic_negative=twin_negative),
        mask=MaskSettings(method=mask_method, clusters=clusters, overlap=mask_overlap,
                          text_threshold=mask_threshold, erode_px=erode, seed=seed),
        motion=MotionSettings(seed=seed, direction_deg=direction, speed=speed,
                              turbulence_scale=turbulence),
        animate=animate_settings,
        formats=("mp4", *formats),
        quality=quality,
        output_width=output_width,
        user_masks=tuple((name, str(path)) for name, path in map(named_mask, masks)),
        soft_mask=soft_mask,
        hints=tuple(parse_hint(text) for text in hints),
        motion_model=str(motion_model) if motion_model else None,
        synthesis_model=str(synthesis_model) if synthesis_model else None,
    )
    log = None if quiet else (lambda line: click.echo(line, err=True))
    result = make_cinemagraph(prompt, output, settings, progress=not quiet, log=log,
                              return_frames=False)
    if not quiet:
        total = sum(result.timings.values())
        click.echo(f"run folder: {result.folder} ({total:.1f} s of work"
                   + (f"; reused {', '.join(result.reused)})" if result.reused else ")"))
