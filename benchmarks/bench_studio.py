"""Speed of the studio as the page sees it, through its HTTP API (in-process client).

For a 512² picture and a 12 MP photo (4000×3000) of the demo landscape this prints:

* preview latency: an edit (an arrow moved) → the project sent, the quick preview rendered
  and its frames fetched, i.e. the moment the page starts playing the loop (warm server);
* the full preview (≤ 512 px, every frame of the loop) after that;
* export time: MP4 at the picture's full size, from the button to the finished file.

Run: ``python benchmarks/bench_studio.py [--sizes 512 12mp] [--frames 60] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from cinemagraph.demo.scene import build_scene
from cinemagraph.studio import StudioConfig, create_app

SIZES = {"512": (512, 512), "12mp": (4000, 3000)}


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _picture(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The demo landscape at ``width``×``height`` (uint8 RGB) and its fluids' mask."""
    side = min(1024, max(width, height))
    scene = build_scene(round(side * width / max(width, height)),
                        round(side * height / max(width, height)), seed=0)
    image = (scene.image * 255 + 0.5).astype(np.uint8)
    if image.shape[:2] != (height, width):
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC)
    return image, scene.mask


def _project(mask: np.ndarray, work: tuple[int, int], shift: float, width: int,
             height: int, frames: int) -> dict:
    """The edit: the region, and an arrow to the right from a pixel of it (``shift`` of the
    way along the region's pixels)."""
    grey = cv2.resize((mask * 255).astype(np.uint8), work, interpolation=cv2.INTER_AREA)
    url = "data:image/png;base64," + base64.b64encode(_png(grey)).decode()
    ys, xs = np.nonzero(mask >= 0.5)
    pick = round(shift * (len(xs) - 1))
    x, y = xs[pick] * width / mask.shape[1], ys[pick] * height / mask.shape[0]
    return {"regions": [{"name": "water", "mask": url}], "freeze": None,
            "arrows": [{"x0": x, "y0": y, "x1": min(width - 1, x + 0.1 * width), "y1": y}],
            "settings": {"frames": frames, "fps": 30, "speed": 1, "turbulence": 1, "seed": 0}}


def _preview(client: TestClient, sid: str, draft: bool) -> None:
    reply = client.post(f"/api/sessions/{sid}/preview", params={"draft": draft})
    reply.raise_for_status()
    client.get(reply.json()["sheet"]).raise_for_status()


def bench(name: str, frames: int, repeats: int) -> None:
    width, height = SIZES[name]
    image, mask = _picture(width, height)
    with tempfile.TemporaryDirectory() as root:
        app = create_app(StudioConfig(root=Path(root), max_upload_bytes=256 << 20))
        with TestClient(app) as client:
            sid = client.post("/api/sessions").json()["session"]
            start = time.perf_counter()
            info = client.post(f"/api/sessions/{sid}/picture", content=_png(image)).json()
            opened = time.perf_counter() - start
            work = (info["work_width"], info["work_height"])
            client.put(f"/api/sessions/{sid}/project",
                       json=_project(mask, work, 0.5, width, height, frames))
            _preview(client, sid, True)  # warm: kernels loaded, caches filled
            _preview(client, sid, False)
            first, full = [], []
            for index in range(repeats):
                edit = _project(mask, work, 0.4 + 0.05 * index, width, height, frames)
                start = time.perf_counter()
                client.put(f"/api/sessions/{sid}/project", json=edit).raise_for_status()
                _preview(client, sid, True)
                first.append(time.perf_counter() - start)
                _preview(client, sid, False)
                full.append(time.perf_counter() - start)
            start = time.perf_counter()
            job = client.post(f"/api/sessions/{sid}/exports", json={"format": "mp4"}).json()
            while job["state"] == "running":
                time.sleep(0.2)
                job = client.get(f"/api/sessions/{sid}/exports/{job['id']}").json()
            exported = time.perf_counter() - start
            if job["state"] != "done":
                raise SystemExit(f"export failed: {job['error']}")
    print(f"{name:>5} ({width}×{height}, {frames} frames): open {opened:5.2f} s | "
          f"edit → preview playing {statistics.median(first):5.2f} s | full preview "
          f"{statistics.median(full):5.2f} s | export mp4 {exported:6.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for name in args.sizes:
        bench(name, args.frames, args.repeats)


if __name__ == "__main__":
    main()
