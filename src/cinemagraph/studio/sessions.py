"""Sessions: each browser tab's work in its own temporary folder, found by a random id.

The client only ever holds the id (128 random bits); every path on disk is made here from
fixed names, never from anything the client sends. Sessions idle for longer than the
configured age are removed with their folders, and so is the longest idle one when there
are too many.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CinemagraphError
from .config import StudioConfig
from .project import Arrow, LoopSettings, Region

_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


class UnknownSession(CinemagraphError):
    """The session id names no live session (expired, or never made)."""


class StalePicture(CinemagraphError):
    """A request made for a picture that is no longer the session's open one."""


@dataclass
class Picture:
    """The opened picture: its file in the session folder and its sizes."""

    path: Path
    width: int
    height: int
    work: np.ndarray  #: uint8 h×w×3, the picture the page paints on
    previews: dict[int, np.ndarray] = field(default_factory=dict)  #: side → float32 image
    #: A generated picture's natural twin, whose motion animates it (as in text mode).
    twin_path: Path | None = None
    twin_previews: dict[int, np.ndarray] = field(default_factory=dict)  #: side → float32
    prompt: str = ""  #: the prompt that generated the picture
    attention: Any = None  #: the attention statistics captured while generating it
    #: Which of the session's pictures this is: the page sends it back with each request
    #: made for this picture, and a request for an earlier one is refused.
    token: int = 0

    def motion_image(self, side: int) -> np.ndarray:
        """The picture the motion is computed on at preview size ``side``: the twin when
        there is one, else the picture itself."""
        return self.twin_previews.get(side, self.previews[side])

    @property
    def work_shape(self) -> tuple[int, int]:
        return self.work.shape[:2]


@dataclass
class ProjectEdits:
    """What is made on a picture: the regions, the freeze mask, the arrows, the settings."""

    regions: list[Region]
    freeze: np.ndarray
    arrows: list[Arrow]
    settings: LoopSettings


@dataclass
class Session:
    """One tab's project and the files made for it."""

    id: str
    folder: Path
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: Held while a picture opens, so that two opening at once cannot mix their files.
    open_lock: threading.Lock = field(default_factory=threading.Lock)
    used: float = field(default_factory=time.monotonic)
    picture: Picture | None = None
    regions: list[Region] = field(default_factory=list)
    freeze: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    arrows: list[Arrow] = field(default_factory=list)
    settings: LoopSettings = field(default_factory=LoopSettings)
    version: int = 0  #: bumped on every edit
    opened: int = 0  #: pictures opened so far (the newest one's token)
    previews: dict[str, Any] = field(default_factory=dict)  #: quality → last preview
    jobs: dict[str, Any] = field(default_factory=dict)  #: export id → job
    model_jobs: dict[str, Any] = field(default_factory=dict)  #: generation/find id → job

    def need_picture(self, token: int | None = None) -> Picture:
        """The open picture; with ``token``, only if it is still the picture of that token."""
        picture = self.picture
        if picture is None:
            raise CinemagraphError("open a picture first")
        if token is not None and picture.token != token:
            raise StalePicture("this request was made for a picture that is no longer open")
        return picture


class SessionStore:
    """The live sessions, each in a folder under one root of the studio's own."""

    def __init__(self, config: StudioConfig) -> None:
        self.config = config
        self._own_root = config.root is None
        root = Path(tempfile.mkdtemp(prefix="cinemagraph-studio-")) if self._own_root \
            else Path(config.root)
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self) -> Session:
        """A new, empty session (after removing the stale ones)."""
        self.clean()
        session_id = secrets.token_hex(16)
        folder = self.root / session_id
        folder.mkdir()
        session = Session(id=session_id, folder=folder)
        with self._lock:
            self._sessions[session_id] = session
            excess = len(self._sessions) - self.config.max_sessions
            oldest = sorted(self._sessions.values(), key=lambda s: s.used)[:max(0, excess)]
            for old in oldest:
                self._remove(old)
        return session

    def get(self, session_id: str) -> Session:
        """The live session ``session_id``; an error for anything else."""
        if not _SESSION_ID.match(session_id or ""):
            raise UnknownSession("unknown session: reload the page to start a new one")
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None:
            raise UnknownSession("this session has ended: reload the page to start a new one")
        session.used = time.monotonic()
        return session

    def clean(self, now: float | None = None) -> int:
        """Remove sessions idle for longer than the configured age; returns how many."""
        now = time.monotonic() if now is None else now
        with self._lock:
            stale = [s for s in self._sessions.values()
                     if now - s.used > self.config.session_max_age_s]
            for session in stale:
                self._remove(session)
        return len(stale)

    def _remove(self, session: Session) -> None:
        self._sessions.pop(session.id, None)
        shutil.rmtree(session.folder, ignore_errors=True)

    def close(self) -> None:
        """Remove every session (and the root, when the studio made it)."""
        with self._lock:
            for session in list(self._sessions.values()):
                self._remove(session)
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __len__(self) -> int:
        return len(self._sessions)
