"""The run folder: every stage's outputs plus ``run.json``, and the cache built on them.

A stage is *done* when ``run.json`` records it under ``stages`` with the key of the inputs
it was computed from, and every file it lists is still the file it wrote: ``run.json``
keeps each file's size and SHA-256, so a file that was truncated, replaced or edited
since makes the stage run again. The key hashes the stage's own settings together with
the keys of the stages it depends on, so changing an earlier setting (the prompt, the
seed, the mask threshold …) changes the keys of everything downstream and those stages
run again, while a change that only a later stage sees (speed, frames, formats) reuses
everything before it.

A folder is used as a run folder only when it is new, empty, or holds a run of the same
prompt (its ``run.json`` says so): cinemagraph never writes into a folder of someone
else's files, and never mixes two prompts' runs. A ``run.json`` that is unreadable or
has entries of the wrong types is a stale cache: the stages run again.

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
from ..io.atomic import atomic_file, check_writable

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


def fingerprint(path: Path) -> dict[str, Any] | None:
    """Size and SHA-256 of a file, or of a folder's files (names, sizes, contents); None
    when it does not exist."""
    try:
        if path.is_dir():
            parts = sorted((item.name, fingerprint(item)) for item in path.iterdir()
                           if item.is_file())
            text = json.dumps(parts, sort_keys=True)
            return {"files": len(parts),
                    "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]}
        if path.is_file():
            return {"size": path.stat().st_size, "sha256": file_digest(path)}
    except (OSError, CinemagraphError):
        return None
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def seconds_of(entry: dict[str, Any]) -> float:
    """A stage entry's recorded seconds (0 where missing or not a number)."""
    value = entry.get("seconds")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else 0.0


def check_inputs_outside(folder: Path, inputs: list[Path]) -> None:
    """Refuse inputs that lie in the run folder: the run rewrites its files."""
    home = folder.resolve()
    for path in inputs:
        if home in path.resolve().parents:
            raise CinemagraphError(
                f"{path} lies in the run folder {folder}, whose files this run rewrites: "
                "copy it elsewhere first")


@dataclass
class RunFolder:
    """A run folder on disk and its ``run.json``. Nothing is created until written."""

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if self.path.exists() and not self.path.is_dir():
            raise CinemagraphError(f"run folder {self.path} is a file, not a folder")
        check_writable(self.path / RUN_FILE)

    def file(self, name: str) -> Path:
        return self.path / name

    def check_belongs_to(self, prompt: str) -> None:
        """Refuse a folder that holds someone else's files or another prompt's run."""
        if not self.path.is_dir() or not any(self.path.iterdir()):
            return
        if not self.file(RUN_FILE).is_file():
            raise CinemagraphError(
                f"{self.path} is not a run folder (it holds files but no {RUN_FILE}): name a "
                "new or empty folder with -o")
        recorded = self.read().get("prompt")
        if isinstance(recorded, str) and recorded != prompt:
            short = recorded if len(recorded) <= 60 else recorded[:57] + "…"
            raise CinemagraphError(
                f"run folder {self.path} holds the run of another prompt (\"{short}\"): "
                "name another folder with -o")

    def read(self) -> dict[str, Any]:
        """The parsed ``run.json`` ({} when missing or unreadable)."""
        try:
            data = json.loads(self.file(RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return _dict(data)

    def write(self, data: dict[str, Any]) -> None:
        with atomic_file(self.file(RUN_FILE)) as tmp:
            tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                           encoding="utf-8")

    def update(self, **entries: Any) -> None:
        """Merge top-level entries into ``run.json``."""
        data = self.read()
        data.update(entries)
        self.write(data)

    def changed_files(self, stage: str) -> list[str]:
        """The files ``stage`` recorded that are missing or differ from what it wrote."""
        files = self.stage_entry(stage).get("files")
        if not isinstance(files, dict):
            return []
        return [name for name, recorded in files.items()
                if fingerprint(self.file(name)) != recorded]

    def is_done(self, stage: str, key: str) -> bool:
        """Whether ``stage`` finished with this ``key`` and its files are as it wrote them."""
        entry = self.stage_entry(stage)
        files = entry.get("files")
        if entry.get("key") != key or not isinstance(files, dict):
            return False
        return not self.changed_files(stage)

    def mark_done(self, stage: str, key: str, files: list[str], seconds: float,
                  **details: Any) -> None:
        """Record a finished stage (after its files were written), with their fingerprints."""
        data = self.read()
        stages = _dict(data.get("stages"))
        stages[stage] = {
            "key": key,
            "files": {name: fingerprint(self.file(name)) for name in sorted(files)},
            "seconds": round(seconds, 3),
            "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"),
            **details,
        }
        data["stages"] = stages
        self.write(data)

    def stage_entry(self, stage: str) -> dict[str, Any]:
        return _dict(_dict(self.read().get("stages")).get(stage))
