"""One file per trained model: weights, configuration, normalisation, version, training state.

A checkpoint is a ``torch.save`` file of a dict of plain values and tensors (read back with
``weights_only=True``, so loading runs no code from the file)::

    format          "cinemagraph-checkpoint"
    kind            "motion" or "synthesis"
    version         CHECKPOINT_VERSION (files from a newer version are refused)
    package         the cinemagraph version that wrote it
    config          the network configuration (a dict of its dataclass)
    normalisation   motion: {"motion_norm": px/frame at the trained size,
                             "text_reference": mean embedding of a fixed caption or None}
    weights         the network's state dict
    training        step, optimizer and scaler state, validation history, settings
                    (and the discriminator's state when adversarial training is on)

Every problem reading one is a one-line :class:`~cinemagraph.errors.CinemagraphError`.
"""

from __future__ import annotations

import os
import pickle
import warnings
import zipfile
from pathlib import Path

import torch

from .. import __version__
from ..errors import CinemagraphError
from ..io.atomic import atomic_file

CHECKPOINT_FORMAT = "cinemagraph-checkpoint"
CHECKPOINT_VERSION = 1
KINDS = ("motion", "synthesis")

#: ``torch.save`` writes a zip archive: its first bytes.
ZIP_MAGIC = b"PK\x03\x04"


def save_checkpoint(path: str | os.PathLike[str], kind: str, config: dict, normalisation: dict,
                    weights: dict, training: dict | None = None) -> Path:
    """Write a checkpoint atomically; returns its path."""
    if kind not in KINDS:
        raise ValueError(f"unknown checkpoint kind {kind!r}")
    payload = {
        "format": CHECKPOINT_FORMAT, "kind": kind, "version": CHECKPOINT_VERSION,
        "package": __version__, "config": config, "normalisation": normalisation,
        "weights": weights, "training": training or {},
    }
    with atomic_file(path) as tmp:
        torch.save(payload, tmp)
    return Path(path)


def load_checkpoint(path: str | os.PathLike[str], kind: str) -> dict:
    """Read and check a checkpoint of ``kind``; returns its dict (tensors on the CPU)."""
    path = Path(path)
    what = f"{kind}-model checkpoint"
    if not path.exists():
        raise CinemagraphError(f"{what} not found: {path}")
    if path.is_dir():
        raise CinemagraphError(f"{what} {path} is a folder, not a checkpoint file")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(len(ZIP_MAGIC))
    except OSError as exc:
        raise CinemagraphError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    if not magic:
        raise CinemagraphError(f"{path} is not a readable cinemagraph checkpoint: it is empty")
    if magic != ZIP_MAGIC:
        raise CinemagraphError(
            f"{path} is not a readable cinemagraph checkpoint: it is not a PyTorch file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, zipfile.BadZipFile, RuntimeError, EOFError, ValueError,
            OSError, AttributeError, TypeError, KeyError, IndexError) as exc:
        raise CinemagraphError(
            f"{path} is not a readable cinemagraph checkpoint: {_unreadable(exc)}") from exc
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CinemagraphError(f"{path} is not a cinemagraph checkpoint")
    if payload.get("kind") != kind:
        raise CinemagraphError(
            f"{path} is a {payload.get('kind')}-model checkpoint, not a {kind}-model one")
    version = payload.get("version")
    if not isinstance(version, int) or version > CHECKPOINT_VERSION:
        raise CinemagraphError(
            f"{path} was written by a newer cinemagraph (checkpoint version {version}; this "
            f"one reads up to {CHECKPOINT_VERSION}): update cinemagraph")
    for key in ("config", "normalisation", "weights"):
        if not isinstance(payload.get(key), dict):
            raise CinemagraphError(f"{path} is damaged: its {key} is missing")
    return payload


def _unreadable(exc: BaseException) -> str:
    """Why torch could not read a file, as the end of a sentence (torch's own messages run
    to several lines of advice)."""
    text = str(exc)
    if isinstance(exc, pickle.UnpicklingError) and "weights only" in text.lower():
        return "it holds objects a checkpoint never has (reading them could run code)"
    if isinstance(exc, (EOFError, zipfile.BadZipFile)) or "zip archive" in text:
        return "it is truncated or damaged"
    return f"torch cannot read it ({type(exc).__name__})"


def load_weights(module: torch.nn.Module, weights: dict, path: str | os.PathLike[str]) -> None:
    """Load ``weights`` into ``module``; a mismatch is a one-line error naming ``path``."""
    try:
        module.load_state_dict(weights, strict=True)
    except (RuntimeError, KeyError, TypeError, AttributeError) as exc:
        expected = module.state_dict()
        given = set(weights) if isinstance(weights, dict) else set()
        missing, unexpected = len(set(expected) - given), len(given - set(expected))
        reshaped = sum(1 for name in set(expected) & given
                       if getattr(weights[name], "shape", None) != expected[name].shape)
        raise CinemagraphError(
            f"the weights in {path} do not match its configuration ({missing} missing, "
            f"{unexpected} unexpected, {reshaped} of another shape)") from exc
