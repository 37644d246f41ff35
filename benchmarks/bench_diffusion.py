"""Speed and memory of stages 1 and 2 with full-size Stable Diffusion 1.x on the CPU.

The models are built from the SD 1.4 configs below with random weights — nothing is
downloaded, and random weights cost exactly what trained ones cost. Three variants:

* (a) plain — stock ``StableDiffusionPipeline`` with a DDIM scheduler;
* (b) generate — our artistic pass with the attention statistics captured;
* (c) generate + twin — artistic and twin passes in one batched loop (with capture).

Seconds per step: single denoising steps (UNet call, guidance, scheduler step) of the
three variants alternate in one process (abc, cba, …) and the minimum and median over the
repeats are reported — the machine is shared, and alternating single steps keeps slow
spells from landing on one variant only. (b) and (c) time their costliest step (statistics
recorded, features injected). Peak memory: the peak resident set of a
fresh process while it runs the variant, the models (≈ 4.5 GB in fp32) included; memory does
not grow with the step count, so these runs are short.

Targets: (b)/(a) ≤ 1.05, (c)/(a) ≤ 2.1, peak of (c) at 512² ≤ 8 GB.

    python benchmarks/bench_diffusion.py [--size 256] [--steps 10] [--repeats 10]
        [--memory-size 512] [--memory-steps 2]

It takes minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

UNET_CONFIG = {
    "act_fn": "silu",
    "attention_head_dim": 8,
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 768,
    "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "out_channels": 4,
    "sample_size": 64,
    "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
}
VAE_CONFIG = {
    "act_fn": "silu",
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 3,
    "sample_size": 512,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "scaling_factor": 0.18215,
}
TEXT_ENCODER_CONFIG = {
    "vocab_size": 49408,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "max_position_embeddings": 77,
    "hidden_act": "quick_gelu",
    "layer_norm_eps": 1e-05,
    "projection_dim": 768,
}
SCHEDULER_CONFIG = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "clip_sample": False,
    "set_alpha_to_one": False,
    "steps_offset": 1,
}
PROMPT = "a large waterfall falling from hills during sunset in the style of leonid afremov"
VARIANTS = {
    "a": "plain StableDiffusionPipeline",
    "b": "generate with capture",
    "c": "generate + twin, one loop",
}


def full_size_pipeline():
    """SD 1.4 architecture with random weights (the tokenizer is the tiny local one)."""
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    from cinemagraph.diffusion.tiny import tiny_tokenizer

    tokenizer = tiny_tokenizer()
    torch.manual_seed(0)
    with torch.no_grad():
        text_encoder = CLIPTextModel(CLIPTextConfig(
            **TEXT_ENCODER_CONFIG,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        ))
        unet = UNet2DConditionModel(**UNET_CONFIG)
        vae = AutoencoderKL(**VAE_CONFIG)
    pipe = StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
        scheduler=DDIMScheduler(**SCHEDULER_CONFIG), safety_checker=None,
        feature_extractor=None, requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe.to("cpu")


def reset_peak_rss() -> None:
    """Start the peak resident set afresh (Linux), so it covers what follows only."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass  # elsewhere the peak includes building the models


def peak_rss_gb() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**20  # kB → GB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def run_variant(pipe, variant: str, size: int, steps: int) -> None:
    """Generate once, end to end (for the peak-memory runs)."""
    import numpy as np
    import torch

    from cinemagraph.diffusion.generate import GenerationSettings, generate
    from cinemagraph.diffusion.twin import TwinSettings

    if variant == "a":
        image = pipe(PROMPT, num_inference_steps=steps, height=size, width=size,
                     generator=torch.Generator().manual_seed(0), output_type="np").images[0]
    else:
        settings = GenerationSettings(steps=steps, width=size, height=size, seed=0)
        twin = TwinSettings() if variant == "c" else None
        image = generate(pipe, PROMPT, settings, twin=twin).image
    if not np.isfinite(image).all():
        raise SystemExit(f"variant {variant} produced non-finite pixels")


def step_functions(pipe, size: int, steps: int) -> dict[str, tuple]:
    """For each variant: (context manager factory, one denoising step).

    (a) is the body of ``StableDiffusionPipeline.__call__``'s loop with the stock
    processors; (b) and (c) are :func:`~cinemagraph.diffusion.generate.denoising_step` with
    :func:`~cinemagraph.diffusion.capture.capturing` installed as ``generate`` installs it,
    every switch on (the costliest step: statistics recorded and features injected).
    """
    import contextlib

    import torch

    from cinemagraph.diffusion.batch import ARTISTIC, COND, BatchLayout
    from cinemagraph.diffusion.capture import AttentionRecorder, StepSwitches, capturing
    from cinemagraph.diffusion.generate import (
        ddim_scheduler,
        denoising_step,
        layout_text,
        make_initial_noise,
    )

    scheduler = ddim_scheduler(pipe, steps)
    t = scheduler.timesteps[steps // 2]
    latent = make_initial_noise(0, 4, (size // 8, size // 8))
    guidance = 7.5

    def ours(twin: bool):
        layout = BatchLayout.build(twin=twin, guidance=True)
        text = layout_text(pipe, layout, PROMPT, "", "a waterfall, nature" if twin else None)
        latents = latent.repeat(layout.streams, 1, 1, 1)
        tokens = torch.arange(1, 1 + 15)
        recorder = AttentionRecorder((size // 8, size // 8), layout.artistic_rows(),
                                     layout.row(ARTISTIC, COND), tokens, torch.device("cpu"))
        switches = StepSwitches(record_self=True, record_cross=True,
                                inject_attention=twin, inject_resnet=twin)
        injection = layout.injection_pairs() if twin else None

        def context():
            return capturing(pipe.unet, switches, recorder, injection)

        def step():
            denoising_step(pipe.unet, scheduler, latents, t, text, layout, guidance)

        return context, step

    plain_text = layout_text(pipe, BatchLayout.build(twin=False, guidance=True), PROMPT, "", None)

    def plain_step():  # StableDiffusionPipeline.__call__'s loop body
        model_input = scheduler.scale_model_input(torch.cat([latent] * 2), t)
        noise = pipe.unet(model_input, t, encoder_hidden_states=plain_text,
                          timestep_cond=None, cross_attention_kwargs=None,
                          added_cond_kwargs=None, return_dict=False)[0]
        uncond, cond = noise.chunk(2)
        noise = uncond + guidance * (cond - uncond)
        scheduler.step(noise, t, latent, eta=0.0, return_dict=False)

    return {"a": (contextlib.nullcontext, plain_step), "b": ours(False), "c": ours(True)}


def timing(
    variants: str, size: int, steps: int, repeats: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds of single denoising steps, the variants alternating (abc cba …).

    The machine is shared: alternating single steps and taking the minimum (and median)
    keeps slow spells from landing on one variant only; CPU seconds (all threads of this
    process) count the work done, which other processes' load inflates far less.
    """
    import torch

    pipe = full_size_pipeline()
    functions = step_functions(pipe, size, steps)
    times: dict[str, list[float]] = {v: [] for v in variants}
    cpu: dict[str, list[float]] = {v: [] for v in variants}
    with torch.no_grad():
        for variant in variants:  # warm the kernels for these shapes
            context, step = functions[variant]
            with context():
                step()
        for r in range(repeats):
            for variant in variants if r % 2 == 0 else variants[::-1]:
                context, step = functions[variant]
                with context():
                    start, start_cpu = time.perf_counter(), time.process_time()
                    step()
                    times[variant].append(time.perf_counter() - start)
                    cpu[variant].append(time.process_time() - start_cpu)
            print(f"  repeat {r + 1}/{repeats}", file=sys.stderr, flush=True)
    return times, cpu


def peak_memory(variant: str, size: int, steps: int) -> float:
    """Peak resident set (GB) of a fresh process that builds the models and runs ``variant``."""
    command = [sys.executable, __file__, "--memory-child", variant, "--size", str(size),
               "--steps", str(steps)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"variant {variant} failed:\n{done.stderr[-4000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=10,
                        help="timed steps of each variant")
    parser.add_argument("--variants", default="abc")
    parser.add_argument("--memory-steps", type=int, default=2,
                        help="steps of the separate peak-memory runs (0: skip them)")
    parser.add_argument("--memory-size", type=int, default=512,
                        help="also measure the peak memory of (c) at this size (0: skip)")
    parser.add_argument("--memory-child", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        pipe = full_size_pipeline()
        reset_peak_rss()
        run_variant(pipe, args.memory_child, args.size, args.steps)
        print(peak_rss_gb())
        return

    times, cpu = timing(args.variants, args.size, args.steps, args.repeats)
    peaks = {v: (peak_memory(v, args.size, args.memory_steps) if args.memory_steps
                 else float("nan")) for v in args.variants}
    columns = {
        "wall s/step (min)": {v: min(t) for v, t in times.items()},
        "wall s/step (median)": {v: statistics.median(t) for v, t in times.items()},
        "CPU s/step (median)": {v: statistics.median(t) for v, t in cpu.items()},
    }
    print(f"SD 1.4 architecture with random weights, CPU fp32, {args.size}², "
          f"{args.repeats} alternating steps per variant")
    print("| variant | " + " | ".join(f"{name} | vs (a)" for name in columns)
          + " | peak RSS (GB) |")
    print("| --- " * (2 + 2 * len(columns)) + "|")
    for v in args.variants:
        cells = " | ".join(f"{c[v]:.2f} | {c[v] / c['a']:.2f}" for c in columns.values())
        print(f"| ({v}) {VARIANTS[v]} | {cells} | {peaks[v]:.2f} |")
    if args.memory_size and args.memory_steps:
        peak = peak_memory("c", args.memory_size, args.memory_steps)
        print(f"peak RSS of (c) at {args.memory_size}²: {peak:.2f} GB")
    print(json.dumps({"step_seconds": times, "step_cpu_seconds": cpu, "peak_rss_gb": peaks}),
          file=sys.stderr)


if __name__ == "__main__":
    main()
