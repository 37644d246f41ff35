"""Running a batch's jobs on a Ray cluster with Ray Data.

The jobs become a dataset of one JSON job per row; ``map_batches`` hands them one at a
time (``batch_size=1``) to a pool of actors, each an instance of
:class:`~.worker.JobRunner`, so each actor loads the model once. An actor takes one GPU
when the cluster has GPUs, else its share of the CPUs. Records stream back as jobs
finish. Every node writes into the same batch folder, so that folder must be storage
every node sees (a shared file system): this is checked before the first job.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import CinemagraphError
from .jobs import Job
from .local import cores
from .worker import JobRunner

INSTALL = "pip install 'cinemagraph[ray]'"


def import_ray() -> Any:
    """The ``ray`` module with Ray Data, or a one-line error saying how to install it."""
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise CinemagraphError(f"running on Ray needs Ray Data, which is not installed "
                               f"({exc.name} is missing): {INSTALL}") from exc
    return ray


def check_address(address: str | None) -> None:
    """``None`` (a local Ray), ``auto`` or a ``ray://host:port`` / ``host:port`` address."""
    if address is None or address == "auto":
        return
    if re.fullmatch(r"ray://[^\s/:]+(:\d+)?|[^\s/:]+:\d+", address):
        return
    raise CinemagraphError(
        f"{address!r} is not a Ray address: give auto, ray://HOST:10001 or HOST:6379 "
        "(or --ray alone for a Ray on this machine)")


def _connect(ray: Any, address: str | None) -> bool:
    """Connect to (or start) Ray; returns whether this call started it."""
    if ray.is_initialized():
        return False
    settings: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                "logging_level": "ERROR"}
    try:
        if address is None:
            ray.init(num_cpus=cores(), **settings)
        else:
            ray.init(address=address, **settings)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "a local Ray" if address is None else f"Ray at {address}"
        raise CinemagraphError(f"could not start {where}: {exc}") from exc
    return True


def _sees(path: str) -> bool:
    return os.path.exists(path)


def check_shared_folder(ray: Any, out_dir: Path) -> None:
    """Every alive node of the cluster sees ``out_dir``: a marker written here must be
    there on each node."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    out_dir.mkdir(parents=True, exist_ok=True)
    marker = out_dir / f".cinemagraph-batch-{uuid.uuid4().hex[:12]}"
    marker.write_text("a check that every node sees this folder\n", encoding="utf-8")
    try:
        sees = ray.remote(num_cpus=0)(_sees)
        nodes = [node for node in ray.nodes() if node.get("Alive")]
        checks = [sees.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
            node["NodeID"], soft=False)).remote(str(marker.absolute())) for node in nodes]
        for node, seen in zip(nodes, ray.get(checks), strict=True):
            if not seen:
                raise CinemagraphError(
                    f"the Ray node {node.get('NodeManagerAddress', node['NodeID'])} does not "
                    f"see the output folder {out_dir}: on a cluster it must be storage every "
                    "node sees (a shared file system mounted at the same path)")
    finally:
        marker.unlink(missing_ok=True)


def actor_resources(ray: Any, workers: int, device: str) -> tuple[dict[str, float], int]:
    """Ray resources per actor (one GPU each when the cluster has GPUs and the device
    allows it, else an equal share of the CPUs) and the threads each computes with."""
    total = ray.cluster_resources()
    cpus = max(1, int(total.get("CPU", 1) // max(1, workers)))
    if total.get("GPU", 0) >= 1 and device != "cpu":
        return {"num_gpus": 1.0, "num_cpus": 1.0}, cpus
    return {"num_cpus": float(cpus)}, cpus


def _runner_class(out_dir: str, options: dict[str, Any], threads: int) -> type[JobRunner]:
    """A :class:`JobRunner` whose settings travel with the class, so that each actor is
    made (and, if Ray restarts it, made again) without arguments."""

    class BatchActor(JobRunner):
        def __init__(self) -> None:
            super().__init__(out_dir, options, threads=threads)

    return BatchActor


def _quiet_ray_logs() -> None:
    """Ray Data's notes on each dataset's execution are not the batch's business."""
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)


def run_on_ray(jobs: list[Job], out_dir: Path, options: dict[str, Any], *, workers: int,
               address: str | None = None) -> Iterator[dict[str, Any]]:
    """The jobs on Ray: ``workers`` actors, each with one model load (see the module)."""
    check_address(address)
    ray = import_ray()
    _quiet_ray_logs()
    started = _connect(ray, address)
    try:
        check_shared_folder(ray, out_dir)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        resources, threads = actor_resources(ray, workers, str(options.get("device", "auto")))
        rows = [{"job": json.dumps(job.to_dict())} for job in jobs]
        dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
        records = dataset.map_batches(
            _runner_class(str(out_dir.absolute()), options, threads), batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=min(workers, len(rows))), **resources)
        waiting = {job.name: job for job in jobs}
        try:
            for row in records.iter_rows():
                record = json.loads(row["record"])
                waiting.pop(record["job"], None)
                yield record
        except ray.exceptions.RayError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            for job in waiting.values():
                yield job.record("failed", error=f"Ray stopped before it finished: {reason}")
    finally:
        if started:
            ray.shutdown()
