"""Time to build a weight-free motion field at 512² and 1024² (median of several runs).

    python benchmarks/bench_motion.py [--repeats 5] [--sizes 512 1024]

Cases: a winding river (potential flow along its channel), a waterfall chute, a sky band
with three hints, and a three-fluid scene (clouds, waterfall, pool), all with turbulence.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from cinemagraph.motion import MotionHint, MotionSettings, motion_field, scene_motion_field


def river_mask(size: int) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size] / size
    centre = 0.5 + 0.2 * np.sin(ys * 7.0)
    half_width = 0.04 + 0.1 * ys
    return ((np.abs(xs - centre) < half_width) & (ys > 0.1)).astype(np.float32)


def waterfall_mask(size: int) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size] / size
    half_width = 0.12 - 0.05 * ys
    return ((np.abs(xs - 0.5) < half_width) & (ys > 0.15) & (ys < 0.85)).astype(np.float32)


def sky_mask(size: int) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size] / size
    return (ys < 0.35 + 0.05 * np.sin(xs * 20.0)).astype(np.float32)


def cases(size: int) -> dict[str, Callable[[], np.ndarray]]:
    image = np.full((size, size, 3), 0.5, np.float32)
    river, fall, sky = river_mask(size), waterfall_mask(size), sky_mask(size)
    pool = ((np.mgrid[0:size, 0:size][0] > 0.85 * size) & (fall == 0)).astype(np.float32)
    hints = [MotionHint(0.2 * size, 0.1 * size, 1.0, 0.0),
             MotionHint(0.5 * size, 0.2 * size, 0.5, -0.3),
             MotionHint(0.8 * size, 0.1 * size, 1.2, 0.2)]
    settings = MotionSettings(seed=0)
    return {
        "river": lambda: motion_field(image, river, "river", settings=settings),
        "waterfall": lambda: motion_field(image, fall, "waterfall", settings=settings),
        "sky + 3 hints": lambda: motion_field(image, sky, "clouds", hints, settings),
        "scene (3 fluids)": lambda: scene_motion_field(
            image, [sky, fall, pool], "clouds drifting right over a waterfall into a lake",
            settings=settings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    args = parser.parse_args()
    for size in args.sizes:
        for name, build in cases(size).items():
            build()  # warm-up: imports, caches
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                build()
                times.append(time.perf_counter() - start)
            print(f"{size}²  {name:<17} median {1000 * statistics.median(times):7.1f} ms  "
                  f"(min {1000 * min(times):.1f}, max {1000 * max(times):.1f}; "
                  f"{args.repeats} runs)")


if __name__ == "__main__":
    main()
