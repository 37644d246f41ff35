"""The text encoder the motion network attends to: SD 1.x's CLIP tokenizer + text model.

In a text run the Stable Diffusion pipeline is loaded already; :meth:`TextEncoder.from_pipeline`
reuses its encoder, so no second copy is loaded. Elsewhere :meth:`TextEncoder.load` loads
only the ``tokenizer`` and ``text_encoder`` parts of an SD 1.x model (Hub id from the
Hugging Face cache, or a local diffusers folder). Embeddings are ``L×D`` per caption
(77×768 for SD 1.x), float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from ..errors import CinemagraphError

#: Caption whose mean embedding a checkpoint stores to recognise its text encoder.
REFERENCE_CAPTION = "a waterfall falling over rocks into a river"


class TextEncoder:
    """A tokenizer and a CLIP text model; :meth:`encode` turns captions into embeddings."""

    def __init__(self, tokenizer, model, name: str = "") -> None:
        self.tokenizer = tokenizer
        self.model = model.eval()
        self.name = name

    @classmethod
    def from_pipeline(cls, pipe, name: str = "") -> TextEncoder:
        """Reuse a loaded ``StableDiffusionPipeline``'s tokenizer and text encoder."""
        return cls(pipe.tokenizer, pipe.text_encoder,
                   name or str(getattr(pipe, "name_or_path", "") or ""))

    @classmethod
    def load(cls, model: str, device: str | torch.device = "cpu") -> TextEncoder:
        """Load the ``tokenizer`` and ``text_encoder`` of the SD 1.x model ``model``."""
        from ..diffusion.models import (
            dtype_for,
            missing_weights_message,
            quiet_libraries,
            resolve_device,
        )

        target = resolve_device(device)
        folder = Path(model).expanduser()
        source = str(folder) if folder.exists() else model
        missing = CinemagraphError(missing_weights_message(model, "the text encoder of"))
        with quiet_libraries():
            from transformers import CLIPTextModel, CLIPTokenizer

            def attempt(local_only: bool) -> TextEncoder:
                tokenizer = CLIPTokenizer.from_pretrained(
                    source, subfolder="tokenizer", local_files_only=local_only)
                encoder = CLIPTextModel.from_pretrained(
                    source, subfolder="text_encoder", local_files_only=local_only,
                    torch_dtype=dtype_for(target))
                return cls(tokenizer, encoder.to(target), model)

            errors = (OSError, ValueError, ConnectionError, TimeoutError)
            try:
                return attempt(local_only=True)
            except errors as exc:
                if folder.exists():
                    raise CinemagraphError(
                        f"cannot load a text encoder from {folder}: "
                        f"{str(exc).splitlines()[0]}") from exc
                raise missing from exc

    @property
    def dim(self) -> int:
        """Width of one token embedding."""
        return int(self.model.config.hidden_size)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.no_grad()
    def encode(self, captions: Sequence[str]) -> torch.Tensor:
        """float32 ``B×L×D`` on the encoder's device, as SD's pipeline computes it."""
        inputs = self.tokenizer(list(captions), padding="max_length", truncation=True,
                                max_length=self.tokenizer.model_max_length, return_tensors="pt")
        mask = None
        if getattr(self.model.config, "use_attention_mask", False):
            mask = inputs.attention_mask.to(self.device)
        out = self.model(inputs.input_ids.to(self.device), attention_mask=mask)[0]
        return out.float()

    def reference(self) -> torch.Tensor:
        """Mean embedding of :data:`REFERENCE_CAPTION`: float32 ``D`` on the CPU."""
        return self.encode([REFERENCE_CAPTION])[0].mean(dim=0).cpu()


class EmbeddingCache:
    """Caption → embedding, so the text encoder runs once per distinct caption.

    Stored on the CPU in float16 (half the memory of float32, ample precision for CLIP
    embeddings); :meth:`batch` returns float32 on ``device``.
    """

    def __init__(self, encoder: TextEncoder, chunk: int = 32) -> None:
        self.encoder = encoder
        self.chunk = chunk
        self._table: dict[str, torch.Tensor] = {}

    def add(self, captions: Sequence[str]) -> None:
        todo = sorted({c for c in captions if c not in self._table})
        for start in range(0, len(todo), self.chunk):
            part = todo[start: start + self.chunk]
            for caption, embedding in zip(part, self.encoder.encode(part).cpu(), strict=True):
                self._table[caption] = embedding.half()

    def batch(self, captions: Sequence[str], device: torch.device) -> torch.Tensor:
        self.add(captions)
        return torch.stack([self._table[c] for c in captions]).to(device=device,
                                                                 dtype=torch.float32)

    def __len__(self) -> int:
        return len(self._table)
