"""Writing the masks into a run folder: ``mask.png`` (all fluids) and ``mask-<fluid>.png``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import CinemagraphError
from ..io.images import save_image

UNION_FILE = "mask.png"
_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def union_mask(masks: Mapping[str, np.ndarray]) -> np.ndarray:
    """The pixelwise maximum of float ``H×W`` masks in [0, 1]: float32 ``H×W``."""
    if not masks:
        raise CinemagraphError("there are no masks to combine")
    return np.max([np.asarray(m, dtype=np.float32) for m in masks.values()], axis=0)


def mask_file_name(name: str) -> str:
    """``mask-<name>.png`` with the name reduced to lower-case letters, digits, ``-``, ``_``."""
    safe = _UNSAFE.sub("-", name.lower()).strip("-") or "fluid"
    return f"mask-{safe}.png"


def save_masks(folder: str | os.PathLike[str], masks: Mapping[str, np.ndarray]) -> list[Path]:
    """Write ``mask.png`` (the union) and one ``mask-<name>.png`` per mask, each atomically.

    ``masks``: float ``H×W`` in [0, 1] keyed by fluid name, all the same size. Greys are
    the mask values × 255. Returns the paths written, the union first.
    """
    folder = Path(folder)
    files = [mask_file_name(name) for name in masks]
    if len(set(files)) != len(files):
        raise CinemagraphError(
            f"mask names {', '.join(masks)} would share a file name; give them distinct names"
        )
    shapes = {np.shape(mask) for mask in masks.values()}
    if len(shapes) > 1:
        raise CinemagraphError(f"masks of one image must share its size, got {sorted(shapes)}")
    paths = [save_image(folder / UNION_FILE, union_mask(masks))]
    for file, mask in zip(files, masks.values(), strict=True):
        paths.append(save_image(folder / file, np.clip(mask, 0.0, 1.0)))
    return paths
