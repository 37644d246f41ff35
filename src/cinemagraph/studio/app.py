"""The studio's HTTP API (FastAPI) and the page it serves.

Every route below ``/api/sessions/{session}`` works on that session only; the session id is
the one thing the client names, and it only selects a live session in memory. Errors the
user can cause come back as ``{"error": "one line"}`` with status 400 (404 for an unknown
session or export, 413 for an upload over the limit); anything unexpected is a 500 with
one line, and the server goes on.

A request the page makes for its open picture carries that picture's token (the
``X-Studio-Picture`` header, from the picture's ``token``); once another picture has opened,
such a request is refused with status 409, and the page drops it. So is a request for the
files of a preview that a newer edit has superseded (each preview's URLs name its version).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from ..errors import CinemagraphError
from .config import StudioConfig
from .models import TextModel
from .pictures import open_picture
from .project import DIRECTIONS, SPEEDS
from .project_state import (
    load_project_zip,
    mask_url,
    project_json,
    project_zip,
    scene_of,
    set_project,
)
from .render import EXPORT_FORMATS, ExportJob, render_preview, run_export
from .sessions import Session, SessionStore, StalePicture, UnknownSession
from .smart_select import smart_select
from .text_mode import ModelJob, check_prompt, open_generated, run_find, run_generation
from .uploads import check_size

STATIC = Path(__file__).with_name("static")

_JOB_ID = re.compile(r"^[0-9a-f]{16}$")

#: The header naming the picture a request was made for (its token).
PICTURE_HEADER = "x-studio-picture"


class TooLarge(CinemagraphError):
    """An upload over the byte limit."""


class NotFound(CinemagraphError):
    """An export or file this session does not have."""


class Superseded(CinemagraphError):
    """A preview of a version of the project that a newer one has replaced."""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _token(request: Request) -> int | None:
    """The token of the picture the request was made for; None when it names none."""
    value = request.headers.get(PICTURE_HEADER)
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", value.strip()):
        raise CinemagraphError("the picture token must be a whole number")
    return int(value)


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
            413 if isinstance(exc, TooLarge) else \
            409 if isinstance(exc, (StalePicture, Superseded)) else 400
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

        token = _token(request)
        await run_in_threadpool(set_project, session, data, token)
        return {"version": session.version, "command": project_json(session, token)["command"]}

    @app.post("/api/sessions/{session_id}/preview")
    def preview(session_id: str, request: Request, draft: bool = False) -> dict:
        session = store.get(session_id)
        quality = "draft" if draft else "full"
        with session.lock:
            picture = session.need_picture(_token(request))
            version = session.version
            scene = scene_of(session)
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
        return {"version": version, "token": picture.token, "quality": quality,
                "frames": made.frames,
                "columns": made.columns, "width": made.width, "height": made.height,
                "fps": made.fps, "notes": made.notes,
                "sheet": f"{base}/sheet.jpg?v={version}",
                "overlay": f"{base}/overlay.png?v={version}"}

    @app.get("/api/sessions/{session_id}/preview/{quality}/{name}")
    def preview_file(session_id: str, quality: str, name: str, v: int | None = None) -> Response:
        session = store.get(session_id)
        with session.lock:
            result, version = session.previews.get(quality), session.version
        if name not in ("sheet.jpg", "overlay.png"):
            raise NotFound("no such preview: render it first")
        if v is not None and (result is None or result[0] != v) and v < version:
            raise Superseded("this preview was superseded by a newer edit: render it again")
        if result is None or (v is not None and result[0] != v):
            raise NotFound("no such preview: render it first")
        made = result[1]
        if name == "sheet.jpg":
            return Response(made.sheet, media_type="image/jpeg")
        return Response(made.overlay, media_type="image/png")

    @app.post("/api/sessions/{session_id}/select")
    async def select(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _json(request)
        picture = session.need_picture(_token(request))
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
        return {"mask": mask_url(mask), "pixels": pixels, "token": picture.token}

    def _start_model_job(session: Session, kind: str, target: Callable[..., None],
                         *args: Any) -> dict:
        with session.lock:
            if any(job.state == "running" for job in session.model_jobs.values()):
                raise CinemagraphError("the model is still working for this tab: wait for it")
            job = ModelJob(secrets.token_hex(8), kind)
            if kind == "generate":  # only the newest generated picture is kept to open
                for old in session.model_jobs.values():
                    old.generated = None
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
        picture = session.need_picture(_token(request))
        words = check_prompt(data.get("prompt") if isinstance(data, dict) else None, "prompt")
        if picture.attention is None or words != picture.prompt:
            _need_weights()
        return _start_model_job(session, "find", run_find, words, picture)

    def _model_job(session: Session, job_id: str) -> ModelJob:
        job = session.model_jobs.get(job_id) if _JOB_ID.match(job_id) else None
        if job is None:
            raise NotFound("no such job")
        return job

    @app.get("/api/sessions/{session_id}/jobs/{job_id}")
    def model_job(session_id: str, job_id: str) -> dict:
        return _model_job(store.get(session_id), job_id).describe()

    @app.post("/api/sessions/{session_id}/jobs/{job_id}/open")
    async def open_generated_picture(session_id: str, job_id: str) -> dict:
        session = store.get(session_id)
        job = _model_job(session, job_id)
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(open_generated, session, job, config)

    @app.get("/api/sessions/{session_id}/command")
    def command(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        return {"command": project_json(session, _token(request))["command"],
                "note": "Run it in the folder of the saved project (Save project, then unzip)."}

    @app.post("/api/sessions/{session_id}/exports")
    async def start_export(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _json(request)
        kind = data.get("format") if isinstance(data, dict) else None
        if kind not in EXPORT_FORMATS:
            raise CinemagraphError(f"unknown export format {kind!r}: choose one of "
                                   f"{', '.join(EXPORT_FORMATS)}")
        with session.lock:
            picture = session.need_picture(_token(request))
            scene = scene_of(session)
        scene.check()
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
        data = project_zip(store.get(session_id))
        return Response(data, media_type="application/zip", headers={
            "Content-Disposition": 'attachment; filename="cinemagraph-project.zip"'})

    @app.post("/api/sessions/{session_id}/project.zip")
    async def load_project(session_id: str, request: Request) -> dict:
        session = store.get(session_id)
        data = await _body(request, config.max_upload_bytes, "project")
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(load_project_zip, session, data, config)

    return app
