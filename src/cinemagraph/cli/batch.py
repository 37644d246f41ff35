"""``cinemagraph batch``: many jobs, each into its own run folder, locally or on Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .create import FORMAT_CHOICES
from .generate import DEFAULT_MODEL, DEVICES

#: Shared settings with an option of their own: option name → job setting.
SHARED = {"formats": "formats", "seed": "seed", "frames": "frames", "fps": "fps",
          "speed_scale": "speed_scale", "steps": "steps", "size": "size",
          "quality": "quality", "output_width": "output_width", "max_size": "max_size"}


def _defaults(kwargs: dict[str, Any], settings: tuple[str, ...]) -> dict[str, Any]:
    """The batch's default job settings: the shared options given, then ``--set``."""
    from ..errors import CinemagraphError

    defaults = {SHARED[name]: value for name, value in kwargs.items()
                if name in SHARED and value not in (None, ())}
    if "formats" in defaults:  # as the one-shot command: the mp4, and these too
        defaults["formats"] = list(dict.fromkeys(("mp4", *defaults["formats"])))
    for text in settings:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise CinemagraphError(f"--set takes NAME=VALUE, got {text!r}")
        defaults[name.strip()] = value
    return defaults


class _JobsBar:
    """A progress bar over the jobs, showing the current job's stage."""

    def __init__(self, total: int, quiet: bool) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, desc="batch", unit="job", disable=quiet or not total,
                        leave=False, dynamic_ncols=True)
        self.errors: set[str] = set()

    def stage(self, name: str, line: str) -> None:
        self.bar.set_postfix_str(f"{name}: {line}"[:70], refresh=True)

    def record(self, record: dict[str, Any]) -> None:
        if record.get("status") in ("ok", "failed"):
            self.bar.update(1)
            error = record.get("error", "")
            if record["status"] == "failed" and not self.bar.disable \
                    and error not in self.errors:  # the summary names every job again
                self.errors.add(error)
                self.bar.write(f"failed: {record['job']}: {error}")

    def close(self) -> None:
        self.bar.close()


@click.command("batch")
@click.argument("jobs", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Batch folder: one run folder per job, and manifest.jsonl.")
@click.option("--workers", type=click.IntRange(1, 1024), default=1, show_default=True,
              help="Jobs at once: worker processes here (each loads the model once and "
                   "takes its share of the cores), or Ray actors with --ray.")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None,
              metavar="[ADDRESS]",
              help="Run on Ray (pip install 'cinemagraph[ray]'): alone, a Ray on this "
                   "machine; or auto / ray://HOST:10001 for a cluster, whose nodes must all "
                   "see the batch folder (shared storage).")
@click.option("--retry-failed", is_flag=True,
              help="Give the jobs that fail a second try at the end of the batch.")
@click.option("--only-failed", is_flag=True,
              help="Run only the jobs that failed in the last run (manifest.jsonl).")
@click.option("--dry-run", is_flag=True,
              help="Check every job and print the plan: what runs, what is done, what is "
                   "invalid; run nothing.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True,
              help="Stable Diffusion 1.x for text jobs and for photo jobs without masks: "
                   "Hugging Face id (from the cache) or local folder.")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="Where each worker computes (auto: a GPU when there is one).")
@click.option("--motion-model", type=click.Path(path_type=Path), default=None,
              help="A learned motion model for every job.")
@click.option("--synthesis-model", type=click.Path(path_type=Path), default=None,
              help="A learned frame-synthesis model for every job.")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMAT_CHOICES),
              help="Also write cinemagraph.<format> for every job that does not list its "
                   "own formats (repeat; the mp4 is always written).")
@click.option("--seed", type=int, default=None, help="Default seed (0).")
@click.option("--frames", type=int, default=None, help="Default frames in the loop (60).")
@click.option("--fps", type=float, default=None, help="Default frame rate (30).")
@click.option("--speed-scale", type=float, default=None, help="Default speed factor (1).")
@click.option("--steps", type=int, default=None, help="Default DDIM steps of text jobs (50).")
@click.option("--size", default=None, help="Default size of text jobs, N or WxH (512).")
@click.option("--quality", type=int, default=None, metavar="CRF",
              help="Default mp4/webm quality as a CRF.")
@click.option("--output-width", type=int, default=None, metavar="PX",
              help="Default width of the written videos.")
@click.option("--max-size", type=int, default=None, metavar="PX",
              help="Default longest side of photos (shrunk to it).")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Any other job setting for every job (a job's own value wins), e.g. "
                   "--set turbulence=0.5; repeat.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; only the summary.")
@click.pass_context
def batch_command(ctx: click.Context, jobs: Path, out_dir: Path, workers: int,
                  ray_address: str | None, retry_failed: bool, only_failed: bool,
                  dry_run: bool, model: str, device: str, motion_model: Path | None,
                  synthesis_model: Path | None, settings: tuple[str, ...], quiet: bool,
                  **shared: Any) -> None:
    """Make a cinemagraph of every job in JOBS, each into its own run folder in OUT_DIR.

    \b
    JOBS is one of:
      prompts.txt    one prompt per line (# comments and blank lines skipped)
      jobs.jsonl     one JSON object of settings per line (prompt, image, masks,
      jobs.csv       direction, speed, hints, seed, frames, formats, name …); or a CSV
                     file with the settings' names in its header; paths are relative
                     to the file
      photos/        a folder of NAME.jpg|png|webp, each with NAME.mask.png (or
                     NAME.mask-<fluid>.png, several) and its prompt in NAME.txt
    \b
    Every job is checked before any model loads. Each worker loads the model once.
    manifest.jsonl gets a line per job as it finishes. Running the same command again
    skips the finished jobs and runs the rest. Exit code 0 when every job has its
    outputs, 2 when any failed (the summary names them).
    \b
    Examples:
      cinemagraph batch prompts.txt -o out/ --format gif
      cinemagraph batch photos/ -o out/ --workers 2
      cinemagraph batch jobs.jsonl -o /shared/out --ray auto --device cuda
    """
    from ..batch.on_ray import check_address, import_ray
    from ..batch.plan import plan_batch
    from ..batch.run import run_batch
    from ..batch.settings import BatchOptions
    from ..errors import CinemagraphError
    from ..io.images import check_input_file

    if only_failed and retry_failed:
        raise CinemagraphError("choose one of --only-failed and --retry-failed")
    if not jobs.is_dir():
        check_input_file(jobs, "jobs file")
    executor, address = "local", None
    if ray_address is not None:
        executor = "ray"
        address = None if ray_address == "local" else ray_address
        if address is not None and Path(address).exists():
            raise CinemagraphError(f"--ray took {address!r} as its address: put JOBS before "
                                   "--ray, or give the address (--ray auto)")
        check_address(address)
        import_ray()
    options = BatchOptions(model=model, device=device,
                           motion_model=str(motion_model) if motion_model else None,
                           synthesis_model=str(synthesis_model) if synthesis_model else None)
    plan = plan_batch(jobs, out_dir, options=options, defaults=_defaults(shared, settings),
                      only_failed=only_failed, check_weights=executor == "local")
    if dry_run:
        for line in plan.describe():
            click.echo(line)
        click.echo(f"plan: {len(plan.todo)} to run, {len(plan.done)} done, "
                   f"{len(plan.invalid)} invalid"
                   + (f", {len(plan.left)} left alone" if plan.left else ""))
        ctx.exit(2 if plan.invalid else 0)
    bar = _JobsBar(len(plan.todo), quiet)
    try:
        summary = run_batch(plan.jobs, out_dir, executor=executor, workers=workers,
                            address=address, options=options, retry_failed=retry_failed,
                            on_record=bar.record, on_stage=bar.stage, plan=plan)
    finally:
        bar.close()
    for line in summary.lines():
        click.echo(line)
    ctx.exit(summary.exit_code)
