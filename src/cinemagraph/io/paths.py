"""Output paths checked against the job's inputs: cinemagraph never writes over an input."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import CinemagraphError
from .atomic import check_writable


def same_path(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (by identity where both exist)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def present(paths: Iterable[str | os.PathLike[str] | None]) -> list[Path]:
    """The paths that are given (None dropped), as ``Path`` objects."""
    return [Path(p) for p in paths if p is not None]


def check_not_input(output: str | os.PathLike[str],
                    inputs: Iterable[str | os.PathLike[str] | None]) -> None:
    """Refuse ``output`` when it names one of ``inputs`` (the same file, however spelt)."""
    target = Path(output)
    for source in present(inputs):
        if same_path(target, source):
            raise CinemagraphError(
                f"output {os.fspath(output)} would overwrite the input {source}: name "
                "another output (cinemagraph never writes over its inputs)"
            )


def check_output_file(output: str | os.PathLike[str], sources: list[Path]) -> None:
    """Check one file to be written: not one of ``sources``, not a folder, writable."""
    check_not_input(output, sources)
    target = Path(output)
    if target.is_dir():
        raise CinemagraphError(f"cannot write {target}: it is a folder")
    check_writable(target)


def check_output_files(outputs: Iterable[str | os.PathLike[str] | None],
                       inputs: Iterable[str | os.PathLike[str] | None]) -> None:
    """Check files to be written: none is an input, none is given twice, each is writable."""
    sources = present(inputs)
    seen: dict[Path, Path] = {}
    for target in present(outputs):
        key = target.resolve()
        if key in seen:
            raise CinemagraphError(f"output {target} is given twice (also as {seen[key]})")
        seen[key] = target
        check_output_file(target, sources)
