"""The run folder: every stage's outputs plus ``run.json``, and the cache built on them.

A stage is *done* when ``run.json`` records it under ``stages`` with the key of the inputs
it was computed from, and every file it lists still exists. The key hashes the stage's
own settings together with the keys of the stages it depends on, so changing an earlier
setting (the prompt, the seed, the mask threshold …) changes the keys of everything
downstream and those stages run again, while a change that only a later stage sees
(speed, frames, formats) reuses everything before it.

Outputs are written atomically before ``run.json`` records them, so a crash or Ctrl-C
leaves either a finished stage or one that is simply run again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CinemagraphError
from ..io.atomic import atomic_file, ensure_writable_parent

RUN_FILE = "run.json"


def stage_key(stage: str, settings: Any, *upstream: str) -> str:
    """A short stable hash of a stage's settings (JSON-able) and its upstream keys."""
    text = json.dumps({"stage": stage, "settings": settings, "upstream": list(upstream)},
                      sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes (for user-supplied inputs such as masks)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise CinemagraphError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return digest.hexdigest()[:16]


@dataclass
class RunFolder:
    """A run folder on disk and its ``run.json``."""

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if self.path.exists() and not self.path.is_dir():
            raise CinemagraphError(f"run folder {self.path} is a file, not a folder")
        ensure_writable_parent(self.path / RUN_FILE)

    def file(self, name: str) -> Path:
        return self.path / name

    def read(self) -> dict[str, Any]:
        """The parsed ``run.json`` ({} when missing or unreadable)."""
        try:
            data = json.loads(self.file(RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def write(self, data: dict[str, Any]) -> None:
        with atomic_file(self.file(RUN_FILE)) as tmp:
            tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                           encoding="utf-8")

    def update(self, **entries: Any) -> None:
        """Merge top-level entries into ``run.json``."""
        data = self.read()
        data.update(entries)
        self.write(data)

    def is_done(self, stage: str, key: str) -> bool:
        """Whether ``stage`` finished with this ``key`` and all its files still exist."""
        entry = self.read().get("stages", {}).get(stage)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return False
        return all(self.file(name).exists() for name in entry.get("files", []))

    def mark_done(self, stage: str, key: str, files: list[str], seconds: float,
                  **details: Any) -> None:
        """Record a finished stage (after its files were written)."""
        data = self.read()
        stages = data.setdefault("stages", {})
        stages[stage] = {
            "key": key,
            "files": sorted(files),
            "seconds": round(seconds, 3),
            "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"),
            **details,
        }
        self.write(data)

    def stage_entry(self, stage: str) -> dict[str, Any]:
        entry = self.read().get("stages", {}).get(stage)
        return entry if isinstance(entry, dict) else {}
