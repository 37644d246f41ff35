"""What the written files cost and how well they loop: mp4 seam, GIF and WebP size, 12 MP.

For each photo in ``../shared/photos`` (``--photos`` to change; the artistic waterfall
animates its painting with its twin's motion) the loop is rendered once (60 frames, 30
fps) and written as mp4, GIF and WebP. Printed per picture:

* seam: the step from frame N−1 back to frame 0 over the median neighbour step (mean |Δ|
  over the mask eroded by 4 px), for the lossless frames, for our mp4 read back, and for
  a plain ``libx264 -crf 18`` mp4 (what we wrote before the loop-point tuning);
* sizes: mp4 (ours and plain), GIF and WebP in kB, and GIF/mp4 (against both mp4s);
* GIF PSNR against the frames (dB).

Then ``--big`` (default on; ``--no-big`` to skip): one photo upscaled to 4000×3000
(12 MP) animated by ``cinemagraph animate`` in a fresh process, once streaming its frames
to the mp4 encoder (what the CLI does) and once holding all frames (the API's default,
``return_frames=True``): wall time and peak resident memory of each, with what the memory
check of a loop (:func:`cinemagraph.limits.loop_bytes`) expects it to need above the
loaded libraries.

Run: ``python benchmarks/bench_files.py [--photos DIR] [--no-big]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detail import PHOTOS, _read_ffmpeg, detail_region, pictures, seam_ratio
from cinemagraph import animate_image
from cinemagraph.animate import AnimateSettings
from cinemagraph.io import video
from cinemagraph.io.video import write_video
from cinemagraph.limits import loop_bytes

BIG_SIZE = (4000, 3000)


def _decode(path: Path) -> np.ndarray:
    return _read_ffmpeg(path)


def _pillow_frames(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        frames = []
        for index in range(img.n_frames):
            img.seek(index)
            frames.append(np.asarray(img.convert("RGB")))
    return np.stack(frames)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _plain_mp4(path: Path, frames: np.ndarray, fps: float) -> None:
    """The mp4 as written before the loop-point tuning: libx264 CRF 18, nothing else."""
    saved = video.x264_loop_params
    video.x264_loop_params = lambda count, crf: "keyint=250"
    try:
        write_video(path, frames, fps)
    finally:
        video.x264_loop_params = saved


def per_picture(photos: Path) -> None:
    settings = AnimateSettings(frames=60)
    print(f"{'picture':<20} {'seam':>5} {'mp4':>5} {'plain':>5} | {'mp4 kB':>7} "
          f"{'plain':>6} {'gif kB':>7} {'webp':>6} {'gif/mp4':>7} {'/plain':>6} "
          f"{'gif dB':>6}")
    for name, still, mask, field in pictures(photos, settings):
        if name == "demo":
            continue
        frames = animate_image(still, mask, field, settings=settings)
        region = detail_region(mask)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_video(folder / "a.mp4", frames, settings.fps)
            _plain_mp4(folder / "plain.mp4", frames, settings.fps)
            write_video(folder / "a.gif", frames, settings.fps)
            write_video(folder / "a.webp", frames, settings.fps)
            size = {p.name: p.stat().st_size / 1024 for p in folder.iterdir()}
            ours = seam_ratio(_decode(folder / "a.mp4"), region)[1]
            plain = seam_ratio(_decode(folder / "plain.mp4"), region)[1]
            gif_psnr = _psnr(_pillow_frames(folder / "a.gif"), frames)
        lossless = seam_ratio(frames, region)[1]
        print(f"{name:<20} {lossless:>5.2f} {ours:>5.2f} {plain:>5.2f} | "
              f"{size['a.mp4']:>7.0f} {size['plain.mp4']:>6.0f} {size['a.gif']:>7.0f} "
              f"{size['a.webp']:>6.0f} {size['a.gif'] / size['a.mp4']:>7.1f} "
              f"{size['a.gif'] / size['plain.mp4']:>6.1f} {gif_psnr:>6.1f}", flush=True)


_BIG_SCRIPT = """
import resource, sys, warnings
from cinemagraph import animate_image
from cinemagraph.animate import AnimateSettings
warnings.simplefilter("ignore")
image, mask, prompt, out, stream = sys.argv[1:6]
ready = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
animate_image(image, mask, prompt=prompt, settings=AnimateSettings(frames=60),
              outputs=[out], return_frames=stream != "stream")
print(ready, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def big_photo(photos: Path) -> None:
    folder = photos / "river-behind-tree"
    prompt = (folder / "caption.txt").read_text().strip()
    with tempfile.TemporaryDirectory() as tmp:
        image, mask = Path(tmp) / "big.png", Path(tmp) / "big-mask.png"
        Image.open(folder / "photo.jpg").convert("RGB").resize(BIG_SIZE, Image.LANCZOS).save(image)
        Image.open(folder / "mask.png").convert("L").resize(BIG_SIZE, Image.NEAREST).save(mask)
        megapixels = BIG_SIZE[0] * BIG_SIZE[1] / 1e6
        print(f"\n{megapixels:.0f} MP ({BIG_SIZE[0]}×{BIG_SIZE[1]}), 60 frames → mp4:")
        for mode in ("stream", "hold"):
            out = Path(tmp) / f"{mode}.mp4"
            start = time.perf_counter()
            run = subprocess.run([sys.executable, "-c", _BIG_SCRIPT, str(image), str(mask),
                                  prompt, str(out), mode],
                                 check=True, capture_output=True, text=True)
            seconds = time.perf_counter() - start
            ready, peak = (int(v) * 1024 for v in run.stdout.split()[-2:])
            estimate = loop_bytes(60, BIG_SIZE[1], BIG_SIZE[0],
                                  [out] if mode == "stream" else None)
            print(f"  {mode:<6} {seconds:6.1f} s, peak memory {peak / 1e9:.2f} GB "
                  f"({(peak - ready) / 1e9:.2f} GB above the {ready / 1e9:.2f} GB of the "
                  f"loaded libraries; the memory check estimates {estimate / 1e9:.2f} GB), "
                  f"{seconds / 60 / megapixels:.3f} s per MP and frame", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=PHOTOS)
    parser.add_argument("--big", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--only-big", action="store_true")
    args = parser.parse_args()
    if not args.only_big:
        per_picture(args.photos)
    if args.big or args.only_big:
        big_photo(args.photos)


if __name__ == "__main__":
    main()
