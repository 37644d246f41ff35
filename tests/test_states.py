"""Stored integration states: only the contributing points, unpacked exactly."""

import numpy as np
import pytest
import torch

from cinemagraph.animate.integrate import EulerIntegrator
from cinemagraph.animate.states import STATE_BYTES_PER_POINT, StateStore


def _host(values) -> np.ndarray:
    return values.numpy() if isinstance(values, torch.Tensor) else values


@pytest.mark.parametrize("share", [0.3, 1.0])  # some points, or every point
@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_a_stored_state_unpacks_to_the_integrators_own(backend, share):
    rng = np.random.default_rng(7)
    h, w = 23, 31
    field = rng.uniform(-2.0, 2.0, (h, w, 2)).astype(np.float32)
    active = rng.random((h, w)) < share
    if backend == "torch":
        field, active = torch.from_numpy(field), torch.from_numpy(active)
    integrator = EulerIntegrator(field, active)
    store = StateStore(active, 5, (integrator.disp, integrator.valid))
    kept = []
    for slot in range(5):
        integrator.step()
        store.save(slot, integrator.disp, integrator.valid)
        kept.append((_host(integrator.disp).copy(), _host(integrator.valid).copy()))
    assert store.whole == (share == 1.0)
    assert not kept[-1][1][_host(active)].all()  # some points left the image
    for slot in (4, 0, 2):  # any order
        disp, valid = store.state(slot)
        np.testing.assert_array_equal(_host(disp), kept[slot][0])
        np.testing.assert_array_equal(_host(valid), kept[slot][1])
    # Only the contributing points are kept: 9 bytes each per state.
    points = int(_host(active).sum())
    assert store.disps.nbytes + store.valids.nbytes == 5 * points * STATE_BYTES_PER_POINT


def test_loading_writes_the_contributing_points_only():
    active = np.zeros((4, 5), bool)
    active[1, 2] = active[3, 0] = True
    disp = np.full((4, 5, 2), 0.5, np.float32)
    valid = np.ones((4, 5), bool)
    store = StateStore(active, 1, (disp, valid))
    store.save(0, disp, valid)
    target = (np.full((4, 5, 2), -3.0, np.float32), np.zeros((4, 5), bool))
    store.load(0, *target)
    assert (target[0][active] == 0.5).all() and target[1][active].all()
    assert (target[0][~active] == -3.0).all() and not target[1][~active].any()
