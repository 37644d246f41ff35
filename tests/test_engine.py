import tracemalloc

import numpy as np
import pytest

from cinemagraph.animate import AnimateSettings, animate, blend_weights, effective_field, engine
from cinemagraph.animate.engine import STATE_BYTES_PER_POINT
from cinemagraph.contract import to_uint8
from cinemagraph.demo.render import demo_motion
from cinemagraph.demo.scene import build_scene
from cinemagraph.errors import CinemagraphError
from helpers import box_mask, constant_field, smooth_texture


def _scene(h=48, w=64, dx=0.0, dy=1.2):
    image = smooth_texture(h, w, seed=7, blur=1.5)
    mask = box_mask(h, w, 8, 20, 40, 44)
    field = constant_field(h, w, dx, dy) * mask[..., None]
    return image, mask, field


def _step_sizes(frames: np.ndarray) -> tuple[float, np.ndarray]:
    f = frames.astype(np.float32)
    neighbours = np.abs(np.diff(f, axis=0)).mean(axis=(1, 2, 3))
    seam = float(np.abs(f[-1] - f[0]).mean())
    return seam, neighbours


def test_frame_zero_is_the_input_and_shape_follows_settings():
    image, mask, field = _scene()
    frames = animate(image, mask, field, AnimateSettings(frames=12))
    assert frames.shape == (12, 48, 64, 3) and frames.dtype == np.uint8
    np.testing.assert_array_equal(frames[0], to_uint8(image))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_demo_loop_seam_is_no_larger_than_the_median_step(seed):
    scene = build_scene(512, 384, seed=seed)  # the demo's own size
    field = demo_motion(scene, seed=seed)
    ratios = {}
    for blend in ("contrast", "linear"):
        frames = animate(scene.image, scene.mask, field, AnimateSettings(frames=60, blend=blend))
        seam, neighbours = _step_sizes(frames)
        assert neighbours.min() > 0  # it does move
        ratios[blend] = seam / float(np.median(neighbours))
    # The seam mirrors the first step (0 → 1): one crisp splat. The plain blend of two
    # splats loses contrast mid-loop, so its steps there are smaller than the seam; the
    # contrast-preserving blend keeps them as large.
    assert ratios["contrast"] <= 1.0
    assert ratios["contrast"] < ratios["linear"]


@pytest.mark.parametrize("dx,dy", [(0.0, 1.1), (-0.8, 0.0), (0.0, -0.6), (0.5, 0.0)])
def test_box_loop_seam_is_a_typical_step(dx, dy):
    image, mask, field = _scene(dx=dx, dy=dy)
    frames = animate(image, mask, field, AnimateSettings(frames=24))
    seam, neighbours = _step_sizes(frames)
    assert neighbours.min() > 0
    assert seam <= neighbours.max()
    assert seam <= 1.05 * np.median(neighbours)


def test_diagonal_box_loop_seam_never_stands_out():
    # Diagonal flow in a box leaves corners that neither direction reaches mid-loop; they
    # are filled with texture. The seam (frame N−1 back to the input) mirrors the first
    # step (the input to frame 1): it may match the largest step, not stand out from it.
    image, mask, field = _scene(dx=0.6, dy=-0.9)
    frames = animate(image, mask, field, AnimateSettings(frames=24))
    seam, neighbours = _step_sizes(frames)
    assert seam <= 1.02 * neighbours.max()
    assert seam <= 1.2 * np.median(neighbours)


@pytest.mark.parametrize("shift", [(1.0, 0.0), (0.0, 1.0)])
def test_contrast_blend_keeps_the_texture_contrast_mid_loop(shift):
    # The whole image moves by a whole pixel per frame, so each splat is an exact shift;
    # mid-loop the two splats show texture 16 px apart: uncorrelated.
    h, w, n = 64, 64, 16
    image = smooth_texture(h, w, seed=4, blur=1.0)
    mask = np.ones((h, w), np.float32)
    field = constant_field(h, w, *shift)
    inner = (slice(20, 44), slice(20, 44))
    contrast = {}
    for blend in ("contrast", "linear"):
        frames = animate(image, mask, field, AnimateSettings(frames=n, blend=blend))
        contrast[blend] = frames[n // 2][inner].astype(np.float32).std()
    original = to_uint8(image)[inner].astype(np.float32).std()
    assert contrast["linear"] < 0.85 * original  # the plain blend fades (to ~71 %)
    assert abs(contrast["contrast"] - original) < 0.1 * original


@pytest.mark.parametrize(("t", "most"), [(8, 1.8), (12, 1.3), (20, 1.3)])
def test_fluid_entering_at_the_border_fades_in_without_a_line(t, most):
    # The texture flows in from the left border: the forward splat leaves columns < t
    # that only the backward one covers. Where the two meet, the step between
    # neighbouring columns stays near the texture's own (an abrupt switch from one
    # direction to the mix of both gave 2.5×, 2.1× and 1.4× the median).
    h, w = 64, 96
    image = np.clip((smooth_texture(h, w, seed=0, blur=1.5) - 0.5) * 3.0 + 0.5, 0.0, 1.0)
    frames = animate(image, np.ones((h, w), np.float32), constant_field(h, w, 1.0, 0.0),
                     AnimateSettings(frames=40, feather=0))
    steps = np.abs(np.diff(frames[t].astype(np.float32), axis=1)).mean(axis=(0, 2))
    assert steps[t - 2:t + 1].max() <= most * np.median(steps)


def test_static_pixels_are_exact_outside_the_feathered_mask():
    image, mask, field = _scene()
    settings = AnimateSettings(frames=10, feather=3.0)
    frames = animate(image, mask, field, settings)
    still = blend_weights(mask, settings.feather) == 0
    assert still.sum() > 0.5 * still.size
    for frame in frames:
        np.testing.assert_array_equal(frame[still], to_uint8(image)[still])
    # The feather is ~3 px wide: everything 5 px away from the box is still.
    assert still[8:40, 14].all() and still[3, 30]


def test_same_inputs_give_identical_bytes():
    image, mask, field = _scene(dx=0.4, dy=0.9)
    a = animate(image, mask, field, AnimateSettings(frames=9, seed=3))
    b = animate(image, mask, field, AnimateSettings(frames=9, seed=3))
    assert a.tobytes() == b.tobytes()


def test_moving_texture_follows_the_field():
    # A whole-image constant integer motion: interior of frame t is the image shifted.
    h, w = 40, 40
    image = smooth_texture(h, w, seed=2)
    mask = np.ones((h, w), np.float32)
    frames = animate(image, mask, constant_field(h, w, 0.0, 1.0), AnimateSettings(frames=20))
    t = 5
    # Forward part: content moved down t px; backward part: moved down t px too (a loop of
    # a shift by N px looks the same) — but blended; check the forward half of the blend.
    shifted = to_uint8(image)[10 : 30 - t]
    diff_forward = np.abs(frames[t][10 + t : 30].astype(int) - shifted).mean()
    diff_still = np.abs(frames[t][10 + t : 30].astype(int) - to_uint8(image)[10 + t : 30]).mean()
    assert diff_forward < diff_still


def test_no_black_holes_where_flow_diverges():
    # Flow diverging from the centre line opens a gap that neither splat fills.
    h, w = 48, 48
    image = np.full((h, w, 3), 0.6, np.float32)
    mask = np.ones((h, w), np.float32)
    field = np.zeros((h, w, 2), np.float32)
    field[:, : w // 2, 0] = -1.5
    field[:, w // 2 :, 0] = 1.5
    frames = animate(image, mask, field, AnimateSettings(frames=16))
    # A constant image stays constant, whatever moves: holes filled from surroundings.
    assert np.abs(frames.astype(int) - 153).max() <= 1


def test_empty_mask_or_zero_field_gives_a_still_loop():
    image, mask, field = _scene()
    still = animate(image, np.zeros_like(mask), field, AnimateSettings(frames=5))
    assert (still == to_uint8(image)).all()
    zero = animate(image, mask, np.zeros_like(field), AnimateSettings(frames=5))
    assert (zero == to_uint8(image)).all()


def test_speed_zero_is_still_and_clamp_limits_magnitude():
    image, mask, field = _scene()
    frozen = animate(image, mask, field, AnimateSettings(frames=4, speed=0.0))
    assert (frozen == to_uint8(image)).all()
    fast = constant_field(10, 1024, 3.0, 4.0)
    clamped = effective_field(fast, AnimateSettings(max_speed=1.0, speed=2.0))
    # 1 px/frame at 512 px width → 2 px/frame at 1024 px, then ×2 speed.
    np.testing.assert_allclose(np.linalg.norm(clamped, axis=-1), 4.0, rtol=1e-5)
    np.testing.assert_allclose(clamped[0, 0], [2.4, 3.2], rtol=1e-5)


@pytest.mark.parametrize("shape", [(37, 53), (64, 17), (5, 5)])
def test_odd_and_non_square_sizes(shape):
    h, w = shape
    image = smooth_texture(h, w)
    mask = box_mask(h, w, 0, 0, h, w // 2 + 1)
    frames = animate(image, mask, constant_field(h, w, 0.3, 0.7), AnimateSettings(frames=6))
    assert frames.shape == (6, h, w, 3)


@pytest.mark.parametrize("sharpness", [0.0, 0.4, 1.0])
def test_torch_backend_matches_numba(sharpness):
    image, mask, field = _scene(dx=0.37, dy=1.1)
    settings = AnimateSettings(frames=8, sharpness=sharpness)
    a = animate(image, mask, field, settings, backend="numba")
    b = animate(image, mask, field, settings, backend="torch")
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_speed_importance_runs_and_differs_only_inside():
    image, mask, field = _scene()
    a = animate(image, mask, field, AnimateSettings(frames=6, importance="speed"))
    assert (a[0] == to_uint8(image)).all()


@pytest.mark.parametrize(
    "kwargs",
    [{"frames": 1}, {"frames": 0}, {"fps": 0}, {"fps": -3}, {"speed": -1},
     {"max_speed": 0}, {"feather": float("nan")}, {"importance": "depth"}, {"device": "tpu"},
     {"blend": "screen"}, {"sharpness": -0.1}, {"sharpness": 1.5}, {"crossfade": 0.5},
     {"crossfade": float("inf")}],
)
def test_bad_settings_are_clear_errors(kwargs):
    with pytest.raises(CinemagraphError):
        AnimateSettings(**kwargs)


def test_bad_arrays_are_clear_errors():
    image, mask, field = _scene()
    with pytest.raises(CinemagraphError, match="NaN"):
        bad = field.copy()
        bad[3, 3, 0] = np.nan
        animate(image, mask, bad)
    with pytest.raises(CinemagraphError, match="absurd"):
        animate(image, mask, field * 1e6)
    with pytest.raises(CinemagraphError, match="H×W×2"):
        animate(image, mask, field[..., 0])
    with pytest.raises(CinemagraphError, match="must match"):
        animate(image, mask[:-1], field)


def test_incremental_integration_gives_the_published_schedules_frames():
    image, mask, field = _scene(dx=0.45, dy=0.8)
    settings = AnimateSettings(frames=10)
    fast = animate(image, mask, field, settings)
    slow = animate(image, mask, field, settings, schedule="restart")
    assert fast.tobytes() == slow.tobytes()
    with pytest.raises(CinemagraphError):
        animate(image, mask, field, settings, schedule="sideways")


@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_points_left_out_could_not_change_a_byte(monkeypatch, backend):
    # The engine integrates and splats only the points that can reach an animated pixel;
    # with every point taking part the frames are the same.
    scene = build_scene(96, 72, seed=1)
    field = demo_motion(scene)
    settings = AnimateSettings(frames=8)
    alpha = blend_weights(scene.mask, settings.feather)
    assert 0.2 < engine._contributing_points(alpha).mean() < 0.9  # something is left out
    lean = animate(scene.image, scene.mask, field, settings, backend=backend)
    monkeypatch.setattr(engine, "_contributing_points", lambda a: np.ones(a.shape, bool))
    full = animate(scene.image, scene.mask, field, settings, backend=backend)
    assert lean.tobytes() == full.tobytes()


@pytest.mark.parametrize("frames", [2, 3, 10, 17])
def test_checkpointed_backward_states_give_the_same_frames_in_less_memory(monkeypatch, frames):
    h, w = 48, 64
    image = smooth_texture(h, w, seed=5)
    mask = np.ones((h, w), np.float32)  # the whole image moves: states are h×w
    field = constant_field(h, w, 0.45, 0.8)
    settings = AnimateSettings(frames=frames)

    def peak():
        animate(image, mask, field, settings)  # allocations of a first run do not count
        tracemalloc.start()
        result = animate(image, mask, field, settings)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return result, top

    stored, stored_peak = peak()
    monkeypatch.setattr(engine, "STORED_STATES_BUDGET", 0)
    checkpointed, checkpointed_peak = peak()
    assert checkpointed.tobytes() == stored.tobytes()
    restarted = animate(image, mask, field, settings, schedule="restart")
    assert checkpointed.tobytes() == restarted.tobytes()
    if frames == 17:  # 16 states stored whole; 4 checkpoints and a run of 4 at a time
        state = h * w * STATE_BYTES_PER_POINT
        assert checkpointed_peak < stored_peak - 6 * state


def _laplacian_energy(frame: np.ndarray, rows: slice, cols: slice) -> float:
    grey = frame.astype(np.float32).mean(axis=-1)
    lap = (grey[1:-1, :-2] + grey[1:-1, 2:] + grey[:-2, 1:-1] + grey[2:, 1:-1]
           - 4 * grey[1:-1, 1:-1])
    return float(lap[rows, cols].var())


def test_a_sharper_kernel_keeps_more_detail_and_the_loop_point_exact():
    # A fine texture drifting by fractional offsets: the bilinear splat blurs it, the
    # sharpened one keeps more of it; frame 0 and the still pixels stay exact.
    h, w = 48, 64
    image = np.clip((smooth_texture(h, w, seed=3, blur=0.7) - 0.5) * 3 + 0.5, 0, 1)
    mask = np.zeros((h, w), np.float32)
    mask[6:42, 6:58] = 1.0
    field = constant_field(h, w, 0.5, 0.5) * mask[..., None]
    inner = (slice(14, 30), slice(14, 46))
    kept = {}
    for sharpness in (0.0, 0.4, 1.0):
        frames = animate(image, mask, field, AnimateSettings(frames=8, sharpness=sharpness,
                                                             feather=0))
        assert (frames[0] == to_uint8(image)).all()
        assert (frames[:, mask == 0] == to_uint8(image)[mask == 0]).all()
        reference = _laplacian_energy(frames[0], *inner)
        kept[sharpness] = np.mean([_laplacian_energy(f, *inner) / reference for f in frames[1:]])
    assert kept[0.0] < kept[0.4] < kept[1.0] <= 1.05


def test_crossfade_weight_ends_on_the_directions_and_halves_in_the_middle():
    for power in (1.0, 2.0, 3.5):
        assert engine.crossfade_weight(0.0, power) == 0.0
        assert engine.crossfade_weight(1.0, power) == 1.0
        assert engine.crossfade_weight(0.5, power) == pytest.approx(0.5)
        assert engine.crossfade_weight(0.3, power) == pytest.approx(
            1 - engine.crossfade_weight(0.7, power))
    assert engine.crossfade_weight(0.25, 1.0) == 0.25
    # A higher power spends less of the loop near the 50/50 mix.
    assert engine.crossfade_weight(0.25, 3.0) < engine.crossfade_weight(0.25, 2.0) < 0.25


def test_a_sharper_crossfade_shows_one_direction_more_of_the_loop():
    # Two uncorrelated textures mix mid-loop; a quarter into the loop the higher power
    # leaves the frame closer to the forward splat alone.
    h, w = 40, 96
    image = np.clip((smooth_texture(h, w, seed=5, blur=1.0) - 0.5) * 3 + 0.5, 0, 1)
    mask = np.ones((h, w), np.float32)
    field = constant_field(h, w, 1.0, 0.0)
    n, t = 40, 10
    forward_only = np.roll(to_uint8(image), t, axis=1)[:, 30:90].astype(np.float32)
    errors = []
    for power in (1.0, 2.0):
        frames = animate(image, mask, field, AnimateSettings(frames=n, crossfade=power,
                                                             sharpness=0.0, feather=0))
        errors.append(np.abs(frames[t][:, 30:90].astype(np.float32) - forward_only).mean())
    assert errors[1] < 0.7 * errors[0]
