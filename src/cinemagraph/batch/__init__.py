"""Many cinemagraphs: a batch of jobs, each into its own run folder, on this machine or on
a Ray cluster.

=================  ===================================================================
module             job
=================  ===================================================================
:mod:`.jobs`       jobs read from a prompts file, a JSONL/CSV file or a photo folder
:mod:`.settings`   a job's settings for the one-job pipelines; the checks made before
                   any model loads; whether a job's run folder is finished
:mod:`.plan`       the batch's plan: done, to run, invalid
:mod:`.worker`     :class:`JobRunner`: runs jobs with one model load (every executor)
:mod:`.local`      this process, or N worker processes
:mod:`.on_ray`     Ray Data's ``map_batches`` over a pool of actors
:mod:`.manifest`   ``manifest.jsonl``: one line per job as it finishes
:mod:`.run`        :func:`run_batch`: plan, run, record, sum up
=================  ===================================================================
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # loaded on first use (see lazy_exports)
    from .jobs import Job as Job, read_jobs as read_jobs
    from .manifest import Manifest as Manifest
    from .plan import BatchPlan as BatchPlan, plan_batch as plan_batch
    from .run import BatchSummary as BatchSummary, run_batch as run_batch
    from .settings import BatchOptions as BatchOptions
    from .worker import JobRunner as JobRunner

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
