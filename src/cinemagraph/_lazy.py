"""Package attributes imported on first use (PEP 562), so that importing a package — and
the command line, which only needs its settings — does not import torch, numba and
OpenCV before they are needed.

A lazy package lists its public names as imports under ``if TYPE_CHECKING:``, which type
checkers and editors read as usual, and hands its ``__file__`` to :func:`lazy_exports`,
which reads the same imports to know where each name lives::

    from typing import TYPE_CHECKING

    from .._lazy import lazy_exports

    if TYPE_CHECKING:
        from .engine import animate as animate

    __getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path


def lazy_exports(
    package: str, init_file: str
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for the package ``package`` whose
    ``__init__`` (``init_file``) imports its public names under ``if TYPE_CHECKING:``.

    A name is imported from its submodule on first use and then kept in the package's
    namespace. Any other name that is one of the package's submodules imports it, as if
    it had been imported by name (``import cinemagraph`` then ``cinemagraph.motion.…``).
    """
    home = _type_checking_imports(Path(init_file))

    def __getattr__(name: str) -> object:
        if name in home:
            value = getattr(importlib.import_module(home[name], package), name)
            setattr(sys.modules[package], name, value)
            return value
        if not name.startswith("__"):
            try:
                return importlib.import_module(f".{name}", package)
            except ModuleNotFoundError as error:
                if error.name != f"{package}.{name}":
                    raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(home))

    return __getattr__, __dir__, sorted(home)


def _type_checking_imports(init_file: Path) -> dict[str, str]:
    """Each name imported under ``if TYPE_CHECKING:`` in ``init_file`` → the relative
    module it comes from (``".engine"``)."""
    home = {}
    for node in ast.parse(init_file.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.level:
                    module = "." * statement.level + (statement.module or "")
                    for alias in statement.names:
                        home[alias.asname or alias.name] = module
    return home
