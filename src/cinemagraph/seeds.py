"""The one range of seeds every stage accepts, and its check.

A run passes its seed to every stage (generation, mask clustering, turbulence, rendering),
so every stage accepts the same range — that of the clustering libraries, the narrowest:
a whole number from 0 to 2³² − 1.
"""

from __future__ import annotations

import numbers

from .errors import CinemagraphError

#: The largest seed accepted.
MAX_SEED = 2**32 - 1


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int, or raise when it is not a whole number in [0, MAX_SEED]."""
    if (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
            or not 0 <= int(seed) <= MAX_SEED):
        raise CinemagraphError(
            f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)
