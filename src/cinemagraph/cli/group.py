"""The top-level ``cinemagraph`` command group."""

from __future__ import annotations

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cinemagraph")
def cli() -> None:
    """Turn a still picture (or a text prompt) into a seamless looping cinemagraph."""
