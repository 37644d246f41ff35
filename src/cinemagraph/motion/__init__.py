"""Stage 4: Eulerian motion fields (float32 H×W×2, pixels per frame, zero outside the mask)."""

from .uniform import direction_vector, uniform_field

__all__ = ["direction_vector", "uniform_field"]
