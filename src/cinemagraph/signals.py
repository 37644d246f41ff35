"""Stopping cleanly on Ctrl-C, ``kill`` and a closed terminal.

Within :func:`stop_on_signals`, SIGINT, SIGTERM and SIGHUP all raise :class:`Interrupted`
(a ``KeyboardInterrupt``), so every ``finally`` and ``except KeyboardInterrupt`` runs: the
atomic writers remove their temporaries and training saves its last step. The command then
exits with 128 + the signal's number (130 for Ctrl-C), as shells do.

A signal that arrives while Python runs a finaliser (a ``__del__`` method or a ``weakref``
callback, e.g. while numba's compiler frees LLVM objects) cannot stop the run from there:
Python would print "Exception ignored in …" and carry on. Such a signal is deferred instead
and sent again a moment later, when the finaliser has returned — both when the handler sees
that it runs inside a finaliser and, for callbacks it cannot recognise, when the interrupt
reaches :data:`sys.unraisablehook`.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

#: Signals that stop a run, where the platform has them.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

#: Seconds to wait before sending again a signal that arrived inside a finaliser.
RETRY_SECONDS = 0.02


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def message(self) -> str:
        return "interrupted" if self.signum == signal.SIGINT else (
            f"stopped by {signal.Signals(self.signum).name}")


def interruption_behind(exc: BaseException) -> Interrupted | None:
    """The :class:`Interrupted` that ``exc`` was raised while handling, if any.

    A library interrupted half-way may fail with an error of its own on the way out (numba
    stopped mid-compile reports "no compiled object yet"); the signal is what the user did.
    """
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, Interrupted):
            return current
        stack += [current.__cause__, current.__context__]
    return None


def in_finaliser(frame: FrameType | None) -> bool:
    """Whether ``frame`` or any frame it was called from runs a ``__del__`` method or a
    ``weakref`` finaliser, where an exception would be printed and ignored."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "__del__" or code.co_filename.endswith("weakref.py"):
            return True
        frame = frame.f_back
    return False


def _resend_later(signum: int) -> None:
    timer = threading.Timer(RETRY_SECONDS, signal.raise_signal, args=(signum,))
    timer.daemon = True
    timer.start()


def _stop(signum: int, frame: FrameType | None) -> None:
    if in_finaliser(frame):
        _resend_later(signum)
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted`.

    Only the main thread can install signal handlers; elsewhere the block changes nothing.
    The previous handlers come back at the end of the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_hook = sys.unraisablehook

    def resend_swallowed(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, Interrupted):
            _resend_later(unraisable.exc_value.signum)
        else:
            previous_hook(unraisable)

    previous = {signum: signal.signal(signum, _stop) for signum in STOP_SIGNALS}
    sys.unraisablehook = resend_swallowed
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        for signum, handler in previous.items():
            signal.signal(signum, handler)
