"""Opening a picture in a session: an upload, a saved project's picture or a generated one.

The picture's bytes are checked by content and kept as ``picture.<suffix>`` in the session
folder; the page paints on a copy at most ``work_side`` pixels long, and the previews use
copies at the preview sizes. A generated picture also keeps its natural twin
(``twin.png``), whose motion animates it as in text mode.

Opening is all or nothing: the new picture is written to a folder of its own and read back
whole before its files take the place of the open picture's, so that a picture that fails
to open leaves the one open before it open, files and project included.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CinemagraphError
from ..io.atomic import atomic_file
from ..io.images import load_image, pixel_limit
from .config import StudioConfig
from .render import resize_image
from .sessions import Picture, ProjectEdits, Session
from .uploads import check_picture

#: The file a generated picture's twin is kept in, in the session folder and the project.
TWIN_FILE = "twin.png"


def _sizes(config: StudioConfig) -> set[int]:
    return {config.draft_side, config.preview_side}


def open_picture(session: Session, data: bytes, config: StudioConfig,
                 twin: bytes | None = None, prompt: str = "", attention: Any = None,
                 edits: Callable[[Picture], ProjectEdits] | None = None) -> dict:
    """Check and keep ``data`` as the session's picture (and ``twin``, PNG bytes of the
    same size, as the picture its motion is computed on; a generated picture's ``prompt``
    and ``attention``); the project restarts, or with ``edits`` becomes what it makes of
    the new picture, read and checked before anything of the open one is given up.
    Pictures open one at a time per session."""
    with session.open_lock:
        return _open_picture(session, data, config, twin, prompt, attention, edits)


def _open_picture(session: Session, data: bytes, config: StudioConfig, twin: bytes | None,
                  prompt: str, attention: Any,
                  edits: Callable[[Picture], ProjectEdits] | None) -> dict:
    checked = check_picture(data, config.max_upload_bytes, config.max_upload_pixels)
    staging = session.folder / f"opening-{secrets.token_hex(4)}"
    try:
        staging.mkdir()
        picture = _read_picture(staging, data, checked.suffix, config, twin, prompt, attention)
        made = edits(picture) if edits is not None else None
        with session.lock:
            _keep_files(session, staging, picture)
            session.opened += 1
            picture.token = session.opened
            session.picture = picture
            if made is None:
                session.regions, session.arrows = [], []
                session.freeze = np.zeros(picture.work_shape, np.float32)
            else:
                session.regions, session.freeze = made.regions, made.freeze
                session.arrows, session.settings = made.arrows, made.settings
            session.version += 1
            session.previews.clear()
            return picture_info(session)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read_picture(staging: Path, data: bytes, suffix: str, config: StudioConfig,
                  twin: bytes | None, prompt: str, attention: Any) -> Picture:
    """The picture (and twin) written in ``staging`` and read back whole: every check an
    open makes, done before the session's open picture is given up."""
    path = staging / f"picture{suffix}"
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)
    with pixel_limit(config.max_upload_pixels):
        still = load_image(path)  # EXIF orientation applied
    height, width = still.shape[:2]
    twin_path, twin_previews = None, {}
    if twin is not None:
        twin_path = staging / TWIN_FILE
        with atomic_file(twin_path) as tmp:
            tmp.write_bytes(twin)
        with pixel_limit(config.max_upload_pixels):
            natural = load_image(twin_path)
        if natural.shape != still.shape:
            raise CinemagraphError(
                f"the twin is {natural.shape[1]}×{natural.shape[0]}, not the picture's "
                f"{width}×{height}")
        twin_previews = {side: resize_image(natural, side).astype(np.float32)
                         for side in _sizes(config)}
    work = (resize_image(still, config.work_side) * 255.0 + 0.5).clip(0, 255).astype(np.uint8)
    previews = {side: resize_image(still, side).astype(np.float32) for side in _sizes(config)}
    return Picture(path, width, height, work, previews, twin_path=twin_path,
                   twin_previews=twin_previews, prompt=prompt, attention=attention)


def _keep_files(session: Session, staging: Path, picture: Picture) -> None:
    """Move the checked picture's files from ``staging`` into the session folder, in place
    of the open picture's, and point ``picture`` at them."""
    old = {*session.folder.glob("picture.*"), session.folder / TWIN_FILE}
    kept = []
    for name in [picture.path.name] + ([TWIN_FILE] if picture.twin_path is not None else []):
        target = session.folder / name
        os.replace(staging / name, target)
        kept.append(target)
    for path in old - set(kept):
        path.unlink(missing_ok=True)
    picture.path = kept[0]
    picture.twin_path = kept[1] if picture.twin_path is not None else None


def picture_info(session: Session) -> dict:
    """What the page needs to show the session's picture."""
    picture = session.need_picture()
    h, w = picture.work_shape
    return {"width": picture.width, "height": picture.height, "work_width": w,
            "work_height": h, "url": f"/api/sessions/{session.id}/picture.jpg?v={session.version}",
            "generated": picture.twin_path is not None, "prompt": picture.prompt,
            "token": picture.token}
