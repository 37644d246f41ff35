"""``manifest.jsonl``: one line per job run, appended as each job finishes.

Each line is a JSON object: the job (its run folder's name), where it came from, its
status (``ok``, ``failed``, ``invalid`` — it could not run as given — or ``skipped``:
finished by an earlier run), its outputs (relative to the batch's folder), seconds,
and the error message of a job that failed. Lines are only ever appended, each in one
write that is flushed to disk, so an interrupted batch leaves every finished job's line;
a reader takes the last line per job and skips a line cut short by a crash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MANIFEST = "manifest.jsonl"
#: Statuses of a job that has its outputs.
GOOD = ("ok", "skipped")


class Manifest:
    """The manifest of a batch folder."""

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.path = Path(out_dir) / MANIFEST

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def records(self) -> list[dict[str, Any]]:
        """Every readable line, in order."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return []
        found = []
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("job"), str):
                found.append(record)
        return found

    def latest(self) -> dict[str, dict[str, Any]]:
        """The last record of each job, by job name."""
        return {record["job"]: record for record in self.records()}
