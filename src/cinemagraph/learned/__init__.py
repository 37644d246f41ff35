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

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".checkpoint": ("load_checkpoint", "save_checkpoint"),
    ".motion_model": ("MotionModel", "load_motion_model"),
    ".motion_net": ("MotionNetConfig", "MotionUNet"),
    ".synthesis_model": ("SynthesisModel", "load_synthesis_model"),
    ".synthesis_net": ("SynthesisNet", "SynthesisNetConfig"),
    ".text": ("TextEncoder",),
    ".motion_training": ("MotionTrainSettings", "train_motion"),
    ".synthesis_training": ("SynthesisTrainSettings", "train_synthesis"),
    ".training": ("LoopSettings", "TrainResult"),
})
