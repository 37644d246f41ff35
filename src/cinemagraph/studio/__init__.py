"""``cinemagraph studio``: a local, offline web editor over the Python API.

Paint what moves, freeze what must stay, drag arrows for how it moves, watch the loop and
export it. The server (:mod:`.app`, FastAPI) keeps each browser tab's work in its own
temporary folder (:mod:`.sessions`); the page (``static/``) is plain HTML, CSS and
JavaScript served by the package, with no build step and nothing fetched from elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import StudioConfig

__all__ = ["StudioConfig", "create_app"]


def create_app(config: StudioConfig | None = None, load_pipe: Callable[[], Any] | None = None):
    """The studio's ASGI application (FastAPI); see :func:`.app.create_app`."""
    from .app import create_app as _create_app

    return _create_app(config, load_pipe)
