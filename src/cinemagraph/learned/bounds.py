"""Bounds on the networks' configurations, checked before any layer is allocated.

A configuration comes from the command line or from a checkpoint file (which may be damaged
or made by hand); a width of 10⁹ must be a one-line error, not an allocation that fills
the memory.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import CinemagraphError

#: Side of the square training crops, in pixels.
MAX_SIZE = 4096
#: Channels of one layer.
MAX_WIDTH = 2048
#: Levels of a U-Net.
MAX_LEVELS = 8


def whole(name: str, value: object, low: int, high: int) -> int:
    """``value`` as an int, or a one-line error unless it is a whole number in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CinemagraphError(
            f"the network's {name} must be a whole number from {low} to {high}, got {value!r}")
    return value


def widths(name: str, values: object) -> tuple[int, ...]:
    """A list of layer widths: 1 to :data:`MAX_LEVELS` whole numbers in [1, MAX_WIDTH]."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise CinemagraphError(f"the network's {name} must be a list of widths, got {values!r}")
    if not 1 <= len(values) <= MAX_LEVELS:
        raise CinemagraphError(
            f"the network's {name} must list 1 to {MAX_LEVELS} widths, got {len(values)}")
    return tuple(whole(name, value, 1, MAX_WIDTH) for value in values)


def flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise CinemagraphError(f"the network's {name} must be true or false, got {value!r}")
    return value


def config_dict(data: object, what: str) -> dict:
    """The configuration dict of a checkpoint, or a one-line error."""
    if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):
        raise CinemagraphError(f"the {what} settings are damaged: not a table of names")
    return data
