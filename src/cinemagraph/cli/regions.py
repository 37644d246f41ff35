"""Reading the moving regions named on the command line: ``--mask [NAME=]PATH`` and ``--labels``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import CinemagraphError
from ..io.images import load_mask
from ..mask.files import read_mask

#: A labelled mask with more grey levels than this is probably a soft mask.
MAX_LABELS = 32


def named_mask(text: str) -> tuple[str | None, Path]:
    """``PATH`` or ``NAME=PATH`` (NAME: a fluid name or a small prompt for that region)."""
    if "=" in text and not Path(text).exists():
        name, path = text.split("=", 1)
        return (name.strip() or None), Path(path)
    return None, Path(text)


def labelled_regions(path: Path, shape: tuple[int, int]) -> list[np.ndarray]:
    """One float32 ``H×W`` mask per grey level (> 0) of a labelled PNG, in level order."""
    levels = np.rint(load_mask(path, shape) * 255.0).astype(np.int32)
    values = [v for v in np.unique(levels) if v > 0]
    if len(values) > MAX_LABELS:
        raise CinemagraphError(
            f"labelled mask {path} has {len(values)} grey levels; a labelled mask has one level "
            "per region (use --mask for a soft mask)")
    return [(levels == v).astype(np.float32) for v in values]


def load_regions(
    masks: Sequence[str], labels: Path | None, shape: tuple[int, int], soft: bool = False
) -> list[tuple[str | None, np.ndarray]]:
    """All regions given by ``--mask`` options and a ``--labels`` PNG, as (name, mask).

    ``--mask`` files are read as binary unless ``soft`` (``--soft-mask``), see
    :func:`cinemagraph.mask.files.read_mask`."""
    if not masks and labels is None:
        raise CinemagraphError("say which pixels may move: give --mask PATH (or --labels PATH)")
    regions: list[tuple[str | None, np.ndarray]] = []
    for text in masks:
        name, path = named_mask(text)
        regions.append((name, read_mask(path, shape, soft=soft)))
    if labels is not None:
        regions += [(None, mask) for mask in labelled_regions(labels, shape)]
    return regions


def describe_motion(names: Sequence[str | None], prompt: str | None,
                    direction: float | None, speed: float | None) -> list[str]:
    """How the motion was read: one line per region (fluid, direction, speed, turbulence)."""
    from ..motion.field import scene_fluids

    parts = [f"direction {direction:g}°"] if direction is not None else []
    parts += [f"speed {speed:g} px/frame"] if speed is not None else []
    if not prompt:
        return [f"every region: {', '.join(parts)}"] if parts else []
    lines = [f"region {index + 1}: {spec.describe()}"
             for index, spec in enumerate(scene_fluids(list(names), prompt))]
    if parts:
        lines.append(f"overridden by the options: {', '.join(parts)}")
    return lines
