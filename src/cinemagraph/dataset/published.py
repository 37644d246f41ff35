"""The published Eulerian dataset layout (Holynski et al. 2021, as Text2Cinemagraph uses it).

One folder holding, per clip ``<id>``:

=====================  =============================================================
file                   what it holds
=====================  =============================================================
``<id>_input.jpg``     the first frame (``.png`` also accepted)
``<id>_motion.pth``    the Eulerian motion, ``1×2×H×W`` float px/frame: a torch tensor
                       file, or an LZ4-framed pickle of a numpy array (needs ``lz4``)
``<id>_gt.mp4``        the clip's frames (optional: needed by the synthesis model only)
=====================  =============================================================

and captions in a text file (``--captions``, else ``captions.txt`` or the folder's only
``.txt``): one ``id<TAB>caption`` per line (``id: caption`` lines of the published code
are read too; ids may carry a path and an ``_input.jpg`` suffix). The motion mask is
derived from the motion by the published rule. Pickles are read by a restricted unpickler
that builds numpy arrays and nothing else.
"""

from __future__ import annotations

import io
import os
import pickle
import warnings
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..errors import CinemagraphError
from .layout import ClipRecord

INPUT_SUFFIXES = ("_input.jpg", "_input.jpeg", "_input.png")
MOTION_SUFFIX = "_motion.pth"
FRAMES_SUFFIX = "_gt.mp4"
#: The first bytes of an LZ4 frame.
LZ4_MAGIC = b"\x04\x22\x4d\x18"


def _inputs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir()
                  if p.is_file() and p.name.lower().endswith(INPUT_SUFFIXES))


def _id_of(path: Path) -> str:
    name = path.name
    for suffix in INPUT_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def is_published_layout(root: Path) -> bool:
    """Whether ``root`` holds ``<id>_input.jpg`` files with their ``<id>_motion.pth``."""
    return any((root / f"{_id_of(p)}{MOTION_SUFFIX}").is_file() for p in _inputs(root))


def read_captions(path: Path) -> dict[str, str]:
    """``id → caption`` from ``id<TAB>caption`` (or ``id: caption``) lines."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise CinemagraphError(f"cannot read captions file {path}: {exc}") from exc
    captions = {}
    for line in lines:
        key, sep, caption = line.partition("\t")
        if not sep:
            key, sep, caption = line.partition(":")
        if not sep or not key.strip():
            continue
        key = key.strip().split("/")[-1]
        for suffix in (*INPUT_SUFFIXES, ".jpg", ".png"):
            key = key.removesuffix(suffix)
        captions[key] = " ".join(caption.split())
    return captions


def _captions_file(root: Path, captions: str | os.PathLike[str] | None) -> Path | None:
    if captions is not None:
        path = Path(captions)
        if not path.is_file():
            raise CinemagraphError(f"captions file not found: {path}")
        return path
    if (root / "captions.txt").is_file():
        return root / "captions.txt"
    texts = sorted(root.glob("*.txt"))
    return texts[0] if len(texts) == 1 else None


def read_published(
    root: Path, captions: str | os.PathLike[str] | None = None
) -> list[ClipRecord]:
    """The clips of a published-layout folder (those with both input and motion)."""
    file = _captions_file(root, captions)
    table = read_captions(file) if file is not None else {}
    records, uncaptioned = [], 0
    for image in _inputs(root):
        identifier = _id_of(image)
        motion = root / f"{identifier}{MOTION_SUFFIX}"
        if not motion.is_file():
            continue
        frames = root / f"{identifier}{FRAMES_SUFFIX}"
        caption = table.get(identifier, "")
        uncaptioned += not caption
        records.append(ClipRecord(id=identifier, caption=caption, image=image, motion=motion,
                                  mask=None, frames=frames if frames.is_file() else None))
    if records and uncaptioned:
        warnings.warn(f"{uncaptioned} of {len(records)} clips in {root} have no caption "
                      "(they train the model without text)", stacklevel=2)
    return records


class _NumpyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and scalars only."""

    ALLOWED: ClassVar[set[tuple[str, str]]] = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        return super().find_class(module, name)


def _decompress_lz4(data: bytes, path: Path) -> bytes:
    try:
        import lz4.frame
    except ImportError as exc:
        raise CinemagraphError(
            f"{path} is LZ4-compressed: install the lz4 package (`pip install lz4`) to read it"
        ) from exc
    return lz4.frame.decompress(data)


def load_published_motion(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a published ``_motion.pth``: returns float32 ``H×W×2`` px/frame."""
    import torch

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CinemagraphError(f"cannot read motion file {path}: {exc}") from exc
    try:
        if data.startswith(LZ4_MAGIC):
            value = _NumpyUnpickler(io.BytesIO(_decompress_lz4(data, path))).load()
        else:
            value = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except CinemagraphError:
        raise
    except Exception as exc:  # any unreadable content: pickle, zip, torch, lz4 errors
        raise CinemagraphError(f"motion file {path} is not readable: {exc}") from exc
    array = value.float().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3 or array.shape[0] != 2:
        raise CinemagraphError(
            f"motion file {path} must hold a 1×2×H×W flow, got shape {tuple(np.shape(value))}")
    return np.ascontiguousarray(np.moveaxis(array, 0, -1))
