"""Speed of the learned models against the weight-free defaults.

Prints:

* training throughput (samples/s) of the motion and the synthesis network at ``--size``
  (default 256²), default widths, on a small dataset of synthetic clips — the motion
  model with a full-size (768-wide, 12-layer) CLIP text encoder with random weights,
  which costs what SD 1.x's does;
* inference time per motion field: the learned model (text encoded per call) vs the
  weight-free prior (:func:`cinemagraph.motion.scene_motion_field`);
* inference time per frame: the learned synthesis model vs the RGB engine
  (:func:`cinemagraph.animate.animate`), on the demo landscape at ``--infer-size``.

Random weights cost exactly what trained ones cost. Run:
``python benchmarks/bench_learned.py [--size 256] [--steps 6] [--device cpu]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import CLIPTextConfig, CLIPTextModel

from cinemagraph.animate import AnimateSettings, animate
from cinemagraph.dataset import DatasetSettings, build_dataset
from cinemagraph.demo.render import demo_motion
from cinemagraph.demo.scene import build_scene
from cinemagraph.diffusion.tiny import TEXT_LENGTH, tiny_tokenizer
from cinemagraph.io.video import write_video
from cinemagraph.learned import (
    MotionNetConfig,
    MotionTrainSettings,
    SynthesisNetConfig,
    SynthesisTrainSettings,
    TextEncoder,
    load_motion_model,
    load_synthesis_model,
    train_motion,
    train_synthesis,
)
from cinemagraph.motion import scene_motion_field


def sd_sized_text_encoder() -> TextEncoder:
    """CLIP ViT-L/14's text tower shape (as in SD 1.x) with random weights."""
    tokenizer = tiny_tokenizer()
    torch.manual_seed(0)
    model = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=768, intermediate_size=3072,
        num_hidden_layers=12, num_attention_heads=12, max_position_embeddings=TEXT_LENGTH,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id))
    return TextEncoder(tokenizer, model, "random SD-sized CLIP")


def synthetic_dataset(folder: Path, size: int, clips: int = 4, frames: int = 16) -> Path:
    """A dataset of demo landscapes whose fluids move (the RGB engine's loops)."""
    videos = folder / "videos"
    for index in range(clips):
        scene = build_scene(size, size, seed=index)
        loop = animate(scene.image, scene.mask, demo_motion(scene),
                       AnimateSettings(frames=frames))
        write_video(str(videos / f"clip{index}") + "/", loop, 30)
        (videos / f"clip{index}.txt").write_text("clouds drifting over a waterfall")
    data = folder / "data"
    build_dataset(videos, data, DatasetSettings(max_size=size, frames_format="png"))
    return data


def throughput(train, steps: int, batch: int) -> float:
    """Samples per second over the steps after the first (which warms up)."""
    times = []
    train(lambda step, losses: times.append(time.perf_counter()))
    return batch * (len(times) - 1) / (times[-1] - times[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="training crop side")
    parser.add_argument("--steps", type=int, default=6, help="training steps timed (+1 warm-up)")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--infer-size", type=int, default=512)
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch threads (set before each timing: numba's OpenMP launches "
                             "in the engine reset the count)")
    args = parser.parse_args()

    def threads() -> None:
        torch.set_num_threads(args.threads)

    device = torch.device(args.device)
    encoder = sd_sized_text_encoder()
    encoder.model.to(device)
    motion_config = MotionNetConfig(size=args.size, text_dim=768)
    synthesis_config = SynthesisNetConfig(size=args.size)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = synthetic_dataset(tmp, args.size)
        loop = dict(steps=args.steps + 1, batch=args.batch, device=args.device,
                    val_fraction=0.0, checkpoint_every=0, val_every=0)
        threads()
        motion_rate = throughput(lambda hook: train_motion(
            data, tmp / "m.ckpt", MotionTrainSettings(**loop), config=motion_config,
            text_encoder=encoder, on_step=hook), args.steps, args.batch)
        threads()
        synthesis_rate = throughput(lambda hook: train_synthesis(
            data, tmp / "s.ckpt", SynthesisTrainSettings(**loop), config=synthesis_config,
            on_step=hook), args.steps, args.batch)
        print(f"training at {args.size}² on {args.device}, batch {args.batch}, "
              f"{args.threads} torch thread(s):")
        print(f"  motion network     {motion_rate:8.2f} samples/s")
        print(f"  synthesis network  {synthesis_rate:8.2f} samples/s")

        scene = build_scene(args.infer_size, args.infer_size, seed=0)
        regions = [(region.prompt, region.mask) for region in scene.regions]
        prompt = "clouds drifting over a waterfall"
        model = load_motion_model(tmp / "m.ckpt", device, text_encoder=encoder)
        threads()
        model.predict(scene.image, scene.mask, prompt)  # warm-up
        start = time.perf_counter()
        model.predict(scene.image, scene.mask, prompt)
        learned_field = time.perf_counter() - start
        start = time.perf_counter()
        field = scene_motion_field(scene.image, regions, prompt)
        prior_field = time.perf_counter() - start

        settings = AnimateSettings(frames=args.frames, device=args.device)
        animate(scene.image, scene.mask, field, AnimateSettings(frames=3))  # compile
        start = time.perf_counter()
        animate(scene.image, scene.mask, field, settings)
        engine = (time.perf_counter() - start) / args.frames
        synthesis = load_synthesis_model(tmp / "s.ckpt", device)
        threads()
        start = time.perf_counter()
        synthesis.render(scene.image, scene.mask, field, settings)
        learned_frame = (time.perf_counter() - start) / args.frames
    size = f"{args.infer_size}²"
    print(f"inference at {size} on {args.device}:")
    print(f"  motion field   learned {1000 * learned_field:8.1f} ms   "
          f"weight-free prior {1000 * prior_field:8.1f} ms")
    print(f"  per frame      learned {1000 * learned_frame:8.1f} ms   "
          f"RGB engine        {1000 * engine:8.1f} ms")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
