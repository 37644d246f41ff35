"""The weight-free motion prior: one Eulerian motion field from words, shapes and hints.

For each moving region the prompt's words choose a fluid and its direction, speed and
turbulence (:mod:`.words`); the region's shape turns that into a flow that follows its
banks (:mod:`.potential`, solved on a reduced grid and brought back to full resolution);
fine divergence-free swirls are added (:mod:`.turbulence`); the speed fades smoothly to
zero towards static pixels, but not where the fluid leaves the frame; user hints, when
given, win over the words (:mod:`.hints`). The result is float32 ``H×W×2`` in pixels per
frame, (dx, dy) with x right and y down, exactly zero where the mask is zero.

Speeds from words are stated for a 512-px-wide image and scale with the image's width; an
explicit ``MotionSettings.speed`` is in pixels per frame of the image itself.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..contract import MAX_SPEED_PX_PER_FRAME, check_image, check_mask
from ..errors import CinemagraphError
from ..seeds import check_seed
from .falls import fall_and_pool, white_water
from .grid import SolverGrid, make_grid
from .hints import (
    HintLike,
    MotionHint,
    check_hints,
    fit_hints,
    hint_directions,
    hint_pixel,
    hint_pull,
    place_hints,
)
from .potential import LEVEL_DEG, part_directions, potential_flow, unit_vector
from .shore import perspective_speed, shore_axes
from .steady import smooth_directions, straight_where_clear
from .turbulence import curl_noise
from .vocabulary import NEUTRAL, REFERENCE_WIDTH, known_fluids
from .words import DIRECTION_WORDS, FluidSpec, parse_motion, with_words

#: A region cell counts as moving when its mask value is at least this.
REGION_THRESHOLD = 0.5


@dataclass(frozen=True)
class MotionSettings:
    """Settings of the weight-free motion prior.

    ``seed``: seeds the turbulence (same seed → same field). ``direction_deg``: overrides
    every fluid's direction (degrees counter-clockwise on screen: 0 right, 90 up, 270
    down); None = from the words. ``speed``: overrides every fluid's speed, in pixels per
    frame of this image; None = from the words. ``speed_scale``: multiplies the words'
    speeds. ``turbulence_scale``: multiplies each fluid's turbulence (0 = none).
    ``turbulence_size_scale``: multiplies the swirl size. ``solver_size``: longer side, in
    cells, of the grid the flow is solved on. ``fade_px``: width over which the speed fades
    to zero towards static pixels, at 512 px image width (scaled with the width; also
    capped at half the region's thickness).
    """

    seed: int = 0
    direction_deg: float | None = None
    speed: float | None = None
    speed_scale: float = 1.0
    turbulence_scale: float = 1.0
    turbulence_size_scale: float = 1.0
    solver_size: int = 128
    fade_px: float = 4.0

    def __post_init__(self) -> None:
        check_seed(self.seed)
        if self.direction_deg is not None and not math.isfinite(self.direction_deg):
            raise CinemagraphError(f"direction must be a finite angle, got {self.direction_deg}")
        if self.speed is not None and not (
                math.isfinite(self.speed) and 0 <= self.speed <= MAX_SPEED_PX_PER_FRAME):
            raise CinemagraphError(
                f"speed must lie in [0, {MAX_SPEED_PX_PER_FRAME:g}] pixels per frame, "
                f"got {self.speed}")
        for name, low in (("speed_scale", 0.0), ("turbulence_scale", 0.0), ("fade_px", 0.0),
                          ("turbulence_size_scale", 0.01)):
            value = getattr(self, name)
            if not (math.isfinite(value) and low <= value <= 100):
                raise CinemagraphError(f"{name} must lie in [{low:g}, 100], got {value}")
        if not _is_whole(self.solver_size) or not 8 <= self.solver_size <= 2048:
            raise CinemagraphError(
                f"solver_size must be a whole number in [8, 2048], got {self.solver_size!r}")


def _is_whole(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


Region = np.ndarray | Sequence[Sequence[float]]
Regions = (Mapping[str, Region] | Sequence[Region | tuple[str | None, Region]] | np.ndarray)


def split_labels(labels: np.ndarray) -> list[np.ndarray]:
    """A labelled mask (integer ``H×W``; 0 static, 1, 2 … one region each) as one float32
    ``H×W`` mask per label present, in increasing label order."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or not np.issubdtype(labels.dtype, np.integer):
        raise CinemagraphError(f"a labelled mask must be an integer H×W array, got "
                               f"{labels.dtype} {labels.shape}")
    return [(labels == value).astype(np.float32) for value in np.unique(labels) if value > 0]


def _labelled(regions: Regions) -> list[tuple[str | None, np.ndarray]]:
    if isinstance(regions, np.ndarray):
        if regions.ndim == 2 and np.issubdtype(regions.dtype, np.integer):
            return [(None, mask) for mask in split_labels(regions)]
        return [(None, regions)]
    if isinstance(regions, Mapping):
        return [(str(name), mask) for name, mask in regions.items()]
    out: list[tuple[str | None, np.ndarray]] = []
    for item in regions:
        if isinstance(item, tuple) and len(item) == 2 and (
                item[0] is None or isinstance(item[0], str)):
            out.append((item[0], item[1]))
        else:
            out.append((None, item))
    return out


def scene_fluids(labels: Sequence[str | None], prompt: str = "") -> list[FluidSpec]:
    """Which fluid, moving how, each region gets.

    ``labels``: per region, a name or small prompt ("clouds", "pool", "waterfall rushing")
    or None. A label that names a fluid gives that fluid with the label's words; when the
    label has no motion words of its own and ``prompt`` names the same kind of fluid, the
    prompt's words for it apply ("clouds" in "clouds drifting right over a waterfall").
    Otherwise region i takes the i-th fluid the prompt names (the last one when there are
    fewer, with a warning), with any motion words of the label added.
    """
    scene = parse_motion(prompt)
    specs = []
    for index, label in enumerate(labels):
        base = scene[min(index, len(scene) - 1)]
        own = parse_motion(label) if label and label.strip() else None
        if own is not None and own[0].kind is not NEUTRAL:
            spec = own[0]
            if not spec.words:
                spec = next((s for s in scene if s.kind is spec.kind), spec)
        elif own is not None and own[0].words:
            spec = with_words(base, label or "")
        else:
            spec = base
        if index >= len(scene) and (own is None or own[0].kind is NEUTRAL):
            name = f'"{label.strip()}"' if label and label.strip() else f"region {index + 1}"
            warnings.warn(
                f"{name} names no fluid and the prompt names fewer fluids than there are "
                f"regions, so it moves as the {spec.kind.name} ({spec.describe()}); "
                f"name its fluid to choose another", stacklevel=3)
        specs.append(spec)
    return specs


def angle_between(a_deg: float, b_deg: float) -> float:
    """The unsigned angle between two screen directions, in degrees (0 … 180)."""
    return abs((a_deg - b_deg + 180.0) % 360.0 - 180.0)


def boundary_fade(region: np.ndarray, width_px: float) -> np.ndarray:
    """Smooth 0→1 ramp with the distance to the nearest static pixel: float32 ``H×W``.

    ``region``: bool ``H×W``. Pixels beyond the image edge do not count as static, so the
    fluid keeps its speed where it leaves the frame. The ramp (smoothstep) is ``width_px``
    wide, or half a part's thickness when that is less; zero outside the region.
    """
    region = np.asarray(region, dtype=bool)
    if width_px <= 0:
        return region.astype(np.float32)
    distance = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    count, parts = cv2.connectedComponents(region.astype(np.uint8), connectivity=8)
    thickest = np.zeros(count, dtype=np.float32)
    np.maximum.at(thickest, parts.ravel(), distance.ravel())
    widths = np.clip(np.minimum(width_px, 0.5 * thickest), 1.0, None)
    t = np.clip((distance - 1.0) / widths[parts].astype(np.float32), 0.0, 1.0)
    fade = t * t * (3.0 - 2.0 * t)
    fade[~region] = 0.0
    return fade.astype(np.float32)


#: How a region's direction is chosen (see :func:`_direction_mode`).
FIXED, CHANNEL, SHORE = "fixed", "channel", "shore"
#: A level channel could run either way: without words that say which, it drifts at this
#: share of its speed (a slow drift is better than a fast wrong one); its swirls slow by
#: only the square root of that.
UNSURE_SIGN_SPEED = 0.4
#: The pool below a fall spreads at this share of the fall's speed …
POOL_SPEED = 0.1
#: … with this much turbulence relative to its own speed (a lake's).
POOL_TURBULENCE = 0.5
#: A fall tells its pool apart only when it falls within this many degrees of straight down.
FALLING_DEG = 45.0
#: Smoothing (Gaussian sigma, in solver cells) of the speed the turbulence scales with.
SWIRL_SMOOTHING_CELLS = 2.0


def _direction_mode(spec: FluidSpec, settings: MotionSettings) -> tuple[str, float | None]:
    """Where a region's direction comes from, and the direction words or settings give.

    An explicit direction always wins (fixed). Otherwise a fluid of fixed direction keeps
    it; a channel fluid runs along its channel (the words, when they give a direction,
    choose which way along it); a sea or lake moves along its shore unless the words say
    which way it moves.
    """
    if settings.direction_deg is not None:
        return FIXED, settings.direction_deg
    said = any(word in DIRECTION_WORDS for word in spec.words)
    if spec.kind.direction_deg is None and not spec.kind.along_shore:
        return CHANNEL, spec.direction_deg
    if spec.kind.along_shore and not said:
        return SHORE, None
    return FIXED, 270.0 if spec.direction_deg is None else spec.direction_deg


def _masked_smooth(values: np.ndarray, cells: np.ndarray, sigma: float) -> np.ndarray:
    weight = cv2.GaussianBlur(cells.astype(np.float32), (0, 0), sigma)
    smooth = cv2.GaussianBlur((values * cells).astype(np.float32), (0, 0), sigma)
    return np.where(cells, smooth / np.maximum(weight, 1e-6), 0.0).astype(np.float64)


def _grid_motion(grid: SolverGrid, image: np.ndarray, spec: FluidSpec,
                 hints: Sequence[MotionHint], mode: str, direction: float | None,
                 target: float, swirl: float) -> tuple[np.ndarray, np.ndarray]:
    """Motion on the solver grid: (float64 ``h×w×2`` px/frame, float64 ``h×w`` swirl
    amplitude in px/frame, the swirl strength times the local speed). ``image`` tells a
    fall's white water from what else its mask holds."""
    placed = place_hints(grid, hints)
    if mode == SHORE:
        base = shore_axes(grid, towards_viewer=True)
    else:
        base = part_directions(grid, direction, along_channel=mode == CHANNEL)
    directions = hint_directions(placed, base)
    shaped = potential_flow(grid, directions, channel=mode == CHANNEL)
    if mode != CHANNEL:
        shaped = straight_where_clear(grid, shaped, directions)
    unit = smooth_directions(grid, shaped)
    factor = grid.cells.astype(np.float64)
    guess = np.ones(grid.grid_shape)
    if mode == CHANNEL and direction is None:
        level = np.abs(directions[:, 1]) < math.sin(math.radians(LEVEL_DEG))
        guess = np.where(level, UNSURE_SIGN_SPEED, 1.0)[grid.labels]
    if mode == SHORE:
        factor = factor * perspective_speed(grid)
    main = unit * (target * factor * guess)[..., None]
    strength = swirl / np.sqrt(guess)  # a guessed way is slower, its swirls less so
    falling = direction is not None and angle_between(direction, 270.0) <= FALLING_DEG
    if spec.kind.name == "waterfall" and falling and not placed:
        fall, spread, split = fall_and_pool(grid)
        fall = fall * np.where(split, white_water(image, grid, fall), 1.0)
        pool = np.stack([spread, np.zeros_like(spread)], axis=-1) * (POOL_SPEED * target)
        main = fall[..., None] * main + (1.0 - fall)[..., None] * pool
        strength = fall * swirl + (1.0 - fall) * POOL_TURBULENCE * (swirl > 0)
    if placed:
        hinted_motion, hinted_cells = fit_hints(grid, placed, unit)
        main[hinted_cells] = hinted_motion[hinted_cells]
    speed = _masked_smooth(np.linalg.norm(main, axis=-1), grid.cells, SWIRL_SMOOTHING_CELLS)
    return main, strength * speed


def _region_field(image: np.ndarray, weight: np.ndarray, region: np.ndarray,
                  spec: FluidSpec, hints: Sequence[MotionHint], settings: MotionSettings,
                  salt: int) -> np.ndarray:
    """Motion of one fluid in one masked region: float32 ``H×W×2`` pixels per frame.

    ``image``: float32 ``H×W×3``, the picture (a fall's white water). ``weight``: float32
    ``H×W`` in [0, 1], the region's share of each pixel. ``region``: bool ``H×W``, where it
    moves. ``salt``: tells regions' turbulence apart.
    """
    height, width = region.shape
    scale = width / REFERENCE_WIDTH
    mode, direction = _direction_mode(spec, settings)
    target = (settings.speed if settings.speed is not None
              else spec.speed * scale * settings.speed_scale)
    swirl = spec.turbulence * settings.turbulence_scale

    grid = make_grid(region, settings.solver_size)
    main, amplitude = _grid_motion(grid, image, spec, hints, mode, direction, target, swirl)
    full = grid.upsample(np.concatenate([main, amplitude[..., None]], axis=-1))
    motion, amplitude_full = full[..., :2], full[..., 2]

    stray = region & ~grid.covered  # slivers too thin for the grid move straight on
    if stray.any():
        stray_direction = direction if direction is not None else (
            0.0 if mode == SHORE else 270.0)
        motion[stray] = target * unit_vector(stray_direction)
        amplitude_full[stray] = swirl * target

    fade = boundary_fade(region, settings.fade_px * scale)
    if hints:
        pull, pinned = hint_pull((height, width), hints, 1.5 * grid.cell_size())
        motion = motion * (1.0 - pull)[..., None] + pinned * pull[..., None]
        fade = np.maximum(fade, pull * region)
        amplitude_full *= 1.0 - pull
    if float(amplitude_full.max(initial=0.0)) > 0:
        size = spec.kind.feature_px * scale * settings.turbulence_size_scale
        motion += amplitude_full[..., None] * curl_noise((height, width), size,
                                                         (int(settings.seed), salt))
    return motion * (fade * weight)[..., None]


def _warn_neutral(spec: FluidSpec, label: str, settings: MotionSettings) -> None:
    if spec.kind is NEUTRAL and settings.direction_deg is None:
        warnings.warn(
            f"{label} names no fluid this motion prior knows, so it gets the neutral "
            f"default ({spec.describe()}); known fluids: {', '.join(known_fluids())}",
            stacklevel=3)


def scene_motion_field(image: np.ndarray, regions: Regions, prompt: str = "",
                       hints: Iterable[HintLike] = (),
                       settings: MotionSettings | None = None,
                       speeds: Sequence[float | None] | None = None) -> np.ndarray:
    """One motion field for a scene of several moving regions, each its own fluid.

    ``image``: float32 ``H×W×3`` in [0, 1]: its size, and in a waterfall's region its
    white water, which falls where the rest of the mask does not. ``regions``: masks (float
    ``H×W`` in [0, 1], 1 = may move) as a mapping name → mask, a sequence of masks or of
    (name, mask) pairs, a single mask, or a labelled integer ``H×W`` mask (0 = static).
    Which fluid each region is follows :func:`scene_fluids`. ``hints``: (x, y, dx, dy)
    arrows in pixels and pixels per frame; each acts in the region it lies in.
    ``speeds``: one per region, in pixels per frame of this image, each overriding that
    region's speed (None: as ``settings`` says). Where regions overlap their motions are
    blended by mask weight.

    Returns float32 ``H×W×2`` (dx, dy) in pixels per frame, zero where every mask is zero.
    """
    settings = settings or MotionSettings()
    image = check_image(image)
    shape = image.shape[:2]
    labelled = _labelled(regions)
    if not labelled:
        raise CinemagraphError("no mask given: say which regions may move")
    masks = [check_mask(mask, shape, name=f"mask {name or i + 1}")
             for i, (name, mask) in enumerate(labelled)]
    total = np.sum(masks, axis=0) if len(masks) > 1 else masks[0]
    weights = [m / np.maximum(total, 1.0) for m in masks] if len(masks) > 1 else masks
    moving = []
    for mask in masks:
        region = mask >= REGION_THRESHOLD
        moving.append(region if region.any() else mask > 0)

    hints = check_hints(hints, shape)
    hints_of: list[list[MotionHint]] = [[] for _ in masks]
    for hint in hints:
        pixel = hint_pixel(hint, shape)
        owners = [i for i, region in enumerate(moving) if region[pixel]]
        if not owners:
            raise CinemagraphError(
                f"hint at ({hint.x:g}, {hint.y:g}) lies outside every moving region")
        hints_of[max(owners, key=lambda i: masks[i][pixel])].append(hint)

    specs = scene_fluids([name for name, _ in labelled], prompt)
    if speeds is None:
        speeds = [None] * len(masks)
    if len(speeds) != len(masks):
        raise CinemagraphError(f"{len(speeds)} speeds given for {len(masks)} regions")
    field = np.zeros((*shape, 2), dtype=np.float32)
    for index, (spec, region, weight) in enumerate(zip(specs, moving, weights, strict=True)):
        if not region.any():
            continue
        name = labelled[index][0]
        if not hints_of[index]:
            _warn_neutral(spec, f"region {name!r}" if name else f"the prompt {prompt!r}",
                          settings)
        own = settings if speeds[index] is None else replace(settings, speed=speeds[index])
        field += _region_field(image, weight, region, spec, hints_of[index], own, index)
    field[total <= 0] = 0.0
    if not np.isfinite(field).all():  # a solver failure must never leak NaN downstream
        raise CinemagraphError("the motion solver produced invalid values for this mask")
    return np.ascontiguousarray(field, dtype=np.float32)


def motion_field(image: np.ndarray, mask: np.ndarray, prompt: str = "",
                 hints: Iterable[HintLike] = (),
                 settings: MotionSettings | None = None) -> np.ndarray:
    """The motion field of one fluid in one masked region.

    ``image``: float32 ``H×W×3`` in [0, 1] (its size; a fall's white water). ``mask``:
    float ``H×W`` in [0, 1], 1 = may move. ``prompt``: words naming the fluid and how it
    moves ("waterfall", "clouds drifting right"); when it names several fluids, the first
    one moves here (use :func:`scene_motion_field` for several regions). ``hints``:
    (x, y, dx, dy) arrows in pixels and pixels per frame, which win over the words.
    ``settings``: :class:`MotionSettings`.

    Returns float32 ``H×W×2`` (dx, dy) in pixels per frame (x right, y down), exactly zero
    where the mask is zero.
    """
    return scene_motion_field(image, [mask], prompt, hints, settings)
