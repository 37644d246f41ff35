"""Text mode in the studio: a picture generated from a prompt, and regions found by the model.

Both run in the background as a :class:`ModelJob` that the page polls:

* :func:`run_generation` — stages 1 and 2 of the text pipeline
  (:func:`cinemagraph.diffusion.generate.generate`: the artistic image, its natural twin and
  the attention statistics, saved with :func:`~cinemagraph.diffusion.run.save_generation`),
  then stage 3's masks from that attention
  (:func:`cinemagraph.mask.masks_from_attention`). The job keeps what it made; the page
  opens it (:func:`open_generated`) as the picture to edit unless the user has opened
  another picture meanwhile, in which case it only offers to. The twin gives its motion,
  and each fluid's mask is proposed as a region;
* :func:`run_find` — "find from the prompt": a generated picture's masks from the attention
  captured while generating it; an uploaded photo's after DDIM inversion
  (:func:`cinemagraph.pipeline.image.masks_by_inversion`).
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import CinemagraphError
from .config import StudioConfig
from .models import TextModel, counting_steps
from .pictures import open_picture
from .project import resize_mask
from .project_state import mask_url
from .sessions import Picture, Session, StalePicture

#: Longest prompt accepted, in characters (the text encoder reads 75 tokens).
MAX_PROMPT_CHARS = 400

#: Where a generation's files (image.png, twin.png, attention.npz, run.json) are kept.
GENERATION_FOLDER = "generation"


@dataclass
class Generated:
    """What a generation made, kept until the page opens it."""

    image: bytes  #: the artistic picture (PNG)
    twin: bytes  #: its natural twin (PNG)
    prompt: str
    twin_prompt: str
    attention: Any
    masks: list[tuple[str | None, np.ndarray]]


@dataclass
class ModelJob:
    """A generation or a search running in the background; the page polls its progress."""

    id: str
    kind: str  #: "generate" or "find"
    state: str = "running"
    progress: float = 0.0
    stage: str = "waiting for the model"
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    result: dict | None = None
    generated: Generated | None = None  #: a generation's picture, until another replaces it

    def describe(self) -> dict:
        return {"id": self.id, "kind": self.kind, "state": self.state,
                "progress": round(self.progress, 3), "stage": self.stage, "error": self.error,
                "notes": self.notes, "result": self.result}



@contextlib.contextmanager
def _model_steps(job: ModelJob, model: TextModel, steps: int, share: float,
                 what: str) -> Iterator[Any]:
    """The loaded pipeline, for ``steps`` DDIM steps of ``what``: the job's stage says
    so, and its progress counts the steps up to ``share``."""
    with model.running():
        job.stage = "loading the model"
        pipe = model.pipe()
        job.stage = f"{what} ({steps} DDIM steps)"

        def report(done: float) -> None:
            job.progress = share * done

        with counting_steps(pipe, steps, report):
            yield pipe

def check_prompt(prompt: Any, what: str = "prompt") -> str:
    """A prompt from the page, or a one-line error; it must name a fluid to animate."""
    from ..mask.segmenter import named_fluids
    from ..motion.words import parse_motion

    if not isinstance(prompt, str) or not prompt.strip():
        raise CinemagraphError(f"the {what} is empty: say what the picture shows and what moves")
    prompt = " ".join(prompt.split())
    if len(prompt) > MAX_PROMPT_CHARS:
        raise CinemagraphError(f"the {what} is longer than {MAX_PROMPT_CHARS} characters")
    named_fluids(parse_motion(prompt))
    return prompt


def region_name(word: str) -> str:
    """A fluid word as a region's name: lower-case letters and spaces ("water" if none)."""
    name = re.sub(r"[^a-z ]+", " ", word.lower())
    name = " ".join(name.split())[:40].strip()
    return name or "water"


def proposed_regions(masks: list[tuple[str | None, np.ndarray]],
                     shape: tuple[int, int]) -> list[dict]:
    """Masks found by the model as regions for the page: name and grey PNG at ``shape``."""
    regions = []
    for name, mask in masks:
        grey = np.rint(resize_mask(mask, shape) * 255.0).astype(np.uint8)
        regions.append({"name": region_name(name or ""), "mask": mask_url(grey),
                        "pixels": int((grey >= 128).sum())})
    return regions


def _fail(job: ModelJob, exc: BaseException) -> None:
    if isinstance(exc, CinemagraphError):
        job.error = str(exc)
    elif isinstance(exc, MemoryError):
        job.error = "not enough memory for the model: use a smaller picture or fewer steps"
    else:
        job.error = f"internal error ({type(exc).__name__}: {exc})"
    job.state = "failed"


def _keep_notes(job: ModelJob, caught: list[warnings.WarningMessage]) -> None:
    for warning in caught:
        text = str(warning.message)
        if text not in job.notes:
            job.notes.append(text)


def run_generation(job: ModelJob, model: TextModel, session: Session, config: StudioConfig,
                   prompt: str, seed: int) -> None:
    """Generate the picture for ``prompt`` with its twin and its fluids' masks, kept on the
    job for :func:`open_generated` (``job.result``: its size and the fluids found). The
    session's open picture stays as it is."""
    from ..diffusion.generate import GenerationSettings, generate
    from ..diffusion.run import save_generation
    from ..diffusion.twin import TwinSettings
    from ..mask import masks_from_attention

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            settings = GenerationSettings(steps=config.text_steps, seed=seed,
                                          width=config.text_size, height=config.text_size)
            settings.validate()
            with _model_steps(job, model, settings.steps, 0.9,
                              "generating the picture and its twin") as pipe:
                result = generate(pipe, prompt, settings, TwinSettings())
            job.stage = "finding the fluids from the attention"
            job.progress = 0.92
            folder = session.folder / GENERATION_FOLDER
            device = f"{pipe.unet.device.type} ({str(pipe.unet.dtype).removeprefix('torch.')})"
            files = save_generation(result, folder, model.model, device)
            try:
                masks = masks_from_attention(result.attention, prompt)
            except CinemagraphError as exc:  # the picture stays; the user paints instead
                masks = {}
                job.notes.append(f"{exc}: paint the regions with the brush")
            height, width = result.image.shape[:2]
            job.generated = Generated(files["image"].read_bytes(), files["twin"].read_bytes(),
                                      prompt, result.twin_prompt, result.attention,
                                      list(masks.items()))
        _keep_notes(job, caught)
        job.result = {"prompt": prompt, "twin_prompt": result.twin_prompt, "width": width,
                      "height": height, "fluids": [region_name(name or "") for name in masks]}
        job.progress, job.stage, job.state = 1.0, "done", "done"
    except Exception as exc:  # reported on the page; the server goes on
        _fail(job, exc)


def open_generated(session: Session, job: ModelJob, config: StudioConfig) -> dict:
    """Open the picture generation ``job`` made as the session's picture, with its twin,
    prompt and attention; its fluids' masks come back as proposed regions."""
    made = job.generated
    if job.kind != "generate" or job.state != "done" or made is None:
        raise CinemagraphError("that generated picture is no longer kept: generate it again")
    info = open_picture(session, made.image, config, twin=made.twin, prompt=made.prompt,
                        attention=made.attention)
    regions = proposed_regions(made.masks, (info["work_height"], info["work_width"]))
    return {"picture": info, "regions": regions, "prompt": made.prompt,
            "twin_prompt": made.twin_prompt}


def run_find(job: ModelJob, model: TextModel, session: Session, config: StudioConfig,
             words: str, picture: Picture) -> None:
    """The regions ``words`` name in ``picture``, the session's (``job.result``: regions):
    from the attention captured while generating it when the words are its prompt, else
    found by DDIM inversion of the picture."""
    from ..mask import masks_from_attention
    from ..pipeline.image import masks_by_inversion

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if picture.attention is not None and words == picture.prompt:
                job.stage = "reading the attention captured while generating"
                masks = list(masks_from_attention(picture.attention, words).items())
                source = "attention"
            else:
                image = picture.work.astype(np.float32) / 255.0
                with _model_steps(job, model, config.inversion_steps, 0.95,
                                  "inverting the picture") as pipe:
                    masks = masks_by_inversion(image, words, pipe=pipe,
                                               steps=config.inversion_steps)
                source = "inversion"
        _keep_notes(job, caught)
        if session.picture is not picture:
            raise StalePicture("another picture was opened meanwhile: find again")
        job.result = {"regions": proposed_regions(masks, picture.work_shape),
                      "source": source, "words": words}
        job.progress, job.stage, job.state = 1.0, "done", "done"
    except Exception as exc:  # reported on the page; the server goes on
        _fail(job, exc)

