"""Atomic writes: a temporary sibling that is renamed onto the target only when complete.

An interrupted or failed write never leaves a file (or folder) at the target path that
looks complete; the temporary is removed on any exception, ``KeyboardInterrupt`` included,
and so are the folders the write created for it. Temporaries are named
``.<name>.<random>.part<suffix>``; one that an earlier, killed process left beside the
target (older than this process) is removed by the next write to that target.

Write failures of the file system (disk full, a read-only mount, a name too long) are
raised as :class:`~cinemagraph.errors.CinemagraphError` naming the target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import CinemagraphError

#: When this process started (as far as temporaries are concerned): a temporary of our
#: naming scheme older than this belongs to an earlier run that was killed.
PROCESS_START = time.time()

#: The longest file or folder name (one path component), in bytes, that we write.
MAX_NAME_BYTES = 255


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_name_lengths(path: str | os.PathLike[str], what: str = "cannot write") -> None:
    """Refuse a path with a component longer than :data:`MAX_NAME_BYTES` bytes."""
    for part in Path(path).parts:
        size = len(os.fsencode(part))
        if size > MAX_NAME_BYTES:
            short = part[:24] + "…"
            raise CinemagraphError(
                f"{what} {short}: the name is {size} bytes long; file systems allow at most "
                f"{MAX_NAME_BYTES}")


def _existing_ancestor(folder: Path) -> Path:
    current = folder
    while not current.exists():
        if current.parent == current:
            break
        current = current.parent
    return current


def check_writable(target: str | os.PathLike[str]) -> Path:
    """Check, without creating anything, that ``target`` can be written.

    Its parent folder must be a writable folder, or not exist yet below a writable folder
    (it is then created by the write itself). Returns the parent.
    """
    target = Path(target)
    check_name_lengths(target)
    parent = target.parent if str(target.parent) else Path(".")
    base = _existing_ancestor(parent)
    if not base.is_dir():
        raise CinemagraphError(f"cannot write {target}: {base} is not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise CinemagraphError(f"cannot write {target}: folder {base} is not writable")
    try:  # the permission bits do not tell everything (root, special file systems)
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as exc:
        raise CinemagraphError(
            f"cannot write {target}: folder {base} is not writable ({_reason(exc)})"
        ) from exc
    return parent


def _make_parents(target: Path) -> list[Path]:
    """Create ``target``'s missing parent folders; return the ones created, deepest first."""
    parent = target.parent if str(target.parent) else Path(".")
    missing = []
    current = parent
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            pass
        except OSError as exc:
            _remove_empty(missing)
            raise CinemagraphError(f"cannot create folder {folder}: {_reason(exc)}") from exc
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove folders (deepest first) that a failed write created and that are still empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def ensure_writable_parent(target: Path) -> Path:
    """Create ``target``'s parent folder if needed and check that it is writable."""
    target = Path(target)
    check_writable(target)
    _make_parents(target)
    return target.parent if str(target.parent) else Path(".")


def remove_stale_temporaries(target: Path, *, folder: bool = False) -> None:
    """Remove temporaries of ``target`` (our naming scheme) left by earlier, killed runs.

    A file target's temporaries are files ``.<stem>.<random>.part<suffix>``; a folder
    target's are folders ``.<name>.<random>.part``. Only those older than this process go.
    """
    parent = target.parent if str(target.parent) else Path(".")
    if folder:
        pattern = re.compile(rf"^\.{re.escape(target.name)}\.[A-Za-z0-9_]{{8}}\.part$")
    else:
        pattern = re.compile(
            rf"^\.{re.escape(target.stem)}\.[A-Za-z0-9_]{{8}}\.part{re.escape(target.suffix)}$")
    try:
        candidates = [p for p in parent.iterdir() if pattern.match(p.name)]
    except OSError:
        return
    for path in candidates:
        try:
            if path.is_symlink() or path.stat().st_mtime >= PROCESS_START:
                continue
            if folder and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif not folder and path.is_file():
                path.unlink()
        except OSError:
            continue


@contextlib.contextmanager
def _failures_named(target: Path, what: str) -> Iterator[None]:
    """Turn the file system's write errors into one line naming ``target``."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise CinemagraphError(f"{what} {target}: the disk is full") from exc
        raise CinemagraphError(f"{what} {target}: {_reason(exc)}") from exc


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it onto ``target``.

    The temporary keeps ``target``'s suffix so tools that pick a format from the
    extension (ffmpeg, Pillow) still work.
    """
    target = Path(target)
    if target.is_dir():
        raise CinemagraphError(f"cannot write {target}: it is a folder")
    check_writable(target)
    created = _make_parents(target)
    parent = target.parent if str(target.parent) else Path(".")
    remove_stale_temporaries(target)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".part{target.suffix}", dir=parent
        )
    except OSError as exc:
        _remove_empty(created)
        raise CinemagraphError(f"cannot write {target}: {_reason(exc)}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with _failures_named(target, "cannot write"):
            yield tmp
            # mkstemp creates 0600; a finished output gets the permissions of a normal file.
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        _remove_empty(created)
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
    check_writable(target)
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        raise CinemagraphError(f"cannot write frames to {target}: folder is not writable")
    created = _make_parents(target)
    parent = target.parent if str(target.parent) else Path(".")
    remove_stale_temporaries(target, folder=True)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    except OSError as exc:
        _remove_empty(created)
        raise CinemagraphError(f"cannot write frames to {target}: {_reason(exc)}") from exc
    try:
        with _failures_named(target, "cannot write frames to"):
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
        _remove_empty(created)
        raise
