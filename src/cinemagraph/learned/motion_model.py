"""A trained motion network behind the motion stage's interface (``--motion-model``).

:func:`load_motion_model` reads a checkpoint; :meth:`MotionModel.predict` takes the data
contract's image and mask, a prompt and optional hints, and returns the Eulerian field in
px/frame of the input image, zero outside the mask. The image is resized so that its
shorter side equals the trained size (the scale the network saw in training), padded to a
multiple of the network's stride, and the field is resized back with its vectors scaled.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..contract import check_image, check_mask
from ..dataset.augment import resize_field
from ..errors import CinemagraphError
from ..motion.hints import HintLike, check_hints
from .checkpoint import load_checkpoint, load_weights
from .hints import hint_maps
from .motion_net import MotionNetConfig, MotionUNet
from .text import TextEncoder
from .training import autocast, training_device

#: Cosine similarity below which a text encoder is taken to differ from the trained one.
SAME_ENCODER_SIMILARITY = 0.99


class MotionModel:
    """A motion network with its normalisation, on a device, ready to predict fields.

    ``text_encoder``: the encoder its prompts go through; for a text-conditioned model
    without one, the encoder named in its configuration is loaded on first use.
    """

    def __init__(self, net: MotionUNet, motion_norm: float, device: torch.device,
                 text_encoder: TextEncoder | None = None, text_reference: list | None = None,
                 name: str = "") -> None:
        self.net = net.eval()
        self.config: MotionNetConfig = net.config
        self.motion_norm = float(motion_norm)
        self.device = device
        self.name = name
        self._reference = None if text_reference is None else torch.tensor(text_reference)
        self.text_encoder: TextEncoder | None = None
        if text_encoder is not None:
            self.attach_text_encoder(text_encoder)

    def attach_text_encoder(self, encoder: TextEncoder) -> None:
        """Use ``encoder`` for prompts (e.g. the loaded SD pipeline's, to load no second one).

        Its width must match the model's; an encoder that embeds a reference caption
        differently from the one the model was trained with gets a warning.
        """
        if not self.config.text_dim:
            return
        if encoder.dim != self.config.text_dim:
            raise CinemagraphError(
                f"the text encoder gives {encoder.dim}-wide embeddings but the motion model "
                f"{self.name} expects {self.config.text_dim}: use the SD model it was trained with")
        if self._reference is not None:
            similarity = F.cosine_similarity(encoder.reference(), self._reference, dim=0)
            if float(similarity) < SAME_ENCODER_SIMILARITY:
                warnings.warn(
                    f"the text encoder differs from the one the motion model {self.name} was "
                    "trained with; its prompts may steer the motion poorly", stacklevel=2)
        self.text_encoder = encoder

    def _text(self, prompt: str) -> torch.Tensor | None:
        if not self.config.text_dim:
            return None
        if self.text_encoder is None:
            self.attach_text_encoder(TextEncoder.load(self.config.text_model, self.device))
        assert self.text_encoder is not None
        return self.text_encoder.encode([prompt]).to(self.device)

    def working_size(self, shape: tuple[int, int]) -> tuple[int, int]:
        """(h, w) the network sees for an image of ``shape``: shorter side = trained size."""
        h, w = shape
        scale = self.config.size / min(h, w)
        return max(1, round(h * scale)), max(1, round(w * scale))

    @torch.no_grad()
    def predict(self, image: np.ndarray, mask: np.ndarray, prompt: str = "",
                hints: Iterable[HintLike] = ()) -> np.ndarray:
        """The motion field of ``image`` in ``mask``.

        ``image``: float32 ``H×W×3`` in [0, 1]; ``mask``: float ``H×W`` in [0, 1] (> 0 =
        may move); ``prompt``: the text (ignored by a model trained without text);
        ``hints``: (x, y, dx, dy) arrows in pixels and px/frame of ``image`` (ignored by a
        model without hint channels). Returns float32 ``H×W×2`` px/frame, zero where the
        mask is 0.
        """
        image = check_image(image)
        shape = image.shape[:2]
        moving = check_mask(mask, shape) > 0
        hints = check_hints(hints, shape)
        if not moving.any():
            return np.zeros((*shape, 2), dtype=np.float32)
        h, w = self.working_size(shape)
        small_image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA
                                 if h < shape[0] else cv2.INTER_LINEAR)
        small_mask = cv2.resize(moving.astype(np.float32), (w, h),
                                interpolation=cv2.INTER_AREA if h < shape[0]
                                else cv2.INTER_LINEAR) > 0.5
        channels = [small_image * 2 - 1, small_mask[..., None].astype(np.float32)]
        if self.config.hints:
            sx, sy = w / shape[1], h / shape[0]
            scaled = [((hint.x + 0.5) * sx - 0.5, (hint.y + 0.5) * sy - 0.5,
                       hint.dx * sx, hint.dy * sy) for hint in hints]
            channels.append(hint_maps(scaled, (h, w), self.motion_norm))
        maps = torch.from_numpy(np.concatenate(channels, axis=-1).astype(np.float32))
        maps = maps.permute(2, 0, 1)[None].to(self.device)
        stride = 2 ** (len(self.config.channels) - 1)
        pad_h, pad_w = (-h) % stride, (-w) % stride
        if pad_h or pad_w:
            maps = F.pad(maps, (0, pad_w, 0, pad_h), mode="replicate")
        with autocast(self.device, True):
            out = self.net(maps, self._text(prompt))
        small = out[0, :, :h, :w].float().permute(1, 2, 0).cpu().numpy() * self.motion_norm
        field = resize_field(small, shape)
        field[~moving] = 0.0
        if not np.isfinite(field).all():
            raise CinemagraphError(f"the motion model {self.name} produced NaN or infinite values")
        return field.astype(np.float32)


def load_motion_model(path: str | os.PathLike[str], device: str | torch.device = "auto",
                      text_encoder: TextEncoder | None = None) -> MotionModel:
    """Load a motion-model checkpoint written by ``cinemagraph train-motion``.

    ``device``: ``"auto"``, ``"cpu"``, ``"cuda"`` or a torch device. ``text_encoder``:
    reuse this encoder for prompts (see :meth:`MotionModel.attach_text_encoder`).
    """
    checkpoint = load_checkpoint(path, "motion")
    try:
        config = MotionNetConfig.from_dict(checkpoint["config"])
        norm = float(checkpoint["normalisation"]["motion_norm"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CinemagraphError(f"{path} is damaged: unreadable configuration ({exc})") from exc
    if not (np.isfinite(norm) and norm > 0):
        raise CinemagraphError(f"{path} is damaged: its motion normalisation is {norm}")
    target = device if isinstance(device, torch.device) else training_device(device)
    net = MotionUNet(config)
    load_weights(net, checkpoint["weights"], path)
    return MotionModel(net.to(target), norm, target, text_encoder,
                       checkpoint["normalisation"].get("text_reference"), name=str(path))
