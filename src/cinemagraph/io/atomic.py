"""Atomic writes: a temporary sibling that is renamed onto the target only when complete.

An interrupted or failed write never leaves a file (or folder) at the target path that
looks complete; the temporary is removed on any exception, ``KeyboardInterrupt`` included.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import CinemagraphError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def ensure_writable_parent(target: Path) -> Path:
    """Create ``target``'s parent folder if needed and check that it is writable."""
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CinemagraphError(f"cannot create folder {parent}: {exc.strerror or exc}") from exc
    if not parent.is_dir():
        raise CinemagraphError(f"cannot write {target}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CinemagraphError(f"cannot write {target}: folder {parent} is not writable")
    try:  # the permission bits do not tell everything (root, special file systems)
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise CinemagraphError(
            f"cannot write {target}: folder {parent} is not writable ({exc.strerror or exc})"
        ) from exc
    return parent


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it onto ``target``.

    The temporary keeps ``target``'s suffix so tools that pick a format from the
    extension (ffmpeg, Pillow) still work.
    """
    target = Path(target)
    if target.is_dir():
        raise CinemagraphError(f"cannot write {target}: it is a folder")
    parent = ensure_writable_parent(target)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".part{target.suffix}", dir=parent
        )
    except OSError as exc:
        raise CinemagraphError(f"cannot write {target}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600; a finished output gets the permissions of a normal file.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary folder; on success its files replace ``target``'s.

    A new ``target`` is created by one rename. An existing ``target`` receives each file by
    an atomic rename; removing stale files it held before is the caller's job.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise CinemagraphError(f"cannot write frames to {target}: it is a file, not a folder")
    parent = ensure_writable_parent(target)
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        raise CinemagraphError(f"cannot write frames to {target}: folder is not writable")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    except OSError as exc:
        raise CinemagraphError(f"cannot write frames to {target}: {exc.strerror or exc}") from exc
    try:
        yield tmp
        if target.is_dir():
            for item in sorted(tmp.iterdir()):
                os.replace(item, target / item.name)
            tmp.rmdir()
        else:
            os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp creates 0700
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
