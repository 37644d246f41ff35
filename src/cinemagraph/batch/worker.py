"""A batch worker: runs jobs one after another into their run folders, loading the
diffusion model at most once (and only when a job needs it).

The same class serves every executor: called in the batch's own process, in each worker
process of a local pool, and as the callable class of Ray Data's ``map_batches`` (one
instance per actor, so one model load per actor).
"""

from __future__ import annotations

import datetime
import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CinemagraphError
from .jobs import Job
from .settings import BatchOptions, job_settings

Log = Callable[[str], None] | None


def limit_threads(threads: int) -> None:
    """Let this process compute on ``threads`` cores (torch, numba, OpenCV), so that
    workers side by side share the machine instead of fighting over it."""
    import cv2
    import torch

    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    try:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    except (ImportError, ValueError):
        pass


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class JobRunner:
    """Runs jobs into run folders under ``out_dir``; ``options``: the batch's
    :class:`BatchOptions` (as a mapping, so that it pickles plainly); ``threads``: cores
    for this worker (None: as the libraries decide)."""

    def __init__(self, out_dir: str, options: dict[str, Any] | None = None,
                 threads: int | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.options = BatchOptions(**(options or {}))
        self._pipe: Any = None
        self._load_error: CinemagraphError | None = None
        self.threads = threads

    def load_pipe(self) -> Any:
        """The diffusion pipeline, loaded on first use; a failed load is not retried."""
        if self._load_error is not None:
            raise self._load_error
        if self._pipe is None:
            from ..diffusion.models import load_pipeline, quiet_libraries

            try:
                with quiet_libraries():
                    self._pipe = load_pipeline(self.options.model, self.options.device)
            except CinemagraphError as exc:
                self._load_error = exc
                raise
        return self._pipe

    def _run(self, job: Job, log: Log) -> tuple[list[Path], list[str]]:
        from ..pipeline.photo import animate_photo
        from ..pipeline.runfolder import RunFolder
        from ..pipeline.text import make_cinemagraph

        settings = job_settings(job, self.options)
        folder = self.out_dir / job.name
        prompt = str(job.settings.get("prompt", ""))
        start = time.perf_counter()
        if job.kind == "photo":
            result = animate_photo(job.settings["image"], folder, prompt, settings,
                                   load_pipe=self.load_pipe, log=log)
        else:
            result = make_cinemagraph(prompt, folder, settings, load_pipe=self.load_pipe,
                                      log=log, return_frames=False)
        names = [path.name for path in result.outputs]
        RunFolder(folder).mark_done("job", job.key, names, time.perf_counter() - start,
                                    source=job.source, settings=job.settings)
        return [folder / name for name in names], result.reused

    def run(self, job: Job, log: Log = None) -> dict[str, Any]:
        """Run one job; never raises for a failure of the job itself (interrupts pass).
        Returns its manifest record."""
        if self.threads:
            # numba's and OpenMP's thread counts belong to the calling thread, and Ray
            # Data calls an actor from a thread of its own
            limit_threads(self.threads)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:  # an interrupt (KeyboardInterrupt, SystemExit) passes
                outputs, reused = self._run(job, log)
                record = job.record("ok", outputs=[
                    str(path.relative_to(self.out_dir)) for path in outputs], reused=reused)
            except CinemagraphError as exc:
                record = job.record("failed", error=str(exc))
            except Exception as exc:
                record = job.record("failed",
                                    error=f"internal error ({type(exc).__name__}: {exc})")
        notes = list(dict.fromkeys(str(w.message) for w in caught))
        if notes:
            record["warnings"] = notes
        record.update(seconds=round(time.perf_counter() - start, 3), finished=_now())
        return record

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Ray Data's ``map_batches`` form: a column ``job`` of JSON jobs in, a column
        ``record`` of JSON manifest records out."""
        records = [json.dumps(self.run(Job.from_dict(json.loads(str(text)))))
                   for text in batch["job"]]
        return {"record": np.array(records, dtype=object)}
