import numpy as np
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from cinemagraph.animate.fill import fill_holes
from cinemagraph.animate.splat import softmax_splat, splat_accumulate
from helpers import constant_field, smooth_texture


def test_integer_shift_reproduces_shifted_image():
    image = smooth_texture(30, 40, seed=1)
    out, holes = softmax_splat(image, constant_field(30, 40, 3.0, -2.0))
    # Pixel (y, x) lands on (y - 2, x + 3).
    np.testing.assert_allclose(out[0:28, 3:40], image[2:30, 0:37], atol=1e-6)
    # Nothing lands on the first three columns or the last two rows.
    assert holes[:, :3].all() and holes[28:, :].all()
    assert not holes[0:28, 3:40].any()


def test_half_pixel_shift_splits_mass_bilinearly():
    image = np.zeros((5, 6, 1), np.float32)
    image[2, 2, 0] = 1.0
    acc = np.zeros((5, 6, 2), np.float32)
    disp = np.zeros((5, 6, 2), np.float32)
    disp[2, 2] = (0.5, 0.25)
    weight = np.zeros((5, 6), np.float32)
    weight[2, 2] = 1.0
    splat_accumulate(image, disp, np.ones((5, 6), bool), weight, 1.0, acc)
    np.testing.assert_allclose(acc[2, 2, 1], 0.5 * 0.75)
    np.testing.assert_allclose(acc[2, 3, 1], 0.5 * 0.75)
    np.testing.assert_allclose(acc[3, 2, 1], 0.5 * 0.25)
    np.testing.assert_allclose(acc[3, 3, 1], 0.5 * 0.25)
    assert acc[..., 1].sum() == np.float32(1.0)


def test_importance_decides_who_wins_a_collision():
    image = np.zeros((1, 3, 3), np.float32)
    image[0, 0] = (1, 0, 0)
    image[0, 2] = (0, 0, 1)
    disp = np.zeros((1, 3, 2), np.float32)
    disp[0, 0, 0] = 1.0
    disp[0, 2, 0] = -1.0
    z = np.array([[10.0, 0.0, 0.0]], np.float32)
    out, _ = softmax_splat(image, disp, importance=z)
    # Both land on the middle pixel together with its own colour; red has e^10 the weight.
    assert out[0, 1, 0] > 0.999 and out[0, 1, 2] < 1e-3


small_disp = arrays(np.float32, (7, 9, 2), elements=st.floats(-4, 4, width=32))


@settings(max_examples=50, deadline=None)
@given(disp=small_disp, alpha=st.floats(0.01, 1.0))
def test_splat_mass_is_conserved_and_backends_agree(disp, alpha):
    h, w = disp.shape[:2]
    image = smooth_texture(h, w, seed=3)
    valid = np.ones((h, w), bool)
    weight = np.ones((h, w), np.float32)
    acc = np.zeros((h, w, 4), np.float32)
    splat_accumulate(image, disp, valid, weight, alpha, acc)
    # Total weight equals alpha times the kernel mass that lands inside the image.
    ys, xs = np.mgrid[0:h, 0:w]
    tx, ty = xs + disp[..., 0], ys + disp[..., 1]
    mass = 0.0
    for oy in (0, 1):
        for ox in (0, 1):
            nx, ny = np.floor(tx) + ox, np.floor(ty) + oy
            k = np.clip(1 - np.abs(nx - tx), 0, 1) * np.clip(1 - np.abs(ny - ty), 0, 1)
            inside = (nx >= 0) & (nx < w) & (ny >= 0) & (ny < h)
            mass += float((k * inside).sum())
    np.testing.assert_allclose(acc[..., 3].sum(), alpha * mass, rtol=1e-4, atol=1e-4)
    acc_t = torch.zeros((h, w, 4))
    splat_accumulate(
        torch.from_numpy(image), torch.from_numpy(disp), torch.from_numpy(valid),
        torch.from_numpy(weight), alpha, acc_t,
    )
    np.testing.assert_allclose(acc, acc_t.numpy(), atol=1e-4)


def test_invalid_points_contribute_nothing():
    image = smooth_texture(6, 6)
    valid = np.zeros((6, 6), bool)
    out, holes = softmax_splat(image, np.zeros((6, 6, 2), np.float32), valid=valid)
    assert holes.all() and not out.any()


def test_fill_keeps_known_pixels_and_fills_smoothly():
    h, w = 64, 80
    ramp = np.broadcast_to(np.linspace(0, 1, w, dtype=np.float32), (h, w))
    image = np.stack([ramp, 1 - ramp, np.full_like(ramp, 0.5)], axis=-1)
    holes = np.zeros((h, w), bool)
    holes[20:40, 30:50] = True
    damaged = image.copy()
    damaged[holes] = 0.0
    filled = fill_holes(damaged, holes)
    np.testing.assert_array_equal(filled[~holes], image[~holes])
    # Inside the hole: no black blotch, values interpolate the ramp closely.
    assert np.abs(filled[holes] - image[holes]).max() < 0.08
    np.testing.assert_allclose(filled[holes][:, 2], 0.5, atol=1e-6)
    # Smooth: neighbouring filled pixels differ little.
    assert np.abs(np.diff(filled[20:40, 30:50], axis=1)).max() < 0.05


def test_fill_border_holes_and_degenerate_cases():
    image = smooth_texture(10, 12)
    holes = np.zeros((10, 12), bool)
    holes[:, :4] = True
    filled = fill_holes(np.where(holes[..., None], 0, image), holes)
    assert np.isfinite(filled).all() and filled[holes].min() > 0.04
    everything = np.ones((10, 12), bool)
    np.testing.assert_array_equal(fill_holes(image, everything), image)


@settings(max_examples=40, deadline=None)
@given(
    shift=st.tuples(st.floats(-3, 3, width=32), st.floats(-3, 3, width=32)),
    stretch=st.floats(-0.6, 0.6),
    seed=st.integers(0, 2**16),
)
def test_smooth_fields_splat_alike_on_both_backends(shift, stretch, seed):
    # Neighbouring points of a smooth field land on neighbouring pixels: the case in which
    # the numba kernel merges a point's right column with the next point's left one.
    h, w = 12, 17
    rng = np.random.default_rng(seed)
    image = smooth_texture(h, w, seed=seed % 7)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    disp = np.stack([shift[0] + stretch * xs + 0.3 * np.sin(ys), shift[1] + 0.0 * xs], -1)
    disp = disp.astype(np.float32)
    disp[rng.random((h, w)) < 0.1] = 0.0  # some points at rest
    valid = rng.random((h, w)) > 0.1
    weight = rng.uniform(0.2, 1.0, (h, w)).astype(np.float32)
    acc = np.zeros((h, w, 4), np.float32)
    splat_accumulate(image, disp, valid, weight, 1.0, acc)
    acc_t = torch.zeros((h, w, 4))
    splat_accumulate(
        torch.from_numpy(image), torch.from_numpy(disp), torch.from_numpy(valid),
        torch.from_numpy(weight), 1.0, acc_t,
    )
    np.testing.assert_allclose(acc, acc_t.numpy(), atol=1e-5)


def _sharp_splat(image, disp, sharpness):
    from cinemagraph.animate.points import PointRuns
    from cinemagraph.animate.splat import pack_source, splat_points_sharp

    h, w, c = image.shape
    acc = np.zeros((h, w, c + 1), np.float32)
    source = pack_source(image, np.ones((h, w), np.float32)).reshape(h * w, c + 1)
    splat_points_sharp(source, PointRuns.whole(h, w).runs, disp.reshape(h * w, 2),
                       np.ones(h * w, bool), np.float32(sharpness), acc)
    return acc


@given(st.floats(0.0, 1.0), st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))
@settings(max_examples=25, deadline=None)
def test_sharp_kernel_keeps_a_flat_image_flat_and_its_mass(sharpness, dx, dy):
    image = np.full((16, 16, 3), 0.6, np.float32)
    acc = _sharp_splat(image, constant_field(16, 16, dx, dy), sharpness)
    inner = acc[4:12, 4:12]
    # A partition of unity but for the kernel's corners, which are left out.
    np.testing.assert_allclose(inner[..., 3], 1.0, atol=0.02)
    np.testing.assert_allclose(inner[..., :3] / inner[..., 3:], 0.6, atol=1e-4)


def test_sharp_kernel_is_exact_on_whole_pixels_and_matches_torch():
    image = smooth_texture(20, 24, seed=2)
    acc = _sharp_splat(image, constant_field(20, 24, 2.0, -1.0), 1.0)
    np.testing.assert_allclose(acc[0:19, 2:24, :3], image[1:20, 0:22], atol=1e-6)
    disp = constant_field(20, 24, 0.37, -0.61)
    numba_acc = _sharp_splat(image, disp, 0.4)
    from cinemagraph.animate.splat import splat_points_torch

    ys, xs = np.mgrid[0:20, 0:24].astype(np.float32)
    torch_acc = torch.zeros((20, 24, 4))
    splat_points_torch(torch.from_numpy(image.reshape(-1, 3)), torch.from_numpy(xs.ravel()),
                       torch.from_numpy(ys.ravel()), torch.from_numpy(disp.reshape(-1, 2)),
                       torch.ones(480, dtype=torch.bool), torch.ones(480), 1.0, torch_acc,
                       sharpness=0.4)
    np.testing.assert_allclose(torch_acc.numpy(), numba_acc, atol=1e-5)


def test_sharp_kernel_keeps_more_detail_than_bilinear_at_half_pixels():
    image = np.clip((smooth_texture(32, 32, seed=6, blur=0.6) - 0.5) * 3 + 0.5, 0, 1)
    disp = constant_field(32, 32, 0.5, 0.5)

    def energy(acc):
        grey = (acc[..., :3] / acc[..., 3:]).mean(axis=-1)[6:26, 6:26]
        return np.diff(grey, axis=0).var() + np.diff(grey, axis=1).var()

    bilinear, some, full = (energy(_sharp_splat(image, disp, s)) for s in (0.0, 0.4, 1.0))
    assert bilinear < some < full
