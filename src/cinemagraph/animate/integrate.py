"""Euler integration of an Eulerian motion field into displacement fields.

Given a static field ``M`` (float32 ``H×W×2``, pixels per frame), the displacement of the
point that starts at pixel ``x`` after ``t`` frames is::

    F₀→ₜ(x) = F₀→ₜ₋₁(x) + M(x + F₀→ₜ₋₁(x)),      F₀→₀ = 0,

with ``M`` looked up bilinearly (clamped to the border for sampling). A point whose
position leaves the image (x ≤ −1 or x ≥ W, likewise for y) is *dropped*: it is marked
invalid and never moves or contributes again — it is not clamped onto the border.

:class:`EulerIntegrator` advances all points by one step per call, so a whole video costs
O(N) steps (not O(N²) as when every frame restarts from zero).
"""

from __future__ import annotations

import numba
import numpy as np
import torch
import torch.nn.functional as F


@numba.njit(cache=True, nogil=True, parallel=True)
def _euler_step_numba(field: np.ndarray, disp: np.ndarray, valid: np.ndarray) -> None:
    """One Euler step in place. field: H×W×2 f32; disp: H×W×2 f32; valid: H×W bool.

    Arithmetic is float32 throughout, as on the torch path.
    """
    h, w = field.shape[0], field.shape[1]
    one = np.float32(1.0)
    last_x = np.float32(w - 1)
    last_y = np.float32(h - 1)
    for y in numba.prange(h):
        for x in range(w):
            if not valid[y, x]:
                continue
            if (disp[y, x, 0] == 0.0 and disp[y, x, 1] == 0.0
                    and field[y, x, 0] == 0.0 and field[y, x, 1] == 0.0):
                continue  # a point at rest where the field is zero stays there (exactly)
            px = np.float32(x) + disp[y, x, 0]
            py = np.float32(y) + disp[y, x, 1]
            # Bilinear lookup of the field at (px, py), clamped to the border for sampling.
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
            disp[y, x, 0] += u
            disp[y, x, 1] += v
            nx = np.float32(x) + disp[y, x, 0]
            ny = np.float32(y) + disp[y, x, 1]
            if nx <= -one or nx >= np.float32(w) or ny <= -one or ny >= np.float32(h):
                valid[y, x] = False


def _euler_step_torch(field: torch.Tensor, disp: torch.Tensor, valid: torch.Tensor) -> None:
    """One Euler step in place on torch tensors (any device); layouts as the numba kernel."""
    h, w = field.shape[:2]
    ys, xs = torch.meshgrid(
        torch.arange(h, device=field.device, dtype=field.dtype),
        torch.arange(w, device=field.device, dtype=field.dtype),
        indexing="ij",
    )
    px = xs + disp[..., 0]
    py = ys + disp[..., 1]
    # grid_sample with align_corners=True maps -1..1 onto pixel centres 0..W-1.
    gx = px.clamp(0, w - 1) / max(w - 1, 1) * 2 - 1
    gy = py.clamp(0, h - 1) / max(h - 1, 1) * 2 - 1
    grid = torch.stack([gx, gy], dim=-1)[None]
    sampled = F.grid_sample(
        field.permute(2, 0, 1)[None], grid, mode="bilinear", align_corners=True
    )[0].permute(1, 2, 0)
    step = torch.where(valid[..., None], sampled, torch.zeros_like(sampled))
    disp += step
    nx = xs + disp[..., 0]
    ny = ys + disp[..., 1]
    valid &= (nx > -1) & (nx < w) & (ny > -1) & (ny < h)


class EulerIntegrator:
    """Advances F₀→ₜ one frame at a time.

    ``field``: float32 ``H×W×2`` numpy array (numba backend) or torch tensor (torch
    backend), pixels per frame. After ``k`` calls to :meth:`step`, :attr:`disp` holds
    F₀→ₖ (float32 ``H×W×2``, pixels) and :attr:`valid` (bool ``H×W``) says which points
    are still inside the image. ``active`` (bool ``H×W``, same kind as ``field``;
    default all) picks the points that take part: the others start dropped.
    """

    def __init__(
        self, field: np.ndarray | torch.Tensor, active: np.ndarray | torch.Tensor | None = None
    ) -> None:
        self.field = field
        h, w = field.shape[:2]
        if isinstance(field, torch.Tensor):
            self.disp = torch.zeros((h, w, 2), dtype=field.dtype, device=field.device)
            self.valid = (torch.ones((h, w), dtype=torch.bool, device=field.device)
                          if active is None else active.clone())
        else:
            self.disp = np.zeros((h, w, 2), dtype=np.float32)
            self.valid = (np.ones((h, w), dtype=np.bool_) if active is None
                          else np.array(active, dtype=np.bool_))
        self.steps = 0

    def step(self) -> None:
        if isinstance(self.field, torch.Tensor):
            _euler_step_torch(self.field, self.disp, self.valid)
        else:
            _euler_step_numba(self.field, self.disp, self.valid)
        self.steps += 1


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
