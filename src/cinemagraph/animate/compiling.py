"""Saying so while numba compiles the engine's kernels.

numba compiles each CPU kernel on its first call and keeps the machine code in its disk
cache (next to the package), so only the first run on a machine pays for it — tens of
seconds on a small CPU, during which nothing else would show. :func:`compile_progress`
shows a progress line for as long as numba compiles anything, and nothing at all when
every kernel comes from the cache.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from numba.core import event
from tqdm.auto import tqdm

#: What the progress line says.
COMPILING = "compiling the animation kernels (first run only)"


class _CompileCounter(event.Listener):
    """Counts numba's compilations on a progress line that it opens at the first one."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None

    def on_start(self, _event: event.Event) -> None:
        if self.bar is None:
            self.bar = tqdm(desc=COMPILING, unit=" functions", file=sys.stderr, leave=False)

    def on_end(self, _event: event.Event) -> None:
        if self.bar is not None:
            self.bar.update()


@contextlib.contextmanager
def compile_progress(enabled: bool = True) -> Iterator[None]:
    """Within the block, show a progress line on stderr while numba compiles (if
    ``enabled``); the line is removed at the end of the block."""
    if not enabled:
        yield
        return
    counter = _CompileCounter()
    try:
        with event.install_listener("numba:compile", counter):
            yield
    finally:
        if counter.bar is not None:
            counter.bar.close()
