"""How much the weight-free motion prior stretches texture, per real picture and the demo.

    python benchmarks/bench_stretch.py [PHOTOS_DIR] [--steps 30]

``PHOTOS_DIR`` defaults to ``$CINEMAGRAPH_PHOTOS`` or ``../shared/photos`` next to the repo.
For each picture the field is built with default settings from its mask and caption
(the artistic waterfall's field is computed on ``twin.png``), integrated for ``--steps``
frames with the engine's own integrator, and s₁, the larger singular value of I + ∂F/∂x,
is taken over mask pixels at least 4 px inside the mask whose point stays in the image.
Printed: median and 95th percentile of s₁, mean and max speed (px/frame) over the mask,
and where the folder holds ``true-motion.jpg`` (the real video's mean optical flow as a
Middlebury colour wheel) the median angle between the field and the real motion, over mask
pixels where the real water visibly moved.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

from cinemagraph.animate.integrate import integrate
from cinemagraph.demo.render import demo_motion
from cinemagraph.demo.scene import build_scene
from cinemagraph.io.images import load_image, load_mask
from cinemagraph.motion import MotionSettings, motion_field
from cinemagraph.motion.visualize import WHEEL

INSET_PX = 4.0
#: True-motion pixels count as moving from this saturation (share of the fastest) on.
MOVING_SATURATION = 0.25


def largest_singular_value(disp: np.ndarray) -> np.ndarray:
    """s₁ of I + ∂F/∂x for a displacement field ``H×W×2`` (x, y)."""
    dfx_dy, dfx_dx = np.gradient(disp[..., 0])
    dfy_dy, dfy_dx = np.gradient(disp[..., 1])
    a, b, c, d = 1.0 + dfx_dx, dfx_dy, dfy_dx, 1.0 + dfy_dy
    frob = a * a + b * b + c * c + d * d
    det = a * d - b * c
    return np.sqrt(0.5 * (frob + np.sqrt(np.maximum(frob * frob - 4.0 * det * det, 0.0))))


def stretch_figures(field: np.ndarray, mask: np.ndarray, steps: int) -> dict[str, float]:
    disp, valid = integrate(field, steps)
    inside = ndimage.distance_transform_edt(mask > 0.5) >= INSET_PX
    kept = inside & valid.all(axis=0)
    s1 = largest_singular_value(disp[-1].astype(np.float64))[kept]
    speed = np.linalg.norm(field, axis=-1)[mask > 0.5]
    if s1.size == 0 or speed.size == 0:
        return {"median": float("nan"), "p95": float("nan"), "mean_speed": float("nan"),
                "max_speed": float("nan")}
    return {"median": float(np.median(s1)), "p95": float(np.percentile(s1, 95)),
            "mean_speed": float(speed.mean()), "max_speed": float(speed.max())}


def true_directions(picture: Path, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Unit (dx, dy) per pixel decoded from a Middlebury colour-wheel picture, and where the
    motion is visible (saturation ≥ MOVING_SATURATION)."""
    image = load_image(picture)
    if image.shape[:2] != shape:
        image = np.asarray(cv2.resize(image, shape[::-1], interpolation=cv2.INTER_AREA))
    away = 1.0 - image.reshape(-1, 3).astype(np.float64)  # colour = 1 − r·(1 − wheel)
    ink = 1.0 - WHEEL  # 55×3
    radius = (away @ ink.T) / np.maximum(np.sum(ink * ink, axis=1), 1e-9)  # N×55
    residual = np.sum(away**2, axis=1)[:, None] - radius * (away @ ink.T)
    best = np.argmin(residual, axis=1)
    angle = (best / (len(WHEEL) - 1) * 2.0 - 1.0) * np.pi  # atan2(−v, −u) of the wheel
    unit = -np.stack([np.cos(angle), np.sin(angle)], axis=-1).reshape(*shape, 2)
    moving = radius[np.arange(best.size), best].reshape(shape) >= MOVING_SATURATION
    return unit, moving


def angle_error(field: np.ndarray, mask: np.ndarray, picture: Path) -> float:
    """Median angle (degrees) between the field and the real motion over moving pixels."""
    unit, moving = true_directions(picture, mask.shape)
    kept = moving & (mask > 0.5) & (np.linalg.norm(field, axis=-1) > 1e-6)
    if not kept.any():
        return float("nan")
    ours = field[kept][:, 0] + 1j * field[kept][:, 1]
    real = unit[kept][:, 0] + 1j * unit[kept][:, 1]
    return float(np.median(np.degrees(np.abs(np.angle(ours / real)))))


def photo_field(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    caption = (folder / "caption.txt").read_text().strip()
    source = folder / "twin.png" if (folder / "twin.png").exists() else folder / "photo.jpg"
    image = load_image(source)
    mask = load_mask(folder / "mask.png", image.shape[:2])
    field = motion_field(image, mask, caption, settings=MotionSettings(seed=0))
    return field, mask


def default_photos() -> Path:
    env = os.environ.get("CINEMAGRAPH_PHOTOS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "photos"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", nargs="?", type=Path, default=None)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    photos = args.photos or default_photos()
    rows: list[tuple[str, dict[str, float]]] = []
    for folder in sorted(p for p in photos.iterdir() if (p / "mask.png").exists()):
        field, mask = photo_field(folder)
        figures = stretch_figures(field, mask, args.steps)
        truth = folder / "true-motion.jpg"
        figures["angle"] = angle_error(field, mask, truth) if truth.exists() else float("nan")
        rows.append((folder.name, figures))
    scene = build_scene(512, 384, seed=0)
    rows.append(("demo", {**stretch_figures(demo_motion(scene), scene.mask, args.steps),
                          "angle": float("nan")}))
    print(f"{'picture':<22} {'s1 median':>9} {'s1 p95':>8} {'mean px/f':>9} {'max px/f':>9} "
          f"{'angle err':>9}")
    for name, f in rows:
        angle = "—" if np.isnan(f["angle"]) else f"{f['angle']:.0f}°"
        print(f"{name:<22} {f['median']:>9.3f} {f['p95']:>8.3f} "
              f"{f['mean_speed']:>9.2f} {f['max_speed']:>9.2f} {angle:>9}")


if __name__ == "__main__":
    main()
