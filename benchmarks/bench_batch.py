"""Throughput of ``cinemagraph batch``: jobs per minute locally and on Ray.

Jobs: 8 photo jobs (the demo landscape at 512², eight seeds, its fluids' masks, 60
frames) and 4 text jobs on a tiny random SD model (10 DDIM steps at 96×128, 60 frames).
Each is run, into a fresh folder each time, by:

* local, 1 worker (this process) and 2 worker processes;
* Ray (a local cluster started once, ``num_cpus`` = this machine's cores) with 1 and 2
  actors.

Printed per kind of job: seconds, jobs/minute, Ray against local at the same worker
count, and the time Ray adds per job; then 2 workers against 1. Model loads and process
or actor start-up are inside the times, as a user's batch pays them.

Run: ``python benchmarks/bench_batch.py [--photos 8] [--texts 4] [--frames 60]
[--repeats 1]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from cinemagraph.batch import BatchOptions, run_batch
from cinemagraph.demo.scene import build_scene
from cinemagraph.diffusion.tiny import tiny_pipeline

RUNS = (("local", 1), ("local", 2), ("ray", 1), ("ray", 2))


def photo_jobs(folder: Path, count: int, frames: int) -> Path:
    """``photos.jsonl``: ``count`` demo landscapes at 512², each with its regions' masks."""
    rows = []
    for seed in range(count):
        scene = build_scene(512, 512, seed=seed)
        photo = folder / f"landscape-{seed}.png"
        Image.fromarray((scene.image * 255 + 0.5).astype(np.uint8)).save(photo)
        masks = []
        for region in scene.regions:
            path = folder / f"landscape-{seed}.mask-{region.name}.png"
            Image.fromarray(((region.mask >= 0.5) * 255).astype(np.uint8)).save(path)
            masks.append(f"{region.name}={path.name}")
        rows.append({"image": photo.name, "masks": masks, "frames": frames,
                     "prompt": ", ".join(region.prompt for region in scene.regions)})
    path = folder / "photos.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def text_jobs(folder: Path, count: int, frames: int) -> Path:
    """``texts.jsonl``: ``count`` prompts for the tiny model."""
    prompts = ["a waterfall between two hills", "clouds over a lake at dawn",
               "a river through a forest", "smoke rising over a village", "waves on a beach"]
    rows = [{"prompt": prompts[i % len(prompts)], "seed": i, "steps": 10, "size": "96x128",
             "frames": frames} for i in range(count)]
    path = folder / "texts.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def timed(jobs: Path, out: Path, options: BatchOptions, executor: str, workers: int) -> float:
    start = time.perf_counter()
    summary = run_batch(jobs, out, options=options, executor=executor, workers=workers)
    seconds = time.perf_counter() - start
    if summary.exit_code != 0:
        raise SystemExit("\n".join(summary.lines()))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--texts", type=int, default=4)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    import ray

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = root / "tiny-sd"
        tiny_pipeline(seed=0).save_pretrained(model)
        options = BatchOptions(model=str(model), device="cpu")
        kinds = {"photo": (photo_jobs(root, args.photos, args.frames), args.photos),
                 "text": (text_jobs(root, args.texts, args.frames), args.texts)}
        # Warm the compiled kernels' cache, as any second batch on a machine finds it.
        timed(kinds["photo"][0], root / "warm", options, "local", 1)
        start = time.perf_counter()
        ray.init(num_cpus=None, include_dashboard=False, log_to_driver=False,
                 logging_level="ERROR")
        print(f"Ray started in {time.perf_counter() - start:.1f} s "
              f"({ray.cluster_resources().get('CPU', 0):.0f} CPUs)")
        seconds: dict[tuple[str, str, int], list[float]] = {}
        try:
            for repeat in range(args.repeats):
                for kind, (jobs, _) in kinds.items():
                    for executor, workers in RUNS:
                        out = root / f"{kind}-{executor}-{workers}-{repeat}"
                        seconds.setdefault((kind, executor, workers), []).append(
                            timed(jobs, out, options, executor, workers))
        finally:
            ray.shutdown()

    for kind, (_, count) in kinds.items():
        print(f"\n{kind} jobs ({count}):")
        print(f"{'executor':<10} {'workers':>7} {'seconds':>8} {'jobs/min':>9} "
              f"{'vs local':>9} {'+s/job':>7}")
        for executor, workers in RUNS:
            t = statistics.median(seconds[(kind, executor, workers)])
            base = statistics.median(seconds[(kind, "local", workers)])
            print(f"{executor:<10} {workers:>7} {t:>8.1f} {60 * count / t:>9.1f} "
                  f"{base / t:>8.2f}× {(t - base) / count:>7.2f}")
        for executor in ("local", "ray"):
            one = statistics.median(seconds[(kind, executor, 1)])
            two = statistics.median(seconds[(kind, executor, 2)])
            print(f"{executor}: 2 workers {one / two:.2f}× one worker")


if __name__ == "__main__":
    main()
