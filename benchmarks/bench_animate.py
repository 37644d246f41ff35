"""Speed and memory of the animation engine, against the published way of integrating.

For 60 frames at 512² and 1024² on the CPU this prints:

* engine frames/s — integration + both splats + hole filling + compositing, no encoding;
* the same engine with the old settings (the bilinear splat kernel, ``sharpness=0``, and
  the linear crossfade) and the default settings' time over theirs;
* the same engine written the slow way (the published code restarts the Euler integration
  from zero for every frame: O(N²) steps per video), and the speed-up;
* encoding frames/s for H.264 .mp4;
* peak memory of the engine (numpy allocations, via tracemalloc).

Two scenes: the demo landscape (fluids cover part of the image) and a worst case where
the whole image moves. Run: ``python benchmarks/bench_animate.py [--sizes 512 1024]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np

from cinemagraph.animate import AnimateSettings, animate
from cinemagraph.demo.render import demo_motion
from cinemagraph.demo.scene import build_scene
from cinemagraph.io.video import write_video


def scenes(size: int):
    demo = build_scene(size, size, seed=0)
    yield "demo scene", demo.image, demo.mask, demo_motion(demo)
    full = np.ones((size, size), np.float32)
    field = np.zeros((size, size, 2), np.float32)
    field[..., 0], field[..., 1] = 0.4 * size / 512, 1.5 * size / 512
    yield "whole image moves", demo.image, full, field


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(image, mask, field, settings: AnimateSettings, baseline: bool, rounds: int) -> str:
    """One table row: engine fps, with the old kernel and the cost against it, baseline fps
    and speed-up, mp4 fps, peak MB.

    The timings of a shared machine wander by tens of percent from one minute to the
    next, so the engine and the baseline run in alternation, ``rounds`` times each, and
    the best time of each counts: both meet the same spells of a busy or a quiet machine.
    """
    n = settings.frames
    animate(image, mask, field, AnimateSettings(frames=3))  # warm caches and threads
    old = replace(settings, sharpness=0.0, crossfade=1.0)
    fast, slow, bilinear = [], [], []
    for _ in range(rounds):
        for _ in range(3):  # the engine is much the shorter run: give it more tries
            seconds, frames = timed(lambda: animate(image, mask, field, settings))
            fast.append(seconds)
            bilinear.append(timed(lambda: animate(image, mask, field, old))[0])
        if baseline:
            seconds, reference = timed(
                lambda: animate(image, mask, field, settings, schedule="restart")
            )
            assert reference.tobytes() == frames.tobytes()
            slow.append(seconds)
    tracemalloc.start()
    animate(image, mask, field, settings)
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    slow_fps, ratio = "-", "-"
    if baseline:
        slow_fps, ratio = f"{n / min(slow):.1f}", f"{min(slow) / min(fast):.1f}×"
    with tempfile.TemporaryDirectory() as tmp:
        enc_seconds, _ = timed(lambda: write_video(Path(tmp) / "a.mp4", frames, settings.fps))
    return (f"{n / min(fast):>10.1f} {n / min(bilinear):>8.1f} "
            f"{min(fast) / min(bilinear) - 1:>+6.0%} {slow_fps:>12} {ratio:>8} "
            f"{n / enc_seconds:>8.1f} {peak_mb:>8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of engine and baseline runs (default 3)")
    args = parser.parse_args()
    settings = AnimateSettings(frames=args.frames)

    tiny = build_scene(64, 64)
    animate(tiny.image, tiny.mask, demo_motion(tiny), AnimateSettings(frames=4))  # compile

    print(f"{'size':>6} {'scene':<18} {'engine fps':>10} {'old fps':>8} {'cost':>6} "
          f"{'baseline fps':>12} {'speed-up':>8} "
          f"{'mp4 fps':>8} {'peak MB':>8}")
    for size in args.sizes:
        for name, image, mask, field in scenes(size):
            row = measure(image, mask, field, settings, not args.no_baseline, args.rounds)
            print(f"{size:>5}² {name:<18} {row}", flush=True)


if __name__ == "__main__":
    main()
