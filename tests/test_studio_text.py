"""Text mode in the studio, end to end on a tiny random Stable Diffusion model: a picture
generated from a prompt (with its twin and the regions its attention finds), "find from
the prompt" on a generated picture and on an uploaded photo, and missing weights."""

from __future__ import annotations

import base64
import io
import shlex
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from tests.helpers import smooth_texture

from cinemagraph.cli import main
from cinemagraph.io.images import load_image
from cinemagraph.motion import MotionSettings, scene_motion_field
from cinemagraph.studio import StudioConfig, create_app

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures

PROMPT = "a waterfall between hills, oil painting"
SIZE = 64


def _config(root: Path, **changes) -> StudioConfig:
    return StudioConfig(root=root, text_steps=3, text_size=SIZE, inversion_steps=2,
                        work_side=128, preview_side=96, draft_side=48, **changes)


@pytest.fixture()
def studio(tmp_path: Path, tiny_pipe):
    app = create_app(_config(tmp_path / "sessions"), load_pipe=lambda: tiny_pipe)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _session(client: TestClient) -> str:
    return client.post("/api/sessions").json()["session"]


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _mask(url: str) -> np.ndarray:
    data = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))


def _run(client: TestClient, sid: str, path: str, body: dict,
         headers: dict | None = None) -> dict:
    """Run a model job to its end; its result, with its id as ``job``."""
    reply = client.post(f"/api/sessions/{sid}/{path}", json=body, headers=headers)
    assert reply.status_code == 200, reply.text
    job = reply.json()
    seen = [job["progress"]]
    for _ in range(600):
        if job["state"] != "running":
            break
        time.sleep(0.05)
        job = client.get(f"/api/sessions/{sid}/jobs/{job['id']}").json()
        seen.append(job["progress"])
    assert job["state"] == "done", job
    assert seen == sorted(seen) and job["progress"] == 1.0  # progress only goes forward
    return {**job["result"], "job": job["id"]}


def _generate(client: TestClient, sid: str, body: dict) -> dict:
    """Generate a picture and open it, as the page does when nothing else was opened."""
    result = _run(client, sid, "generate", body)
    reply = client.post(f"/api/sessions/{sid}/jobs/{result['job']}/open")
    assert reply.status_code == 200, reply.text
    return {**result, **reply.json()}


def test_generate_opens_the_picture_with_its_twin_and_proposes_regions(studio) -> None:
    client = studio
    assert client.get("/api/weights").json()["available"] is True
    sid = _session(client)
    result = _generate(client, sid, {"prompt": PROMPT, "seed": 3})
    picture = result["picture"]
    assert (picture["width"], picture["height"]) == (SIZE, SIZE)
    assert picture["generated"] is True and picture["prompt"] == PROMPT
    assert "nature, realistic" in result["twin_prompt"]
    # The regions are the prompt's fluids, as the attention found them, at painting size.
    assert [region["name"] for region in result["regions"]] == ["waterfall"]
    mask = _mask(result["regions"][0]["mask"])
    assert mask.shape == (SIZE, SIZE) and result["regions"][0]["pixels"] == (mask >= 128).sum()
    # The picture opened is the generated image; its twin differs from it.
    served = Image.open(io.BytesIO(client.get(picture["url"]).content))
    assert served.size == (SIZE, SIZE)
    folder = client.app.state.sessions.get(sid).folder
    generation = folder / "generation"
    assert (folder / "picture.png").read_bytes() == (generation / "image.png").read_bytes()
    assert (folder / "twin.png").read_bytes() == (generation / "twin.png").read_bytes()
    assert (generation / "attention.npz").exists()
    twin = np.asarray(Image.open(folder / "twin.png"))
    assert not np.array_equal(twin, np.asarray(Image.open(folder / "picture.png")))


def test_a_picture_whose_attention_finds_nothing_still_opens(studio, monkeypatch) -> None:
    import cinemagraph.mask as mask_module
    from cinemagraph.errors import CinemagraphError

    def nothing(*args, **kwargs):
        raise CinemagraphError("the attention found no region for 'waterfall'")

    monkeypatch.setattr(mask_module, "masks_from_attention", nothing)
    client = studio
    sid = _session(client)
    reply = client.post(f"/api/sessions/{sid}/generate", json={"prompt": PROMPT})
    job = reply.json()
    while job["state"] == "running":
        time.sleep(0.05)
        job = client.get(f"/api/sessions/{sid}/jobs/{job['id']}").json()
    assert job["state"] == "done" and job["result"]["fluids"] == []
    assert any("found no region" in note for note in job["notes"])
    opened = client.post(f"/api/sessions/{sid}/jobs/{job['id']}/open").json()
    assert opened["picture"]["generated"] is True and opened["regions"] == []


def test_generation_is_deterministic_per_seed(studio) -> None:
    client = studio
    first, second, other = (_generate(client, _session(client), {"prompt": PROMPT, "seed": seed})
                            for seed in (5, 5, 6))
    assert first["regions"] == second["regions"]
    pictures = [client.get(r["picture"]["url"]).content for r in (first, second, other)]
    assert pictures[0] == pictures[1] != pictures[2]


def test_find_on_a_generated_picture_reads_the_captured_attention(studio, tiny_pipe,
                                                                  monkeypatch) -> None:
    client = studio
    sid = _session(client)
    generated = _generate(client, sid, {"prompt": PROMPT})
    calls = []
    monkeypatch.setattr(tiny_pipe.unet, "forward", lambda *a, **k: calls.append(1))
    found = _run(client, sid, "find", {"prompt": PROMPT})
    assert calls == []  # the model did not run again
    assert found["source"] == "attention"
    assert found["regions"] == generated["regions"]


def _gated(tmp_path: Path, tiny_pipe) -> tuple[TestClient, threading.Event]:
    """A studio whose model loads only once the returned event is set."""
    gate = threading.Event()

    def load():
        assert gate.wait(60), "the test never let the model load"
        return tiny_pipe

    return TestClient(create_app(_config(tmp_path / "sessions"), load_pipe=load),
                      raise_server_exceptions=False), gate


def _finish(client: TestClient, sid: str, job: dict) -> dict:
    for _ in range(1200):
        if job["state"] != "running":
            break
        time.sleep(0.05)
        job = client.get(f"/api/sessions/{sid}/jobs/{job['id']}").json()
    return job


def test_a_generation_finishing_after_another_picture_opened_leaves_that_picture_open(
        tmp_path: Path, tiny_pipe) -> None:
    client, gate = _gated(tmp_path, tiny_pipe)
    with client:
        sid = _session(client)
        job = client.post(f"/api/sessions/{sid}/generate", json={"prompt": PROMPT}).json()
        # While the model works, the user opens a photo and paints on it.
        photo = (smooth_texture(48, 80, seed=2, blur=1.0) * 255).astype(np.uint8)
        opened = client.post(f"/api/sessions/{sid}/picture", content=_png(photo)).json()
        region = np.zeros((48, 80), np.uint8)
        region[4:20, 4:60] = 255
        painted = {"regions": [{"name": "river", "mask": "data:image/png;base64,"
                                + base64.b64encode(_png(region)).decode()}]}
        reply = client.put(f"/api/sessions/{sid}/project", json=painted,
                           headers={"x-studio-picture": str(opened["token"])})
        assert reply.status_code == 200, reply.text
        gate.set()
        job = _finish(client, sid, job)
        assert job["state"] == "done", job
        assert job["result"]["fluids"] == ["waterfall"]
        assert (job["result"]["width"], job["result"]["height"]) == (SIZE, SIZE)
        # The photo and its region are still what is open.
        session = client.app.state.sessions.get(sid)
        assert session.picture.token == opened["token"] and session.picture.twin_path is None
        assert [r.name for r in session.regions] == ["river"]
        served = Image.open(io.BytesIO(client.get(f"/api/sessions/{sid}/picture.jpg").content))
        assert served.size == (80, 48)
        # The generated picture opens when the page asks for it.
        reply = client.post(f"/api/sessions/{sid}/jobs/{job['id']}/open")
        assert reply.status_code == 200, reply.text
        picture = reply.json()["picture"]
        assert picture["generated"] is True and picture["prompt"] == PROMPT
        assert picture["token"] > opened["token"]
        assert [r["name"] for r in reply.json()["regions"]] == ["waterfall"]
        assert session.picture.attention is not None  # "find from the prompt" reads it
        # A newer generation replaces the one kept: the older can no longer be opened.
        newer = _finish(client, sid, client.post(f"/api/sessions/{sid}/generate",
                                                 json={"prompt": PROMPT, "seed": 1}).json())
        assert newer["state"] == "done"
        reply = client.post(f"/api/sessions/{sid}/jobs/{job['id']}/open")
        assert reply.status_code == 400 and "generate it again" in reply.json()["error"]
        assert session.picture.token == picture["token"]


def test_find_for_a_picture_no_longer_open_is_refused(studio) -> None:
    client = studio
    sid = _session(client)
    photo = (smooth_texture(48, 80, seed=2, blur=1.0) * 255).astype(np.uint8)
    first = client.post(f"/api/sessions/{sid}/picture", content=_png(photo)).json()
    second = client.post(f"/api/sessions/{sid}/picture", content=_png(photo[:, :64])).json()
    reply = client.post(f"/api/sessions/{sid}/find", json={"prompt": "clouds over a river"},
                        headers={"x-studio-picture": str(first["token"])})
    assert reply.status_code == 409 and "no longer open" in reply.json()["error"]
    found = _run(client, sid, "find", {"prompt": "clouds over a river"},
                 headers={"x-studio-picture": str(second["token"])})
    assert all(_mask(region["mask"]).shape == (48, 64) for region in found["regions"])


def test_find_on_an_uploaded_photo_inverts_it(studio) -> None:
    client = studio
    sid = _session(client)
    photo = (smooth_texture(48, 80, seed=2, blur=1.0) * 255).astype(np.uint8)
    assert client.post(f"/api/sessions/{sid}/picture", content=_png(photo)).status_code == 200
    found = _run(client, sid, "find", {"prompt": "clouds over a river"})
    assert found["source"] == "inversion"
    assert [region["name"] for region in found["regions"]] == ["clouds", "river"]
    for region in found["regions"]:
        assert _mask(region["mask"]).shape == (48, 80)


def test_a_generated_pictures_motion_comes_from_its_twin_and_the_command_reproduces_it(
        studio, tmp_path: Path, monkeypatch) -> None:
    client = studio
    sid = _session(client)
    result = _generate(client, sid, {"prompt": PROMPT})
    region = np.zeros((SIZE, SIZE), np.float32)
    region[8:56, 8:40] = 1.0
    url = "data:image/png;base64," + base64.b64encode(
        _png((region * 255).astype(np.uint8))).decode()
    project = {"regions": [{"name": result["regions"][0]["name"], "mask": url}],
               "arrows": [{"x0": 20, "y0": 30, "x1": 20, "y1": 50}],
               "settings": {"frames": 6, "fps": 6, "turbulence": 0.5, "seed": 2}}
    reply = client.put(f"/api/sessions/{sid}/project", json=project)
    assert reply.status_code == 200 and "--motion motion.npy" in reply.json()["command"]
    assert client.post(f"/api/sessions/{sid}/preview").status_code == 200
    job = client.post(f"/api/sessions/{sid}/exports", json={"format": "gif"}).json()
    for _ in range(600):
        job = client.get(f"/api/sessions/{sid}/exports/{job['id']}").json()
        if job["state"] != "running":
            break
        time.sleep(0.05)
    assert job["state"] == "done", job
    gif = client.get(job["url"]).content

    saved = client.get(f"/api/sessions/{sid}/project.zip").content
    folder = tmp_path / "project"
    with zipfile.ZipFile(io.BytesIO(saved)) as archive:
        archive.extractall(folder)
    # The field is the one of the twin, as the text pipeline computes it.
    twin = load_image(folder / "twin.png")
    hint = (20.0, 30.0, 0.0, round(20 / 12, 4))
    expected = scene_motion_field(twin, [("waterfall", region)], "waterfall", [hint],
                                  MotionSettings(seed=2, turbulence_scale=0.5))
    np.testing.assert_array_equal(np.load(folder / "motion.npy"), expected)
    # The saved command line makes the same GIF, byte for byte.
    args = shlex.split((folder / "command.txt").read_text().strip())[1:]
    args[args.index("-o") + 1] = "again.gif"
    monkeypatch.chdir(folder)
    assert main([*args, "--quiet"]) == 0
    assert (folder / "again.gif").read_bytes() == gif
    # Loading the project brings the twin back.
    other = _session(client)
    loaded = client.post(f"/api/sessions/{other}/project.zip", content=saved).json()
    assert loaded["picture"]["generated"] is True and loaded["picture"]["prompt"] == PROMPT


def test_a_generated_project_saves_before_anything_is_painted(studio) -> None:
    client = studio
    sid = _session(client)
    _generate(client, sid, {"prompt": PROMPT})
    empty = "data:image/png;base64," + base64.b64encode(
        _png(np.zeros((SIZE, SIZE), np.uint8))).decode()
    client.put(f"/api/sessions/{sid}/project",
               json={"regions": [{"name": "waterfall", "mask": empty}]})
    reply = client.get(f"/api/sessions/{sid}/project.zip")
    assert reply.status_code == 200
    with zipfile.ZipFile(io.BytesIO(reply.content)) as archive:
        assert {"picture.png", "twin.png", "project.json"} <= set(archive.namelist())


@pytest.mark.parametrize("body, words", [
    ({"prompt": ""}, "empty"),
    ({"prompt": "a quiet house"}, "names no fluid"),
    ({"prompt": "waterfall " * 60}, "longer than"),
    ({"prompt": PROMPT, "seed": -1}, "seed"),
    ({"prompt": PROMPT, "seed": "zero"}, "seed"),
])
def test_bad_prompts_are_one_line_errors(studio, body, words) -> None:
    client = studio
    reply = client.post(f"/api/sessions/{_session(client)}/generate", json=body)
    assert reply.status_code == 400 and words in reply.json()["error"]
    assert "\n" not in reply.json()["error"]


def test_a_local_model_folder_runs_text_mode(tmp_path: Path, tiny_model_dir) -> None:
    app = create_app(_config(tmp_path / "sessions", model=str(tiny_model_dir), device="cpu"))
    with TestClient(app, raise_server_exceptions=False) as client:
        weights = client.get("/api/weights").json()
        assert weights["available"] is True and str(tiny_model_dir) in weights["message"]
        result = _generate(client, _session(client), {"prompt": PROMPT})
        assert result["picture"]["generated"] is True


def test_missing_weights_are_one_clear_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-cache"))
    app = create_app(_config(tmp_path / "sessions", model="someone/no-such-model"))
    with TestClient(app, raise_server_exceptions=False) as client:
        weights = client.get("/api/weights").json()
        assert weights["available"] is False
        assert "not in the Hugging Face cache" in weights["message"]
        assert "\n" not in weights["message"]
        sid = _session(client)
        reply = client.post(f"/api/sessions/{sid}/generate", json={"prompt": PROMPT})
        assert reply.status_code == 400 and reply.json()["error"] == weights["message"]
        photo = (smooth_texture(32, 32, seed=1) * 255).astype(np.uint8)
        client.post(f"/api/sessions/{sid}/picture", content=_png(photo))
        reply = client.post(f"/api/sessions/{sid}/find", json={"prompt": "water"})
        assert reply.status_code == 400 and "not in the Hugging Face cache" in \
            reply.json()["error"]
    bad = tmp_path / "not-a-model"
    bad.mkdir()
    app = create_app(_config(tmp_path / "sessions2", model=str(bad)))
    with TestClient(app) as client:
        assert "model_index.json" in client.get("/api/weights").json()["message"]


def test_studio_command_passes_the_model_on(monkeypatch, tiny_model_dir) -> None:
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **kw: seen.update(app=app))
    assert main(["studio", "--no-browser", "--model", str(tiny_model_dir), "--steps", "4",
                 "--size", "128", "--inversion-steps", "3", "--device", "cpu"]) == 0
    config = seen["app"].state.config
    assert (config.model, config.text_steps, config.text_size, config.inversion_steps,
            config.device) == (str(tiny_model_dir), 4, 128, 3, "cpu")
    assert seen["app"].state.text_model.status()["available"] is True
