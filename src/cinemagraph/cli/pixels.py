"""``--max-pixels``: the largest image a command reads (see :mod:`cinemagraph.limits`)."""

from __future__ import annotations

from collections.abc import Callable

import click

from ..limits import MAX_PIXELS


def _limit_pixels(ctx: click.Context, param: click.Parameter, value: int) -> None:
    from ..io.images import pixel_limit

    ctx.with_resource(pixel_limit(value))  # for as long as the command runs


def max_pixels_option() -> Callable:
    """``--max-pixels N``: the largest image read, in pixels. The limit holds while the
    command runs; the command function does not see the value."""
    return click.option(
        "--max-pixels", type=click.IntRange(min=1), default=MAX_PIXELS, show_default=True,
        expose_value=False, callback=_limit_pixels,
        help="Refuse images with more pixels than this (guards against decompression bombs).")
