"""Stages 1 and 2 on Hugging Face diffusers: the artistic image and its natural twin.

============================  ===========================================================
module                        job
============================  ===========================================================
:mod:`.models`                load an SD 1.x pipeline (device, dtype, cache, offline)
:mod:`.tiny`                  a tiny random SD 1.x pipeline built from configs, for tests
:mod:`.generate`              the batched DDIM loop: artistic image + twin + statistics
:mod:`.twin`                  twin settings: injection windows, negative-prompt blend
:mod:`.captions`              the twin's natural caption derived from the prompt
:mod:`.batch`                 which UNet batch row is which stream and guidance branch
:mod:`.layers`                which UNet layers are read or steered, by block name
:mod:`.capture`               attention processors and hooks: statistics and injection
:mod:`.attention_stats`       the statistics handed to the mask stage, and their file
:mod:`.run`                   run-folder output: images, ``attention.npz``, ``run.json``
============================  ===========================================================

Importing this package is cheap; the submodules import torch and diffusers.
"""
