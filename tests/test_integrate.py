import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from cinemagraph.animate.integrate import EulerIntegrator, integrate
from helpers import constant_field


def _inside(h: int, w: int, disp: np.ndarray) -> np.ndarray:
    ys, xs = np.mgrid[0:h, 0:w]
    px, py = xs + disp[..., 0], ys + disp[..., 1]
    return (px > -1) & (px < w) & (py > -1) & (py < h)


def test_constant_field_integrates_to_t_times_m():
    h, w, n = 40, 50, 12
    field = constant_field(h, w, 0.75, -0.5)
    disp, valid = integrate(field, n)
    for t in range(n + 1):
        expected = t * field
        # Points that left the image stop moving; every other one moved exactly t·M.
        np.testing.assert_allclose(disp[t][valid[t]], expected[valid[t]], atol=1e-5)
        assert valid[t].sum() > 0


def test_shear_field_integrates_point_by_point():
    h, w, n = 32, 64, 10
    ys = np.arange(h, dtype=np.float32)
    field = np.zeros((h, w, 2), dtype=np.float32)
    field[..., 0] = (0.2 + 0.05 * ys)[:, None]  # dx depends on y only, dy = 0
    disp, valid = integrate(field, n)
    for t in range(n + 1):
        np.testing.assert_allclose(disp[t][valid[t]], (t * field)[valid[t]], atol=1e-4)


def test_points_leaving_the_image_are_dropped_not_clamped():
    h, w = 8, 10
    disp, valid = integrate(constant_field(h, w, 1.0, 0.0), 3)
    xs = np.arange(w)
    # After 3 steps the point that started at x is at x + 3: dropped once x + 3 ≥ W.
    np.testing.assert_array_equal(valid[3][0], xs + 3 < w)
    # Dropped points keep the displacement that took them out; nothing sits on the border.
    assert np.all(disp[3][~valid[3]][:, 0] >= 1.0)
    # A point dropped at step k is never valid again.
    assert np.all(valid[3] <= valid[2])


def test_zero_field_never_moves():
    disp, valid = integrate(np.zeros((5, 7, 2), np.float32), 6)
    assert not disp.any()
    assert valid.all()


def test_integrator_is_o_n_incremental():
    field = constant_field(16, 16, 0.3, 0.2)
    integrator = EulerIntegrator(field)
    for _ in range(5):
        integrator.step()
    assert integrator.steps == 5
    np.testing.assert_allclose(integrator.disp[8, 8], [1.5, 1.0], atol=1e-5)


smooth_fields = arrays(
    np.float32, (6, 6, 2), elements=st.floats(-3, 3, width=32, allow_nan=False)
)


@settings(max_examples=40, deadline=None)
@given(coarse=smooth_fields, steps=st.integers(0, 8), h=st.integers(1, 24), w=st.integers(1, 24))
def test_numba_and_torch_integration_agree(coarse, steps, h, w):
    import cv2

    field = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, 2)
    field = np.ascontiguousarray(field, dtype=np.float32)
    a = EulerIntegrator(field)
    b = EulerIntegrator(torch.from_numpy(field))
    ys, xs = np.mgrid[0:h, 0:w]
    for _ in range(steps):
        a.step()
        b.step()
        # Whether a point that lands exactly on the edge is dropped depends on the last
        # bit of float rounding, which the backends may do differently: skip such cases.
        px, py = xs + a.disp[..., 0], ys + a.disp[..., 1]
        edge = np.minimum.reduce([np.abs(px + 1), np.abs(px - w), np.abs(py + 1), np.abs(py - h)])
        assume(edge.min() > 1e-3)
    np.testing.assert_array_equal(a.valid, b.valid.numpy())
    np.testing.assert_allclose(a.disp, b.disp.numpy(), atol=1e-3)
    # Every valid point lies inside the image; displacement is finite.
    assert np.isfinite(a.disp).all()
    assert np.all(_inside(h, w, a.disp)[a.valid])


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1)])
def test_degenerate_sizes(shape):
    disp, valid = integrate(constant_field(*shape, 0.5, 0.5), 4)
    assert np.isfinite(disp).all()
    assert valid.shape == (5, *shape)
