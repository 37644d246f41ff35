"""Package attributes imported on first use (PEP 562), so that importing a package — and
the command line, which only needs its settings — does not import torch, numba and
OpenCV before they are needed."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(
    package: str, exports: dict[str, tuple[str, ...]]
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for a package whose public names live
    in its submodules.

    ``exports`` maps a submodule (relative, e.g. ``".engine"``) to the names it defines;
    a name is imported on first use and then kept in the package's namespace. Any other
    name that is one of the package's submodules imports it, as if it had been imported
    by name (``import cinemagraph`` then ``cinemagraph.motion.…``).
    """
    home = {name: module for module, names in exports.items() for name in names}

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
