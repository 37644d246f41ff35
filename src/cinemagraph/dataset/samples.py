"""Reading clips' arrays for training, with an in-memory cache, and drawing examples.

A motion example is (first frame, mask, ground-truth motion, caption) seen through one
augmentation view. A synthesis example follows the published training scheme: from a
clip of ``K`` frames it takes a start frame ``a`` in the first third, an end frame ``b``
in the last third and a target ``t`` in ``[a, b]``; the model splats frame ``a`` forward
by ``t − a`` steps of the motion and frame ``b`` backward by ``b − t`` steps, and must
reproduce frame ``t``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CinemagraphError
from ..io.images import load_field_array, load_image, load_mask, read_rgb8
from .augment import (
    Augmentation,
    View,
    apply_view,
    center_view,
    mirror_caption,
    random_view,
    resize_field,
)
from .clips import IMAGE_EXTENSIONS, ClipSource, frame_files, read_clip, resize_frame
from .flow import motion_mask
from .layout import ClipRecord
from .published import load_published_motion


@dataclass(frozen=True)
class MotionExample:
    """``image`` float32 ``S×S×3`` in [0, 1]; ``mask`` float32 ``S×S`` in {0, 1};
    ``field`` float32 ``S×S×2`` px/frame at size S, zero outside the mask; ``caption``.
    """

    image: np.ndarray
    mask: np.ndarray
    field: np.ndarray
    caption: str


@dataclass(frozen=True)
class SynthesisExample:
    """Frames ``first`` (a), ``target`` (t), ``last`` (b): float32 ``S×S×3`` in [0, 1];
    ``field`` float32 ``S×S×2`` px/frame; ``forward_steps`` = t − a, ``backward_steps`` =
    b − t.
    """

    first: np.ndarray
    target: np.ndarray
    last: np.ndarray
    field: np.ndarray
    forward_steps: int
    backward_steps: int


def load_field_file(path: Path) -> np.ndarray:
    """A stored motion field: ``.npy`` ``H×W×2`` or a published ``.pth``; float32 px/frame."""
    if path.suffix.lower() == ".pth":
        return load_published_motion(path)
    return load_field_array(path, "motion file")


class ClipStore:
    """Reads the arrays of :class:`ClipRecord` clips, keeping recent ones in memory.

    ``cache_bytes``: memory budget of the least-recently-used cache. Safe to use from
    several threads.
    """

    def __init__(self, cache_bytes: int = 1 << 30) -> None:
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple, tuple] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def _cached(self, key: tuple, load):
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = load()
        nbytes = sum(v.nbytes for v in value if isinstance(v, np.ndarray))
        with self._lock:
            if key not in self._cache and nbytes <= self.cache_bytes:
                self._cache[key] = value
                self._size += nbytes
                while self._size > self.cache_bytes:
                    _, old = self._cache.popitem(last=False)
                    self._size -= sum(v.nbytes for v in old if isinstance(v, np.ndarray))
        return value

    def motion(self, record: ClipRecord) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(image, mask, field)`` at the stored size: float32 ``H×W×3`` in [0, 1],
        float32 ``H×W`` in {0, 1}, float32 ``H×W×2`` px/frame zero outside the mask.
        """
        return self._cached(("motion", record.id, str(record.motion)),
                            lambda: self._load_motion(record))

    @staticmethod
    def _load_motion(record: ClipRecord) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        image = load_image(record.image)
        shape = image.shape[:2]
        field = load_field_file(record.motion)
        if not np.isfinite(field).all():
            raise CinemagraphError(f"motion file {record.motion} holds NaN or infinite values")
        if field.shape[:2] != shape:
            field = resize_field(field, shape)
        if record.mask is not None and record.mask.is_file():
            mask = (load_mask(record.mask, shape) > 0.5).astype(np.float32)
        else:
            mask = motion_mask(field)
        return image, mask, (field * mask[..., None]).astype(np.float32)

    def frames(self, record: ClipRecord) -> np.ndarray:
        """All frames of the clip, uint8 ``K×H×W×3`` at the size of its first frame."""
        if record.frames is None:
            raise CinemagraphError(f"clip {record.id} has no frames")
        return self._cached(("frames", record.id, str(record.frames)),
                            lambda: (self._load_frames(record),))[0]

    def _load_frames(self, record: ClipRecord) -> np.ndarray:
        path = record.frames
        assert path is not None
        shape = self.motion(record)[0].shape[:2]
        if path.is_dir():
            files = frame_files(path)
            frames = [read_rgb8(f, "frame") for f in files
                      if f.suffix.lower() in IMAGE_EXTENSIONS]
            if not frames:
                raise CinemagraphError(f"no frames in {path}")
            stack = np.stack([resize_frame(f, shape) for f in frames])
        else:
            clip = read_clip(ClipSource(path, path.name, "video"))
            if len(clip.frames) == 0:
                raise CinemagraphError(f"no frames in {path}")
            stack = np.stack([resize_frame(f, shape) for f in clip.frames])
        return stack

    def motion_example(self, record: ClipRecord, size: int, rng: np.random.Generator | None,
                       augmentation: Augmentation | None = None) -> MotionExample:
        """One motion example at ``size``: a random view (``rng`` and ``augmentation``
        given) or the centred square (validation)."""
        image, mask, field = self.motion(record)
        view = _view(image.shape[:2], rng, augmentation)
        caption = mirror_caption(record.caption) if view.flip else record.caption
        return MotionExample(apply_view(image, view, size, "image"),
                             apply_view(mask, view, size, "mask"),
                             apply_view(field, view, size, "field"), caption)

    def synthesis_example(self, record: ClipRecord, size: int, rng: np.random.Generator,
                          augmentation: Augmentation | None = None) -> SynthesisExample:
        """One synthesis example at ``size`` (see the module docstring)."""
        frames = self.frames(record)
        _, _, field = self.motion(record)
        count = len(frames)
        if count < 2:
            raise CinemagraphError(f"clip {record.id} has fewer than 2 frames")
        a = int(rng.integers(0, max(1, count // 3)))
        b = int(rng.integers(max(a + 1, (2 * count) // 3), count))
        t = int(rng.integers(a, b + 1))
        view = _view(frames.shape[1:3], rng, augmentation)

        def frame(index: int) -> np.ndarray:
            return apply_view(frames[index], view, size, "image").astype(np.float32) / 255.0

        moved = apply_view(field, view, size, "field")
        return SynthesisExample(frame(a), frame(t), frame(b), moved, t - a, b - t)


def _view(shape: tuple[int, int], rng: np.random.Generator | None,
          augmentation: Augmentation | None) -> View:
    if rng is None or augmentation is None:
        return center_view(shape)
    return random_view(rng, shape, augmentation)


def clips_with_frames(records: Sequence[ClipRecord]) -> list[ClipRecord]:
    """The clips that carry frames (usable by the synthesis model)."""
    return [r for r in records if r.frames is not None and r.frames.exists()]
