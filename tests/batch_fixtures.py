"""Fixtures for the batch tests: a folder of small photos with masks, and a jobs file of
photo jobs, text jobs on the tiny model and one bad job.

A test module uses them by declaring ``pytest_plugins = ("diffusion_helpers",
"batch_fixtures")``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batch_helpers import FRAMES, PHOTOS, TEXT_PROMPTS, write_photo


@pytest.fixture()
def photo_folder(tmp_path) -> Path:
    """A folder of photos with masks and captions, as ``cinemagraph batch photos/`` reads."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for seed, name in enumerate(PHOTOS):
        write_photo(folder, name, seed)
        (folder / f"{name}.txt").write_text("water flowing to the right\n", encoding="utf-8")
    return folder


@pytest.fixture()
def jobs_file(tmp_path, photo_folder, tiny_model_dir) -> Path:
    """``jobs.jsonl``: the photos (paths relative to the file), two tiny-model text jobs and
    one photo job whose photo is missing. The model is a batch setting, given to
    :func:`run_batch` or the command line: see :data:`TEXT_OPTIONS`."""
    rows = [{"image": f"photos/{name}.png", "mask": f"photos/{name}.mask.png",
             "prompt": "a river flowing right", "frames": FRAMES, "formats": ["mp4", "png"]}
            for name in PHOTOS]
    rows += [{"prompt": prompt, "steps": 2, "size": "96x128",
              "frames": FRAMES, "formats": ["png"]} for prompt in TEXT_PROMPTS]
    rows.insert(2, {"image": "photos/missing.png", "mask": "photos/pond.mask.png",
                    "prompt": "a river"})
    path = tmp_path / "jobs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path
