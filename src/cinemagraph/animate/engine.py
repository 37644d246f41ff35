"""Stage 5: a still image + mask + Eulerian motion field → the frames of a seamless loop.

Frame ``t`` of an ``N``-frame loop blends two softmax splats of the input image
(symmetric splatting, Holynski et al. 2021):

* the image pushed *forward* by F₀→ₜ (integrating ``M`` for ``t`` steps), weight 1 − w;
* the image pushed *backward* by F₀→₋₍N−t₎ (integrating ``−M`` for ``N − t`` steps), weight
  w = :func:`crossfade_weight` (t/N) where both cover the pixel — t/N itself with the
  linear crossfade (the shares of :mod:`.compose`).

Frame 0 is the input; frame N would be the input again, so the loop is seamless, and each
direction fills the holes the other leaves. :class:`~.render.FrameRenderer` renders one
frame (the splats, the blend of :mod:`.compose`, the hole filling of :mod:`.fill`); the
result is blended into the input through a feathered mask, and beyond the feather every
frame equals the input exactly. Only the mask's bounding box is rendered.

Only the points that can reach an animated pixel are integrated and splatted, kept
compact (:mod:`.points`). Both integrations cost O(N) steps per video: the forward
displacements advance with ``t``; the backward ones are integrated once and stored (N−1
states of 9 bytes per point), or — when that would pass :data:`STORED_STATES_BUDGET` —
re-integrated run by run from √N checkpoints, for twice the backward steps.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence

import cv2
import numpy as np
import torch
from tqdm.auto import tqdm

from ..contract import check_field, check_image, check_mask, to_uint8
from ..errors import CinemagraphError
from .compiling import compile_progress
from .holes import HoleTally
from .integrate import PointIntegrator
from .points import PointRuns
from .reach import overlong_reach
from .render import FrameRenderer
from .settings import REFERENCE_WIDTH, AnimateSettings

#: Bytes that the backward displacements of one video may take before they are
#: re-integrated from checkpoints instead of stored whole (see ``_backward_states``).
STORED_STATES_BUDGET = 1 << 30

#: Bytes one stored state takes per point: (dx, dy) in float32 and a bool.
STATE_BYTES_PER_POINT = 9


def effective_field(field: np.ndarray, settings: AnimateSettings) -> np.ndarray:
    """The field the engine integrates: clamped to ``settings.max_speed`` and scaled.

    ``field``: float32 ``H×W×2`` px/frame. The clamp is in px/frame at 512 px image width
    and scales with the image width; it is applied before the speed multiplier.
    """
    field = np.asarray(field, dtype=np.float32)
    if settings.max_speed is not None:
        cap = settings.max_speed * field.shape[1] / REFERENCE_WIDTH
        magnitude = np.linalg.norm(field, axis=-1, keepdims=True)
        field = field * np.minimum(1.0, cap / np.maximum(magnitude, 1e-12))
    return (field * np.float32(settings.speed)).astype(np.float32)


def prepare_inputs(
    image: np.ndarray, mask: np.ndarray, field: np.ndarray, settings: AnimateSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a renderer's inputs; the field clamped, scaled and zeroed outside the mask.

    Returns image float32 ``H×W×3``, mask float32 ``H×W`` and field float32 ``H×W×2``
    (px/frame) as every renderer of the loop uses them.
    """
    image = check_image(image)
    shape = image.shape[:2]
    mask = check_mask(mask, shape)
    field = check_field(field, shape)
    field = np.where((mask > 0)[..., None], effective_field(field, settings), 0.0)
    if settings.speed > 1:  # the multiplied field keeps to the contract's cap as well
        field = check_field(field, shape, name=f"the motion field × {settings.speed:g}")
    return image, mask, field.astype(np.float32)


def blend_weights(mask: np.ndarray, feather: float) -> np.ndarray:
    """Per-pixel weight of the animated image (float32 ``H×W`` in [0, 1]).

    1 wherever the mask is > 0, falling smoothly to 0 over ``feather`` pixels outside it;
    exactly 0 farther away (those pixels are copied from the input).
    """
    core = mask > 0
    if not core.any():
        return np.zeros(mask.shape, dtype=np.float32)
    if feather <= 0:
        return core.astype(np.float32)
    outside = (~core).astype(np.uint8)
    distance = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    ramp = np.clip(1.0 - distance / (feather + 1.0), 0.0, 1.0)
    return (ramp * ramp * (3.0 - 2.0 * ramp)).astype(np.float32)  # smoothstep


def crossfade_weight(phase: float, power: float) -> float:
    """The backward splat's weight at ``phase = t/N`` of the loop where both directions
    cover a pixel: ``u^p / (u^p + (1 − u)^p)`` (:func:`~.compose.normalize_and_compose`).

    ``power`` 1 is the linear crossfade of symmetric splatting, t/N. A larger power keeps
    each frame closer to one direction alone and passes through the 50/50 mix faster: the
    two splats, whose textures have drifted a loop's travel apart, show through each
    other (doubled foam lines, half-doubled clouds) for fewer frames. The weight is 0 at
    the start, 1 at the end and ½ in the middle whatever the power, so the loop still
    closes on the input.
    """
    if power == 1.0:
        return phase
    forward, backward = (1.0 - phase) ** power, phase ** power
    return backward / (forward + backward)


def _bounding_box(weights: np.ndarray, margin: int) -> tuple[slice, slice]:
    """(rows, cols) slices around the True pixels of ``weights`` (bool ``H×W``), widened by
    ``margin`` pixels within the image."""
    rows = np.flatnonzero(weights.any(axis=1))
    cols = np.flatnonzero(weights.any(axis=0))
    h, w = weights.shape
    return (
        slice(max(0, rows[0] - margin), min(h, rows[-1] + 1 + margin)),
        slice(max(0, cols[0] - margin), min(w, cols[-1] + 1 + margin)),
    )


def _importance_weight(field: np.ndarray, kind: str) -> np.ndarray:
    """exp(Z) for the splat, float32 ``H×W``, max 1."""
    if kind == "uniform":
        return np.ones(field.shape[:2], dtype=np.float32)
    speed = np.linalg.norm(field, axis=-1)
    z = 4.0 * speed / max(float(speed.max()), 1e-12)
    return np.exp(z - z.max()).astype(np.float32)


def resolve_device(device: str) -> str:
    """Map ``"auto"`` to ``"cuda"`` or ``"cpu"``; check that CUDA exists when asked for."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise CinemagraphError("--device cuda was asked for but no CUDA GPU is available")
    return device


def iter_frames(
    image: np.ndarray,
    mask: np.ndarray,
    field: np.ndarray,
    settings: AnimateSettings | None = None,
    *,
    progress: bool = False,
    backend: str | None = None,
    schedule: str = "incremental",
    regions: Sequence[tuple[str | None, np.ndarray]] | None = None,
) -> Iterator[np.ndarray]:
    """Yield the frames of the loop one by one (uint8 ``H×W×3``, frames 0…N−1).

    ``image``: float32 ``H×W×3`` in [0, 1]; ``mask``: float32 ``H×W`` in [0, 1] (pixels
    with mask 0 never move); ``field``: float32 ``H×W×2`` px/frame (forced to zero where
    the mask is 0). ``backend``: ``"numba"`` (CPU default) or ``"torch"`` (CUDA default).
    ``schedule``: ``"incremental"`` integrates once per video (O(N) steps);
    ``"restart"`` re-integrates from zero for every frame (O(N²), as the published code
    does) and exists as a reference for tests and benchmarks — the frames are the same.
    ``regions``: the moving regions as ``(name, mask)`` pairs (float32 ``H×W`` each, as
    the mask's parts); a region of which some frame fills more than 2 % as holes is
    warned about by name once the last frame is rendered (:mod:`.holes`). Without them
    the whole mask counts as one region.
    """
    for frame in _render_loop(image, mask, field, settings, progress, backend, schedule,
                              regions):
        yield frame.copy()


def _render_loop(image, mask, field, settings, progress, backend, schedule, regions=None):
    """The frames of :func:`iter_frames`, each yielded as one buffer the next overwrites."""
    if schedule not in _SCHEDULES:
        raise CinemagraphError(f"schedule must be one of {sorted(_SCHEDULES)}, got {schedule!r}")
    settings = settings or AnimateSettings()
    image, mask, field = prepare_inputs(image, mask, field, settings)
    n = settings.frames
    device = resolve_device(settings.device)
    backend = backend or ("torch" if device == "cuda" else "numba")

    too_far = overlong_reach(field, n)
    if too_far is not None:
        warnings.warn(
            f"a loop of {n} frames moves the fluid {too_far.travel_px:.0f} px, "
            f"{too_far.share:.0%} of its region's length along the flow "
            f"({too_far.length_px:.0f} px), so the middle of the loop runs out of texture: "
            "use fewer frames or a lower speed (two thirds of the length at most)",
            stacklevel=3,
        )
    base = to_uint8(image)
    weights = blend_weights(mask, settings.feather)
    still = not (field != 0).any()
    if progress and backend == "numba" and not still:  # compile first: the bar shows
        prepare_kernels(progress=True)  # the frames' own pace
    bar = tqdm(total=n, desc="animate", unit="frame", disable=not progress, leave=False)
    with bar:
        yield base
        bar.update()
        if still:
            for _ in range(1, n):
                yield base
                bar.update()
            return

        rows, cols = _bounding_box(weights > 0, margin=1)
        img = np.ascontiguousarray(image[rows, cols])
        alpha = np.ascontiguousarray(weights[rows, cols])
        crop_field = np.ascontiguousarray(field[rows, cols])
        points = PointRuns.of_mask(_contributing_points(alpha))
        renderer = FrameRenderer(
            img, alpha, _importance_weight(crop_field, settings.importance), points,
            backend=backend, device=device, preserve_contrast=settings.blend == "contrast",
            sharpness=settings.sharpness, field=crop_field, crossfade=settings.crossfade,
        )
        canvas = base.copy()
        # The renderer writes the animated pixels of the crop in place. A crop of its own
        # (rather than a view of the canvas) has the same memory layout in every scene,
        # so the kernels are compiled for one layout only.
        crop = np.ascontiguousarray(base[rows, cols])
        pairs = _SCHEDULES[schedule](
            renderer.field(crop_field), renderer.field(np.ascontiguousarray(-crop_field)), n,
            points,
        )
        tally = HoleTally(regions if regions is not None else [(None, mask)], rows, cols)
        for t, (fwd_disp, fwd_valid, bwd_disp, bwd_valid) in enumerate(pairs, start=1):
            renderer.render((fwd_disp, fwd_valid), (bwd_disp, bwd_valid), t / n, crop, t)
            tally.add(t, renderer.holes, renderer.hole_count)
            canvas[rows, cols] = crop
            yield canvas
            bar.update()
        tally.warn(n, stacklevel=3)


def prepare_kernels(progress: bool = False) -> None:
    """Compile the engine's CPU kernels, or load them from numba's cache, by animating a
    tiny scene; with ``progress``, say so on stderr while numba compiles.

    Every kernel is typed for one memory layout whatever the scene, so that afterwards no
    video compiles anything. The first run on a machine compiles (tens of seconds on a
    small CPU) and caches the result; later runs load it in well under a second.
    """
    h, w = 12, 16
    image = np.linspace(0.0, 1.0, h * w * 3, dtype=np.float32).reshape(h, w, 3)
    mask = np.zeros((h, w), dtype=np.float32)
    mask[3:9, 4:12] = 1.0  # part of the image, as in most scenes
    field = np.zeros((h, w, 2), dtype=np.float32)
    field[..., 0], field[..., 1] = 0.5, 0.25
    with compile_progress(progress):
        for _ in _render_loop(image, mask, field, AnimateSettings(frames=4), False, "numba",
                              "incremental"):
            pass


def _contributing_points(alpha: np.ndarray) -> np.ndarray:
    """The points whose splat can reach an animated pixel (bool ``h×w``).

    Pixels outside the mask never move, so a still point lands on itself; one that is
    neither animated (``alpha`` > 0) nor next to an animated pixel reaches nothing the
    frame shows — not even through the 3×3 neighbourhoods of the blend — and is left out.
    """
    animated = (alpha > 0).astype(np.uint8)
    return cv2.dilate(animated, np.ones((3, 3), np.uint8)).astype(np.bool_)


def _incremental_pairs(field, negated, n: int, points: PointRuns):
    """For t = 1…N−1: F₀→ₜ and F₀→₋₍N−t₎ of ``points`` with O(N) Euler steps in all.

    The forward displacements advance with t; the backward ones are needed in the
    opposite order and come from :func:`_backward_states`. Yields
    ``(fwd_disp, fwd_valid, bwd_disp, bwd_valid)``, compact (``P×2`` and ``P``).
    """
    forward = PointIntegrator(field, points)
    for _t, (bwd_disp, bwd_valid) in zip(
        range(1, n), _backward_states(negated, n, points), strict=True
    ):
        forward.step()
        yield forward.disp, forward.valid, bwd_disp, bwd_valid


def _backward_states(negated, n: int, points: PointRuns):
    """``(disp, valid)`` of F₀→₋ₖ for k = N−1 down to 1.

    While the N−1 states fit in :data:`STORED_STATES_BUDGET` bytes they are integrated
    once, each step writing straight into its slot. Beyond it, only every c-th state
    (c ≈ √N) is kept as a checkpoint on a first pass, and each run of c states is
    integrated again from its checkpoint when the frames reach it: about 2√N states in
    memory at a time, for about twice the steps. Both give the same states to the bit.
    A yielded state is valid until the next one is asked for.
    """
    backward = PointIntegrator(negated, points)
    if (n - 1) * points.count * STATE_BYTES_PER_POINT <= STORED_STATES_BUDGET:
        disps, valids = _state_slots(backward, n - 1)  # slot k-1: the state after k steps
        for k in range(n - 1):
            backward.step(into=(disps[k], valids[k]))
        for k in reversed(range(n - 1)):
            yield disps[k], valids[k]
        return
    run = math.isqrt(n - 2) + 1  # c: the runs are states j·c + 1 … (j+1)·c
    runs = (n - 2) // run + 1  # and their checkpoints states 0, c, 2c, …
    checkpoints = _state_slots(backward, runs)
    _copy_state((backward.disp, backward.valid), checkpoints, 0)
    for k in range(1, (runs - 1) * run + 1):
        backward.step()
        if k % run == 0:
            _copy_state((backward.disp, backward.valid), checkpoints, k // run)
    disps, valids = _state_slots(backward, run)
    for j in reversed(range(runs)):
        backward.disp, backward.valid = checkpoints[0][j], checkpoints[1][j]
        count = min((j + 1) * run, n - 1) - j * run
        for i in range(count):
            backward.step(into=(disps[i], valids[i]))
        for i in reversed(range(count)):
            yield disps[i], valids[i]


def _state_slots(integrator: PointIntegrator, count: int) -> tuple:
    """Room for ``count`` states of ``integrator``'s points: ``(disps, valids)``,
    ``count×P×2`` and ``count×P``, of the integrator's kind and device."""
    disp = integrator.disp
    if isinstance(disp, torch.Tensor):
        return (torch.empty((count, *disp.shape), dtype=disp.dtype, device=disp.device),
                torch.empty((count, disp.shape[0]), dtype=torch.bool, device=disp.device))
    return (np.empty((count, *disp.shape), dtype=disp.dtype),
            np.empty((count, disp.shape[0]), dtype=np.bool_))


def _copy_state(state: tuple, slots: tuple, slot: int) -> None:
    """Copy ``state = (disp, valid)`` into ``slot`` of ``slots`` (:func:`_state_slots`)."""
    for source, target in zip(state, slots, strict=True):
        if isinstance(target, torch.Tensor):
            target[slot].copy_(source)
        else:
            target[slot] = source


def _restarting_pairs(field, negated, n: int, points: PointRuns):
    """The published schedule: both displacements re-integrated from zero for every t."""
    for t in range(1, n):
        forward, backward = PointIntegrator(field, points), PointIntegrator(negated, points)
        for _ in range(t):
            forward.step()
        for _ in range(n - t):
            backward.step()
        yield forward.disp, forward.valid, backward.disp, backward.valid


_SCHEDULES = {"incremental": _incremental_pairs, "restart": _restarting_pairs}


def animate(
    image: np.ndarray,
    mask: np.ndarray,
    field: np.ndarray,
    settings: AnimateSettings | None = None,
    *,
    progress: bool = False,
    backend: str | None = None,
    schedule: str = "incremental",
    regions: Sequence[tuple[str | None, np.ndarray]] | None = None,
) -> np.ndarray:
    """All frames of the loop as uint8 ``N×H×W×3`` (see :func:`iter_frames`)."""
    settings = settings or AnimateSettings()
    h, w = np.asarray(image).shape[:2]
    frames = np.empty((settings.frames, h, w, 3), dtype=np.uint8)
    for t, frame in enumerate(
        _render_loop(image, mask, field, settings, progress, backend, schedule, regions)
    ):
        frames[t] = frame
    return frames
