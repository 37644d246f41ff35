"""The one exception type users see.

Every problem with a user's input or environment is raised as :class:`CinemagraphError`
carrying a single line that names the problem and, where useful, what to do next. The CLI
prints that line and exits with status 2; it never shows a traceback for these.
"""

from __future__ import annotations


class CinemagraphError(Exception):
    """A problem the user can fix: bad input, missing weights, unwritable output …"""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)
