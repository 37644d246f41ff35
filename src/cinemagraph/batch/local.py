"""Running a batch's jobs on this machine: in this process, or in N worker processes.

Each worker process holds one :class:`~.worker.JobRunner` (so it loads the model once),
computes on its share of the cores, and takes the next job from a queue when it is done
with one; records and stage messages come back on a second queue. A worker that dies
(killed, out of memory) fails its current job and the others go on.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .jobs import Job
from .worker import JobRunner

StageCallback = Callable[[str, str], None]  # (job name, stage line)
#: Seconds a worker with no jobs left gets to end by itself before it is stopped.
GRACE_SECONDS = 5.0


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def threads_per_worker(workers: int) -> int:
    return max(1, cores() // max(1, workers))


def run_in_process(jobs: list[Job], out_dir: Path, options: dict[str, Any],
                   on_stage: StageCallback | None = None) -> Iterator[dict[str, Any]]:
    """The jobs one after another in this process, with one model load."""
    runner = JobRunner(str(out_dir), options)
    for job in jobs:
        if on_stage is not None:
            on_stage(job.name, "starting")
        log = None if on_stage is None else (lambda line, name=job.name: on_stage(name, line))
        yield runner.run(job, log=log)


def _worker_loop(out_dir: str, options: dict[str, Any], threads: int, tasks: Any,
                 results: Any, worker: int) -> None:
    """A worker process: run jobs from ``tasks`` until a None comes.

    Ctrl-C reaches the whole process group, so a worker ignores it: the batch's process
    stops its workers with SIGTERM, which unwinds the job in hand (its temporary files
    removed) and ends the worker quietly.
    """
    import signal
    import threading

    from tqdm import tqdm

    from ..signals import Interrupted, stop_on_signals

    # The progress bars of a worker are off; tqdm's default lock would still make a
    # semaphore shared with the batch's process, which outlives the worker.
    tqdm.set_lock(threading.RLock())
    try:
        with stop_on_signals():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _run_tasks(JobRunner(out_dir, options, threads=threads), tasks, results, worker)
    except Interrupted as exc:
        raise SystemExit(exc.exit_code) from None


def _run_tasks(runner: JobRunner, tasks: Any, results: Any, worker: int) -> None:
    parent = multiprocessing.parent_process()
    while True:
        item = tasks.get()
        if item is None or (parent is not None and not parent.is_alive()):
            return
        job = Job.from_dict(item)
        results.put(("start", worker, job.to_dict()))

        def log(line: str, name: str = job.name) -> None:
            results.put(("stage", worker, name, line))

        results.put(("record", worker, runner.run(job, log=log)))


def run_in_workers(jobs: list[Job], out_dir: Path, options: dict[str, Any], workers: int,
                   on_stage: StageCallback | None = None) -> Iterator[dict[str, Any]]:
    """The jobs spread over ``workers`` processes, each with its own model and
    ``cores // workers`` threads."""
    context = multiprocessing.get_context("spawn")
    tasks, results = context.Queue(), context.Queue()
    for job in jobs:
        tasks.put(job.to_dict())
    count = min(workers, len(jobs))
    for _ in range(count):
        tasks.put(None)
    threads = threads_per_worker(workers)
    processes = [context.Process(target=_worker_loop, daemon=True,
                                 args=(str(out_dir), options, threads, tasks, results, i))
                 for i in range(count)]
    for process in processes:
        process.start()
    current: dict[int, Job | None] = dict.fromkeys(range(count))
    pending = {job.name: job for job in jobs}
    finished = False
    try:
        while pending:
            try:
                message = results.get(timeout=0.5)
            except queue.Empty:
                for worker, process in enumerate(processes):
                    job = current[worker]
                    if not process.is_alive() and job is not None:
                        current[worker] = None
                        pending.pop(job.name, None)
                        yield job.record("failed", error="the worker process running it "
                                         f"stopped (exit code {process.exitcode})")
                if pending and not any(p.is_alive() for p in processes):
                    for job in list(pending.values()):
                        yield job.record("failed",
                                         error="no worker process was left to run it")
                    return
                continue
            kind, worker = message[0], message[1]
            if kind == "start":
                current[worker] = Job.from_dict(message[2])
                if on_stage is not None:
                    on_stage(current[worker].name, "starting")
            elif kind == "stage":
                if on_stage is not None:
                    on_stage(message[2], message[3])
            else:
                current[worker] = None
                pending.pop(message[2]["job"], None)
                yield message[2]
        finished = True
    finally:
        for process in processes:
            if finished:  # each has its None and ends by itself
                process.join(timeout=GRACE_SECONDS)
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)
        tasks.close()
        results.close()
