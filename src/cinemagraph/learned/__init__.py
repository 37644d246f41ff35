"""Learned stages 4 and 5: the text-conditioned motion network and the synthesis network.

Both sit behind the interfaces the weight-free defaults use: a :class:`MotionModel`
predicts the same field a :func:`cinemagraph.motion.motion_field` call returns (float32
``H×W×2`` px/frame, zero outside the mask), and a :class:`SynthesisModel` renders the same
loop :func:`cinemagraph.animate.animate` does. Both train on a dataset folder
(:mod:`cinemagraph.dataset`) and live in one checkpoint file each.

============================  ===========================================================
module                        job
============================  ===========================================================
:mod:`.layers`                ResNet, SPADE, cross-attention and gated-conv blocks
:mod:`.motion_net`            the motion U-Net and its configuration
:mod:`.synthesis_net`         encoder, symmetric feature splatting, gated decoder
:mod:`.hints`                 sparse hints as input channels
:mod:`.text`                  the CLIP text encoder (reused from a loaded SD pipeline)
:mod:`.losses`                EPE, PatchGAN + feature matching, SSIM, perceptual
:mod:`.training`              the shared loop: devices, AMP, batches, checkpoints, resume
:mod:`.motion_training`       training the motion network
:mod:`.synthesis_training`    training the synthesis network
:mod:`.checkpoint`            one file: weights + config + normalisation + version
:mod:`.motion_model`          inference: ``load_motion_model(...).predict(...)``
:mod:`.synthesis_model`       inference: ``load_synthesis_model(...).render(...)``
============================  ===========================================================
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # loaded on first use (see lazy_exports)
    from .checkpoint import load_checkpoint as load_checkpoint, save_checkpoint as save_checkpoint
    from .motion_model import MotionModel as MotionModel, load_motion_model as load_motion_model
    from .motion_net import MotionNetConfig as MotionNetConfig, MotionUNet as MotionUNet
    from .motion_training import (
        MotionTrainSettings as MotionTrainSettings,
        train_motion as train_motion,
    )
    from .synthesis_model import (
        SynthesisModel as SynthesisModel,
        load_synthesis_model as load_synthesis_model,
    )
    from .synthesis_net import (
        SynthesisNet as SynthesisNet,
        SynthesisNetConfig as SynthesisNetConfig,
    )
    from .synthesis_training import (
        SynthesisTrainSettings as SynthesisTrainSettings,
        train_synthesis as train_synthesis,
    )
    from .text import TextEncoder as TextEncoder
    from .training import LoopSettings as LoopSettings, TrainResult as TrainResult

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
