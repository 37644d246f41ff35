"""Running a batch: plan it, run the jobs to run on the chosen executor, write a manifest
line per job as it finishes, and sum up."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CinemagraphError
from .jobs import Job
from .local import StageCallback, run_in_process, run_in_workers
from .manifest import MANIFEST, Manifest
from .plan import BatchPlan, JobsSource, plan_batch
from .settings import BatchOptions

EXECUTORS = ("local", "ray")
RecordCallback = Callable[[dict[str, Any]], None]


@dataclass
class BatchSummary:
    """What one batch run did: its plan and the manifest record of each job it ran,
    skipped or found invalid (in the order they finished)."""

    plan: BatchPlan
    records: list[dict[str, Any]]

    def named(self, *statuses: str) -> list[dict[str, Any]]:
        return [record for record in self.records if record.get("status") in statuses]

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Jobs that failed or could not run as given."""
        return self.named("failed", "invalid")

    @property
    def exit_code(self) -> int:
        """0 when every job has its outputs, 2 when any failed."""
        return 2 if self.failed else 0

    def lines(self) -> list[str]:
        """The summary for people: the counts, then one line per failed job."""
        counts = {status: len(self.named(status))
                  for status in ("ok", "skipped", "failed", "invalid")}
        parts = [f"{counts['ok']} made", f"{counts['skipped']} already done"]
        parts += [f"{counts[s]} {s}" for s in ("failed", "invalid") if counts[s]]
        if self.plan.left:
            parts.append(f"{len(self.plan.left)} left alone")
        warned = sum(bool(record.get("warnings")) for record in self.named("ok"))
        if warned:
            parts.append(f"{warned} made with warnings (in {MANIFEST})")
        count = len(self.plan.jobs)
        lines = [f"batch: {count} job{'' if count == 1 else 's'} — {', '.join(parts)}"]
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for record in self.failed:
            groups.setdefault((record["status"], record.get("error", "")), []).append(record)
        for (status, error), records in groups.items():
            names = [record["source"] if record["job"] == record["source"]
                     else f"{record['job']} ({record['source']})" for record in records]
            if len(names) > 1:
                shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more"
                                                 if len(names) > 3 else "")
                names = [f"{len(names)} jobs — {shown}"]
            lines.append(f"{status}: {names[0]}: {error}")
        return lines


def _skipped(job: Job, out_dir: Path) -> dict[str, Any]:
    from ..pipeline.runfolder import RunFolder

    files = RunFolder(out_dir / job.name).stage_entry("job").get("files", {})
    outputs = [f"{job.name}/{name}" for name in files] if isinstance(files, dict) else []
    return job.record("skipped", outputs=outputs, seconds=0.0)


def _executor(executor: str, workers: int, address: str | None,
              ) -> Callable[..., Iterator[dict[str, Any]]]:
    if executor == "ray":
        from .on_ray import run_on_ray

        return lambda jobs, out, options, on_stage: run_on_ray(
            jobs, out, options, workers=workers, address=address)
    if workers > 1:
        return lambda jobs, out, options, on_stage: run_in_workers(
            jobs, out, options, workers, on_stage)
    return lambda jobs, out, options, on_stage: run_in_process(jobs, out, options, on_stage)


def check_run_settings(executor: str, workers: int) -> None:
    if executor not in EXECUTORS:
        raise CinemagraphError(f"unknown executor {executor!r}: choose from "
                               f"{', '.join(EXECUTORS)}")
    if not 1 <= workers <= 1024:
        raise CinemagraphError(f"workers must be between 1 and 1024, got {workers}")


def run_batch(
    jobs: JobsSource | list[Job],
    out_dir: str | os.PathLike[str],
    *,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    defaults: Mapping[str, Any] | None = None,
    options: BatchOptions | None = None,
    only_failed: bool = False,
    retry_failed: bool = False,
    on_record: RecordCallback | None = None,
    on_stage: StageCallback | None = None,
    plan: BatchPlan | None = None,
) -> BatchSummary:
    """Make every job of ``jobs`` into its own run folder under ``out_dir``.

    ``jobs``: a prompts ``.txt`` file, a ``.jsonl``/``.csv`` file of settings, a folder of
    photos, or rows of settings (see :func:`~.jobs.read_jobs`); ``defaults``: settings
    for every job that does not give its own. ``executor``: ``"local"`` (this process, or
    ``workers`` processes) or ``"ray"`` (Ray Data with ``workers`` actors; ``address``:
    ``None`` starts a local Ray, else ``"auto"`` or ``"ray://host:10001"``). Each worker
    loads the model once, and only if a job needs it.

    Every job is checked before any model loads; jobs finished by an earlier run are
    skipped, the others run (``only_failed``: only those that failed last time), and a
    failed job never stops the rest. ``retry_failed``: give jobs that fail a second try
    at the end. Each job's record is appended to ``out_dir/manifest.jsonl`` as it
    finishes and passed to ``on_record``. Returns a :class:`BatchSummary`.

    Local worker processes start with ``spawn``: a script that calls this with
    ``workers > 1`` keeps its top level under ``if __name__ == "__main__":``.
    """
    check_run_settings(executor, workers)
    options = options or BatchOptions()
    plan = plan or plan_batch(jobs, out_dir, options=options, defaults=defaults,
                              only_failed=only_failed, check_weights=executor == "local")
    out = plan.out_dir
    manifest = Manifest(out)
    records: list[dict[str, Any]] = []

    def keep(record: dict[str, Any]) -> None:
        manifest.append(record)
        records.append(record)
        if on_record is not None:
            on_record(record)

    for job in plan.invalid:
        keep(job.record("invalid", error=job.error))
    for job in plan.done:
        keep(_skipped(job, out))
    run = _executor(executor, workers, address)

    def run_jobs(batch: list[Job], **extra: Any) -> None:
        waiting = {job.name: job for job in batch}
        for record in run(batch, out, dataclasses.asdict(options), on_stage):
            waiting.pop(record["job"], None)
            keep(record | extra)
        for job in waiting.values():  # an executor that stopped without a word on them
            keep(job.record("failed", **extra,
                            error="the executor stopped before running it"))

    if plan.todo:
        run_jobs(plan.todo)
    if retry_failed:
        failed = {record["job"] for record in records if record["status"] == "failed"}
        again = [job for job in plan.todo if job.name in failed]
        if again:
            records[:] = [record for record in records if record["job"] not in failed]
            run_jobs(again, attempt=2)
    return BatchSummary(plan, records)
