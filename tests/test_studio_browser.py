"""The studio end to end in a real headless Chromium, as a user works: open a picture,
paint a region with mouse strokes, drag an arrow, freeze a spot, watch the preview play,
export an MP4 (and the lossless frames) and download them; then check the video. And with
a tiny random Stable Diffusion model behind the prompt box: generate a picture from a
prompt, find regions from the prompt (captured attention, DDIM inversion), smart select a
region with a dragged box, save the project and load it in a fresh tab. And with requests
held on their way, as on a slow network: replies for a picture no longer open (a project
update, a smart select, a search) change nothing and show no error, a generation that
finishes after the user opened another picture only offers to open itself, a preview whose
reply is on its way when the project is saved still plays (and one the server superseded is
rendered again, never "failed"), and a file chosen twice in a picker opens twice. A project
zip with a bad mask says so in one line and leaves the open picture and its project, on the
page and on the server.

Screenshots of every step go to the test's temporary folder (``screenshots/``); the editor's
one is copied to ``docs/studio.png`` when ``CINEMAGRAPH_STUDIO_SCREENSHOT`` is set.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image
from tests.helpers import smooth_texture

from cinemagraph.demo.scene import build_scene
from cinemagraph.studio import StudioConfig, create_app
from cinemagraph.studio.project import frozen_margin

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them: "
           "apt-get install -y chromium chromium-driver)")

W, H = 256, 192
#: The painted region (the sky), the arrow (pointing right) and the frozen spot, in
#: picture pixels.
STROKES = [((14, y), (242, y)) for y in (10, 24, 36)]
ARROW = ((60, 24), (180, 24))
FREEZE = ((200, 22), (206, 22))
TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """``app`` served by uvicorn on a free local port, in a thread; yields its address."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not runner.started:
        assert time.monotonic() < deadline, "the studio server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        runner.should_exit = True
        thread.join(timeout=10)


@pytest.fixture()
def server(tmp_path: Path):
    with serving(create_app(StudioConfig(root=tmp_path / "sessions"))) as url:
        yield url


@pytest.fixture()
def browser(tmp_path: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1500,1320", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def _wait(condition, what: str, timeout: float = TIMEOUT_S, page: Page | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f": {page.state()}" if page else ""))


def _picture(path: Path) -> np.ndarray:
    """The demo landscape with a fine texture over it, so that optical flow finds the
    motion everywhere."""
    scene = build_scene(W, H, seed=0).image
    picture = ((0.7 * scene + 0.3 * smooth_texture(H, W, seed=5, blur=1.5)) * 255 + 0.5)
    picture = picture.astype(np.uint8)
    Image.fromarray(picture).save(path)
    return picture


#: Run in the page: a fetch that keeps the requests to URLs containing ``arguments[0]`` made
#: with method ``arguments[1]`` until ``window.unhold()``.
HOLD = """
const [part, method] = arguments;
const send = window.fetch;
window.held = [];
window.heldDone = 0;
window.fetch = (url, options = {}) => {
  if (!String(url).includes(part) || (options.method || "GET") !== method) {
    return send(url, options);
  }
  return new Promise((resolve, reject) => window.held.push(() => send(url, options).then(
    (reply) => { window.heldDone += 1; resolve(reply); },
    (error) => { window.heldDone += 1; reject(error); })));
};
window.unhold = () => {
  window.fetch = send;
  const held = window.held;
  window.held = [];
  held.forEach((go) => go());
  return held.length;
};
"""

#: Run in the page: a fetch that sends the requests to URLs containing ``arguments[0]`` made
#: with method ``arguments[1]`` at once, but keeps their replies from the page until
#: ``window.unhold()``.
HOLD_REPLIES = """
const [part, method] = arguments;
const send = window.fetch;
window.held = [];
window.heldDone = 0;
window.fetch = (url, options = {}) => {
  const reply = send(url, options);
  if (!String(url).includes(part) || (options.method || "GET") !== method) return reply;
  return reply.then((answer) => new Promise((resolve) => window.held.push(() => {
    window.heldDone += 1;
    resolve(answer);
  })));
};
window.unhold = () => {
  window.fetch = send;
  const held = window.held;
  window.held = [];
  held.forEach((go) => go());
  return held.length;
};
"""


class Page:
    """The editor as a user sees it: clicks, drags and what the page shows."""

    def __init__(self, driver, shots: Path) -> None:
        from selenium.webdriver.common.by import By

        self.driver, self.shots, self.by = driver, shots, By
        self.count = 0

    def find(self, css: str):
        return self.driver.find_element(self.by.CSS_SELECTOR, css)

    def shot(self, name: str) -> Path:
        self.count += 1
        path = self.shots / f"{self.count:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def state(self) -> str:
        """What the page says, for a failure's message."""
        self.shot("failure")
        return (f"message {self.find('#message').text!r}, preview "
                f"{self.find('#preview-status').text!r}, logs "
                f"{self.driver.get_log('browser')!r}")

    def error(self) -> str | None:
        box = self.find("#message")
        return box.text if box.get_attribute("data-error") == "true" else None

    def set_range(self, css: str, value: float) -> None:
        self.driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input'));"
            "arguments[0].dispatchEvent(new Event('change'));", self.find(css), value)

    def drag(self, points: list[tuple[float, float]]) -> None:
        """Press at the first point (picture pixels), move through the others, release."""
        from selenium.webdriver.common.action_chains import ActionChains

        target = self.find("#arrows")
        rect = target.rect
        scale = rect["width"] / W

        def offset(point):
            return (round(point[0] * scale - rect["width"] / 2),
                    round(point[1] * scale - rect["height"] / 2))

        chain = ActionChains(self.driver, duration=20)
        chain.move_to_element_with_offset(target, *offset(points[0])).click_and_hold()
        for point in points[1:]:
            start = points[0]
            for t in np.linspace(0, 1, 6)[1:]:
                between = (start[0] + (point[0] - start[0]) * t,
                           start[1] + (point[1] - start[1]) * t)
                chain.move_to_element_with_offset(target, *offset(between))
            points = [point, *points[1:]]
        chain.release().perform()

    def open(self, path: Path) -> None:
        """Open a picture through the file picker, and wait for it to open."""
        self.driver.execute_script("arguments[0].hidden = false", self.find("#file"))
        self.find("#file").send_keys(str(path))
        self.driver.execute_script("arguments[0].hidden = true", self.find("#file"))
        _wait(lambda: f"Opened {path.name}" in self.find("#message").text or self.error(),
              f"{path.name} to open", page=self)
        assert self.error() is None, self.error()

    def hold(self, part: str, method: str) -> None:
        """Keep the page's requests to URLs containing ``part`` from leaving until
        :meth:`release`, as a slow network would."""
        self.driver.execute_script(HOLD, part, method)

    def hold_replies(self, part: str, method: str) -> None:
        """Send the page's requests to URLs containing ``part``, but keep their replies
        from the page until :meth:`release`, as a slow network would."""
        self.driver.execute_script(HOLD_REPLIES, part, method)

    def held(self) -> int:
        return self.driver.execute_script("return window.held.length")

    def release(self) -> None:
        """Send the held requests, and wait until their replies have been handled."""
        count = self.driver.execute_script("return window.unhold()")
        _wait(lambda: self.driver.execute_script("return window.heldDone") == count,
              "the held requests to come back", page=self)
        _wait(lambda: not self.driver.execute_script("return state.busy || state.modelBusy"),
              "the page to handle the replies", page=self)
        time.sleep(0.5)

    def tool(self, name: str) -> None:
        self.find(f'#tool-buttons button[data-tool="{name}"]').click()

    def preview_playing(self, min_version: int) -> bool:
        canvas = self.find("#preview")
        return (canvas.get_attribute("data-playing") == "true"
                and canvas.get_attribute("data-quality") == "full"
                and int(canvas.get_attribute("data-edit") or 0) >= min_version
                and self.find("#preview-progress").get_attribute("hidden") is not None)

    def download(self, fmt: str, name: str) -> Path:
        self.find(f'#export-buttons button[data-format="{fmt}"]').click()

        def ready():
            if self.error():
                raise AssertionError(self.error())
            link = self.find("#download")
            return link.is_displayed() and link.get_attribute("data-format") == fmt

        _wait(ready, f"the {fmt} export")
        self.find("#download").click()
        target = self.driver.downloads / name
        _wait(lambda: target.exists() and target.stat().st_size > 0, f"{name} to download")
        return target


def _version(page: Page) -> int:
    return int(page.driver.execute_script("return state.version"))


def test_paint_arrow_freeze_preview_export_as_a_user(server, browser, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = Page(browser, shots)
    picture = _picture(tmp_path / "lake.png")
    browser.get(server)
    _wait(lambda: browser.execute_script("return document.body.dataset.ready === 'true'"),
          "the page to start")
    _wait(lambda: "weights" in page.find("#weights-message").text.lower(),
          "the prompt box to say whether the weights are there")
    page.shot("empty")

    # A file that only claims to be a picture: one line on the page, and the page goes on.
    (tmp_path / "fake.png").write_bytes(b"this is not a picture" * 20)
    browser.execute_script("arguments[0].hidden = false", page.find("#file"))
    page.find("#file").send_keys(str(tmp_path / "fake.png"))
    _wait(lambda: page.error(), "the error to show")
    assert "not a picture" in page.error()
    page.shot("bad-upload")

    # Open the picture through the file picker.
    page.find("#file").send_keys(str(tmp_path / "lake.png"))
    browser.execute_script("arguments[0].hidden = true", page.find("#file"))
    _wait(lambda: "Opened" in page.find("#message").text, "the picture to open")
    page.shot("opened")
    page.set_range("#frames", 30)

    # Name the region, and paint it with mouse strokes of a large, hard brush.
    name = page.find(".region-name")
    name.clear()
    name.send_keys("clouds\t")
    page.set_range("#size", 160)
    page.set_range("#hardness", 100)
    page.tool("brush")
    for stroke in STROKES:
        page.drag(list(stroke))
    page.shot("painted")

    # Drag an arrow to the right.
    page.tool("arrow")
    page.drag(list(ARROW))
    assert browser.execute_script("return state.arrows.length") == 1
    page.find("#undo").click()
    assert browser.execute_script("return state.arrows.length") == 0
    page.find("#redo").click()
    assert browser.execute_script("return state.arrows.length") == 1
    page.shot("arrow")

    # Freeze a spot inside the region with a small brush.
    page.set_range("#size", 60)
    page.tool("freeze")
    page.drag(list(FREEZE))
    version = _version(page)
    page.shot("frozen")

    _wait(lambda: page.preview_playing(version), "the full preview to play", page=page)
    assert page.error() is None
    first = page.find("#preview").get_attribute("data-frame")
    _wait(lambda: page.find("#preview").get_attribute("data-frame") != first,
          "the preview to advance")
    page.find("#show-motion").click()
    editor = page.shot("preview-playing")
    if os.environ.get("CINEMAGRAPH_STUDIO_SCREENSHOT"):
        Image.open(editor).convert("RGB").quantize(256).save(
            Path(__file__).parents[1] / "docs" / "studio.png", optimize=True)

    video = page.download("mp4", "cinemagraph.mp4")
    page.shot("exported-mp4")
    frames_zip = page.download("zip", "cinemagraph.zip")
    page.find("#save-project").click()
    project_zip = browser.downloads / "cinemagraph-project.zip"
    _wait(lambda: project_zip.exists() and project_zip.stat().st_size > 0, "the project")
    page.shot("exported-frames")

    # What the user painted, as the saved project holds it.
    with zipfile.ZipFile(project_zip) as archive:
        region = np.asarray(Image.open(io.BytesIO(archive.read("masks/region-1.png"))))
        freeze = np.asarray(Image.open(io.BytesIO(archive.read("edit/freeze.png"))))
    assert region.shape == (H, W) and (region > 0).mean() > 0.15
    frozen = freeze >= 128
    assert frozen.sum() > 20 and region[frozen].max() == 0  # the freeze brush wins
    with zipfile.ZipFile(frames_zip) as archive:
        frames = np.stack([np.asarray(Image.open(io.BytesIO(archive.read(name))).convert("RGB"))
                           for name in sorted(archive.namelist())])
    assert frames.shape == (30, H, W, 3)
    still = ~frozen_margin(region / 255.0) | frozen
    assert np.array_equal(frames[0], picture)
    assert (frames[:, still] == picture[still]).all()  # frozen and unpainted pixels exact

    # The MP4 holds the same loop (lossy, so close), and it loops.
    decoded = _decode(video)
    assert decoded.shape == frames.shape
    assert np.abs(decoded.astype(float) - frames).mean() < 4.0
    moving = (region > 0) & ~frozen_margin(freeze / 255.0)
    steps = [np.abs(frames[(t + 1) % 30].astype(float) - frames[t])[moving].mean()
             for t in range(30)]
    assert steps[-1] <= 2.0 * float(np.median(steps[:-1])), steps

    # The motion follows the arrow: mean optical flow within 20° of it.
    inner = cv2.erode((region > 200).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames[:4]]
    flows = [cv2.calcOpticalFlowFarneback(grey[t], grey[t + 1], None, 0.5, 3, 15, 3, 5, 1.2, 0)
             for t in range(3)]
    mean = np.mean([flow[inner] for flow in flows], axis=(0, 1))
    arrow = np.subtract(ARROW[1], ARROW[0])
    angle = math.degrees(math.atan2(mean[1], mean[0]) - math.atan2(arrow[1], arrow[0]))
    assert abs((angle + 180) % 360 - 180) <= 20, (mean, angle)
    assert np.hypot(*mean) > 0.2
    assert len(list(shots.iterdir())) == 9  # a screenshot of every step


def _decode(path: Path) -> np.ndarray:
    """A video's frames, uint8 ``N×H×W×3`` RGB, decoded by ffmpeg."""
    reader = imageio_ffmpeg.read_frames(
        str(path), output_params=["-sws_flags", "bicubic+accurate_rnd+full_chroma_int"])
    width, height = next(reader)["size"]
    return np.stack([np.frombuffer(buf, np.uint8).reshape(height, width, 3) for buf in reader])


TEXT_PROMPT = "a waterfall between hills, oil painting"
#: The sky, as a box dragged with smart select (picture pixels).
SKY_BOX = ((1, 1), (254, 58))


@pytest.fixture()
def text_server(tmp_path: Path):
    """The studio with a tiny random Stable Diffusion model behind its prompt box."""
    from cinemagraph.diffusion.tiny import tiny_pipeline

    pipe = tiny_pipeline(seed=0)
    config = StudioConfig(root=tmp_path / "sessions", text_steps=4, text_size=128,
                          inversion_steps=3)
    with serving(create_app(config, load_pipe=lambda: pipe)) as url:
        yield url


def _region_pixels(page: Page) -> list[int]:
    """Painted pixels (alpha ≥ 128) of each region on the page."""
    return page.driver.execute_script("""
        return state.regions.map((r) => {
          const data = r.canvas.getContext('2d').getImageData(0, 0, r.canvas.width,
                                                              r.canvas.height).data;
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] >= 128) n += 1;
          return n;
        });""")


def _region_names(page: Page) -> list[str]:
    return page.driver.execute_script("return state.regions.map((r) => r.name)")


def _model_done(page: Page, kind: str) -> bool:
    if page.error():
        raise AssertionError(page.error())
    return page.find("#model-status").get_attribute("data-done") == kind


def test_prompt_find_smart_select_and_project_loading_as_a_user(text_server, browser,
                                                                tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = Page(browser, shots)
    picture = _picture(tmp_path / "lake.png")
    browser.get(text_server)
    _wait(lambda: page.find("#weights-message").get_attribute("data-available") == "true",
          "the prompt box to say the model is ready")
    assert page.find("#prompt").is_enabled() and page.find("#generate").is_enabled()
    assert not page.find("#find").is_enabled()  # no picture yet

    # Generate a picture from a prompt: its fluids come back as regions, and it plays.
    page.find("#prompt").send_keys(TEXT_PROMPT)
    page.find("#generate").click()
    _wait(lambda: _model_done(page, "generate"), "the picture to be generated", page=page)
    assert browser.execute_script("return state.picture.generated") is True
    assert (browser.execute_script("return [state.picture.width, state.picture.height]")
            == [128, 128])
    assert _region_names(page) == ["waterfall"]
    assert _region_pixels(page)[0] > 0
    version = _version(page)
    _wait(lambda: page.preview_playing(version), "the generated picture's preview", page=page)
    page.shot("generated-from-prompt")

    # Find from the prompt on the generated picture: the attention captured while generating.
    page.find("#find").click()
    _wait(lambda: _model_done(page, "find"), "the regions to be found", page=page)
    assert "captured while generating" in page.find("#message").text
    assert _region_names(page) == ["waterfall", "waterfall"]
    page.shot("found-from-attention")

    # Open a photo; smart select the sky with a dragged box.
    browser.execute_script("arguments[0].hidden = false", page.find("#file"))
    page.find("#file").send_keys(str(tmp_path / "lake.png"))
    browser.execute_script("arguments[0].hidden = true", page.find("#file"))
    _wait(lambda: "Opened" in page.find("#message").text, "the photo to open")
    name = page.find(".region-name")
    name.clear()
    name.send_keys("clouds\t")
    page.tool("select")
    page.drag(list(SKY_BOX))
    _wait(lambda: "Smart select added" in page.find("#message").text or page.error(),
          "smart select", page=page)
    assert page.error() is None
    mask = np.asarray(browser.execute_script("""
        const c = state.regions[0].canvas;
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data
                          .filter((_, i) => i % 4 === 3));""")).reshape(H, W)
    selected = mask >= 128
    assert selected.sum() > 0.2 * (SKY_BOX[1][0] - SKY_BOX[0][0]) * (SKY_BOX[1][1] - SKY_BOX[0][1])
    assert not selected[SKY_BOX[1][1] + 2:].any()  # nothing below the box
    version = _version(page)
    _wait(lambda: page.preview_playing(version), "the smart-selected preview", page=page)
    page.shot("smart-select")

    # Find from the prompt on the photo: DDIM inversion, a region per fluid named.
    page.find("#prompt").clear()
    page.find("#prompt").send_keys("clouds over a river")
    page.find("#find").click()
    _wait(lambda: _model_done(page, "find"), "the photo's regions", page=page)
    assert "DDIM inversion" in page.find("#message").text
    assert _region_names(page) == ["clouds", "clouds", "river"]
    page.shot("found-by-inversion")

    # An arrow, then save the project and load it in a fresh tab.
    page.tool("arrow")
    page.drag(list(ARROW))
    page.set_range("#frames", 24)
    page.find("#save-project").click()
    project_zip = browser.downloads / "cinemagraph-project.zip"
    _wait(lambda: project_zip.exists() and project_zip.stat().st_size > 0, "the project")
    painted = _region_pixels(page)
    arrows = browser.execute_script("return state.arrows")
    browser.get(text_server)
    _wait(lambda: browser.execute_script("return document.body.dataset.ready === 'true'"),
          "the fresh page")
    assert browser.execute_script("return state.picture") is None
    browser.execute_script("arguments[0].hidden = false", page.find("#project-file"))
    page.find("#project-file").send_keys(str(project_zip))
    browser.execute_script("arguments[0].hidden = true", page.find("#project-file"))
    _wait(lambda: "Loaded" in page.find("#message").text or page.error(), "the project to load")
    assert page.error() is None
    assert _region_names(page) == ["clouds", "clouds", "river"]
    assert _region_pixels(page) == painted
    assert browser.execute_script("return state.arrows") == arrows
    assert page.find("#frames").get_attribute("value") == "24"
    served = browser.execute_script("return [state.picture.width, state.picture.height]")
    assert served == [W, H] and picture.shape == (H, W, 3)
    version = _version(page)
    _wait(lambda: page.preview_playing(version), "the loaded project's preview", page=page)
    page.find("#show-motion").click()
    page.shot("project-loaded")
    assert len(list(shots.iterdir())) == 5  # a screenshot of every step


def _small(picture: np.ndarray, path: Path) -> None:
    """``picture`` at half its size (the same shape on the page, masks of another size)."""
    Image.fromarray(picture).resize((W // 2, H // 2), Image.LANCZOS).save(path)


def test_replies_for_the_previous_picture_never_reach_the_next_one(server, browser,
                                                                   tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = Page(browser, shots)
    picture = _picture(tmp_path / "lake.png")
    Image.fromarray(picture).save(tmp_path / "lake-again.png")
    _small(picture, tmp_path / "small.png")
    _small(picture, tmp_path / "small-again.png")
    browser.get(server)
    _wait(lambda: browser.execute_script("return document.body.dataset.ready === 'true'"),
          "the page to start")
    page.open(tmp_path / "lake.png")
    page.set_range("#frames", 16)
    page.set_range("#size", 160)
    page.set_range("#hardness", 100)
    page.drag(list(STROKES[0]))
    version = _version(page)
    _wait(lambda: page.preview_playing(version), "the first picture's preview", page=page)
    page.find("#show-motion").click()
    assert page.find("#overlay").get_attribute("src")

    # An edit's project update is on its way when a smaller picture opens: its masks are
    # the first picture's size. It arrives late and is dropped, without an error.
    page.hold("/project", "PUT")
    page.drag(list(STROKES[1]))
    _wait(lambda: page.held() == 1, "the project update to be sent")
    page.open(tmp_path / "small.png")
    assert browser.execute_script("return state.picture.width") == W // 2
    assert not page.find("#overlay").get_attribute("src")  # not the first picture's motion
    assert page.find("#preview").get_attribute("data-playing") == "false"
    page.release()
    assert page.error() is None
    assert browser.execute_script("return state.picture.width") == W // 2
    page.shot("late-project-update")

    # A smart select on its way when another picture opens: nothing is added to the new one.
    page.open(tmp_path / "lake-again.png")
    page.hold("/select", "POST")
    page.tool("select")
    page.drag(list(SKY_BOX))
    _wait(lambda: page.held() == 1, "the smart select to be sent")
    page.open(tmp_path / "small-again.png")
    page.release()
    assert page.error() is None
    assert "Smart select added" not in page.find("#message").text
    assert _region_pixels(page) == [0]
    page.shot("late-smart-select")

    # The page goes on working on the picture open now.
    page.tool("brush")
    page.drag(list(STROKES[0]))
    version = _version(page)
    _wait(lambda: page.preview_playing(version), "the small picture's preview", page=page)
    assert page.error() is None
    assert _region_pixels(page)[0] > 0


@pytest.fixture()
def gated_text_server(tmp_path: Path):
    """The studio with a tiny random Stable Diffusion model that loads only once the
    yielded event is set."""
    from cinemagraph.diffusion.tiny import tiny_pipeline

    pipe = tiny_pipeline(seed=0)
    gate = threading.Event()

    def load():
        assert gate.wait(TIMEOUT_S), "the test never let the model load"
        return pipe

    config = StudioConfig(root=tmp_path / "sessions", text_steps=4, text_size=128,
                          inversion_steps=3)
    with serving(create_app(config, load_pipe=load)) as url:
        yield url, gate


def test_a_generation_finishing_after_another_picture_opened_only_offers_itself(
        gated_text_server, browser, tmp_path: Path) -> None:
    url, gate = gated_text_server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = Page(browser, shots)
    picture = _picture(tmp_path / "lake.png")
    Image.fromarray(picture).save(tmp_path / "lake-again.png")
    browser.get(url)
    _wait(lambda: page.find("#weights-message").get_attribute("data-available") == "true",
          "the prompt box to say the model is ready")
    page.find("#prompt").send_keys(TEXT_PROMPT)
    page.find("#generate").click()
    _wait(lambda: "loading the model" in page.find("#model-status").text,
          "the generation to start", page=page)

    # While it runs, the user opens a photo and paints on it.
    page.open(tmp_path / "lake.png")
    page.set_range("#size", 160)
    page.set_range("#hardness", 100)
    page.drag(list(STROKES[0]))
    painted = _region_pixels(page)
    assert painted[0] > 0
    gate.set()
    _wait(lambda: page.find("#model-status").get_attribute("data-done") != "false"
          or page.error(), "the generation to finish", page=page)
    assert page.error() is None
    assert page.find("#model-status").get_attribute("data-done") == "generate-offered"
    # The photo and its paint stay; the page says the picture is ready to open.
    assert browser.execute_script("return state.picture.generated") is False
    assert browser.execute_script("return [state.picture.width, state.picture.height]") == [W, H]
    assert _region_pixels(page) == painted
    assert "Generated" in page.find("#message").text
    offer = page.find("#open-generated")
    assert offer.is_displayed()
    page.shot("generation-offered")

    offer.click()
    _wait(lambda: _model_done(page, "generate"), "the generated picture to open", page=page)
    assert browser.execute_script("return state.picture.generated") is True
    assert (browser.execute_script("return [state.picture.width, state.picture.height]")
            == [128, 128])
    assert _region_names(page) == ["waterfall"] and _region_pixels(page)[0] > 0
    assert not offer.is_displayed()
    page.shot("generated-opened")

    # "Find from the prompt" on its way when a photo opens: nothing is found in the photo.
    page.hold("/find", "POST")
    page.find("#find").click()
    _wait(lambda: page.held() == 1, "the search to be sent")
    page.open(tmp_path / "lake-again.png")
    page.release()
    assert page.error() is None
    assert _region_names(page) == ["water"] and _region_pixels(page) == [0]
    page.shot("late-find")


def _lake_page(server: str, browser, tmp_path: Path) -> Page:
    """The page at ``server`` with the lake landscape open; screenshots in
    ``tmp_path/screenshots``."""
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = Page(browser, shots)
    _picture(tmp_path / "lake.png")
    browser.get(server)
    _wait(lambda: browser.execute_script("return document.body.dataset.ready === 'true'"),
          "the page to start")
    page.open(tmp_path / "lake.png")
    return page


def _preview_status(page: Page) -> str:
    return page.find("#preview-status").text


def test_saving_mid_preview_keeps_it_and_a_superseded_preview_never_fails(
        server, browser, tmp_path: Path) -> None:
    page = _lake_page(server, browser, tmp_path)
    page.set_range("#frames", 16)
    page.set_range("#size", 160)
    page.set_range("#hardness", 100)
    page.drag(list(STROKES[0]))
    _wait(lambda: page.preview_playing(_version(page)), "the first preview", page=page)

    # The full preview has been rendered, and its reply is on its way, when the user saves
    # the project: sending it again unchanged keeps the preview, which then plays.
    page.hold_replies("preview?draft=false", "POST")
    page.drag(list(STROKES[1]))
    version = _version(page)
    _wait(lambda: page.held() == 1, "the full preview to be rendered", page=page)
    page.find("#save-project").click()
    project_zip = browser.downloads / "cinemagraph-project.zip"
    _wait(lambda: project_zip.exists() and project_zip.stat().st_size > 0,
          "the project to download", page=page)
    page.release()
    _wait(lambda: page.preview_playing(version) or page.error(), "the full preview",
          page=page)
    assert page.error() is None and "failed" not in _preview_status(page)
    assert page.preview_playing(version)
    page.shot("saved-mid-preview")

    # This time the server's project changes meanwhile (the page's own edit stays the same):
    # the preview on its way is superseded. The page says nothing of it and renders its
    # own project again.
    page.hold_replies("preview?draft=false", "POST")
    page.drag(list(STROKES[2]))
    version = _version(page)
    _wait(lambda: page.held() == 1, "the full preview to be rendered", page=page)
    changed = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const project = projectJSON();
        project.settings.speed = 2;
        api(sessionPath("project"), forPicture(pictureToken(), json("PUT", project)))
          .then((reply) => done(reply.command), (error) => done(error.message));
    """)
    assert "--speed-scale 2.0" in changed
    page.release()
    _wait(lambda: page.preview_playing(version) or page.error()
          or "failed" in _preview_status(page), "the preview rendered again", page=page)
    assert page.error() is None and "failed" not in _preview_status(page)
    assert page.preview_playing(version) and _version(page) == version
    assert "--speed-scale 1.0" in page.find("#command").get_attribute("value")
    page.shot("superseded-preview")


def test_choosing_the_same_file_again_reopens_it(server, browser, tmp_path: Path) -> None:
    page = _lake_page(server, browser, tmp_path)
    token = browser.execute_script("return state.picture.token")
    page.set_range("#size", 160)
    page.set_range("#hardness", 100)
    page.drag(list(STROKES[0]))
    assert _region_pixels(page)[0] > 0
    browser.execute_script("say('')")
    page.open(tmp_path / "lake.png")
    assert browser.execute_script("return state.picture.token") == token + 1
    assert _region_pixels(page) == [0]
    page.shot("reopened")

    # And a saved project, loaded twice: the second load undoes what was painted since.
    page.drag(list(STROKES[0]))
    saved = _region_pixels(page)
    page.find("#save-project").click()
    project_zip = browser.downloads / "cinemagraph-project.zip"
    _wait(lambda: project_zip.exists() and project_zip.stat().st_size > 0, "the project")
    for load in range(2):
        page.drag(list(STROKES[1]))
        assert _region_pixels(page) != saved
        browser.execute_script("say('')")
        browser.execute_script("arguments[0].hidden = false", page.find("#project-file"))
        page.find("#project-file").send_keys(str(project_zip))
        browser.execute_script("arguments[0].hidden = true", page.find("#project-file"))
        _wait(lambda: "Loaded" in page.find("#message").text or page.error(),
              f"the project to load (load {load + 1})", page=page)
        assert page.error() is None
        assert browser.execute_script("return state.picture.token") == token + 2 + load
        assert _region_pixels(page) == saved


def test_a_bad_project_zip_leaves_the_open_picture_and_its_project(server, browser,
                                                                   tmp_path: Path) -> None:
    page = _lake_page(server, browser, tmp_path)
    page.set_range("#size", 40)
    page.set_range("#hardness", 100)
    page.drag(list(STROKES[0]))
    page.tool("arrow")
    page.drag(list(ARROW))
    page.find("#save-project").click()
    project_zip = browser.downloads / "cinemagraph-project.zip"
    _wait(lambda: project_zip.exists() and project_zip.stat().st_size > 0, "the project")
    # The saved project with its region's mask at another size than the picture's.
    bad_zip = tmp_path / "bad-project.zip"
    with zipfile.ZipFile(project_zip) as good, zipfile.ZipFile(bad_zip, "w") as bad:
        for name in good.namelist():
            if name != "edit/region-1.png":
                bad.writestr(name, good.read(name))
        small = io.BytesIO()
        Image.fromarray(np.full((H // 2, W // 2), 255, np.uint8)).save(small, format="PNG")
        bad.writestr("edit/region-1.png", small.getvalue())
    # Painted since the save, so that the open project is not the zip's.
    page.tool("brush")
    page.drag(list(STROKES[1]))
    token = browser.execute_script("return state.picture.token")
    painted, arrows = _region_pixels(page), browser.execute_script("return state.arrows")
    version = _version(page)
    _wait(lambda: page.preview_playing(version), "the preview of the painted project",
          page=page)

    browser.execute_script("say('')")
    browser.execute_script("arguments[0].hidden = false", page.find("#project-file"))
    page.find("#project-file").send_keys(str(bad_zip))
    browser.execute_script("arguments[0].hidden = true", page.find("#project-file"))
    _wait(lambda: page.error(), "the bad project's error", page=page)
    page.shot("bad-project")
    # The page still shows its picture and project, and the server still holds them.
    assert browser.execute_script("return state.picture.token") == token
    assert _region_pixels(page) == painted
    assert browser.execute_script("return state.arrows") == arrows
    reply = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(sessionPath("command"), { headers: { "x-studio-picture": String(arguments[0]) } })
          .then(async (r) => done([r.status, await r.text()]));""", token)
    assert reply[0] == 200 and "region-1.png" in reply[1], reply
    # One line on the page says what is wrong with the zip.
    error = page.error()
    assert error.startswith("the project zip cannot be loaded: ") and "\n" not in error
    assert "edit/region-1.png" in error and f"{W // 2}×{H // 2}" in error
    # And its edits go on: the next one plays its preview.
    page.drag(list(STROKES[2]))
    version = _version(page)
    _wait(lambda: page.preview_playing(version), "the preview after the bad project",
          page=page)
    assert page.error() is None, page.error()
