"""Euler integration of an Eulerian motion field into displacement fields.

Given a static field ``M`` (float32 ``H×W×2``, pixels per frame), the displacement of the
point that starts at pixel ``x`` after ``t`` frames is::

    F₀→ₜ(x) = F₀→ₜ₋₁(x) + M(x + F₀→ₜ₋₁(x)),      F₀→₀ = 0,

with ``M`` looked up bilinearly (clamped to the border for sampling). A point whose
position leaves the image (x ≤ −1 or x ≥ W, likewise for y) is *dropped*: it is marked
invalid and never moves or contributes again — it is not clamped onto the border.

:class:`PointIntegrator` advances a chosen set of points (:mod:`.points`) by one step per
call, so a whole video costs O(N) steps (not O(N²) as when every frame restarts from
zero); :class:`EulerIntegrator` does the same for every pixel of the image.
"""

from __future__ import annotations

import numba
import numpy as np
import torch
import torch.nn.functional as F

from .points import PointRuns


@numba.njit(cache=True, nogil=True, parallel=True)
def _euler_step_numba(field, runs, parts, disp, valid, disp_out, valid_out, in_place) -> None:
    """One Euler step of the points of ``runs`` (:class:`~.points.PointRuns`), from
    ``(disp, valid)`` into ``(disp_out, valid_out)`` — the same arrays when ``in_place``.

    field: H×W×2 f32; disp, disp_out: P×2 f32; valid, valid_out: P bool. One share of the
    runs per thread (``parts``). Arithmetic is float32 throughout, as on the torch path.
    Each run is walked through views of its own, whose indices are known not to be
    negative: numba then leaves out the checks for negative indices.
    """
    h, w = field.shape[0], field.shape[1]
    one = np.float32(1.0)
    last_x = np.float32(w - 1)
    last_y = np.float32(h - 1)
    for part in numba.prange(parts.shape[0] - 1):
        for r in range(parts[part], parts[part + 1]):
            y, first, start = runs[r, 0], runs[r, 1], runs[r, 3]
            stop = start + runs[r, 2] - first
            run_disp, run_valid = disp[start:stop], valid[start:stop]
            out_disp, out_valid = disp_out[start:stop], valid_out[start:stop]
            run_field = field[y, first:runs[r, 2]]
            for j in range(run_disp.shape[0]):
                dx, dy, inside = run_disp[j, 0], run_disp[j, 1], run_valid[j]
                if not inside or (dx == 0.0 and dy == 0.0
                                  and run_field[j, 0] == 0.0 and run_field[j, 1] == 0.0):
                    # dropped, or at rest where the field is zero: it stays (exactly)
                    if not in_place:
                        out_disp[j, 0], out_disp[j, 1], out_valid[j] = dx, dy, inside
                    continue
                here_x = np.float32(first + j)
                here_y = np.float32(y)
                px = here_x + dx
                py = here_y + dy
                # Bilinear lookup of the field at (px, py), clamped to the border for
                # sampling.
                sx = min(max(px, np.float32(0.0)), last_x)
                sy = min(max(py, np.float32(0.0)), last_y)
                x0 = min(int(sx), w - 2) if w > 1 else 0
                y0 = min(int(sy), h - 2) if h > 1 else 0
                x1 = min(x0 + 1, w - 1)
                y1 = min(y0 + 1, h - 1)
                fx = sx - np.float32(x0)
                fy = sy - np.float32(y0)
                gx = one - fx
                gy = one - fy
                u = (gy * (gx * field[y0, x0, 0] + fx * field[y0, x1, 0])
                     + fy * (gx * field[y1, x0, 0] + fx * field[y1, x1, 0]))
                v = (gy * (gx * field[y0, x0, 1] + fx * field[y0, x1, 1])
                     + fy * (gx * field[y1, x0, 1] + fx * field[y1, x1, 1]))
                dx += u
                dy += v
                out_disp[j, 0], out_disp[j, 1] = dx, dy
                nx = here_x + dx
                ny = here_y + dy
                out_valid[j] = not (nx <= -one or nx >= np.float32(w)
                                    or ny <= -one or ny >= np.float32(h))


def _euler_step_torch(field, xs, ys, disp, valid, disp_out, valid_out) -> None:
    """One Euler step of points at pixels ``(xs, ys)`` (float32 ``P`` each) on torch
    tensors of any device; the other arguments as for the numba kernel."""
    h, w = field.shape[:2]
    px = xs + disp[:, 0]
    py = ys + disp[:, 1]
    # grid_sample with align_corners=True maps -1..1 onto pixel centres 0..W-1.
    gx = px.clamp(0, w - 1) / max(w - 1, 1) * 2 - 1
    gy = py.clamp(0, h - 1) / max(h - 1, 1) * 2 - 1
    grid = torch.stack([gx, gy], dim=-1).reshape(1, 1, -1, 2)
    sampled = F.grid_sample(
        field.permute(2, 0, 1)[None], grid, mode="bilinear", align_corners=True
    )[0, :, 0].T
    step = torch.where(valid[:, None], sampled, torch.zeros_like(sampled))
    torch.add(disp, step, out=disp_out)
    nx = xs + disp_out[:, 0]
    ny = ys + disp_out[:, 1]
    torch.logical_and(valid, (nx > -1) & (nx < w) & (ny > -1) & (ny < h), out=valid_out)


class PointIntegrator:
    """Advances F₀→ₜ of the points of ``points`` (:class:`~.points.PointRuns`) one frame at
    a time, their values kept compact.

    ``field``: float32 ``H×W×2`` numpy array (numba backend) or torch tensor (torch
    backend, any device), pixels per frame. After ``k`` steps :attr:`disp` (float32
    ``P×2``, pixels) holds F₀→ₖ of each point and :attr:`valid` (bool ``P``) says which
    are still inside the image; ``valid`` gives the starting validity (default all).
    """

    def __init__(self, field, points: PointRuns, valid=None) -> None:
        self.field = field
        self.points = points
        n = points.count
        if isinstance(field, torch.Tensor):
            xs, ys = points.coordinates()
            self._xs = torch.from_numpy(xs).to(field.device)
            self._ys = torch.from_numpy(ys).to(field.device)
            self.disp = torch.zeros((n, 2), dtype=field.dtype, device=field.device)
            self.valid = (torch.ones(n, dtype=torch.bool, device=field.device)
                          if valid is None else valid.clone())
        else:
            self.disp = np.zeros((n, 2), dtype=np.float32)
            self.valid = (np.ones(n, dtype=np.bool_) if valid is None
                          else np.array(valid, dtype=np.bool_))
        self.steps = 0

    def step(self, into: tuple | None = None) -> None:
        """Advance one frame, in place, or into ``into = (disp, valid)`` (arrays of the
        same kinds and shapes), which then hold the integrator's state."""
        disp_out, valid_out = into or (self.disp, self.valid)
        if isinstance(self.field, torch.Tensor):
            _euler_step_torch(self.field, self._xs, self._ys, self.disp, self.valid,
                              disp_out, valid_out)
        else:
            _euler_step_numba(self.field, self.points.runs, self.points.parts, self.disp,
                              self.valid, disp_out, valid_out, into is None)
        self.disp, self.valid = disp_out, valid_out
        self.steps += 1


class EulerIntegrator:
    """Advances F₀→ₜ of every pixel one frame at a time.

    ``field``: float32 ``H×W×2`` numpy array (numba backend) or torch tensor (torch
    backend), pixels per frame. After ``k`` calls to :meth:`step`, :attr:`disp` holds
    F₀→ₖ (float32 ``H×W×2``, pixels) and :attr:`valid` (bool ``H×W``) says which points
    are still inside the image. ``active`` (bool ``H×W``, same kind as ``field``;
    default all) picks the points that take part: the others start dropped.
    """

    def __init__(self, field, active=None) -> None:
        h, w = field.shape[:2]
        start = None if active is None else active.reshape(-1)
        self._points = PointIntegrator(field, PointRuns.whole(h, w), start)
        self.field = field
        self.disp = self._points.disp.reshape(h, w, 2)  # views of the points' state
        self.valid = self._points.valid.reshape(h, w)

    @property
    def steps(self) -> int:
        return self._points.steps

    def step(self) -> None:
        self._points.step()


def integrate(field: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """All displacement fields F₀→ₜ for t = 0…steps of a numpy field.

    ``field``: float32 ``H×W×2``, pixels per frame. Returns ``disp`` float32
    ``(steps+1)×H×W×2`` (pixels) and ``valid`` bool ``(steps+1)×H×W``.
    """
    field = np.ascontiguousarray(field, dtype=np.float32)
    integrator = EulerIntegrator(field)
    disps = [integrator.disp.copy()]
    valids = [integrator.valid.copy()]
    for _ in range(steps):
        integrator.step()
        disps.append(integrator.disp.copy())
        valids.append(integrator.valid.copy())
    return np.stack(disps), np.stack(valids)
