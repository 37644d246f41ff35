"""What a batch will do, decided before any model loads: every job read and checked, each
one's run folder named, and each job sorted into done (finished by an earlier run),
to run, invalid (it cannot run as given) or left alone (``only_failed``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CinemagraphError
from .jobs import Job, read_jobs
from .manifest import MANIFEST, Manifest
from .settings import BatchOptions, check_job, is_complete

JobsSource = str | os.PathLike[str] | Iterable[Mapping[str, Any]]


@dataclass
class BatchPlan:
    """The jobs of a batch sorted by what happens to them (each list in job order)."""

    out_dir: Path
    jobs: list[Job]
    done: list[Job] = field(default_factory=list)
    todo: list[Job] = field(default_factory=list)
    invalid: list[Job] = field(default_factory=list)
    left: list[Job] = field(default_factory=list)

    def describe(self) -> list[str]:
        """One line per job for ``--dry-run``: what will happen to it and why."""
        what = {id(job): "run" for job in self.todo}
        what.update({id(job): "done" for job in self.done})
        what.update({id(job): "left" for job in self.left})  # with only_failed
        lines = []
        for job in self.jobs:
            if job.error is not None:
                lines.append(f"invalid  {job.source}: {job.error}")
            else:
                lines.append(f"{what[id(job)]:<8} {job.name} ({job.source}, {job.kind})")
        return lines


def check_out_dir(out_dir: Path) -> None:
    """The batch's folder is a folder (or can become one) that we may write in."""
    from ..io.atomic import check_writable

    if out_dir.exists() and not out_dir.is_dir():
        raise CinemagraphError(f"output folder {out_dir} is a file, not a folder")
    check_writable(out_dir / MANIFEST)


def _mark_shared_folders(jobs: list[Job]) -> None:
    """A job whose run folder another job already uses cannot run (it would overwrite
    that job's files): it gets an error naming the other job."""
    first: dict[str, Job] = {}
    for job in jobs:
        if job.error is not None:
            continue
        other = first.setdefault(job.name, job)
        if other is not job:
            job.error = (f"its run folder {job.name!r} is also that of {other.source}: give "
                         "one of them a \"name\" (or another seed)")


def _mark_missing_weights(jobs: list[Job], model: str) -> None:
    """Jobs that need the diffusion model (text jobs, photo jobs without masks) cannot run
    when its weights are not here: each gets the one line that says how to get them."""
    needy = [job for job in jobs if job.error is None and job.needs_model]
    if not needy:
        return
    from ..diffusion.models import weights_problem

    problem = weights_problem(model)
    for job in needy if problem is not None else ():
        job.error = problem


def plan_batch(jobs: JobsSource | list[Job], out_dir: str | os.PathLike[str], *,
               options: BatchOptions | None = None,
               defaults: Mapping[str, Any] | None = None,
               only_failed: bool = False, check_weights: bool = True) -> BatchPlan:
    """Read and check every job of ``jobs`` (see :func:`~.jobs.read_jobs`) against the
    batch folder ``out_dir``, without loading a model.

    A job is *done* when its run folder holds its finished run under the same settings
    and input files (the files it wrote unchanged); any other valid job is to run, but
    with ``only_failed`` only the jobs that the manifest's last line records as failed
    or invalid run, and the rest are left alone. ``check_weights``: a job that needs the
    diffusion model is invalid when its weights are not here (off for a cluster, whose
    nodes have caches of their own).
    """
    options = options or BatchOptions()
    out = Path(out_dir)
    check_out_dir(out)
    if not (isinstance(jobs, list) and all(isinstance(job, Job) for job in jobs)):
        jobs = read_jobs(jobs, defaults)
    for job in jobs:
        check_job(job, options)
    _mark_shared_folders(jobs)
    if check_weights:
        _mark_missing_weights(jobs, options.model)
    failed = {name for name, record in Manifest(out).latest().items()
              if record.get("status") in ("failed", "invalid")}
    plan = BatchPlan(out, jobs)
    for job in jobs:
        if job.error is not None:
            plan.invalid.append(job)
        elif is_complete(job, out):
            plan.done.append(job)
        elif only_failed and job.name not in failed:
            plan.left.append(job)
        else:
            plan.todo.append(job)
    return plan
