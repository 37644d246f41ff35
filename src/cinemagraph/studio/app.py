"""The studio's HTTP API (FastAPI) and the page it serves.

Every route below ``/api/sessions/{session}`` works on that session only; the session id is
the one thing the client names, and it only selects a live session in memory. Errors the
user can cause come back as ``{"error": "one line"}`` with status 400 (404 for an unknown
session or export, 413 for an upload over the limit); anything unexpected is a 500 with
one line, and the server goes on.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import re
import secrets
import threading
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from ..errors import CinemagraphError
from .config import StudioConfig
from .models import TextModel
from .pictures import open_picture, picture_info
from .project import (
    DIRECTIONS,
    MOTION_FILE,
    SPEEDS,
    TWIN_FILE,
    Arrow,
    LoopSettings,
    command_line,
    region_from_json,
)
from .render import (
    EXPORT_FORMATS,
    ExportJob,
    Scene,
    png_bytes,
    project_motion,
    render_preview,
    run_export,
    write_project_files,
)
from .sessions import Session, SessionStore, UnknownSession
from .smart_select import smart_select
from .text_mode import ModelJob, check_prompt, run_find, run_generation
from .uploads import check_size, decode_grey_png

STATIC = Path(__file__).with_name("static")

_JOB_ID = re.compile(r"^[0-9a-f]{16}$")
_DATA_URL = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=]*)$")


class TooLarge(CinemagraphError):
    """An upload over the byte limit."""


class NotFound(CinemagraphError):
    """An export or file this session does not have."""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request, limit: int, what: str) -> bytes:
    """The request's body, read no further than ``limit`` bytes."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the {what} is larger than the limit of {limit // (1024 * 1024)} MB "
                           "(start the studio with --max-upload-mb to change it)")
        chunks.append(chunk)
    data = b"".join(chunks)
    check_size(data, limit, what)
    return data


def _png_from_url(text: Any, shape: tuple[int, int], what: str) -> np.ndarray:
    match = _DATA_URL.match(text) if isinstance(text, str) else None
    if match is None:
        raise CinemagraphError(f"{what} must be a PNG data URL")
    try:
        data = base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CinemagraphError(f"{what} is not valid base64") from exc
    return decode_grey_png(data, shape, what)


def _png_url(mask: np.ndarray) -> str:
    grey = np.clip(np.rint(mask * 255.0), 0, 255).astype(np.uint8) if mask.dtype != np.uint8 \
        else mask
    return "data:image/png;base64," + base64.b64encode(png_bytes(grey)).decode("ascii")


def _set_project(session: Session, data: Any) -> None:
    picture = session.need_picture()
    if not isinstance(data, dict):
        raise CinemagraphError("the project must be an object")
    shape = picture.work_shape
    raw_regions = data.get("regions", [])
    raw_arrows = data.get("arrows", [])
    if not isinstance(raw_regions, list) or len(raw_regions) > 16:
        raise CinemagraphError("regions must be a list of at most 16")
    if not isinstance(raw_arrows, list) or len(raw_arrows) > 64:
        raise CinemagraphError("arrows must be a list of at most 64")
    regions = []
    for index, item in enumerate(raw_regions):
        region = region_from_json(item, index)
        region.mask = _png_from_url(item.get("mask"), shape, f"region {index + 1}'s mask")
        regions.append(region)
    freeze = (np.zeros(shape, np.float32) if data.get("freeze") is None
              else _png_from_url(data["freeze"], shape, "the freeze mask"))
    arrows = [Arrow.from_json(item, picture.width, picture.height) for item in raw_arrows]
    settings = LoopSettings.from_json(data.get("settings", {}))
    with session.lock:
        session.regions, session.freeze = regions, freeze
        session.arrows, session.settings = arrows, settings
        session.version += 1
        session.previews.clear()


def _scene(session: Session) -> Scene:
    with session.lock:
        picture = session.need_picture()
        return Scene(tuple(replace(r) for r in session.regions), session.freeze.copy(),
                     tuple(session.arrows), session.settings, picture.width, picture.height)


def _project_json(session: Session) -> dict:
    picture = session.need_picture()
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


def _project_zip(session: Session) -> bytes:
    """The project as a zip: picture, masks for the command line, masks as painted,
    project.json and command.txt."""
    scene = _scene(session)
    picture = session.need_picture()
    folder = session.folder / f"save-{secrets.token_hex(4)}"
    try:
        paths = write_project_files(folder, scene, picture.path, twin=picture.twin_path)
        if picture.twin_path is not None and scene.regions:
            with contextlib.suppress(CinemagraphError):  # nothing moves yet: no field to save
                project_motion(folder, scene, picture.path.name, paths, [])
        meta = _project_json(session)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in sorted(folder.rglob("*")):
                if item.is_file():
                    archive.write(item, item.relative_to(folder).as_posix())
            archive.writestr("project.json", json.dumps(meta, indent=2))
            archive.writestr("command.txt", meta["command"] + "\n")
        return buffer.getvalue()
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def _load_project_zip(session: Session, data: bytes, config: StudioConfig) -> dict:
    """Open a saved project zip: only the members project.json names are read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise CinemagraphError("the project file is not a zip the studio saved") from exc
    with archive:
        sizes = {info.filename: info.file_size for info in archive.infolist()}
        if sum(sizes.values()) > 4 * config.max_upload_bytes:
            raise CinemagraphError("the project zip unpacks to more than the upload limit allows")

        def member(name: Any, what: str) -> bytes:
            if not isinstance(name, str) or name not in sizes:
                raise CinemagraphError(f"the project zip has no {what}")
            try:
                return archive.read(name)
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                raise CinemagraphError(f"the project zip's {what} cannot be read") from exc

        try:
            meta = json.loads(member("project.json", "project.json"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise CinemagraphError("the project's project.json is not valid JSON") from exc
        if not isinstance(meta, dict) or not re.fullmatch(r"picture\.(jpg|png|webp)",
                                                          str(meta.get("picture"))):
            raise CinemagraphError("the project's project.json does not name its picture")
        twin = member(TWIN_FILE, "twin") if meta.get("twin") == TWIN_FILE else None
        info = open_picture(session, member(meta["picture"], "picture"), config, twin=twin)
        if twin is not None and isinstance(meta.get("prompt"), str):
            session.need_picture().prompt = meta["prompt"][:400]
            info = picture_info(session)
        regions = meta.get("regions", [])
        if not isinstance(regions, list):
            raise CinemagraphError("the project's regions must be a list")
        project = {"regions": [], "arrows": meta.get("arrows", []),
                   "settings": meta.get("settings", {})}
        for index, region in enumerate(regions):
            if not isinstance(region, dict):
                raise CinemagraphError(f"the project's region {index + 1} is not an object")
            png = member(f"edit/region-{index + 1}.png", f"mask of region {index + 1}")
            project["regions"].append({**region, "mask": "data:image/png;base64,"
                                       + base64.b64encode(png).decode("ascii")})
        if "edit/freeze.png" in sizes:
            project["freeze"] = "data:image/png;base64," + base64.b64encode(
                member("edit/freeze.png", "freeze mask")).decode("ascii")
    _set_project(session, project)
    return {"picture": info, "project": project}


def create_app(config: StudioConfig | None = None,
               load_pipe: Callable[[], Any] | None = None) -> FastAPI:
    """The studio application. Its sessions live under ``config.root`` (or a temporary
    folder, removed at shutdown: ``app.state.sessions.close()``). The prompt box uses
    ``config.model`` (loaded on first use), or the pipeline ``load_pipe()`` returns."""
    config = config or StudioConfig()
    store = SessionStore(config)
    text_model = TextModel(config.model, config.device, load_pipe)
    app = FastAPI(title="cinemagraph studio", docs_url=None, redoc_url=None,
                  openapi_url=None, on_shutdown=[store.close])
    app.state.sessions = store
    app.state.config = config
    app.state.text_model = text_model

    @app.exception_handler(CinemagraphError)
    async def _user_error(request: Request, exc: CinemagraphError) -> JSONResponse:
        status = 404 if isinstance(exc, (UnknownSession, NotFound)) else \
            413 if isinstance(exc, TooLarge) else 400
        return _error(status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(400, "the request is malformed")

    @app.middleware("http")
    async def _never_die(request: Request, call_next):
        try:
            return await call_next(request)
        except Exception as exc:  # the last line of defence: one line, and the server goes on
            return _error(500, f"internal error ({type(exc).__name__}: {exc})")

    async def _json(request: Request) -> Any:
        try:
            return json.loads(await _body(request, config.max_upload_bytes, "request"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise CinemagraphError("the request is not valid JSON") from exc

    @app.get("/")
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/weights")
    def weights() -> dict:
        return text_model.status()

    @app.get("/api/status")
    def status() -> dict:
        return {"directions": list(DIRECTIONS),
                "speeds": list(SPEEDS), "formats": list(EXPORT_FORMATS),
                "max_upload_bytes": config.max_upload_bytes,
                "max_upload_pixels": config.max_upload_pixels}

    @app.post("/api/sessions")
    def new_session() -> dict:
        return {"session": store.create().id}

    @app.post("/api/sessions/{session_id}/picture")
    async def upload_picture(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _body(request, config.max_upload_bytes, "picture")
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(open_picture, session, data, config)

    @app.get("/api/sessions/{session_id}/picture.jpg")
    def picture_jpeg(session_id: str) -> Response:
        import cv2

        picture = store.get(session_id).need_picture()
        _, data = cv2.imencode(".jpg", cv2.cvtColor(picture.work, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, 92])
        return Response(data.tobytes(), media_type="image/jpeg")

    @app.put("/api/sessions/{session_id}/project")
    async def put_project(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _json(request)
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(_set_project, session, data)
        return {"version": session.version, "command": _project_json(session)["command"]}

    @app.post("/api/sessions/{session_id}/preview")
    def preview(session_id: str, draft: bool = False) -> dict:
        session = store.get(session_id)
        quality = "draft" if draft else "full"
        version = session.version
        scene = _scene(session)
        picture = session.need_picture()
        side = config.draft_side if draft else config.preview_side
        result = session.previews.get(quality)
        if result is None or result[0] != version:
            result = (version, render_preview(scene, picture.previews[side], draft,
                                              picture.motion_image(side)
                                              if picture.twin_path is not None else None))
            with session.lock:
                if session.version == version:
                    session.previews[quality] = result
        made = result[1]
        base = f"/api/sessions/{session.id}/preview/{quality}"
        return {"version": version, "quality": quality, "frames": made.frames,
                "columns": made.columns, "width": made.width, "height": made.height,
                "fps": made.fps, "notes": made.notes,
                "sheet": f"{base}/sheet.jpg?v={version}",
                "overlay": f"{base}/overlay.png?v={version}"}

    @app.get("/api/sessions/{session_id}/preview/{quality}/{name}")
    def preview_file(session_id: str, quality: str, name: str) -> Response:
        session = store.get(session_id)
        result = session.previews.get(quality)
        if result is None or name not in ("sheet.jpg", "overlay.png"):
            raise NotFound("no such preview: render it first")
        made = result[1]
        if name == "sheet.jpg":
            return Response(made.sheet, media_type="image/jpeg")
        return Response(made.overlay, media_type="image/png")

    @app.post("/api/sessions/{session_id}/select")
    async def select(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _json(request)
        picture = session.need_picture()
        h, w = picture.work_shape

        def numbers(key: str, count: int) -> tuple[float, ...] | None:
            value = data.get(key) if isinstance(data, dict) else None
            if value is None:
                return None
            if not (isinstance(value, list) and len(value) == count and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
                raise CinemagraphError(f"{key} must be a list of {count} numbers")
            limits = (w, h) * (count // 2)
            return tuple(float(min(max(v, 0), lim - 1)) for v, lim in zip(value, limits,
                                                                          strict=True))

        box, point = numbers("box", 4), numbers("point", 2)
        from starlette.concurrency import run_in_threadpool

        mask = await run_in_threadpool(smart_select, picture.work, box, point)
        pixels = int((mask > 0).sum())
        if not pixels:
            raise CinemagraphError("smart select found nothing apart from its surroundings here: "
                                   "drag a box a little larger than the object, or click on it")
        return {"mask": _png_url(mask), "pixels": pixels}

    def _start_model_job(session: Session, kind: str, target: Callable[..., None],
                         *args: Any) -> dict:
        with session.lock:
            if any(job.state == "running" for job in session.model_jobs.values()):
                raise CinemagraphError("the model is still working for this tab: wait for it")
            job = ModelJob(secrets.token_hex(8), kind)
            session.model_jobs[job.id] = job
        threading.Thread(target=target, args=(job, text_model, session, config, *args),
                         daemon=True, name=f"{kind}-{job.id}").start()
        return job.describe()

    def _need_weights() -> None:
        status = text_model.status()
        if not status["available"]:
            raise CinemagraphError(status["message"])

    @app.post("/api/sessions/{session_id}/generate")
    async def generate(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _json(request)
        data = data if isinstance(data, dict) else {}
        _need_weights()
        prompt = check_prompt(data.get("prompt"))
        seed = data.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise CinemagraphError(f"the seed must be a whole number from 0 to 2³² − 1, "
                                   f"got {seed!r}")
        return _start_model_job(session, "generate", run_generation, prompt, seed)

    @app.post("/api/sessions/{session_id}/find")
    async def find(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _json(request)
        picture = session.need_picture()
        words = check_prompt(data.get("prompt") if isinstance(data, dict) else None, "prompt")
        if picture.attention is None or words != picture.prompt:
            _need_weights()
        return _start_model_job(session, "find", run_find, words)

    @app.get("/api/sessions/{session_id}/jobs/{job_id}")
    def model_job(session_id: str, job_id: str) -> dict:
        session = store.get(session_id)
        job = session.model_jobs.get(job_id) if _JOB_ID.match(job_id) else None
        if job is None:
            raise NotFound("no such job")
        return job.describe()

    @app.get("/api/sessions/{session_id}/command")
    def command(session_id: str) -> dict:
        session = store.get(session_id)
        return {"command": _project_json(session)["command"],
                "note": "Run it in the folder of the saved project (Save project, then unzip)."}

    @app.post("/api/sessions/{session_id}/exports")
    async def start_export(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _json(request)
        kind = data.get("format") if isinstance(data, dict) else None
        if kind not in EXPORT_FORMATS:
            raise CinemagraphError(f"unknown export format {kind!r}: choose one of "
                                   f"{', '.join(EXPORT_FORMATS)}")
        scene = _scene(session)
        scene.check()
        picture = session.need_picture()
        with session.lock:
            if any(job.state == "running" for job in session.jobs.values()):
                raise CinemagraphError("an export is already running: wait for it to finish")
            job_id = secrets.token_hex(8)
            job = ExportJob(job_id, kind, session.folder / "exports" / job_id)
            session.jobs[job_id] = job
        threading.Thread(target=run_export, args=(job, scene, picture.path, picture.twin_path),
                         daemon=True,
                         name=f"export-{job_id}").start()
        return job.describe()

    def _job(session_id: str, job_id: str) -> ExportJob:
        session = store.get(session_id)
        job = session.jobs.get(job_id) if _JOB_ID.match(job_id) else None
        if job is None:
            raise NotFound("no such export")
        return job

    @app.get("/api/sessions/{session_id}/exports/{job_id}")
    def export_status(session_id: str, job_id: str) -> dict:
        job = _job(session_id, job_id)
        described = job.describe()
        if job.state == "done":
            described["url"] = f"/api/sessions/{session_id}/exports/{job_id}/file"
        return described

    @app.get("/api/sessions/{session_id}/exports/{job_id}/file")
    def export_file(session_id: str, job_id: str) -> FileResponse:
        job = _job(session_id, job_id)
        if job.state != "done" or job.path is None:
            raise NotFound("the export is not finished")
        return FileResponse(job.path, filename=job.filename)

    @app.get("/api/sessions/{session_id}/project.zip")
    def save_project(session_id: str) -> Response:
        data = _project_zip(store.get(session_id))
        return Response(data, media_type="application/zip", headers={
            "Content-Disposition": 'attachment; filename="cinemagraph-project.zip"'})

    @app.post("/api/sessions/{session_id}/project.zip")
    async def load_project(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _body(request, config.max_upload_bytes, "project")
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(_load_project_zip, session, data, config)

    return app
