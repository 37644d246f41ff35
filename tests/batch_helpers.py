"""Photos, jobs and readers for the batch tests (the fixtures are in
:mod:`batch_fixtures`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

from helpers import box_mask, smooth_texture

#: Photo size of the jobs (small, so that a job takes a fraction of a second).
HEIGHT, WIDTH = 96, 128
#: The loop every job makes.
FRAMES = 6
PHOTOS = ("pond", "stream", "sea")
TEXT_PROMPTS = ("a waterfall between two hills", "clouds over a lake")


def write_photo(folder: Path, name: str, seed: int) -> tuple[Path, Path]:
    """A textured photo ``NAME.png`` and its mask ``NAME.mask.png`` (the lower half)."""
    image = (smooth_texture(HEIGHT, WIDTH, seed=seed) * 255).astype(np.uint8)
    mask = (box_mask(HEIGHT, WIDTH, HEIGHT // 2, 8, HEIGHT - 4, WIDTH - 8) * 255)
    photo, mask_file = folder / f"{name}.png", folder / f"{name}.mask.png"
    Image.fromarray(image).save(photo)
    Image.fromarray(mask.astype(np.uint8)).save(mask_file)
    return photo, mask_file


def read_manifest(out_dir: Path) -> list[dict]:
    return [json.loads(line) for line in
            (out_dir / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def output_digests(out_dir: Path) -> dict[str, str]:
    """SHA-256 of every video and picture under ``out_dir`` by relative path (run.json,
    which records times, and the manifest left out)."""
    return {str(path.relative_to(out_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(out_dir.rglob("*"))
            if path.is_file() and path.suffix in (".mp4", ".png", ".npy", ".gif", ".npz")}
