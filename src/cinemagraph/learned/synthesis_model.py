"""A trained synthesis network behind the animation stage's interface (``--synthesis-model``).

:meth:`SynthesisModel.render` keeps the loop contract of :func:`cinemagraph.animate.animate`:
frames 0…N−1 of a loop whose frame N would equal frame 0; frame 0 is the input exactly;
pixels beyond the feathered mask (:func:`~cinemagraph.animate.engine.blend_weights`) are
the input exactly in every frame. The field is clamped and scaled as the RGB engine does
(:func:`~cinemagraph.animate.engine.effective_field`); the learned importance Z replaces
the ``importance`` setting.

Frame t splats the encoded image forward by F₀→ₜ (weight 1 − t/N) and backward by
F₀→₋₍N−t₎ (weight t/N) and decodes it. The decoder's reconstruction error of the still
image, ``image − decode(encode(image))``, is splatted along with the features and added
back, so that frames near t = 0 and t = N converge on the input and the loop closes
without a jump. Work is confined to the mask's bounding box plus ``context`` pixels.
"""

from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..animate.engine import blend_weights, prepare_inputs
from ..animate.integrate import EulerIntegrator
from ..animate.settings import AnimateSettings
from ..contract import to_uint8
from ..errors import CinemagraphError
from .checkpoint import load_checkpoint, load_weights
from .synthesis_net import HOLE_EPS, SynthesisNet, SynthesisNetConfig, splat_symmetric
from .training import autocast, training_device


def _box(active: np.ndarray, margin: int) -> tuple[slice, slice]:
    rows = np.flatnonzero(active.any(axis=1))
    cols = np.flatnonzero(active.any(axis=0))
    h, w = active.shape
    return (slice(max(0, rows[0] - margin), min(h, rows[-1] + 1 + margin)),
            slice(max(0, cols[0] - margin), min(w, cols[-1] + 1 + margin)))


class SynthesisModel:
    """A synthesis network on a device, ready to render loops."""

    def __init__(self, net: SynthesisNet, device: torch.device, name: str = "") -> None:
        self.net = net.eval()
        self.config: SynthesisNetConfig = net.config
        self.device = device
        self.name = name

    def _decode(self, splat: torch.Tensor, coverage: torch.Tensor) -> torch.Tensor:
        holes = (coverage <= HOLE_EPS).float()
        with autocast(self.device, True):
            return self.net.decode(splat[None], holes[None])[0].float()

    @torch.no_grad()
    def render(self, image: np.ndarray, mask: np.ndarray, field: np.ndarray,
               settings: AnimateSettings | None = None, *, progress: bool = False) -> np.ndarray:
        """Frames of the loop, uint8 ``N×H×W×3``.

        ``image``: float32 ``H×W×3`` in [0, 1]; ``mask``: float32 ``H×W`` in [0, 1];
        ``field``: float32 ``H×W×2`` px/frame (forced to zero where the mask is 0);
        ``settings``: frames, speed, max speed and feather as for the RGB engine.
        """
        settings = settings or AnimateSettings()
        image, mask, field = prepare_inputs(image, mask, field, settings)
        n = settings.frames
        base = to_uint8(image)
        frames = np.repeat(base[None], n, axis=0)
        if not (field != 0).any():
            return frames

        alpha_full = blend_weights(mask, settings.feather)
        rows, cols = _box(alpha_full > 0, self.config.context)
        crop = image[rows, cols]
        alpha = alpha_full[rows, cols]
        h, w = crop.shape[:2]
        stride = self.config.stride
        pad_h, pad_w = (-h) % stride, (-w) % stride
        device = self.device
        img = torch.from_numpy(np.ascontiguousarray(crop)).permute(2, 0, 1)[None].to(device)
        img = F.pad(img, (0, pad_w, 0, pad_h), mode="replicate")
        motion = np.pad(field[rows, cols], ((0, pad_h), (0, pad_w), (0, 0))).astype(np.float32)

        with autocast(device, True):
            values, z = self.net.encode(img)
        values, z = values[0].float(), z[0].float()
        hp, wp = img.shape[-2:]
        still = (torch.zeros((hp, wp, 2), device=device),
                 torch.ones((hp, wp), dtype=torch.bool, device=device))
        splat, coverage = splat_symmetric(values, values, z, z, still, still, 0.0)
        correction = img[0] - self._decode(splat, coverage)
        values = torch.cat([values, correction], dim=0)
        features = values.shape[0] - 3

        motion_t = torch.from_numpy(motion).to(device)
        backward = EulerIntegrator(-motion_t)
        stored = []
        for _ in range(1, n):
            backward.step()
            stored.append((backward.disp.clone(), backward.valid.clone()))
        forward = EulerIntegrator(motion_t)
        inside = alpha > 0
        a = alpha[..., None]
        for t in tqdm(range(1, n), desc="synthesis", unit="frame", disable=not progress,
                      leave=False):
            forward.step()
            moved = (forward.disp, forward.valid)
            splat, coverage = splat_symmetric(values, values, z, z, moved, stored[n - t - 1],
                                              t / n)
            rgb = self._decode(splat[:features], coverage) + splat[features:]
            rgb = rgb[:, :h, :w].clamp(0, 1).permute(1, 2, 0).cpu().numpy()
            if not np.isfinite(rgb).all():
                raise CinemagraphError(f"the synthesis model {self.name} produced NaN values")
            region = frames[t, rows, cols]
            region[inside] = to_uint8(a * rgb + (1 - a) * crop)[inside]
        return frames


def load_synthesis_model(path: str | os.PathLike[str], device: str | torch.device = "auto"
                         ) -> SynthesisModel:
    """Load a synthesis-model checkpoint written by ``cinemagraph train-synthesis``."""
    checkpoint = load_checkpoint(path, "synthesis")
    try:
        config = SynthesisNetConfig.from_dict(checkpoint["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CinemagraphError(f"{path} is damaged: unreadable configuration ({exc})") from exc
    target = device if isinstance(device, torch.device) else training_device(device)
    net = SynthesisNet(config)
    load_weights(net, checkpoint["weights"], path)
    return SynthesisModel(net.to(target), target, name=str(path))
