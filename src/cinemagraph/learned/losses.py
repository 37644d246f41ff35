"""Training losses.

Motion model
    * **End-point error** (EPE): mean over the mask of ‖predicted − true‖₂ — the published
      model's main term and the metric we report. It is the default and the only term
      unless asked otherwise.
    * **Adversarial + feature matching** (optional, ``gan_weight`` > 0, as in the
      pix2pixHD setup of the published model): a conditional PatchGAN with spectral norm
      and the hinge loss sees (image, mask, field); the generator also matches its
      intermediate features on real fields. EPE alone regresses to the mean of plausible
      motions, which smooths fine turbulence away; the adversarial terms restore such
      detail, but they need many clips and steps to help, so they are off by default.

Synthesis model
    * **L1** between the rendered and the true frame, plus
    * **perceptual**: with ``perceptual="vgg16"``, L1 between VGG-16 features (torchvision
      with ImageNet weights already in the torch hub cache — nothing is downloaded);
      without a perceptual network (``"none"``, the default) the structural term
      ``1 − SSIM`` (weight-free) stands in for it.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import CinemagraphError
from .loss_names import PERCEPTUAL_CHOICES


def endpoint_error(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean end-point error over the mask, averaged over the batch.

    ``pred``, ``target``: ``B×2×H×W``; ``mask``: ``B×1×H×W`` in {0, 1}. A sample with an
    empty mask is averaged over all its pixels.
    """
    error = torch.linalg.vector_norm(pred - target, dim=1, keepdim=True)
    area = mask.sum(dim=(1, 2, 3))
    masked = (error * mask).sum(dim=(1, 2, 3)) / area.clamp_min(1.0)
    whole = error.mean(dim=(1, 2, 3))
    return torch.where(area > 0, masked, whole).mean()


class PatchDiscriminator(nn.Module):
    """Conditional PatchGAN: ``forward(x)`` → (logits ``B×1×h×w``, intermediate features)."""

    def __init__(self, in_channels: int, width: int = 64, layers: int = 3) -> None:
        super().__init__()
        blocks = []
        channels = in_channels
        for index in range(layers):
            out = width * 2 ** index
            blocks.append(nn.Sequential(
                nn.utils.parametrizations.spectral_norm(
                    nn.Conv2d(channels, out, 4, stride=2, padding=1)),
                nn.LeakyReLU(0.2)))
            channels = out
        self.blocks = nn.ModuleList(blocks)
        self.out = nn.utils.parametrizations.spectral_norm(nn.Conv2d(channels, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        for block in self.blocks:
            x = block(x)
            features.append(x)
        return self.out(x), features


def discriminator_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Hinge loss of the discriminator from its logits on real and generated fields."""
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def generator_adversarial_loss(fake: torch.Tensor) -> torch.Tensor:
    """Hinge loss of the generator from the discriminator's logits on its fields."""
    return -fake.mean()


def feature_matching_loss(fake: list[torch.Tensor], real: list[torch.Tensor]) -> torch.Tensor:
    """Mean L1 between the discriminator's features on generated and on real fields."""
    return sum(F.l1_loss(f, r.detach()) for f, r in zip(fake, real, strict=True)) / len(fake)


def ssim(x: torch.Tensor, y: torch.Tensor, window: int = 7) -> torch.Tensor:
    """Mean structural similarity of images in [0, 1] (``B×C×H×W``), box window."""
    pad = window // 2

    def mean(t: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(F.pad(t, (pad, pad, pad, pad), mode="reflect"), window, stride=1)

    mx, my = mean(x), mean(y)
    vx = mean(x * x) - mx * mx
    vy = mean(y * y) - my * my
    cov = mean(x * y) - mx * my
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    score = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return score.mean()


class PerceptualLoss(nn.Module):
    """Mean L1 between feature maps of a frozen network.

    ``features``: a module mapping ``B×3×H×W`` (ImageNet-normalised) to a list of
    feature maps. Images come in [0, 1].
    """

    MEAN = (0.485, 0.456, 0.406)
    STD = (0.229, 0.224, 0.225)

    def __init__(self, features: nn.Module) -> None:
        super().__init__()
        self.features = features.eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(self.MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(self.STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        fx = self.features((x - self.mean) / self.std)
        fy = self.features((y - self.mean) / self.std)
        return sum(F.l1_loss(a, b) for a, b in zip(fx, fy, strict=True)) / len(fx)


class _Taps(nn.Module):
    """Runs a sequential network and returns the outputs after the given layer indices."""

    def __init__(self, layers: nn.Sequential, taps: tuple[int, ...]) -> None:
        super().__init__()
        self.layers = layers[: max(taps) + 1]
        self.taps = set(taps)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for index, layer in enumerate(self.layers):
            x = layer(x)
            if index in self.taps:
                out.append(x)
        return out


#: File name of torchvision's ImageNet VGG-16 weights in the torch hub cache.
VGG16_FILE = "vgg16-397923af.pth"


def vgg16_perceptual() -> PerceptualLoss:
    """VGG-16 perceptual loss (relu1_2 … relu4_3) from weights in the torch hub cache."""
    try:
        import torchvision
    except ImportError as exc:
        raise CinemagraphError(
            "--perceptual vgg16 needs torchvision (`pip install torchvision`); use "
            "--perceptual none to train with L1 + SSIM instead") from exc
    weights_file = Path(torch.hub.get_dir()) / "checkpoints" / VGG16_FILE
    if not weights_file.is_file():
        raise CinemagraphError(
            f"the VGG-16 weights are not in the torch hub cache ({weights_file}): copy "
            f"{VGG16_FILE} there, or use --perceptual none to train with L1 + SSIM")
    network = torchvision.models.vgg16()
    network.load_state_dict(torch.load(weights_file, map_location="cpu", weights_only=True))
    return PerceptualLoss(_Taps(network.features, (3, 8, 15, 22)))


def perceptual_loss(name: str) -> PerceptualLoss | None:
    """The perceptual loss called ``name``; None for ``"none"`` (SSIM is used instead)."""
    if name == "none":
        return None
    if name == "vgg16":
        return vgg16_perceptual()
    raise CinemagraphError(
        f"unknown perceptual loss {name!r}: use one of {', '.join(PERCEPTUAL_CHOICES)}")
