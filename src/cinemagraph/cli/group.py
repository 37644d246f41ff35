"""The top-level ``cinemagraph`` command group.

``cinemagraph "a prompt" …`` — a first argument that is not a command name — runs the
one-shot ``create`` command.
"""

from __future__ import annotations

import click

from .. import __version__

#: The command a bare prompt runs.
DEFAULT_COMMAND = "create"


class PromptGroup(click.Group):
    """A group whose first argument may be a prompt instead of a command name."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = next((i for i, a in enumerate(args) if not a.startswith("-")), None)
        if (first is not None and first == 0 and args[0] not in self.commands
                and DEFAULT_COMMAND in self.commands):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


@click.group(cls=PromptGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cinemagraph")
def cli() -> None:
    """Turn a text prompt or a still picture into a seamless looping cinemagraph.

    \b
    cinemagraph "a waterfall between two hills, Van Gogh style, sunset"
    cinemagraph animate photo.jpg --mask water.png --prompt waterfall -o loop.mp4
    cinemagraph demo -o demo.gif
    """
