"""The session's project: as the page sends it, as a snapshot to render, and as a zip.

The page sends the regions' and the freeze mask's pixels as grey PNG data URLs at the
painting size; a saved project is a zip with the picture (and a generated picture's twin
and field), the masks for the command line (``masks/``), the masks as painted (``edit/``),
``project.json`` and ``command.txt``. Opening a zip reads only the members its
``project.json`` names, each checked as an upload is, and is all or nothing: a zip with
anything wrong in it leaves the open picture and its project as they were.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import re
import secrets
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import CinemagraphError
from .config import StudioConfig
from .pictures import open_picture
from .project import (
    MAX_ARROWS,
    MAX_REGIONS,
    MOTION_FILE,
    TWIN_FILE,
    Arrow,
    LoopSettings,
    Region,
    command_line,
    region_from_json,
)
from .render import Scene, png_bytes, project_motion, write_project_files
from .sessions import Picture, ProjectEdits, Session, StalePicture
from .uploads import decode_grey_png

_DATA_URL = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=]*)$")


def mask_from_url(text: Any, shape: tuple[int, int], what: str) -> np.ndarray:
    """A mask the page sent (a grey PNG data URL) as float32 ``H×W`` of ``shape``."""
    match = _DATA_URL.match(text) if isinstance(text, str) else None
    if match is None:
        raise CinemagraphError(f"{what} must be a PNG data URL")
    try:
        data = base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CinemagraphError(f"{what} is not valid base64") from exc
    return decode_grey_png(data, shape, what)


def mask_url(mask: np.ndarray) -> str:
    """A mask (float in [0, 1] or uint8) as a grey PNG data URL for the page."""
    grey = np.clip(np.rint(mask * 255.0), 0, 255).astype(np.uint8) if mask.dtype != np.uint8 \
        else mask
    return "data:image/png;base64," + base64.b64encode(png_bytes(grey)).decode("ascii")


def read_edits(picture: Picture, data: Any,
               mask: Callable[[Any, str], np.ndarray]) -> ProjectEdits:
    """The regions, freeze mask, arrows and settings ``data`` holds for ``picture``, each
    checked; ``mask(value, what)`` reads the mask ``value`` names as float32 of the
    picture's painting size. A fault raises one line, before anything changes."""
    if not isinstance(data, dict):
        raise CinemagraphError("the project must be an object")
    raw_regions = data.get("regions", [])
    raw_arrows = data.get("arrows", [])
    if not isinstance(raw_regions, list) or len(raw_regions) > MAX_REGIONS:
        raise CinemagraphError(f"regions must be a list of at most {MAX_REGIONS}")
    if not isinstance(raw_arrows, list) or len(raw_arrows) > MAX_ARROWS:
        raise CinemagraphError(f"arrows must be a list of at most {MAX_ARROWS}")
    regions = []
    for index, item in enumerate(raw_regions):
        region = region_from_json(item, index)
        region.mask = mask(item.get("mask"), f"region {index + 1}'s mask")
        regions.append(region)
    freeze = (np.zeros(picture.work_shape, np.float32) if data.get("freeze") is None
              else mask(data["freeze"], "the freeze mask"))
    arrows = [Arrow.from_json(item, picture.width, picture.height) for item in raw_arrows]
    settings = LoopSettings.from_json(data.get("settings", {}))
    return ProjectEdits(regions, freeze, arrows, settings)


def page_project(edits: ProjectEdits) -> dict:
    """``edits`` as the page holds a project: masks as grey PNG data URLs."""
    return {"regions": [{"name": r.name, "direction": r.direction, "speed": r.speed,
                         "colour": r.colour, "mask": mask_url(r.mask)} for r in edits.regions],
            "freeze": mask_url(edits.freeze), "arrows": [vars(a) for a in edits.arrows],
            "settings": vars(edits.settings)}


def set_project(session: Session, data: Any, token: int | None = None) -> None:
    """Replace the session's regions, freeze mask, arrows and settings with the page's,
    made for the picture of ``token`` (any picture: None). A project made for a picture
    that is no longer open is refused, even one that arrives while another picture opens.
    A project the same as the session's changes nothing: its version and previews stay."""
    picture = session.need_picture(token)
    shape = picture.work_shape
    edits = read_edits(picture, data, lambda value, what: mask_from_url(value, shape, what))
    regions, freeze, arrows, settings = (edits.regions, edits.freeze, edits.arrows,
                                         edits.settings)
    with session.lock:
        if session.picture is not picture:
            raise StalePicture("this project was made for a picture that is no longer open")
        if _same_project(session, regions, freeze, arrows, settings):
            return  # sent again unchanged (to save, copy or export it): the previews stay
        session.regions, session.freeze = regions, freeze
        session.arrows, session.settings = arrows, settings
        session.version += 1
        session.previews.clear()


def _same_project(session: Session, regions: list[Region], freeze: np.ndarray,
                  arrows: list[Arrow], settings: LoopSettings) -> bool:
    """Whether the session's project is already exactly this one."""
    def words(region: Region) -> tuple[str, str, str, str]:
        return region.name, region.direction, region.speed, region.colour

    return (len(session.regions) == len(regions)
            and all(words(old) == words(new) and np.array_equal(old.mask, new.mask)
                    for old, new in zip(session.regions, regions, strict=True))
            and np.array_equal(session.freeze, freeze)
            and session.arrows == arrows and session.settings == settings)


def scene_of(session: Session, token: int | None = None) -> Scene:
    """A snapshot of the session's project to render while the page goes on editing (of
    the picture of ``token``, when given)."""
    with session.lock:
        picture = session.need_picture(token)
        return Scene(tuple(replace(r) for r in session.regions), session.freeze.copy(),
                     tuple(session.arrows), session.settings, picture.width, picture.height)


def project_json(session: Session, token: int | None = None) -> dict:
    """The saved project's ``project.json``: names, files, arrows, settings, command."""
    with session.lock:
        return _project_json(session, session.need_picture(token))


def _project_json(session: Session, picture: Picture) -> dict:
    settings = session.settings
    return {
        "picture": picture.path.name,
        "regions": [{"name": r.name, "direction": r.direction, "speed": r.speed,
                     "colour": r.colour, "mask": f"edit/region-{i + 1}.png"}
                    for i, r in enumerate(session.regions)],
        "freeze": "edit/freeze.png",
        "arrows": [vars(a) for a in session.arrows],
        "settings": vars(settings),
        "command": command_line(picture.path.name, session.regions, session.arrows, settings,
                                "cinemagraph.mp4",
                                MOTION_FILE if picture.twin_path is not None else None),
        **({"twin": TWIN_FILE, "prompt": picture.prompt} if picture.twin_path is not None
           else {}),
    }


def project_zip(session: Session) -> bytes:
    """The project as a zip: picture, masks for the command line, masks as painted,
    project.json and command.txt."""
    with session.lock:
        picture = session.need_picture()
        scene, meta = scene_of(session), project_json(session)
    folder = session.folder / f"save-{secrets.token_hex(4)}"
    try:
        paths = write_project_files(folder, scene, picture.path, twin=picture.twin_path)
        if picture.twin_path is not None and scene.regions:
            with contextlib.suppress(CinemagraphError):  # nothing moves yet: no field to save
                project_motion(folder, scene, picture.path.name, paths, [])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in sorted(folder.rglob("*")):
                if item.is_file():
                    archive.write(item, item.relative_to(folder).as_posix())
            archive.writestr("project.json", json.dumps(meta, indent=2))
            archive.writestr("command.txt", meta["command"] + "\n")
        return buffer.getvalue()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_project_zip(session: Session, data: bytes, config: StudioConfig) -> dict:
    """Open a saved project zip: only the members project.json names are read. All or
    nothing: the picture, its masks, arrows and settings are all read and checked before
    any of them takes the place of the open picture and its project."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise CinemagraphError("the project file is not a zip the studio saved") from exc
    try:
        with archive:
            return _load_project_zip(session, archive, config)
    except CinemagraphError as exc:
        raise CinemagraphError(f"the project zip cannot be loaded: {exc}") from exc


def _load_project_zip(session: Session, archive: zipfile.ZipFile,
                      config: StudioConfig) -> dict:
    sizes = {info.filename: info.file_size for info in archive.infolist()}
    if sum(sizes.values()) > 4 * config.max_upload_bytes:
        raise CinemagraphError("it unpacks to more than the upload limit allows")

    def member(name: Any, what: str) -> bytes:
        if not isinstance(name, str):
            raise CinemagraphError(f"its project.json does not name {what}")
        if name not in sizes:
            raise CinemagraphError(f"it has no {name}, {what}")
        try:
            return archive.read(name)
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            raise CinemagraphError(f"its {name}, {what}, cannot be read") from exc

    try:
        meta = json.loads(member("project.json", "the project's description"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CinemagraphError("its project.json is not valid JSON") from exc
    if not isinstance(meta, dict) or not re.fullmatch(r"picture\.(jpg|png|webp)",
                                                      str(meta.get("picture"))):
        raise CinemagraphError("its project.json does not name its picture")
    twin = member(TWIN_FILE, "the twin") if meta.get("twin") == TWIN_FILE else None
    prompt = meta.get("prompt") if twin is not None else None
    raw_regions = meta.get("regions", [])
    if not isinstance(raw_regions, list):
        raise CinemagraphError("its regions must be a list")
    for index, region in enumerate(raw_regions):
        if not isinstance(region, dict):
            raise CinemagraphError(f"its region {index + 1} is not an object")
    project = {"regions": [{"mask": f"edit/region-{index + 1}.png", **region}
                           for index, region in enumerate(raw_regions)],
               "freeze": meta.get("freeze"), "arrows": meta.get("arrows", []),
               "settings": meta.get("settings", {})}
    made: list[ProjectEdits] = []

    def edits(picture: Picture) -> ProjectEdits:
        shape = picture.work_shape

        def mask(name: Any, what: str) -> np.ndarray:
            return decode_grey_png(member(name, what), shape,
                                   f"{what} ({name})" if isinstance(name, str) else what)

        made.append(read_edits(picture, project, mask))
        return made[-1]

    info = open_picture(session, member(meta["picture"], "the picture"), config, twin=twin,
                        prompt=prompt[:400] if isinstance(prompt, str) else "", edits=edits)
    return {"picture": info, "project": page_project(made[-1])}
