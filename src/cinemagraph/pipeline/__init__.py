"""The pipelines that join the stages: text → cinemagraph, with a resumable run folder."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # loaded on first use (see lazy_exports)
    from .runfolder import RunFolder as RunFolder, stage_key as stage_key
    from .text import (
        TextResult as TextResult,
        TextSettings as TextSettings,
        default_run_folder as default_run_folder,
        make_cinemagraph as make_cinemagraph,
        prompt_slug as prompt_slug,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
