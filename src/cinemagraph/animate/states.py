"""Integration states kept for later frames: those of the contributing points only.

The engine integrates the backward displacements once and needs them in reverse order, so
it keeps them. A state is ``(disp, valid)`` over the whole crop, but only the points that
can reach an animated pixel ever move (the others start dropped and stay so): a
:class:`StateStore` keeps just those points' values, 9 bytes each, and unpacks a state
back into whole-crop arrays when its frame comes. In a scene where the fluid covers part
of the picture that is a fraction of the memory, and of the fresh pages a long loop
would otherwise first have to touch.
"""

from __future__ import annotations

import numba
import numpy as np
import torch

#: Bytes one stored state takes per contributing point: (dx, dy) in float32 and a bool.
STATE_BYTES_PER_POINT = 9


@numba.njit(cache=True, nogil=True)
def _gather(disp, valid, points, disp_out, valid_out) -> None:
    """disp_out[i], valid_out[i] ← the state of flat pixel points[i] (C-contiguous inputs)."""
    flat_disp = disp.reshape(-1, 2)
    flat_valid = valid.reshape(-1)
    for i in range(points.shape[0]):
        p = points[i]
        disp_out[i, 0] = flat_disp[p, 0]
        disp_out[i, 1] = flat_disp[p, 1]
        valid_out[i] = flat_valid[p]


@numba.njit(cache=True, nogil=True)
def _scatter(disp_in, valid_in, points, disp, valid) -> None:
    """The state of flat pixel points[i] ← disp_in[i], valid_in[i] (C-contiguous outputs)."""
    flat_disp = disp.reshape(-1, 2)
    flat_valid = valid.reshape(-1)
    for i in range(points.shape[0]):
        p = points[i]
        flat_disp[p, 0] = disp_in[i, 0]
        flat_disp[p, 1] = disp_in[i, 1]
        flat_valid[p] = valid_in[i]


class StateStore:
    """Room for ``count`` states of the points ``active`` (bool ``h×w``) picks.

    ``like``: a state's ``(disp, valid)`` arrays — numpy, or torch tensors on the device
    the states live on. :meth:`save` keeps a state in a slot; :meth:`state` gives a slot
    back as whole-crop arrays, and :meth:`load` writes it into arrays of one's own. When
    every point takes part, a slot already is the whole state: it is copied in whole and
    given back without a copy.
    """

    def __init__(self, active, count: int, like: tuple) -> None:
        disp = like[0]
        self.shape = tuple(disp.shape[:2])
        self.torch = isinstance(disp, torch.Tensor)
        if self.torch:
            self.points = torch.nonzero(active.reshape(-1)).reshape(-1)
            n = self.points.shape[0]
            self.disps = torch.empty((count, n, 2), dtype=disp.dtype, device=disp.device)
            self.valids = torch.empty((count, n), dtype=torch.bool, device=disp.device)
        else:
            self.points = np.flatnonzero(active)
            n = self.points.shape[0]
            self.disps = np.empty((count, n, 2), dtype=disp.dtype)
            self.valids = np.empty((count, n), dtype=np.bool_)
        self.whole = n == self.shape[0] * self.shape[1]
        self._unpacked = None if self.whole else _blank_state(like)

    def save(self, slot: int, disp, valid) -> None:
        """Keep the contributing points' part of the state ``(disp, valid)`` in ``slot``."""
        if self.whole:
            _copy(self.disps[slot], disp.reshape(-1, 2))
            _copy(self.valids[slot], valid.reshape(-1))
        elif self.torch:
            torch.index_select(disp.reshape(-1, 2), 0, self.points, out=self.disps[slot])
            torch.index_select(valid.reshape(-1), 0, self.points, out=self.valids[slot])
        else:
            _gather(disp, valid, self.points, self.disps[slot], self.valids[slot])

    def load(self, slot: int, disp, valid) -> None:
        """Write the state kept in ``slot`` into ``disp`` and ``valid`` (in place); the
        points left out are left as they are there."""
        if self.whole:
            _copy(disp.reshape(-1, 2), self.disps[slot])
            _copy(valid.reshape(-1), self.valids[slot])
        elif self.torch:
            disp.reshape(-1, 2).index_copy_(0, self.points, self.disps[slot])
            valid.reshape(-1).index_copy_(0, self.points, self.valids[slot])
        else:
            _scatter(self.disps[slot], self.valids[slot], self.points, disp, valid)

    def state(self, slot: int) -> tuple:
        """The state kept in ``slot`` as whole-crop ``(disp, valid)``, the points left out
        dropped. Valid until the next call: all calls share one pair of arrays, unless
        every point takes part (then they are views of the slot)."""
        if self.whole:
            return self.disps[slot].reshape(*self.shape, 2), self.valids[slot].reshape(self.shape)
        self.load(slot, *self._unpacked)
        return self._unpacked


def _copy(target, source) -> None:
    if isinstance(target, torch.Tensor):
        target.copy_(source)
    else:
        np.copyto(target, source)


def _blank_state(like: tuple) -> tuple:
    """``(disp, valid)`` shaped like ``like``: no displacement, every point dropped."""
    disp, valid = like
    if isinstance(disp, torch.Tensor):
        return torch.zeros_like(disp), torch.zeros_like(valid)
    return np.zeros_like(disp), np.zeros_like(valid)
