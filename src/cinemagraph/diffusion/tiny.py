"""A tiny, randomly initialised Stable Diffusion 1.x pipeline built from configs.

It has the block structure of SD 1.x — a UNet with four down blocks (three with
cross-attention) and four up blocks (three with cross-attention, three ResNets and three
attention modules each), a four-level VAE (latents 8× smaller than the image), a CLIP text
encoder with 77 positions and a CLIP BPE tokenizer — but only a few thousand channels in
all, so a 64×64 or 128×128 image takes a fraction of a second per step on a CPU. Nothing is
downloaded: the tokenizer's vocabulary is built here from a short word list, and every
weight is drawn from a seeded generator. Tests and examples use it to run the real code
paths; its images are noise-like, since the weights are random.
"""

from __future__ import annotations

import json

import torch
from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

#: Words that the tiny tokenizer knows as single tokens; anything else is spelt out in
#: byte-level characters, as CLIP does for rare words.
TINY_VOCABULARY_WORDS = (
    "a an the of in on at and with from during over under by to into above",
    "large small tall huge calm bright dark golden misty foggy",
    "waterfall waterfalls river stream lake sea ocean waves water clouds cloud sky smoke",
    "fire flames mist fog fountain rain steam",
    "hills hill mountains mountain forest jungle trees tree rocks cliff valley village city",
    "beach canyon bridge house castle",
    "falling flowing drifting rising burning",
    "sunset sunrise night morning evening",
    "style painting oil watercolor art artwork illustration impressionist",
    "leonid afremov vincent van gogh claude monet",
    "nature realistic photography photo bright",
)

#: The CLIP context length, as in SD 1.x.
TEXT_LENGTH = 77


def tiny_tokenizer() -> CLIPTokenizer:
    """A CLIP BPE tokenizer over byte-level characters plus :data:`TINY_VOCABULARY_WORDS`.

    The merges are learnt by the ``tokenizers`` BPE trainer on the word list, so each
    listed word is one token; any other word falls apart into characters.
    """
    words = sorted({word for line in TINY_VOCABULARY_WORDS for word in line.split()})
    specials = ["<|startoftext|>", "<|endoftext|>"]
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    bpe = Tokenizer(models.BPE(end_of_word_suffix="</w>", unk_token=specials[1]))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=100_000,
        special_tokens=specials,
        initial_alphabet=alphabet,
        end_of_word_suffix="</w>",
        min_frequency=0,
        show_progress=False,
    )
    bpe.train_from_iterator(words, trainer)
    model = json.loads(bpe.to_str())["model"]
    vocab: dict[str, int] = dict(model["vocab"])
    for char in alphabet:  # a character that ends a word, as in CLIP's vocabulary
        vocab.setdefault(char + "</w>", len(vocab))
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]]
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=TEXT_LENGTH)


def tiny_pipeline(seed: int = 0) -> StableDiffusionPipeline:
    """Build a tiny random SD 1.x pipeline (fp32, CPU, DDIM scheduler, no safety checker).

    The same ``seed`` gives the same weights. Image sizes must be multiples of 8; at
    128×128 the latent is 16×16 and the mask-statistics block (``up_blocks[2]``) works at
    8×8, as it works at 32×32 for a 512×512 image with the real model.
    """
    tokenizer = tiny_tokenizer()
    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        text_encoder = CLIPTextModel(
            CLIPTextConfig(
                vocab_size=len(tokenizer),
                hidden_size=32,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=2,
                max_position_embeddings=TEXT_LENGTH,
                bos_token_id=tokenizer.bos_token_id,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
            )
        )
        unet = UNet2DConditionModel(
            sample_size=16,
            in_channels=4,
            out_channels=4,
            down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
            up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
            block_out_channels=(32, 32, 64, 64),
            layers_per_block=2,
            norm_num_groups=8,
            cross_attention_dim=32,
            attention_head_dim=2,
        )
        vae = AutoencoderKL(
            in_channels=3,
            out_channels=3,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            block_out_channels=(8, 8, 16, 16),
            layers_per_block=1,
            latent_channels=4,
            norm_num_groups=8,
            sample_size=128,
        )
    finally:
        torch.random.set_rng_state(generator_state)
    scheduler = DDIMScheduler(
        num_train_timesteps=1000,
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipe = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe
