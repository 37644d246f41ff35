"""Shared fixtures and helpers for the diffusion tests: a tiny random SD 1.x pipeline.

Import the fixtures into a test module with ``from diffusion_helpers import tiny_pipe``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cinemagraph.diffusion.tiny import tiny_pipeline

#: Image size for the tiny model: latent 16×12, mask block at 8×6.
WIDTH, HEIGHT = 96, 128
PROMPT = "a large waterfall falling from hills during sunset in the style of leonid afremov"


@pytest.fixture(scope="session")
def tiny_pipe():
    """One tiny random pipeline for the session (generation never changes its weights)."""
    return tiny_pipeline(seed=0)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_pipe):
    """The tiny pipeline saved with ``save_pretrained``: a local diffusers model folder."""
    folder = tmp_path_factory.mktemp("tiny-sd")
    tiny_pipe.save_pretrained(folder)
    return folder


def plain_image(
    pipe, prompt: str, steps: int, seed: int, width: int = WIDTH, height: int = HEIGHT,
    guidance: float = 7.5, negative_prompt: str = "",
) -> np.ndarray:
    """What stock ``StableDiffusionPipeline`` makes: float32 H×W×3 in [0, 1]."""
    return pipe(
        prompt,
        negative_prompt=negative_prompt or None,
        num_inference_steps=steps,
        guidance_scale=guidance,
        height=height,
        width=width,
        generator=torch.Generator().manual_seed(seed),
        output_type="np",
    ).images[0]
