"""The jobs of a batch: read from a prompts file, a JSONL/CSV file or a photo folder,
checked, and turned into the settings of the one-job pipelines.

A job is a plain mapping of settings (JSON-able, so that it travels to worker
processes and Ray actors as it is): a *text* job has a ``prompt`` and no ``image``; a
*photo* job has an ``image``. Settings a job does not give come from the batch's
defaults (the command line's shared settings), then from the one-job commands' own
defaults. Paths in a jobs file are relative to the file's folder.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CinemagraphError

#: The settings a job may hold, and the type each is read as.
SETTINGS: dict[str, type] = {
    # what to make
    "name": str, "prompt": str, "image": str, "masks": list, "soft_mask": bool,
    "seed": int, "formats": list,
    # text jobs: generation and twin
    "steps": int, "guidance": float, "size": str, "negative_prompt": str,
    "twin_prompt": str, "feature_injection": float, "attention_injection": float,
    "twin_negative": bool,
    # masks from attention
    "mask_method": str, "clusters": int, "mask_overlap": float, "mask_threshold": float,
    "erode": int, "inversion_steps": int,
    # photo jobs
    "motion": str, "max_size": int,
    # motion
    "direction": float, "speed": float, "hints": list, "turbulence": float,
    # the loop and its files
    "frames": int, "fps": float, "speed_scale": float, "max_speed": float,
    "feather": float, "sharpness": float, "crossfade": float, "blend": str,
    "importance": str, "quality": int, "output_width": int,
}
#: Other spellings of settings.
ALIASES = {"mask": "masks", "hint": "hints", "format": "formats", "photo": "image",
           "field": "motion", "turbulence_scale": "turbulence"}
#: Settings of the whole batch, not of one job: each worker loads these once.
BATCH_ONLY = ("model", "device", "motion_model", "synthesis_model")
#: Settings that name files (read relative to the jobs file).
PATH_SETTINGS = ("image", "motion")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
_MASK_FILE = re.compile(r"^(?P<stem>.+)\.mask(?:-(?P<fluid>[^.]+))?\.png$", re.IGNORECASE)


@dataclass
class Job:
    """One job of a batch: where it came from, its settings (paths absolute), its run
    folder's name, and — once checked — why it cannot run."""

    index: int  # 1-based position in the batch
    source: str  # e.g. "jobs.jsonl line 3" or "photos/beach.jpg"
    settings: dict[str, Any]
    name: str = ""
    error: str | None = None
    key: str = ""  # hash of the settings and of the input files' contents
    inputs: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "photo" if self.settings.get("image") else "text"

    @property
    def needs_model(self) -> bool:
        """Whether the job loads the diffusion model: to generate, or to find a photo's
        fluids when it has no masks."""
        return self.kind == "text" or not self.settings.get("masks")

    def record(self, status: str, **fields: Any) -> dict[str, Any]:
        """The job's manifest record: which job (its run folder, else where it came
        from), ``status`` and ``fields``."""
        return {"job": self.name or self.source, "index": self.index, "source": self.source,
                "kind": self.kind, "folder": self.name or None, "status": status, **fields}

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "source": self.source, "settings": self.settings,
                "name": self.name, "key": self.key}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Job:
        return cls(index=int(data["index"]), source=str(data["source"]),
                   settings=dict(data["settings"]), name=str(data["name"]),
                   key=str(data.get("key", "")))


def _key(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off", ""):
        return False
    raise ValueError(f"not yes/no: {value!r}")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[;|]", value) if part.strip()]
    return [value]


def _coerce(name: str, value: Any) -> Any:
    kind = SETTINGS[name]
    try:
        if kind is bool:
            return _as_bool(value)
        if kind is list:
            if name == "formats" and isinstance(value, str):
                return [part.strip() for part in re.split(r"[,;| ]", value) if part.strip()]
            if name == "masks" and isinstance(value, Mapping):
                return [f"{fluid}={path}" for fluid, path in value.items()]
            return _as_list(value)
        if kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value) if not isinstance(value, str) else int(value.strip())
        if kind is float:
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise CinemagraphError(
            f"setting {name!r} must be {_KIND_WORDS[kind]}, got {value!r}") from exc


_KIND_WORDS = {bool: "yes or no", list: "a list", int: "a whole number", float: "a number",
               str: "text"}


def normalise(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's settings with canonical names and types; empty cells dropped. Raises
    :class:`CinemagraphError` for an unknown setting or a value of the wrong type."""
    settings: dict[str, Any] = {}
    for raw, value in row.items():
        if raw is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        name = _key(str(raw))
        name = ALIASES.get(name, name)
        if name in BATCH_ONLY:
            raise CinemagraphError(
                f"{name!r} is a setting of the whole batch (each worker loads it once): "
                f"give it on the command line (--{name.replace('_', '-')})")
        if name not in SETTINGS:
            raise CinemagraphError(
                f"unknown setting {raw!r} (known: {', '.join(sorted(SETTINGS))})")
        settings[name] = _coerce(name, value)
    return settings


def _absolute(settings: dict[str, Any], base: Path) -> dict[str, Any]:
    """Paths of a job's settings made absolute against ``base``."""
    out = dict(settings)
    for name in PATH_SETTINGS:
        if name in out:
            out[name] = str((base / os.path.expanduser(out[name])).absolute())
    if "masks" in out:
        masks = []
        for text in map(str, out["masks"]):
            fluid, path = None, text
            if "=" in text and not (base / text).exists():
                fluid, path = (part.strip() for part in text.split("=", 1))
            full = str((base / os.path.expanduser(path)).absolute())
            masks.append(f"{fluid}={full}" if fluid else full)
        out["masks"] = masks
    return out


def _rows_from_text(path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    for number, line in enumerate(_read_text(path).splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield f"{path.name} line {number}", {"prompt": line.strip()}


def _rows_from_jsonl(path: Path) -> Iterable[tuple[str, Any]]:
    for number, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path.name} line {number}"
        try:
            yield where, json.loads(line)
        except ValueError as exc:
            yield where, CinemagraphError(f"not a JSON object: {exc}")


def _rows_from_csv(path: Path) -> Iterable[tuple[str, Any]]:
    reader = csv.DictReader(_read_text(path).splitlines())
    if not reader.fieldnames:
        raise CinemagraphError(f"jobs file {path} has no header row (the settings' names)")
    for number, row in enumerate(reader, 2):
        where = f"{path.name} line {number}"
        if None in row:
            yield where, CinemagraphError("more cells than the header names")
        elif any(value and value.strip() for value in row.values()):
            yield where, row


def _read_text(path: Path) -> str:
    from ..io.images import check_input_file

    check_input_file(path, "jobs file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CinemagraphError(f"jobs file {path} is not UTF-8 text") from exc


def _rows_from_folder(folder: Path) -> Iterable[tuple[str, Any]]:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    masks: dict[str, list[str]] = {}
    for path in files:
        match = _MASK_FILE.match(path.name)
        if match:
            fluid = match["fluid"]
            masks.setdefault(match["stem"], []).append(
                f"{fluid}={path.name}" if fluid else path.name)
    photos = [p for p in files if p.suffix.lower() in PHOTO_SUFFIXES
              and not _MASK_FILE.match(p.name)]
    if not photos:
        raise CinemagraphError(f"photo folder {folder} holds no .jpg, .png or .webp photos")
    for photo in photos:
        row: dict[str, Any] = {"image": photo.name}
        if photo.stem in masks:
            row["masks"] = masks[photo.stem]
        caption = photo.with_suffix(".txt")
        if caption.is_file():
            row["prompt"] = " ".join(_read_text(caption).split())
        yield f"{folder.name}/{photo.name}", row


def read_jobs(source: str | os.PathLike[str] | Iterable[Mapping[str, Any]],
              defaults: Mapping[str, Any] | None = None,
              base: str | os.PathLike[str] | None = None) -> list[Job]:
    """The jobs of ``source``: a prompts ``.txt`` file (one prompt per line; blank lines
    and ``#`` comments skipped), a ``.jsonl`` or ``.csv`` file of settings (one job per
    row), a folder of photos, or rows given directly (paths relative to ``base``, default
    the current folder). ``defaults``: settings for every job that a row does not give.

    A row that cannot be read becomes a job with its ``error`` set, so that one bad row
    does not stop the rest; an unreadable source raises :class:`CinemagraphError`.
    """
    defaults = normalise(defaults or {})
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            rows, home = _rows_from_folder(path), path
        elif path.suffix.lower() == ".jsonl":
            rows, home = _rows_from_jsonl(path), path.parent
        elif path.suffix.lower() == ".csv":
            rows, home = _rows_from_csv(path), path.parent
        else:
            rows, home = _rows_from_text(path), path.parent
    else:
        rows = ((f"job {i}", row) for i, row in enumerate(source, 1))
        home = Path(base) if base is not None else Path.cwd()
    jobs = []
    for index, (where, row) in enumerate(list(rows), 1):
        job = Job(index, where, {})
        try:
            if isinstance(row, Exception):
                raise row
            if not isinstance(row, Mapping):
                raise CinemagraphError("a job must be an object of settings")
            job.settings = _absolute({**defaults, **normalise(row)}, home)
        except CinemagraphError as exc:
            job.error = str(exc)
        jobs.append(job)
    if not jobs:
        raise CinemagraphError(f"{source} holds no jobs")
    return jobs


def run_folder_name(settings: Mapping[str, Any]) -> str:
    """The name of a job's run folder: its ``name``; else, as the one-shot command names
    it, ``<prompt-slug>-<hash>-s<seed>`` for a text job and ``<photo>-<hash>-s<seed>``
    for a photo job (the hash of the photo's name, prompt and masks)."""
    from ..pipeline.text import default_run_folder, prompt_slug

    if settings.get("name"):
        name = str(settings["name"])
        if Path(name).name != name or name in (".", ".."):
            raise CinemagraphError(f"job name {name!r} must be a plain folder name")
        return name
    seed = settings.get("seed", 0)
    if not settings.get("image"):
        return default_run_folder(str(settings.get("prompt", "")), seed).name
    image = Path(settings["image"])
    text = json.dumps([image.name, settings.get("prompt", ""),
                       [Path(m.split("=")[-1]).name for m in settings.get("masks", [])]])
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{prompt_slug(image.stem)}-{digest}-s{seed}"


def quietly(function, *args, **kwargs):
    """Call ``function`` with warnings silenced (checks repeat what the run says)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)
