"""Speed of the studio as the page sees it, through its HTTP API (in-process client).

For a 512² picture and a 12 MP photo (4000×3000) of the demo landscape this prints:

* preview latency: an edit (an arrow moved) → the project sent, the quick preview rendered
  and its frames fetched, i.e. the moment the page starts playing the loop (warm server);
* the full preview (≤ 512 px, every frame of the loop) after that;
* export time: MP4 at the picture's full size, from the button to the finished file.

With ``--browser`` (Debian's ``chromium`` and ``chromium-driver``, driven by Selenium) it
also measures the latency in a real headless Chromium, on the page's own clock: from the
release of a dragged arrow to the first frame of the new preview drawn on the page, and to
the first frame of the full preview.

Run: ``python benchmarks/bench_studio.py [--sizes 512 12mp] [--frames 60] [--repeats 3]
[--browser]``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
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


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

#: Page script: note when each edit's preview draws its first frame, on the page's clock.
_WATCH = """
window.firstFrame = {};
const canvas = document.querySelector('#preview');
new MutationObserver(() => {
  const key = `${canvas.dataset.edit}/${canvas.dataset.quality}`;
  if (canvas.dataset.frame !== undefined && !(key in window.firstFrame)) {
    window.firstFrame[key] = performance.now();
  }
}).observe(canvas, {attributes: true, attributeFilter: ['data-frame']});
document.querySelector('#arrows').addEventListener('pointerup', () => {
  window.released = performance.now();
}, {capture: true});
"""


@contextlib.contextmanager
def _served(root: Path) -> Iterator[str]:
    """The studio served by uvicorn on a free local port."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(StudioConfig(root=root, max_upload_bytes=256 << 20))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def _chromium() -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1500,1200"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _until(condition, what: str, timeout: float = 600.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def _drag_arrow(driver, y: float) -> None:
    """Drag an arrow to the right across the middle of the picture, at height ``y`` (0–1)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    target = driver.find_element(By.CSS_SELECTOR, "#arrows")
    w, h = target.rect["width"], target.rect["height"]
    chain = ActionChains(driver, duration=10)
    chain.move_to_element_with_offset(target, round(-0.2 * w), round((y - 0.5) * h))
    chain.click_and_hold()
    for step in range(1, 6):
        chain.move_to_element_with_offset(target, round((-0.2 + 0.08 * step) * w),
                                          round((y - 0.5) * h))
    chain.release().perform()


def bench_browser(name: str, frames: int, repeats: int) -> None:
    """Edit → preview playing, measured on the page's clock in headless Chromium."""
    from selenium.webdriver.common.by import By

    width, height = SIZES[name]
    image, mask = _picture(width, height)
    with tempfile.TemporaryDirectory() as root, _served(Path(root) / "sessions") as url, \
            _chromium() as driver:
        photo = Path(root) / "photo.png"
        photo.write_bytes(_png(image))
        driver.get(url)
        _until(lambda: driver.execute_script("return document.body.dataset.ready === 'true'"),
               "the page")
        driver.execute_script(_WATCH)
        field = driver.find_element(By.CSS_SELECTOR, "#file")
        driver.execute_script("arguments[0].hidden = false", field)
        field.send_keys(str(photo))
        _until(lambda: driver.execute_script("return state.picture !== null"), "the photo")
        work = tuple(driver.execute_script("return [state.picture.work_width, "
                                           "state.picture.work_height]"))
        grey = cv2.resize((mask * 255).astype(np.uint8), work, interpolation=cv2.INTER_AREA)
        mask_url = "data:image/png;base64," + base64.b64encode(_png(grey)).decode()
        driver.execute_script(f"""
            document.querySelector('#frames').value = {frames};
            loadImage(arguments[0]).then((img) => {{
              addMaskImage(state.regions[0].canvas, img); drawMasks(); edited();
            }});""", mask_url)
        ys, _ = np.nonzero(mask >= 0.5)
        row = float(np.median(ys)) / mask.shape[0]
        first, full = [], []
        for index in range(repeats + 1):  # the first edit warms the server up
            before = driver.execute_script("return state.version")
            driver.execute_script("document.querySelector('#tool-buttons "
                                  "button[data-tool=arrow]').click()")
            _drag_arrow(driver, row + 0.01 * index)
            edit = _until(lambda before=before: driver.execute_script(
                "return state.version > arguments[0] && state.version", before), "the edit")
            times = _until(lambda edit=edit: driver.execute_script(
                "const f = window.firstFrame, e = arguments[0];"
                "return (`${e}/full` in f) && [f[`${e}/draft`], f[`${e}/full`], "
                "window.released];", edit), "the full preview")
            error = driver.execute_script(
                "const m = document.querySelector('#message');"
                "return m.dataset.error === 'true' && m.textContent")
            if error:
                raise SystemExit(f"the page says: {error}")
            if index:
                draft_at, full_at, released = times
                first.append(((draft_at or full_at) - released) / 1000)
                full.append((full_at - released) / 1000)
    print(f"{name:>5} ({width}×{height}, {frames} frames) in Chromium: arrow released → "
          f"preview playing {statistics.median(first):5.2f} s "
          f"(min {min(first):.2f}, max {max(first):.2f}) | full preview "
          f"{statistics.median(full):5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--browser", action="store_true",
                        help="also measure in headless Chromium (chromium, chromium-driver)")
    args = parser.parse_args()
    if args.browser and not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        raise SystemExit("--browser needs Debian's chromium and chromium-driver: "
                         "apt-get install -y chromium chromium-driver")
    for name in args.sizes:
        bench(name, args.frames, args.repeats)
        if args.browser:
            bench_browser(name, args.frames, args.repeats)


if __name__ == "__main__":
    main()
