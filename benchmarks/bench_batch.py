"""Throughput of ``cinemagraph batch``: jobs per minute locally and on Ray.

Jobs: 8 photo jobs (the demo landscape at 512², eight seeds, its fluids' masks, 60
frames) and 4 text jobs on a tiny random SD model (10 DDIM steps at 96×128, 60 frames).
Each run starts a fresh Python process that calls :func:`run_batch` into a fresh folder,
as a user's ``cinemagraph batch`` does, so imports, model loads, the compiled kernels'
cache and worker start-up are all inside the times:

* local, 1 worker (the batch's own process) and 2 worker processes;
* Ray with 1 and 2 actors, on a local Ray cluster started once beforehand
  (``address="auto"``, as on a cluster that is already up).

Printed per kind of job: seconds, jobs/minute, Ray against local at the same worker
count, the time Ray adds per job, and the CPU the run used (cores busy on average:
its processes' CPU seconds over the wall-clock seconds); then 2 workers against 1.

Run: ``python benchmarks/bench_batch.py [--photos 8] [--texts 4] [--frames 60]
[--repeats 1]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from cinemagraph.demo.scene import build_scene
from cinemagraph.diffusion.tiny import tiny_pipeline

RUNS = (("local", 1), ("local", 2), ("ray", 1), ("ray", 2))
RAY = str(Path(sys.executable).parent / "ray")


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


RUN = """
import sys, time
from cinemagraph.batch import BatchOptions, run_batch
jobs, out, model, executor, workers = sys.argv[1:6]
start = time.perf_counter()
summary = run_batch(jobs, out, options=BatchOptions(model=model, device="cpu"),
                    executor=executor, workers=int(workers),
                    address="auto" if executor == "ray" else None)
if summary.exit_code:
    sys.exit("\\n".join(summary.lines()))
"""


def timed(jobs: Path, out: Path, model: Path, executor: str, workers: int
          ) -> tuple[float, float]:
    """Wall-clock seconds of one batch in a fresh process, and the CPU seconds of that
    process and its workers (Ray's actors run outside it: not counted)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", RUN, str(jobs), str(out), str(model), executor,
                    str(workers)], check=True, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--texts", type=int, default=4)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = root / "tiny-sd"
        tiny_pipeline(seed=0).save_pretrained(model)
        kinds = {"photo": (photo_jobs(root, args.photos, args.frames), args.photos),
                 "text": (text_jobs(root, args.texts, args.frames), args.texts)}
        # Fill the compiled kernels' cache, as any second batch on a machine finds it.
        timed(kinds["photo"][0], root / "warm", model, "local", 1)
        start = time.perf_counter()
        subprocess.run([RAY, "start", "--head", f"--num-cpus={os.cpu_count()}",
                        "--include-dashboard=false", "--disable-usage-stats"],
                       check=True, capture_output=True)
        print(f"Ray cluster started in {time.perf_counter() - start:.1f} s")
        seconds: dict[tuple[str, str, int], list[tuple[float, float]]] = {}
        try:
            for repeat in range(args.repeats):
                for kind, (jobs, _) in kinds.items():
                    for executor, workers in RUNS:
                        out = root / f"{kind}-{executor}-{workers}-{repeat}"
                        seconds.setdefault((kind, executor, workers), []).append(
                            timed(jobs, out, model, executor, workers))
        finally:
            subprocess.run([RAY, "stop", "--force"], check=False, capture_output=True)

    for kind, (_, count) in kinds.items():
        print(f"\n{kind} jobs ({count}):")
        print(f"{'executor':<10} {'workers':>7} {'seconds':>8} {'jobs/min':>9} "
              f"{'vs local':>9} {'+s/job':>7} {'cores busy':>11}")
        for executor, workers in RUNS:
            t = statistics.median(w for w, _ in seconds[(kind, executor, workers)])
            cpu = statistics.median(c / w for w, c in seconds[(kind, executor, workers)])
            base = statistics.median(w for w, _ in seconds[(kind, "local", workers)])
            busy = f"{cpu:>11.2f}" if executor == "local" else f"{'—':>11}"
            print(f"{executor:<10} {workers:>7} {t:>8.1f} {60 * count / t:>9.1f} "
                  f"{base / t:>8.2f}× {(t - base) / count:>7.2f} {busy}")
        for executor in ("local", "ray"):
            one = statistics.median(w for w, _ in seconds[(kind, executor, 1)])
            two = statistics.median(w for w, _ in seconds[(kind, executor, 2)])
            print(f"{executor}: 2 workers {one / two:.2f}× one worker")


if __name__ == "__main__":
    main()
