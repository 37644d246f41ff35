"""A caption for each clip: a sidecar ``.txt``, else a captioning model, else the file name.

Sidecars: ``falls.mp4`` → ``falls.txt`` beside it; a frames folder ``falls/`` →
``falls/caption.txt`` or ``falls.txt`` beside it. The first non-empty line is the caption.
A captioning model is any callable from an image (float32 ``H×W×3`` in [0, 1]) to a
string; :func:`load_captioner` wraps a Hugging Face image-to-text model that is in the
local cache (or downloadable). Without either, the file name becomes the caption
(``big_waterfall-0012.mp4`` → ``"big waterfall"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import CinemagraphError
from .clips import ClipSource

Captioner = Callable[[np.ndarray], str]


def _first_line(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.strip():
            return " ".join(line.split())
    return None


def sidecar_caption(source: ClipSource) -> str | None:
    """The caption in the clip's sidecar ``.txt``, or None."""
    candidates = [source.path.with_suffix(".txt")] if source.kind == "video" else [
        source.path / "caption.txt", source.path.parent / f"{source.path.name}.txt"]
    for candidate in candidates:
        if candidate.is_file():
            caption = _first_line(candidate)
            if caption:
                return caption
    return None


def caption_from_name(name: str) -> str:
    """Words of a file name: separators become spaces, numbers and extensions go."""
    stem = Path(name).stem if Path(name).suffix.lower() in (
        ".mp4", ".webm", ".mov", ".m4v", ".mkv", ".avi") else Path(name).name
    words = [w for w in re.split(r"[\s_.\-]+", stem) if w and not w.isdigit()]
    return " ".join(words).strip()


def clip_caption(
    source: ClipSource, first_frame: np.ndarray, captioner: Captioner | None = None
) -> tuple[str, str]:
    """``(caption, origin)`` with origin ``"sidecar"``, ``"model"`` or ``"file name"``.

    ``first_frame``: uint8 ``H×W×3``, shown to the captioning model.
    """
    caption = sidecar_caption(source)
    if caption:
        return caption, "sidecar"
    if captioner is not None:
        text = " ".join(str(captioner(first_frame.astype(np.float32) / 255.0)).split())
        if text:
            return text, "model"
    name = source.path.name if source.relative == "." else source.relative.split("/")[-1]
    return caption_from_name(name), "file name"


class PipelineCaptioner:
    """A Hugging Face image-to-text model behind the :data:`Captioner` signature."""

    def __init__(self, pipe) -> None:
        self._pipe = pipe

    def __call__(self, image: np.ndarray) -> str:
        from PIL import Image

        picture = Image.fromarray(np.clip(np.rint(image * 255), 0, 255).astype(np.uint8))
        result = self._pipe(images=picture, text="a photo of")
        if isinstance(result, list) and result and isinstance(result[0], list):
            result = result[0]
        text = result[0].get("generated_text", "") if result else ""
        if isinstance(text, list):  # chat-style output: the last message's content
            text = text[-1].get("content", "") if text else ""
        return str(text)


def load_captioner(model: str, device: str = "cpu") -> Captioner:
    """Load the image-to-text model ``model`` (Hub id or local folder) as a captioner.

    The Hugging Face cache is used first; a model missing offline is a one-line error.
    """
    from ..diffusion.models import quiet_libraries, resolve_device

    target = resolve_device(device)
    with quiet_libraries():
        from transformers import pipeline

        try:
            pipe = pipeline("image-text-to-text", model=model, device=target)
        except (OSError, ValueError, KeyError) as exc:
            raise CinemagraphError(
                f"cannot load the captioning model '{model}' ({str(exc).splitlines()[0]}); "
                "it must be in the Hugging Face cache or a local folder when offline"
            ) from exc
    return PipelineCaptioner(pipe)
