"""The ``cinemagraph`` command line: a thin layer that parses, calls the API and reports.

Errors the user can fix are printed as one line on stderr with exit status 2; an
interruption exits with 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM);
anything unexpected is one line with exit status 1 (set ``CINEMAGRAPH_DEBUG=1`` to see the
traceback).
"""

from __future__ import annotations

import os
import sys
import warnings

import click

from ..errors import CinemagraphError
from ..signals import Interrupted, interruption_behind, stop_on_signals
from .animate import animate_command
from .batch import batch_command
from .create import create_command
from .dataset import dataset_command
from .demo import demo_command
from .generate import generate_command
from .group import cli
from .motion import motion_command
from .studio import studio_command
from .train import train_motion_command, train_synthesis_command


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"warning: {message}", err=True)


def _run(args: list[str]) -> None:
    """Parse ``args`` and run the command, letting its exceptions through as they are
    (``Command.main`` would turn an ``EOFError`` or an interrupt into a bare ``Abort``)."""
    with cli.make_context("cinemagraph", args) as ctx:
        cli.invoke(ctx)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and, as a console script, exits with) the exit status."""
    previous = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        with stop_on_signals():
            _run(sys.argv[1:] if argv is None else list(argv))
        return 0
    except CinemagraphError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except Interrupted as exc:
        click.echo(f"error: {exc.message}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("error: interrupted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        return 130
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return 2
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Exception as exc:  # the last line of defence: never a traceback by default
        interrupt = interruption_behind(exc)
        if interrupt is not None:  # e.g. a compiler that failed on its way out of a signal
            click.echo(f"error: {interrupt.message}", err=True)
            return interrupt.exit_code
        if os.environ.get("CINEMAGRAPH_DEBUG"):
            raise
        click.echo(
            f"error: internal error ({type(exc).__name__}: {exc}); "
            "set CINEMAGRAPH_DEBUG=1 to see the traceback and please report it",
            err=True,
        )
        return 1
    finally:
        warnings.showwarning = previous


def _console_main() -> None:
    sys.exit(main())


cli.add_command(animate_command)
cli.add_command(demo_command)
cli.add_command(motion_command)
cli.add_command(generate_command)
cli.add_command(create_command)
cli.add_command(dataset_command)
cli.add_command(train_motion_command)
cli.add_command(train_synthesis_command)
cli.add_command(studio_command)
cli.add_command(batch_command)

__all__ = ["cli", "main"]
