"""Loading a Stable Diffusion 1.x pipeline: device, dtype, the Hugging Face cache, offline use.

Weights come from the Hugging Face cache or a local diffusers-format folder: cinemagraph
never downloads them. When they are missing the user gets one line naming the model and
the command that fetches it (for the installed huggingface_hub), never a traceback and
never a hang.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CinemagraphError

if TYPE_CHECKING:
    import torch

#: The model the published method uses.
DEFAULT_MODEL = "CompVis/stable-diffusion-v1-4"

#: Accepted values of ``device``.
DEVICES = ("auto", "cpu", "cuda")


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """Silence diffusers' and transformers' log lines and loading bars for the duration.

    Loading prints advice (install ``accelerate``, "couldn't connect to the Hub" …) and
    per-component bars that are noise to a user of ours; real failures still reach us as
    exceptions. Everything is restored on exit.
    """
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    libraries = (diffusers_logging, transformers_logging)
    previous = [(lib.get_verbosity(), lib.is_progress_bar_enabled()) for lib in libraries]
    for lib in libraries:
        lib.set_verbosity_error()
        lib.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
            yield
    finally:
        for lib, (verbosity, bars) in zip(libraries, previous, strict=True):
            lib.set_verbosity(verbosity)
            if bars:
                lib.enable_progress_bar()


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; ``"cuda"`` without a GPU is an error."""
    import torch

    if isinstance(device, torch.device):
        return device
    if device not in DEVICES:
        raise CinemagraphError(f"unknown device {device!r}: use one of {', '.join(DEVICES)}")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise CinemagraphError("--device cuda was asked for but PyTorch sees no CUDA GPU here")
    return torch.device(device)


def dtype_for(device: torch.device) -> torch.dtype:
    """fp16 on CUDA, fp32 elsewhere (CPU kernels for fp16 are slow or missing)."""
    import torch

    return torch.float16 if device.type == "cuda" else torch.float32


def download_command(model: str) -> str:
    """The command that puts ``model`` into the Hugging Face cache with the installed
    huggingface_hub: ``hf download`` (0.34 and later) or ``huggingface-cli download``."""
    try:
        from huggingface_hub import __version__ as version
    except ImportError:
        version = "0"
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        major, minor = 1, 0
    tool = "hf" if (major, minor) >= (0, 34) else "huggingface-cli"
    return f"{tool} download {model}"


def missing_weights_message(model: str, what: str = "model") -> str:
    """One line: ``what`` of ``model`` is not in the cache, cinemagraph never downloads, and
    how to fetch it."""
    return (
        f"{what} '{model}' is not in the Hugging Face cache, and cinemagraph never downloads "
        f"weights: fetch it with `{download_command(model)}` (on a machine with internet "
        "access, then copy the cache over) or pass --model /path/to/local/folder"
    )


def weights_problem(model: str, what: str = "model") -> str | None:
    """Why ``model`` (a Hub id or a local folder) cannot be loaded here, found without
    loading it (one line naming ``what``), or None when its weights are at hand."""
    folder = Path(model).expanduser()
    if folder.exists():
        if (folder / "model_index.json").is_file():
            return None
        return f"{what} folder {folder} is not a diffusers model (no model_index.json in it)"
    if model.count("/") > 1 or model.startswith((".", "~", os.sep)):
        return f"{what} folder {folder} does not exist"
    try:
        from huggingface_hub import try_to_load_from_cache

        if isinstance(try_to_load_from_cache(model, "model_index.json"), str):
            return None
    except Exception:  # a name the Hub would refuse is not in the cache either
        pass
    return missing_weights_message(model, what)


def _missing_model(model: str) -> CinemagraphError:
    return CinemagraphError(missing_weights_message(model))


def check_sd1_unet(unet: torch.nn.Module, name: str = "model") -> None:
    """Raise unless ``unet`` has SD 1.x's block structure, which the capture layers assume.

    That is four up blocks, the last three with cross-attention and at least two ResNets.
    """
    up_blocks = getattr(unet, "up_blocks", None)
    ok = up_blocks is not None and len(up_blocks) == 4 and not hasattr(up_blocks[0], "attentions")
    ok = ok and all(
        hasattr(block, "attentions") and len(block.attentions) >= 2 and len(block.resnets) >= 2
        for block in up_blocks[1:]
    )
    if not ok:
        raise CinemagraphError(
            f"{name} is not a Stable Diffusion 1.x UNet (expected four decoder blocks, the last "
            "three with attention, as in CompVis/stable-diffusion-v1-4)"
        )


def load_pipeline(model: str = DEFAULT_MODEL, device: str | torch.device = "auto"):
    """Load a diffusers-format SD 1.x pipeline with a DDIM scheduler and no safety checker.

    ``model`` is a Hub id (looked up in the Hugging Face cache, never downloaded) or a local
    folder holding ``model_index.json``.
    Returns a :class:`diffusers.StableDiffusionPipeline` on ``device`` in fp16 (CUDA) or
    fp32 (CPU), with its progress bar off.
    """
    target = resolve_device(device)
    dtype = dtype_for(target)
    with quiet_libraries():
        from diffusers import DDIMScheduler, StableDiffusionPipeline
        from huggingface_hub.errors import HfHubHTTPError

        expected = (OSError, ValueError, HfHubHTTPError, ConnectionError, TimeoutError)
        options = dict(
            torch_dtype=dtype,
            safety_checker=None,
            requires_safety_checker=False,
            low_cpu_mem_usage=False,
        )
        folder = Path(model).expanduser()
        if folder.exists():
            if not (folder / "model_index.json").is_file():
                raise CinemagraphError(
                    f"model folder {folder} is not a diffusers model (no model_index.json in it)"
                )
            try:
                pipe = StableDiffusionPipeline.from_pretrained(
                    str(folder), local_files_only=True, **options
                )
            except KeyError as exc:  # a model_index.json without the pipeline's entries
                raise CinemagraphError(
                    f"cannot load the model in {folder}: its model_index.json has no {exc}"
                ) from exc
            except expected as exc:
                raise CinemagraphError(
                    f"cannot load the model in {folder}: {str(exc).splitlines()[0]}"
                ) from exc
        elif model.count("/") > 1 or model.startswith((".", "~", os.sep)):
            raise CinemagraphError(f"model folder {folder} does not exist")
        else:
            try:
                pipe = StableDiffusionPipeline.from_pretrained(
                    model, local_files_only=True, **options
                )
            except expected as exc:
                raise _missing_model(model) from exc
        check_sd1_unet(pipe.unet, name=f"model '{model}'")
        pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config)
        pipe.set_progress_bar_config(disable=True)
        return pipe.to(target)
