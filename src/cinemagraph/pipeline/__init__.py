"""The pipelines that join the stages: text → cinemagraph, with a resumable run folder."""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".runfolder": ("RunFolder", "stage_key"),
    ".text": (
        "TextResult", "TextSettings", "default_run_folder", "make_cinemagraph", "prompt_slug",
    ),
})
