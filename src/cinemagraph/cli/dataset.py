"""``cinemagraph dataset``: a folder of clips → a training dataset folder (resumable)."""

from __future__ import annotations

from pathlib import Path

import click

from ..dataset.estimators import FLOW_ESTIMATORS
from .pixels import max_pixels_option


@click.command("dataset")
@click.argument("videos_dir", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Dataset folder to write; an existing one is resumed (finished clips are "
                   "skipped).")
@click.option("--max-size", type=int, default=512, show_default=True,
              help="Longer side of the stored frames and motion, in pixels.")
@click.option("--max-frames", type=int, default=60, show_default=True,
              help="Frames read from the start of each clip (0 = all).")
@click.option("--flow", type=click.Choice(FLOW_ESTIMATORS), default="dis-medium",
              show_default=True, help="Optical flow estimator (OpenCV DIS; no weights).")
@click.option("--frames-format", type=click.Choice(["mp4", "png"]), default="mp4",
              show_default=True, help="How each clip's frames are kept: an H.264 video, or "
                                      "PNG files (larger, faster for training).")
@click.option("--caption-model", default=None, metavar="MODEL",
              help="Hugging Face image-to-text model (Hub id in the cache, or folder) that "
                   "captions clips without a sidecar .txt; default: the file name.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True, help="Where the captioning model runs.")
@max_pixels_option()
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def dataset_command(videos_dir: Path, output: Path, max_size: int, max_frames: int, flow: str,
                    frames_format: str, caption_model: str | None, device: str,
                    quiet: bool) -> None:
    """Build a training dataset from the clips in VIDEOS_DIR.

    Each video (.mp4 .webm .mov …) or folder of frames becomes its first frame, its
    Eulerian motion (average optical flow between neighbouring frames), its motion mask,
    a caption (sidecar .txt, captioning model, or file name) and its frames. A clip with
    a frame over --max-pixels is skipped with a warning.

    \b
    Examples:
      cinemagraph dataset ~/footage -o data/
      cinemagraph dataset ~/footage -o data/ --max-size 768 --frames-format png
    """
    from ..dataset.build import DatasetSettings, build_dataset
    from ..dataset.captions import load_captioner

    settings = DatasetSettings(max_size=max_size, max_frames=max_frames, flow=flow,
                               frames_format=frames_format)
    captioner = load_captioner(caption_model, device) if caption_model else None
    report = build_dataset(videos_dir, output, settings, captioner=captioner,
                           progress=not quiet)
    if quiet:
        return
    parts = [f"built {len(report.built)} clip(s)"]
    if report.done:
        parts.append(f"{len(report.done)} already done")
    if report.skipped:
        parts.append(f"{len(report.skipped)} skipped (unreadable or without motion)")
    total = len(report.built) + len(report.done)
    click.echo(f"{', '.join(parts)}; {output} holds {total} of the {report.total} clips found")
