"""End-to-end cost of text → cinemagraph against one plain diffusers generation.

Full-size Stable Diffusion 1.x architecture with random weights (the configs of
``bench_diffusion.py``; random weights cost what trained ones cost), on the CPU, at 256²
and 10 DDIM steps by default. Prints the seconds of (a) one stock
``StableDiffusionPipeline`` generation and (b) the whole pipeline — generate + twin in one
loop, mask from attention, motion, 60-frame animation and the mp4 — with the ratio (target
≤ 2.3) and the seconds of each stage as ``run.json`` records them. Rounds alternate
(ab, ba, …) and the medians are reported, since the machine may be shared.

    python benchmarks/bench_pipeline.py [--size 256] [--steps 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_diffusion import PROMPT, full_size_pipeline


def plain(pipe, size: int, steps: int) -> float:
    import torch

    start = time.perf_counter()
    pipe(PROMPT, num_inference_steps=steps, height=size, width=size,
         generator=torch.Generator().manual_seed(0), output_type="np")
    return time.perf_counter() - start


def pipeline(pipe, size: int, steps: int, folder: Path) -> tuple[float, dict[str, float]]:
    from cinemagraph.diffusion.generate import GenerationSettings
    from cinemagraph.pipeline import TextSettings, make_cinemagraph

    settings = TextSettings(generation=GenerationSettings(steps=steps, width=size, height=size))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # random weights: the mask stage warns about its maps
        result = make_cinemagraph(PROMPT, folder, settings, pipe=pipe, return_frames=False)
    return time.perf_counter() - start, result.timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    pipe = full_size_pipeline()
    plain(pipe, args.size, 2)  # warm kernels for this size
    plain_times, pipe_times, stages = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            order = ("a", "b") if r % 2 == 0 else ("b", "a")
            for variant in order:
                if variant == "a":
                    plain_times.append(plain(pipe, args.size, args.steps))
                else:
                    seconds, timings = pipeline(pipe, args.size, args.steps,
                                                Path(tmp) / f"run{r}")
                    pipe_times.append(seconds)
                    stages.append(timings)
                print(f"  round {r + 1}: ({variant}) done", file=sys.stderr, flush=True)
    a, b = statistics.median(plain_times), statistics.median(pipe_times)
    print(f"{args.size}², {args.steps} steps, CPU")
    print(f"(a) plain StableDiffusionPipeline   {a:8.1f} s")
    print(f"(b) text → cinemagraph, all stages  {b:8.1f} s   ratio {b / a:.2f} (target ≤ 2.3)")
    for stage in stages[0]:
        print(f"      {stage:<10} {statistics.median(s[stage] for s in stages):8.2f} s")


if __name__ == "__main__":
    main()
