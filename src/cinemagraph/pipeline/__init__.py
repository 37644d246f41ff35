"""The pipelines that join the stages: text → cinemagraph, with a resumable run folder."""

from .runfolder import RunFolder, stage_key
from .text import TextResult, TextSettings, default_run_folder, make_cinemagraph, prompt_slug

__all__ = [
    "RunFolder",
    "TextResult",
    "TextSettings",
    "default_run_folder",
    "make_cinemagraph",
    "prompt_slug",
    "stage_key",
]
