"""Learned stages 4 and 5: the text-conditioned motion network and the synthesis network.

Both sit behind the interfaces the weight-free defaults use: a :class:`MotionModel`
predicts the same field a :func:`cinemagraph.motion.motion_field` call returns (float32
``H×W×2`` px/frame, zero outside the mask), and a :class:`SynthesisModel` renders the same
loop :func:`cinemagraph.animate.animate` does. Both train on a dataset folder
(:mod:`cinemagraph.dataset`) and live in one checkpoint file each.

========================  ==========================================================
module                    job
========================  ==========================================================
:mod:`.layers`            ResNet, SPADE, cross-attention and gated-conv blocks
:mod:`.motion_net`        the motion U-Net and its configuration
:mod:`.synthesis_net`     encoder, symmetric feature splatting, gated decoder
:mod:`.hints`             sparse hints as input channels
:mod:`.text`              the CLIP text encoder (reused from a loaded SD pipeline)
:mod:`.losses`            EPE, PatchGAN + feature matching, SSIM, perceptual
:mod:`.training`          the shared loop: devices, AMP, batches, checkpoints, resume
:mod:`.train_motion`      training the motion network
:mod:`.train_synthesis`   training the synthesis network
:mod:`.checkpoint`        one file: weights + config + normalisation + version
:mod:`.motion_model`      inference: ``load_motion_model(...).predict(...)``
:mod:`.synthesis_model`   inference: ``load_synthesis_model(...).render(...)``
========================  ==========================================================
"""

from .checkpoint import load_checkpoint, save_checkpoint
from .motion_model import MotionModel, load_motion_model
from .motion_net import MotionNetConfig, MotionUNet
from .synthesis_model import SynthesisModel, load_synthesis_model
from .synthesis_net import SynthesisNet, SynthesisNetConfig
from .text import TextEncoder
from .train_motion import MotionTrainSettings, train_motion
from .train_synthesis import SynthesisTrainSettings, train_synthesis
from .training import LoopSettings, TrainResult

__all__ = [
    "LoopSettings",
    "MotionModel",
    "MotionNetConfig",
    "MotionTrainSettings",
    "MotionUNet",
    "SynthesisModel",
    "SynthesisNet",
    "SynthesisNetConfig",
    "SynthesisTrainSettings",
    "TextEncoder",
    "TrainResult",
    "load_checkpoint",
    "load_motion_model",
    "load_synthesis_model",
    "save_checkpoint",
    "train_motion",
    "train_synthesis",
]
