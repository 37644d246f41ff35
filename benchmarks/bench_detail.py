"""How much of the picture's detail the rendered loop keeps, and how clean its seam is.

For each picture in ``../shared/photos`` (next to the repository; ``--photos`` to change)
and for the demo scene this prints:

* detail: the variance of the Laplacian of the luminance over the mask's pixels eroded by
  4 px, in frame t over the input's — the mean over t = 1…N−1, the minimum, and the flash
  (frame 0's ratio over that mean: the one-frame sharpening at every repeat);
* the share of mask pixels filled as holes, mean and worst frame;
* the median step between neighbouring frames (mean |Δ| over the mask, 0–255), and the
  seam ratio: the step from frame N−1 back to frame 0 over that median, for the lossless
  frames and for the frames read back from an H.264 .mp4.

Each picture is rendered twice in the same run: with the default settings and with the old
ones (the bilinear kernel, ``sharpness=0``, and the linear crossfade), printed as ``old`` with
the growth of the median step against it.

Then, to find where the detail goes, per picture:

* kernel: the detail left after one splat of the input by a constant sub-pixel offset
  (½, ½) and (¼, 0), against a whole-pixel one (1, 0) — what the bilinear splat kernel
  alone does;
* translation: the input moved at a constant 0.37, 0.23 px/frame for 12 frames by the
  bilinear kernel, the default one, the full Catmull-Rom one and an ideal (Fourier)
  shift: the detail each keeps and its median step against the bilinear one's. More
  detail that moves means larger steps: the ideal shift is the bound;
* mix: the detail at t = 1, N/4 and N/2 (one splat dominates at the ends, the two mix
  in the middle), and the mean with the plain linear blend instead of the contrast one.

Photos: the photo, its ``mask.png`` and ``caption.txt`` as the prompt
(:func:`cinemagraph.animate_image`). The artistic waterfall: the motion of its natural twin
(``twin.png``) animating the painting (``image.png``).
Run: ``python benchmarks/bench_detail.py [--photos DIR] [--frames 60]``.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from pathlib import Path

import cv2
import imageio.v3 as iio
import numpy as np

from cinemagraph import animate_image
from cinemagraph.animate import AnimateSettings, animate, render, softmax_splat
from cinemagraph.animate.points import PointRuns
from cinemagraph.animate.splat import pack_source, splat_points_sharp
from cinemagraph.api import find_regions, motion_from_arguments
from cinemagraph.demo.render import demo_motion
from cinemagraph.demo.scene import build_scene
from cinemagraph.io.images import load_image, load_mask
from cinemagraph.io.video import write_video

PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "photos"
ERODE_PX = 4


def luminance(image: np.ndarray) -> np.ndarray:
    """Float32 luminance in [0, 1] of a uint8 or float ``H×W×3`` image."""
    rgb = image.astype(np.float32)
    if image.dtype == np.uint8:
        rgb *= 1.0 / 255.0
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def detail_region(mask: np.ndarray) -> np.ndarray:
    """The mask's pixels (> ½) eroded by :data:`ERODE_PX`, bool ``H×W``."""
    size = 2 * ERODE_PX + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.erode((mask > 0.5).astype(np.uint8), kernel).astype(bool)


def detail(image: np.ndarray, region: np.ndarray) -> float:
    """Variance of the Laplacian of the luminance over ``region``."""
    return float(cv2.Laplacian(luminance(image), cv2.CV_32F, ksize=1)[region].var())


def detail_ratios(frames: np.ndarray, still: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Detail of each frame over the input's, float ``N``."""
    reference = detail(still, region)
    return np.array([detail(frame, region) / reference for frame in frames])


def steps(frames: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Mean |frame t+1 − frame t| over ``region`` (0–255) for t = 0…N−1, the last one
    the seam from frame N−1 back to frame 0."""
    following = np.roll(frames, -1, axis=0)
    diff = np.abs(following.astype(np.int16) - frames.astype(np.int16))
    return diff[:, region].mean(axis=(1, 2))


def seam_ratio(frames: np.ndarray, region: np.ndarray) -> tuple[float, float]:
    """(median neighbour step, seam step over that median)."""
    s = steps(frames, region)
    median = float(np.median(s[:-1]))
    return median, float(s[-1] / median)


def mp4_frames(frames: np.ndarray, fps: float) -> np.ndarray:
    """``frames`` written as H.264 .mp4 and read back."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "loop.mp4"
        write_video(path, frames, fps)
        decoded = iio.imread(path, plugin="pyav") if _has_pyav() else _read_ffmpeg(path)
    return np.asarray(decoded)[:, : frames.shape[1], : frames.shape[2]]


def _has_pyav() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _read_ffmpeg(path: Path) -> np.ndarray:
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    return np.stack([np.frombuffer(b, np.uint8).reshape(h, w, 3) for b in reader])


@contextlib.contextmanager
def counting_holes(shares: list[int]):
    """Record the number of hole pixels of every rendered frame into ``shares``."""
    original = render.normalize_and_compose

    def counted(*args):
        n = original(*args)
        shares.append(int(n))
        return n

    render.normalize_and_compose = counted
    try:
        yield
    finally:
        render.normalize_and_compose = original


def kernel_loss(image: np.ndarray, region: np.ndarray) -> str:
    """Detail after one splat by a constant offset, for sub-pixel and whole-pixel offsets."""
    h, w = region.shape
    inner = region.copy()
    inner[:3], inner[-3:], inner[:, :3], inner[:, -3:] = False, False, False, False
    reference = detail(image, inner)
    parts = []
    for dx, dy in ((0.5, 0.5), (0.25, 0.0), (1.0, 0.0)):
        disp = np.empty((h, w, 2), np.float32)
        disp[..., 0], disp[..., 1] = dx, dy
        warped, _ = softmax_splat(image, disp)
        parts.append(f"({dx:g},{dy:g}) {detail(warped, inner) / reference:.2f}")
    return "  ".join(parts)


def _shifted(image: np.ndarray, dx: float, dy: float, sharpness: float | None) -> np.ndarray:
    """``image`` moved by (dx, dy): splatted with ``sharpness``, or by a Fourier shift."""
    h, w, c = image.shape
    if sharpness is None:
        fy = np.fft.fftfreq(h)[:, None]
        fx = np.fft.fftfreq(w)[None, :]
        phase = np.exp(-2j * np.pi * (fx * dx + fy * dy))
        return np.stack([np.real(np.fft.ifft2(np.fft.fft2(image[..., k]) * phase))
                         for k in range(c)], -1).astype(np.float32)
    acc = np.zeros((h, w, c + 1), np.float32)
    disp = np.empty((h * w, 2), np.float32)
    disp[:, 0], disp[:, 1] = dx, dy
    splat_points_sharp(pack_source(image, np.ones((h, w), np.float32)).reshape(h * w, c + 1),
                       PointRuns.whole(h, w).runs, disp, np.ones(h * w, bool),
                       np.float32(sharpness), acc)
    return acc[..., :c] / np.maximum(acc[..., c:], 1e-6)


def translation(image: np.ndarray, region: np.ndarray, default: float) -> str:
    """Detail and step growth of a constant translation per kernel (see the module text)."""
    inner = region.copy()
    inner[:8], inner[-8:], inner[:, :8], inner[:, -8:] = False, False, False, False
    reference = detail(image, inner)
    parts, base = [], None
    kernels = (("bilinear", 0.0), (f"default {default:g}", default), ("cubic", 1.0),
               ("ideal", None))
    for label, sharpness in kernels:
        frames = np.stack([_shifted(image, 0.37 * t, 0.23 * t, sharpness) for t in range(1, 13)])
        kept = np.mean([detail(f, inner) / reference for f in frames])
        step = float(np.median(np.abs(np.diff(frames, axis=0))[:, inner].mean(axis=(1, 2))))
        base = base or step
        parts.append(f"{label} {kept:.2f} (step ×{step / base:.2f})")
    return "  ".join(parts)


def pictures(photos: Path, settings: AnimateSettings):
    """(name, still image, union mask, frames, frames with the linear blend, hole counts)."""
    demo = build_scene(512, 384, seed=0)
    field = demo_motion(demo)
    yield "demo", demo.image, demo.mask, field
    for folder in sorted(p for p in photos.iterdir() if p.is_dir()):
        prompt = (folder / "caption.txt").read_text().strip()
        if (folder / "twin.png").exists():
            still = load_image(folder / "image.png")
            twin = load_image(folder / "twin.png")
            regions = find_regions(twin, str(folder / "mask.png"))
            field = motion_from_arguments(twin, regions, prompt=prompt)
        else:
            still = load_image(folder / "photo.jpg")
            regions = find_regions(still, str(folder / "mask.png"))
            field = motion_from_arguments(still, regions, prompt=prompt)
        mask = load_mask(folder / "mask.png", still.shape[:2])
        yield folder.name, still, mask, field


def render_figures(name, still, mask, field, settings: AnimateSettings):
    """(frames, detail ratios, filled shares per frame) of one picture's loop."""
    holes: list[int] = []
    with counting_holes(holes):
        frames = animate_image(still, mask, field, settings=settings) if name != "demo" \
            else animate(still, mask, field, settings)
    ratios = detail_ratios(frames, still, detail_region(mask))
    filled = np.array(holes, float) / max(int((mask > 0.5).sum()), 1)
    return frames, ratios, filled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=PHOTOS,
                        help=f"folder of picture folders (default {PHOTOS})")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--save", type=Path, default=None,
                        help="write frames 0, 1, N/4, N/2 and 3N/4 of each loop as PNGs here")
    args = parser.parse_args()
    settings = AnimateSettings(frames=args.frames)
    old = AnimateSettings(frames=args.frames, sharpness=0.0, crossfade=1.0)
    n = settings.frames

    print(f"{'picture':<24} {'detail mean':>11} {'min':>5} {'flash':>6} {'filled':>7} "
          f"{'worst':>7} {'step':>6} {'growth':>6} {'seam':>6} {'mp4 seam':>8}")
    notes = []
    for name, still, mask, field in pictures(args.photos, settings):
        region = detail_region(mask)
        rows, old_step = [], None
        for label, chosen in ((f"{name} (old)", old), (name, settings)):
            frames, ratios, filled = render_figures(name, still, mask, field, chosen)
            mean = float(ratios[1:].mean())
            step, seam = seam_ratio(frames, region)
            old_step = old_step or step
            _, mp4_seam = seam_ratio(mp4_frames(frames, settings.fps), region)
            rows.append(f"{label:<24} {mean:>11.2f} {ratios[1:].min():>5.2f} "
                        f"{ratios[0] / mean:>6.2f} {filled.mean():>7.2%} {filled.max():>7.2%} "
                        f"{step:>6.2f} {step / old_step - 1:>+6.1%} {seam:>6.2f} "
                        f"{mp4_seam:>8.2f}")
        print(rows[1], rows[0], sep="\n", flush=True)
        kept, new_ratios = frames, ratios
        linear = animate(still, mask, field, AnimateSettings(frames=n, blend="linear"))
        linear_mean = float(detail_ratios(linear, still, region)[1:].mean())
        notes.append(
            f"{name:<20} kernel: {kernel_loss(still, region)}\n"
            f"{'':<20} translation: {translation(still, region, settings.sharpness)}\n"
            f"{'':<20} mix: t=1 {new_ratios[1]:.2f}  t=N/4 {new_ratios[n // 4]:.2f}  "
            f"t=N/2 {new_ratios[n // 2]:.2f}  linear blend mean {linear_mean:.2f}"
        )
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            for t in sorted({0, 1, n // 4, n // 2, 3 * n // 4}):
                iio.imwrite(args.save / f"{name}-{t:03d}.png", kept[t])
    print("\nwhere the detail goes (detail over the input's)")
    print("\n".join(notes))


if __name__ == "__main__":
    main()
