"""The Stable Diffusion model behind the prompt box: whether it is there, and loading it once.

The model is a Hugging Face id looked up in the cache (never downloaded) or a local
diffusers folder, as everywhere in cinemagraph; an application may instead hand over a
loader (a function returning a loaded pipeline). It is loaded on first use and kept for
every session; one model job (generating, inverting) runs at a time.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import CinemagraphError

#: The model the prompt box uses unless told otherwise.
DEFAULT_TEXT_MODEL = "CompVis/stable-diffusion-v1-4"


def weights_message(model: str) -> tuple[bool, str]:
    """Whether ``model`` (an id or a folder) can be loaded here, and one line saying so."""
    from ..diffusion.models import weights_problem

    problem = weights_problem(model, "the model")
    if problem is not None:
        return False, f"Text mode is off: {problem}"
    folder = Path(model).expanduser()
    if folder.is_dir():
        return True, f"Stable Diffusion weights found in {folder}."
    return True, f"Stable Diffusion weights found ({model})."


class TextModel:
    """The studio's one Stable Diffusion pipeline, loaded on first use."""

    def __init__(self, model: str = DEFAULT_TEXT_MODEL, device: str = "auto",
                 loader: Callable[[], Any] | None = None) -> None:
        self.model, self.device, self.loader = model, device, loader
        self._pipe: Any = None
        self._status: dict | None = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()

    def status(self) -> dict:
        """``{"available": bool, "message": one line}`` for the page."""
        if self._status is None:
            if self.loader is not None or self._pipe is not None:
                self._status = {"available": True, "message": "Stable Diffusion model ready."}
            else:
                available, message = weights_message(self.model)
                self._status = {"available": available, "message": message}
        return self._status

    def pipe(self) -> Any:
        """The loaded pipeline (loading it the first time), or a one-line error."""
        with self._load_lock:
            if self._pipe is None:
                status = self.status()
                if not status["available"]:
                    raise CinemagraphError(status["message"])
                if self.loader is not None:
                    self._pipe = self.loader()
                else:
                    from ..diffusion.models import load_pipeline

                    self._pipe = load_pipeline(self.model, self.device)
            return self._pipe

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Hold the model for one job: jobs of several tabs take turns."""
        with self._run_lock:
            yield


@contextlib.contextmanager
def counting_steps(pipe: Any, total: int, report: Callable[[float], None]) -> Iterator[None]:
    """Call ``report(done / total)`` before each UNet call of ``pipe`` (one per DDIM step
    of generation and of inversion)."""
    calls = 0

    def before(module: Any, args: Any) -> None:
        nonlocal calls
        calls += 1
        report(min(1.0, calls / max(1, total)))

    handle = pipe.unet.register_forward_pre_hook(before)
    try:
        yield
    finally:
        handle.remove()
