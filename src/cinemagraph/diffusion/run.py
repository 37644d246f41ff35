"""Stages 1 and 2 into a run folder: ``image.png``, ``twin.png``, ``attention.npz``, ``run.json``.

Every file is written atomically; ``run.json`` is written last, so a run folder whose
``run.json`` has a ``generate`` entry holds complete outputs of this stage. Entries that
other stages keep in ``run.json`` are preserved.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import time
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_file, ensure_writable_parent
from ..io.images import save_image
from .generate import GenerationResult, GenerationSettings, generate
from .models import DEFAULT_MODEL, load_pipeline
from .twin import TwinSettings

IMAGE_FILE = "image.png"
TWIN_FILE = "twin.png"
ATTENTION_FILE = "attention.npz"
RUN_FILE = "run.json"


def versions() -> dict[str, str]:
    """Versions of the packages that determine the pixels."""
    import diffusers
    import torch
    import transformers

    from .. import __version__

    return {
        "cinemagraph": __version__,
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "transformers": transformers.__version__,
    }


def _read_run_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_generation(
    result: GenerationResult,
    folder: str | os.PathLike[str],
    model: str,
    device: str,
    extra_timings: dict[str, float] | None = None,
) -> dict[str, Path]:
    """Write ``result`` into ``folder``; returns the written files by role.

    A file of this stage that the result lacks (no twin, no statistics) is removed, so the
    folder never mixes outputs of two runs.
    """
    folder = Path(folder)
    ensure_writable_parent(folder / RUN_FILE)
    written: dict[str, Path] = {"image": save_image(folder / IMAGE_FILE, result.image)}
    stale = []
    if result.twin is not None:
        written["twin"] = save_image(folder / TWIN_FILE, result.twin)
    else:
        stale.append(folder / TWIN_FILE)
    if result.attention is not None:
        written["attention"] = result.attention.save(folder / ATTENTION_FILE)
    else:
        stale.append(folder / ATTENTION_FILE)
    for path in stale:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    run_path = folder / RUN_FILE
    run = _read_run_json(run_path)
    run["versions"] = versions()
    run["generate"] = {
        "prompt": result.prompt,
        "twin_prompt": result.twin_prompt,
        "model": model,
        "device": device,
        "settings": dataclasses.asdict(result.settings),
        "twin": dataclasses.asdict(result.twin_settings) if result.twin_settings else None,
        "timings": {**(extra_timings or {}), **result.timings},
        "files": {role: path.name for role, path in written.items()},
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    with atomic_file(run_path) as tmp:
        tmp.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written["run"] = run_path
    return written


def generate_to_folder(
    prompt: str,
    folder: str | os.PathLike[str],
    settings: GenerationSettings | None = None,
    twin: TwinSettings | None = None,
    model: str = DEFAULT_MODEL,
    device: str = "auto",
    pipe=None,
    progress: bool = False,
) -> tuple[GenerationResult, dict[str, Path]]:
    """Load the model (unless ``pipe`` is given), generate, and write the run folder.

    The folder is checked for writability before the model is loaded.
    """
    ensure_writable_parent(Path(folder) / RUN_FILE)
    timings = {}
    if pipe is None:
        start = time.perf_counter()
        pipe = load_pipeline(model, device)
        timings["load_seconds"] = time.perf_counter() - start
    result = generate(pipe, prompt, settings, twin, progress=progress)
    device_used = f"{pipe.unet.device.type} ({str(pipe.unet.dtype).removeprefix('torch.')})"
    return result, save_generation(result, folder, model, device_used, timings)
