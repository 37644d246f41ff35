"""The top-level ``cinemagraph`` command group.

``cinemagraph "a prompt" …`` — a first argument that is not a command name — runs the
one-shot ``create`` command.
"""

from __future__ import annotations

import errno
import os

import click

from .. import __version__
from ..errors import CinemagraphError

#: The command a bare prompt runs.
DEFAULT_COMMAND = "create"

#: The options of the group itself; any other option must follow the prompt or command.
GROUP_OPTIONS = ("-h", "--help", "--version")

#: The longest file or folder name, in bytes, that file systems allow.
MAX_NAME_BYTES = 255


def file_system_error(exc: OSError) -> CinemagraphError:
    """One line for a file-system error on a path the user named (a name over 255 bytes,
    a folder where a file was expected, a permission …)."""
    name = os.fsdecode(exc.filename) if exc.filename is not None else None
    if name is None:
        return CinemagraphError(f"a file could not be read or written: {exc.strerror or exc}")
    if exc.errno == errno.ENAMETOOLONG:
        for part in name.split(os.sep):
            size = len(os.fsencode(part))
            if size > MAX_NAME_BYTES:
                return CinemagraphError(
                    f"cannot use {part[:24]}…: the name is {size} bytes long; file systems "
                    f"allow at most {MAX_NAME_BYTES}")
        return CinemagraphError(f"cannot use {name[:60]}…: the path is too long")
    reason = (exc.strerror or type(exc).__name__).lower()
    return CinemagraphError(f"cannot use {name}: {reason}")


class PromptGroup(click.Group):
    """A group whose first argument may be a prompt instead of a command name."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0].startswith("-") and args[0] not in GROUP_OPTIONS and any(
                not a.startswith("-") for a in args):
            option = args[0].split("=", 1)[0]
            raise click.UsageError(
                f"{option} comes first, but options go after the prompt or the command name, "
                f'as in: cinemagraph "a river at dawn" {option} …')
        first = next((i for i, a in enumerate(args) if not a.startswith("-")), None)
        if (first is not None and first == 0 and args[0] not in self.commands
                and DEFAULT_COMMAND in self.commands):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OSError as exc:  # a path the user gave that the file system refuses
            raise file_system_error(exc) from exc


@click.group(cls=PromptGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cinemagraph")
def cli() -> None:
    """Turn a text prompt or a still picture into a seamless looping cinemagraph.

    \b
    cinemagraph "a waterfall between two hills, Van Gogh style, sunset"
    cinemagraph animate photo.jpg --mask water.png --prompt waterfall -o loop.mp4
    cinemagraph demo -o demo.gif
    """
