"""Fixtures for the diffusion tests: a tiny random SD 1.x pipeline and stock diffusers output.

A test module uses them by declaring ``pytest_plugins = ("diffusion_helpers",)``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cinemagraph.diffusion.tiny import tiny_pipeline

#: A size that suits the tiny model: latent 16×12, mask block (up_blocks[2]) at 8×6.
WIDTH, HEIGHT = 96, 128


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


@pytest.fixture(scope="session")
def stock_image():
    """A function giving what stock ``StableDiffusionPipeline`` makes (float32 H×W×3)."""
    return _stock_image


def _stock_image(
    pipe, prompt: str, steps: int, seed: int, width: int, height: int,
    guidance: float = 7.5, negative_prompt: str = "",
) -> np.ndarray:
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
