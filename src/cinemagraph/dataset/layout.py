"""Where things are in a dataset folder, the index, and the train/validation split.

See the package docstring for the layout. :func:`open_dataset` reads either our layout
(``index.json``) or the published Eulerian layout (:mod:`.published`) into
:class:`ClipRecord` objects.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CinemagraphError
from ..io.atomic import atomic_file

INDEX_NAME = "index.json"
INDEX_FORMAT = "cinemagraph-dataset"
INDEX_VERSION = 1
CLIPS_FOLDER = "clips"

IMAGE_NAME = "image.png"
MOTION_NAME = "motion.npy"
MASK_NAME = "mask.png"
PREVIEW_NAME = "motion.png"
CAPTION_NAME = "caption.txt"
META_NAME = "meta.json"
FRAMES_VIDEO_NAME = "frames.mp4"
FRAMES_FOLDER_NAME = "frames"


@dataclass(frozen=True)
class ClipRecord:
    """One training clip, in whichever layout it is stored.

    ``image``: the first frame (PNG/JPEG). ``motion``: ``.npy`` (float32 ``H×W×2``
    px/frame) or a published ``.pth`` (``1×2×H×W``). ``mask``: PNG, or None to derive it
    from the motion by the published rule. ``frames``: ``.mp4`` or a folder of PNG frames,
    or None (the clip then serves the motion model only).
    """

    id: str
    caption: str
    image: Path
    motion: Path
    mask: Path | None = None
    frames: Path | None = None


def clip_id(relative: str) -> str:
    """A file-name-safe, unique, stable id for the clip at ``relative`` (posix path)."""
    stem = re.sub(r"\.(mp4|webm|mov|m4v|mkv|avi)$", "", relative, flags=re.I)
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:60] or "clip"
    digest = hashlib.sha1(relative.encode("utf-8")).hexdigest()[:8]
    return f"{safe}-{digest}"


def clip_folder(data_dir: str | os.PathLike[str], identifier: str) -> Path:
    return Path(data_dir) / CLIPS_FOLDER / identifier


def read_meta(folder: Path) -> dict | None:
    """The ``meta.json`` of a finished clip folder, or None when absent or unreadable."""
    try:
        return json.loads((folder / META_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, value: object) -> None:
    """Write ``value`` as indented JSON, atomically."""
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def index_entry(identifier: str, meta: dict) -> dict:
    keys = ("caption", "height", "width", "frames", "fps", "frames_format")
    return {"id": identifier, **{key: meta.get(key) for key in keys}}


def scan_entries(data_dir: str | os.PathLike[str]) -> list[dict]:
    """Index entries of the finished clip folders (those with a readable ``meta.json``)."""
    root = Path(data_dir) / CLIPS_FOLDER
    if not root.is_dir():
        return []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    metas = [(folder.name, read_meta(folder)) for folder in folders]
    return [index_entry(name, meta) for name, meta in metas if meta is not None]


def write_index(data_dir: str | os.PathLike[str]) -> list[dict]:
    """Rewrite ``index.json`` from the finished clip folders; return its entries."""
    entries = scan_entries(data_dir)
    write_json(Path(data_dir) / INDEX_NAME,
               {"format": INDEX_FORMAT, "version": INDEX_VERSION, "clips": entries})
    return entries


def _record(data_dir: Path, entry: dict) -> ClipRecord:
    folder = clip_folder(data_dir, entry["id"])
    frames: Path | None = folder / FRAMES_VIDEO_NAME
    if entry.get("frames_format") == "png":
        frames = folder / FRAMES_FOLDER_NAME
    return ClipRecord(id=entry["id"], caption=str(entry.get("caption") or ""),
                      image=folder / IMAGE_NAME, motion=folder / MOTION_NAME,
                      mask=folder / MASK_NAME, frames=frames)


def read_index(data_dir: str | os.PathLike[str]) -> list[ClipRecord]:
    """The clips listed in ``index.json``."""
    path = Path(data_dir) / INDEX_NAME
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CinemagraphError(f"cannot read the dataset index {path}: {exc}") from exc
    if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT:
        raise CinemagraphError(f"{path} is not a cinemagraph dataset index")
    version = index.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise CinemagraphError(
            f"{path} is damaged: its version must be a whole number, got {version!r}")
    if version > INDEX_VERSION:
        raise CinemagraphError(
            f"{path} has index version {version}; this cinemagraph reads up to "
            f"{INDEX_VERSION}: update cinemagraph")
    clips = index.get("clips", [])
    if not isinstance(clips, list):
        raise CinemagraphError(f"{path} is damaged: its clips must be a list")
    return [_record(Path(data_dir), _checked_entry(entry, number, path))
            for number, entry in enumerate(clips, start=1)]


#: What a clip id may look like: a folder name inside ``clips/`` (see :func:`clip_id`).
_ID_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}")


def _checked_entry(entry: object, number: int, path: Path) -> dict:
    """An index entry with a usable ``id`` (a plain folder name), else a one-line error."""
    if not isinstance(entry, dict):
        raise CinemagraphError(f"{path} is damaged: clip entry {number} is not an object")
    identifier = entry.get("id")
    if not isinstance(identifier, str) or not identifier:
        raise CinemagraphError(f"{path} is damaged: clip entry {number} has no id")
    if not _ID_PATTERN.fullmatch(identifier) or ".." in identifier:
        raise CinemagraphError(
            f"{path} is damaged: clip entry {number} has the id {identifier[:40]!r}, which is "
            "not a folder name")
    return entry


def open_dataset(
    data_dir: str | os.PathLike[str], captions: str | os.PathLike[str] | None = None
) -> list[ClipRecord]:
    """The clips of ``data_dir``: our layout (``index.json``) or the published one.

    ``captions``: a captions file for the published layout (``id<TAB>caption`` lines);
    by default one is looked for in ``data_dir``.
    """
    from .published import is_published_layout, read_published

    root = Path(data_dir)
    if not root.is_dir():
        raise CinemagraphError(f"dataset folder not found: {root}")
    if (root / INDEX_NAME).exists():
        records = read_index(root)
    elif (root / CLIPS_FOLDER).is_dir():
        records = [_record(root, entry) for entry in scan_entries(root)]
    elif is_published_layout(root):
        records = read_published(root, captions)
    else:
        raise CinemagraphError(
            f"{root} is not a dataset: build one with `cinemagraph dataset VIDEOS -o {root}` "
            "(or point at a folder of <id>_input.jpg / <id>_motion.pth files)")
    if not records:
        raise CinemagraphError(f"the dataset in {root} has no clips")
    return records


def validation_score(identifier: str) -> float:
    """A number in [0, 1) fixed by the clip id alone (stable as clips come and go)."""
    return int(hashlib.sha1(identifier.encode("utf-8")).hexdigest()[:8], 16) / 2**32


def split_records(
    records: Sequence[ClipRecord], val_fraction: float
) -> tuple[list[ClipRecord], list[ClipRecord]]:
    """``(train, validation)``: a clip is held out when its id's score < ``val_fraction``.

    With ``val_fraction`` > 0 and at least two clips, at least one clip is held out and at
    least one is kept for training.
    """
    if not 0 <= val_fraction < 1:
        raise CinemagraphError(f"validation fraction must lie in [0, 1), got {val_fraction}")
    ranked = sorted(records, key=lambda r: validation_score(r.id))
    held = [r for r in ranked if validation_score(r.id) < val_fraction]
    if val_fraction > 0 and len(records) >= 2:
        held = ranked[: min(max(len(held), 1), len(records) - 1)]
    held_ids = {r.id for r in held}
    return [r for r in records if r.id not in held_ids], [r for r in records if r.id in held_ids]
