"""The studio's HTTP API through FastAPI's test client: uploads and their limits, regions,
arrows, the freeze brush, previews, exports, the command line, projects, sessions, errors."""

from __future__ import annotations

import base64
import io
import json
import shlex
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from tests.helpers import smooth_texture

from cinemagraph.cli import main
from cinemagraph.errors import CinemagraphError
from cinemagraph.studio import StudioConfig, create_app
from cinemagraph.studio.project import Arrow, frozen_margin

W, H = 96, 64


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _picture() -> np.ndarray:
    return (smooth_texture(H, W, seed=3, blur=1.0) * 255).astype(np.uint8)


def _mask_url(mask: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(
        _png((mask * 255).astype(np.uint8))).decode()


def _box(top: int, left: int, bottom: int, right: int) -> np.ndarray:
    mask = np.zeros((H, W), np.float32)
    mask[top:bottom, left:right] = 1.0
    return mask


@pytest.fixture()
def studio(tmp_path: Path):
    config = StudioConfig(root=tmp_path / "sessions", max_upload_bytes=200_000,
                          max_upload_pixels=20_000, work_side=128, preview_side=96,
                          draft_side=48)
    app = create_app(config)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app


def _session(client: TestClient, picture: np.ndarray | None = None) -> str:
    sid = client.post("/api/sessions").json()["session"]
    if picture is not None:
        reply = client.post(f"/api/sessions/{sid}/picture", content=_png(picture))
        assert reply.status_code == 200, reply.text
    return sid


def _project(mask: np.ndarray, freeze: np.ndarray | None = None, arrows=(), **settings):
    return {
        "regions": [{"name": "water", "direction": "", "speed": "", "colour": "#112233",
                     "mask": _mask_url(mask)}],
        "freeze": None if freeze is None else _mask_url(freeze),
        "arrows": list(arrows),
        "settings": {"frames": 8, "fps": 8, "speed": 1.0, "turbulence": 0.0, "seed": 1,
                     **settings},
    }


def _wait(client: TestClient, sid: str, job: dict) -> dict:
    for _ in range(600):
        state = client.get(f"/api/sessions/{sid}/exports/{job['id']}").json()
        if state["state"] != "running":
            return state
        time.sleep(0.1)
    raise AssertionError("the export did not finish")


def test_upload_reports_sizes_and_serves_the_picture(studio) -> None:
    client, _ = studio
    sid = _session(client)
    reply = client.post(f"/api/sessions/{sid}/picture", content=_png(_picture()))
    info = reply.json()
    assert (info["width"], info["height"]) == (W, H)
    assert (info["work_width"], info["work_height"]) == (W, H)  # small pictures stay as they are
    served = Image.open(io.BytesIO(client.get(info["url"]).content))
    assert served.size == (W, H)


def test_the_prompt_box_says_whether_the_weights_are_there(studio) -> None:
    client, _ = studio
    weights = client.get("/api/weights").json()
    assert weights["available"] or "download" in weights["message"]


def test_upload_applies_exif_orientation(studio) -> None:
    client, _ = studio
    sid = _session(client)
    picture = Image.fromarray(_picture())
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif)
    info = client.post(f"/api/sessions/{sid}/picture", content=buffer.getvalue()).json()
    assert (info["width"], info["height"]) == (H, W)


@pytest.mark.parametrize("data, status, words", [
    (b"not a picture at all" * 10, 400, "not a picture"),
    (b"", 400, "empty"),
    (b"GIF89a" + b"\0" * 64, 400, "not a picture"),
])
def test_bad_uploads_are_one_line_errors(studio, data, status, words) -> None:
    client, _ = studio
    sid = _session(client)
    reply = client.post(f"/api/sessions/{sid}/picture", content=data)
    assert reply.status_code == status
    assert words in reply.json()["error"]
    assert client.get("/api/status").status_code == 200  # the server goes on


def test_a_gif_named_png_is_refused_by_its_content(studio) -> None:
    client, _ = studio
    sid = _session(client)
    buffer = io.BytesIO()
    Image.fromarray(_picture()).save(buffer, format="GIF")
    reply = client.post(f"/api/sessions/{sid}/picture?name=photo.png", content=buffer.getvalue())
    assert reply.status_code == 400 and "GIF" in reply.json()["error"]


def test_upload_limits_in_bytes_and_pixels(studio) -> None:
    client, _ = studio
    sid = _session(client)
    noise = np.random.default_rng(0).integers(0, 256, (300, 300, 3), np.uint8)
    reply = client.post(f"/api/sessions/{sid}/picture", content=_png(noise))
    assert reply.status_code == 413 and "limit" in reply.json()["error"]
    flat = np.zeros((200, 200, 3), np.uint8)  # small file, 40 000 pixels > 20 000
    reply = client.post(f"/api/sessions/{sid}/picture", content=_png(flat))
    assert reply.status_code == 400 and "pixels" in reply.json()["error"]


def test_preview_plays_the_loop_and_the_overlay_follows_the_arrow(studio) -> None:
    client, _ = studio
    sid = _session(client, _picture())
    arrow = {"x0": 30, "y0": 32, "x1": 60, "y1": 32}  # to the right
    reply = client.put(f"/api/sessions/{sid}/project",
                       json=_project(_box(16, 16, 48, 80), arrows=[arrow]))
    assert reply.status_code == 200, reply.text
    for draft in (True, False):
        meta = client.post(f"/api/sessions/{sid}/preview", params={"draft": draft}).json()
        assert meta["frames"] == 8 and meta["quality"] == ("draft" if draft else "full")
        sheet = Image.open(io.BytesIO(client.get(meta["sheet"]).content))
        rows = -(-meta["frames"] // meta["columns"])
        assert sheet.size == (meta["columns"] * meta["width"], rows * meta["height"])
        overlay = Image.open(io.BytesIO(client.get(meta["overlay"]).content))
        assert overlay.size == (meta["width"], meta["height"])
    assert meta["width"] == W  # the preview is at most preview_side wide


def test_empty_and_fully_frozen_masks_say_what_to_do(studio) -> None:
    client, _ = studio
    sid = _session(client, _picture())
    client.put(f"/api/sessions/{sid}/project", json=_project(np.zeros((H, W), np.float32)))
    reply = client.post(f"/api/sessions/{sid}/preview")
    assert reply.status_code == 400 and "paint" in reply.json()["error"]
    region = _box(10, 10, 30, 30)
    client.put(f"/api/sessions/{sid}/project", json=_project(region, freeze=_box(0, 0, 40, 40)))
    reply = client.post(f"/api/sessions/{sid}/preview")
    assert reply.status_code == 400 and "frozen" in reply.json()["error"]


@pytest.mark.parametrize("change, words", [
    ({"settings": {"speed": 1e9}}, "speed"),
    ({"settings": {"frames": 1}}, "frames"),
    ({"settings": {"fps": "fast"}}, "fps"),
    ({"arrows": [{"x0": -5, "y0": 1, "x1": 2, "y1": 3}]}, "arrow"),
    ({"regions": [{"name": "../../etc", "mask": "x"}]}, "name"),
    ({"regions": [{"name": "water", "mask": "data:image/png;base64,AAAA"}]}, "PNG"),
    ({"regions": [{"name": "water", "direction": "sideways", "mask": ""}]}, "direction"),
])
def test_absurd_project_values_are_refused(studio, change, words) -> None:
    client, _ = studio
    sid = _session(client, _picture())
    project = {**_project(_box(16, 16, 48, 80)), **change}
    reply = client.put(f"/api/sessions/{sid}/project", json=project)
    assert reply.status_code == 400 and words in reply.json()["error"]


def test_a_mask_of_another_size_is_refused(studio) -> None:
    client, _ = studio
    sid = _session(client, _picture())
    project = _project(_box(16, 16, 48, 80))
    project["regions"][0]["mask"] = _mask_url(np.ones((10, 10), np.float32))
    reply = client.put(f"/api/sessions/{sid}/project", json=project)
    assert reply.status_code == 400 and "10×10" in reply.json()["error"]


def test_malformed_requests_never_kill_the_server(studio) -> None:
    client, _ = studio
    sid = _session(client, _picture())
    assert client.put(f"/api/sessions/{sid}/project", content=b"{not json").status_code == 400
    assert client.put(f"/api/sessions/{sid}/project", json=[1, 2]).status_code == 400
    assert client.post(f"/api/sessions/{sid}/preview", params={"draft": "maybe"}
                       ).status_code == 400
    assert client.post(f"/api/sessions/{sid}/exports", json={"format": "avi"}).status_code == 400
    assert client.get("/api/status").status_code == 200


def _open(client: TestClient, sid: str, picture: np.ndarray) -> dict:
    reply = client.post(f"/api/sessions/{sid}/picture", content=_png(picture))
    assert reply.status_code == 200, reply.text
    return reply.json()


def _for(picture: dict) -> dict:
    """The header a request made for ``picture`` carries."""
    return {"x-studio-picture": str(picture["token"])}


def test_requests_made_for_the_previous_picture_are_refused_and_change_nothing(studio) -> None:
    client, app = studio
    sid = _session(client)
    first = _open(client, sid, _picture())
    portrait = np.full((48, 40, 3), 40, np.uint8)
    portrait[12:36, 10:30] = (230, 220, 90)
    second = _open(client, sid, portrait)
    assert second["token"] != first["token"]
    # The previous picture's project (its masks at its size) arrives after the new one opened.
    reply = client.put(f"/api/sessions/{sid}/project", json=_project(_box(16, 16, 48, 80)),
                       headers=_for(first))
    assert reply.status_code == 409 and "no longer open" in reply.json()["error"]
    session = app.state.sessions.get(sid)
    assert session.regions == [] and (session.picture.width, session.picture.height) == (40, 48)
    for method, path, body in [("POST", "preview", None), ("POST", "select", {"point": [5, 5]}),
                               ("POST", "exports", {"format": "gif"}), ("GET", "command", None)]:
        reply = client.request(method, f"/api/sessions/{sid}/{path}", json=body,
                               headers=_for(first))
        assert reply.status_code == 409 and "no longer open" in reply.json()["error"], path
    # The same requests made for the open picture go through.
    region = np.zeros((48, 40), np.float32)
    region[8:40, 8:32] = 1.0
    project = _project(region)
    reply = client.put(f"/api/sessions/{sid}/project", json=project, headers=_for(second))
    assert reply.status_code == 200, reply.text
    assert [r.name for r in session.regions] == ["water"]
    preview = client.post(f"/api/sessions/{sid}/preview?draft=true", headers=_for(second))
    assert preview.status_code == 200 and preview.json()["token"] == second["token"]
    selected = client.post(f"/api/sessions/{sid}/select", json={"box": [5, 7, 35, 41]},
                           headers=_for(second))
    assert selected.status_code == 200 and selected.json()["token"] == second["token"]
    reply = client.put(f"/api/sessions/{sid}/project", json=project,
                       headers={"x-studio-picture": "the first"})
    assert reply.status_code == 400 and "token" in reply.json()["error"]


def test_a_project_arriving_while_another_picture_opens_is_refused(studio, monkeypatch) -> None:
    from cinemagraph.studio import project_state
    from cinemagraph.studio.pictures import open_picture

    client, app = studio
    sid = _session(client, _picture())
    session = app.state.sessions.get(sid)
    portrait = (smooth_texture(48, 40, seed=4, blur=1.0) * 255).astype(np.uint8)
    read_mask = project_state.mask_from_url

    def another_opens_meanwhile(*args):
        mask = read_mask(*args)
        open_picture(session, _png(portrait), app.state.config)
        return mask

    monkeypatch.setattr(project_state, "mask_from_url", another_opens_meanwhile)
    reply = client.put(f"/api/sessions/{sid}/project", json=_project(_box(16, 16, 48, 80)))
    assert reply.status_code == 409, reply.text
    # The new picture keeps an empty project of its own size, not the old one's masks.
    assert session.picture.width == 40 and session.regions == []
    assert session.freeze.shape == (48, 40)


@pytest.mark.parametrize("path", [
    "/api/sessions/..%2F..%2Fetc/picture.jpg",
    "/api/sessions/../../etc/passwd",
    "/api/sessions/" + "0" * 32 + "/picture.jpg",
    "/api/sessions/{sid}/exports/..%2F..%2Fpicture.png/file",
    "/api/sessions/{sid}/exports/" + "0" * 16 + "/file",
    "/api/sessions/{sid}/preview/full/..%2F..%2Fpicture.png",
    "/api/sessions/{sid}/preview/..%2F/sheet.jpg",
    "/static/..%2F..%2Fapp.py",
])
def test_no_path_reaches_outside_a_session(studio, path) -> None:
    client, _ = studio
    sid = _session(client, _picture())
    reply = client.get(path.format(sid=sid))
    assert reply.status_code in (400, 404)
    assert b"import" not in reply.content and b"PNG" not in reply.content[:8]


def test_two_sessions_do_not_see_each_other(studio) -> None:
    client, _ = studio
    first = _session(client, _picture())
    second = _session(client)
    client.put(f"/api/sessions/{first}/project", json=_project(_box(16, 16, 48, 80)))
    reply = client.post(f"/api/sessions/{second}/preview")
    assert reply.status_code == 400 and "open a picture" in reply.json()["error"]
    other = np.full((H, W, 3), 200, np.uint8)
    client.post(f"/api/sessions/{second}/picture", content=_png(other))
    mine = np.asarray(Image.open(io.BytesIO(client.get(
        f"/api/sessions/{first}/picture.jpg").content)), np.float32)
    assert np.abs(mine - 200).mean() > 20  # still the first picture
    assert client.post(f"/api/sessions/{first}/preview").status_code == 200


def test_old_sessions_are_removed_with_their_files(studio) -> None:
    client, app = studio
    sid = _session(client, _picture())
    store = app.state.sessions
    folder = store.root / sid
    assert folder.is_dir()
    assert store.clean(now=time.monotonic() + 1e9) == 1
    assert not folder.exists()
    assert client.get(f"/api/sessions/{sid}/picture.jpg").status_code == 404


def test_the_freeze_margin_covers_the_feather() -> None:
    freeze = np.zeros((20, 20), np.float32)
    freeze[10, 10] = 1.0
    margin = frozen_margin(freeze, feather=2.0)
    assert margin[10, 13] and margin[13, 10] and not margin[10, 15]


def test_arrow_hint_is_its_vector_over_two_seconds() -> None:
    assert Arrow(10, 20, 70, 20).hint(fps=15) == (10, 20, 2.0, 0.0)


def test_smart_select_finds_the_bright_object(studio) -> None:
    client, _ = studio
    picture = np.full((H, W, 3), 40, np.uint8)
    picture[20:44, 30:70] = (230, 220, 90)
    sid = _session(client, picture)
    reply = client.post(f"/api/sessions/{sid}/select", json={"box": [25, 15, 75, 50]})
    mask = np.asarray(Image.open(io.BytesIO(base64.b64decode(
        reply.json()["mask"].split(",")[1]))))
    inside = mask[20:44, 30:70] > 0
    assert inside.mean() > 0.9 and (mask > 0).sum() < 1.3 * inside.size


def test_smart_select_that_finds_nothing_says_what_to_do(studio) -> None:
    client, _ = studio
    sid = _session(client, np.full((H, W, 3), 90, np.uint8))
    reply = client.post(f"/api/sessions/{sid}/select", json={"box": [20, 10, 60, 40]})
    assert reply.status_code == 400 and "drag a box" in reply.json()["error"]


def test_export_keeps_frozen_and_unpainted_pixels_and_the_command_reproduces_it(
        studio, tmp_path: Path, monkeypatch) -> None:
    client, _ = studio
    picture = _picture()
    sid = _session(client, picture)
    region, freeze = _box(8, 8, 56, 88), _box(28, 40, 36, 48)
    arrow = {"x0": 20, "y0": 32, "x1": 50, "y1": 32}
    client.put(f"/api/sessions/{sid}/project",
               json=_project(region, freeze=freeze, arrows=[arrow], turbulence=0.5))
    results = {}
    for kind in ("zip", "gif"):
        job = client.post(f"/api/sessions/{sid}/exports", json={"format": kind}).json()
        state = _wait(client, sid, job)
        assert state["state"] == "done", state
        results[kind] = client.get(state["url"]).content
    with zipfile.ZipFile(io.BytesIO(results["zip"])) as archive:
        names = sorted(archive.namelist())
        frames = np.stack([np.asarray(Image.open(io.BytesIO(archive.read(n))).convert("RGB"))
                           for n in names])
    assert frames.shape == (8, H, W, 3)
    assert np.array_equal(frames[0], picture)
    # Frozen pixels, and unpainted ones beyond the engine's feather, are the picture exactly.
    still = ~frozen_margin(region) | (freeze > 0)
    assert (frames[:, still] == picture[still]).all()
    assert (frames[:, 20:44, 12:36] != picture[20:44, 12:36]).any()  # the water moves
    # The saved project and its command line make the same GIF, byte for byte.
    saved = client.get(f"/api/sessions/{sid}/project.zip").content
    folder = tmp_path / "project"
    with zipfile.ZipFile(io.BytesIO(saved)) as archive:
        archive.extractall(folder)
    command = (folder / "command.txt").read_text().strip()
    args = shlex.split(command)[1:]
    args[args.index("-o") + 1] = "again.gif"
    monkeypatch.chdir(folder)
    assert main([*args, "--quiet"]) == 0
    assert (folder / "again.gif").read_bytes() == results["gif"]


def test_project_zip_round_trip(studio) -> None:
    client, _ = studio
    sid = _session(client, _picture())
    project = _project(_box(8, 8, 56, 88), freeze=_box(28, 40, 36, 48),
                       arrows=[{"x0": 20, "y0": 32, "x1": 50, "y1": 30}], frames=12)
    client.put(f"/api/sessions/{sid}/project", json=project)
    saved = client.get(f"/api/sessions/{sid}/project.zip").content
    other = _session(client)
    loaded = client.post(f"/api/sessions/{other}/project.zip", content=saved).json()
    assert loaded["picture"]["width"] == W
    assert loaded["project"]["settings"]["frames"] == 12
    assert loaded["project"]["arrows"] == project["arrows"]
    assert client.get(f"/api/sessions/{other}/command").json()["command"] == \
        client.get(f"/api/sessions/{sid}/command").json()["command"]


def test_a_bad_project_zip_is_refused(studio) -> None:
    client, _ = studio
    sid = _session(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.json", '{"picture": "../../etc/passwd"}')
    reply = client.post(f"/api/sessions/{sid}/project.zip", content=buffer.getvalue())
    assert reply.status_code == 400 and "picture" in reply.json()["error"]
    reply = client.post(f"/api/sessions/{sid}/project.zip", content=b"PK not a zip")
    assert reply.status_code == 400


def _rezip(saved: bytes, changes: dict[str, bytes | None]) -> bytes:
    """``saved`` with the members ``changes`` names replaced (None: left out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved)) as old, zipfile.ZipFile(buffer, "w") as new:
        for name in old.namelist():
            if name not in changes:
                new.writestr(name, old.read(name))
        for name, data in changes.items():
            if data is not None:
                new.writestr(name, data)
    return buffer.getvalue()


def _with_meta(saved: bytes, change) -> bytes:
    """``saved`` with its project.json changed by ``change`` (a function of the dict)."""
    with zipfile.ZipFile(io.BytesIO(saved)) as archive:
        meta = json.loads(archive.read("project.json"))
    change(meta)
    return _rezip(saved, {"project.json": json.dumps(meta).encode()})


_BAD_ZIPS = {
    "mask of the wrong size": (
        lambda saved: _rezip(saved, {"edit/region-1.png": _png(np.zeros((9, 7), np.uint8))}),
        "7×9"),
    "mask not a PNG": (
        lambda saved: _rezip(saved, {"edit/region-1.png": b"GIF89a not a mask"}),
        "PNG"),
    "JPEG mask": (
        lambda saved: _rezip(saved, {"edit/freeze.png": _jpeg(np.zeros((40, 60), np.uint8))}),
        "freeze"),
    "missing mask": (
        lambda saved: _rezip(saved, {"edit/region-1.png": None}), "region-1.png"),
    "missing freeze mask": (
        lambda saved: _rezip(saved, {"edit/freeze.png": None}), "freeze.png"),
    "absurd frames": (
        lambda saved: _with_meta(saved, lambda m: m["settings"].update(frames=10**9)),
        "frames"),
    "absurd speed": (
        lambda saved: _with_meta(saved, lambda m: m["settings"].update(speed=-5)), "speed"),
    "arrow off the picture": (
        lambda saved: _with_meta(saved, lambda m: m["arrows"].append(
            {"x0": 1, "y0": 1, "x1": 5000, "y1": 1})), "arrow"),
    "unknown direction": (
        lambda saved: _with_meta(saved, lambda m: m["regions"][0].update(direction="sideways")),
        "direction"),
    "region not an object": (
        lambda saved: _with_meta(saved, lambda m: m["regions"].append("water")), "region 3"),
}


def _jpeg(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("bad", list(_BAD_ZIPS))
def test_a_bad_project_zip_leaves_the_open_picture_and_project_as_they_were(
        studio, bad) -> None:
    client, app = studio
    # A saved project of another picture (60×40, two regions), made bad in one way.
    source = _session(client)
    other = (smooth_texture(40, 60, seed=9, blur=1.0) * 255).astype(np.uint8)
    made = _open(client, source, other)
    two = _project(np.pad(np.ones((20, 30), np.float32), ((10, 10), (15, 15))), frames=10)
    two["regions"].append({**two["regions"][0], "name": "clouds"})
    two["freeze"] = None
    assert client.put(f"/api/sessions/{source}/project", json=two,
                      headers=_for(made)).status_code == 200
    saved = client.get(f"/api/sessions/{source}/project.zip").content
    make, says = _BAD_ZIPS[bad]
    broken = make(saved)

    sid = _session(client)
    picture = _picture()
    first = _open(client, sid, picture)
    project = _project(_box(16, 16, 48, 80), arrows=[{"x0": 20, "y0": 32, "x1": 50, "y1": 30}],
                       frames=6)
    assert client.put(f"/api/sessions/{sid}/project", json=project,
                      headers=_for(first)).status_code == 200
    session = app.state.sessions.get(sid)
    path, version, settings = session.picture.path, session.version, session.settings
    freeze = session.freeze.copy()
    command = client.get(f"/api/sessions/{sid}/command", headers=_for(first)).json()["command"]

    reply = client.post(f"/api/sessions/{sid}/project.zip", content=broken)
    assert reply.status_code == 400, reply.text
    # Nothing changed: the picture, its file, its token, its project, its version.
    assert session.picture.path == path and path.read_bytes() == _png(picture)
    assert sorted(p.name for p in session.folder.iterdir()) == [path.name]
    assert session.picture.token == first["token"] and session.version == version
    assert [r.name for r in session.regions] == ["water"]
    assert session.settings == settings and np.array_equal(session.freeze, freeze)
    assert session.arrows == [Arrow(20, 32, 50, 30)]
    again = client.get(f"/api/sessions/{sid}/command", headers=_for(first))
    assert again.status_code == 200 and again.json()["command"] == command
    # One line says what is wrong with the zip.
    error = reply.json()["error"]
    assert error.startswith("the project zip cannot be loaded: ") and "\n" not in error
    assert says in error, error
    # The page's requests for its picture still work, and the good zip still loads.
    assert client.put(f"/api/sessions/{sid}/project", json=project,
                      headers=_for(first)).status_code == 200
    loaded = client.post(f"/api/sessions/{sid}/project.zip", content=saved)
    assert loaded.status_code == 200, loaded.text
    assert [r["name"] for r in loaded.json()["project"]["regions"]] == ["water", "clouds"]
    assert session.picture.width == 60 and session.settings.frames == 10


def test_studio_command_warns_on_all_interfaces(monkeypatch, capsys) -> None:
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **kw: seen.update(
        host=host, port=port))
    assert main(["studio", "--host", "0.0.0.0", "--port", "7999", "--no-browser"]) == 0
    assert seen == {"host": "0.0.0.0", "port": 7999}
    assert "warning" in capsys.readouterr().err
    assert main(["studio", "--no-browser"]) == 0
    assert seen["host"] == "127.0.0.1" and "warning" not in capsys.readouterr().err


def _truncated_jpeg(picture: np.ndarray) -> bytes:
    """A JPEG cut off before its end: its header passes the upload's check, its pixels do
    not decode."""
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="JPEG")
    data = buffer.getvalue()
    return data[:len(data) * 3 // 4]


@pytest.mark.parametrize("bad", ["truncated", "twin of another size"])
def test_a_picture_that_fails_to_open_leaves_the_open_one_usable(studio, bad) -> None:
    from cinemagraph.studio.pictures import open_picture

    client, app = studio
    sid = _session(client)
    picture = _picture()
    first = _open(client, sid, picture)
    session = app.state.sessions.get(sid)
    path = session.picture.path
    project = _project(_box(16, 16, 48, 80), frames=6)
    assert client.put(f"/api/sessions/{sid}/project", json=project,
                      headers=_for(first)).status_code == 200
    other = (smooth_texture(48, 40, seed=9, blur=1.0) * 255).astype(np.uint8)
    if bad == "truncated":
        reply = client.post(f"/api/sessions/{sid}/picture", content=_truncated_jpeg(other))
        assert reply.status_code == 400 and "truncated" in reply.json()["error"]
    else:
        twin = np.zeros((20, 20, 3), np.uint8)
        with pytest.raises(CinemagraphError, match="twin"):
            open_picture(session, _png(other), app.state.config, twin=_png(twin))
    # The first picture is still open, with its file and its project.
    assert session.picture.path == path and path.read_bytes() == _png(picture)
    assert sorted(p.name for p in session.folder.iterdir()) == [path.name]
    assert [r.name for r in session.regions] == ["water"]
    info = client.get(f"/api/sessions/{sid}/command", headers=_for(first))
    assert info.status_code == 200 and "region-1.png" in info.json()["command"]
    saved = client.get(f"/api/sessions/{sid}/project.zip")
    assert saved.status_code == 200
    with zipfile.ZipFile(io.BytesIO(saved.content)) as archive:
        assert archive.read(path.name) == _png(picture)
    job = client.post(f"/api/sessions/{sid}/exports", json={"format": "gif"},
                      headers=_for(first)).json()
    assert _wait(client, sid, job)["state"] == "done"


def test_sending_the_same_project_again_keeps_the_previews(studio) -> None:
    client, app = studio
    sid = _session(client, _picture())
    project = _project(_box(16, 16, 48, 80))
    first = client.put(f"/api/sessions/{sid}/project", json=project).json()
    meta = client.post(f"/api/sessions/{sid}/preview").json()
    # Save project, Copy the command line and Export send the project again, unchanged.
    again = client.put(f"/api/sessions/{sid}/project", json=project)
    assert again.status_code == 200 and again.json() == first
    sheet = client.get(meta["sheet"])
    assert sheet.status_code == 200
    assert Image.open(io.BytesIO(sheet.content)).size[0] == meta["columns"] * meta["width"]
    assert client.get(meta["overlay"]).status_code == 200
    assert app.state.sessions.get(sid).previews["full"][0] == meta["version"]
    # A changed project replaces the preview; asking for the old one says it is superseded.
    changed = client.put(f"/api/sessions/{sid}/project",
                         json=_project(_box(16, 16, 48, 80), speed=2.0)).json()
    assert changed["version"] > first["version"]
    for url in (meta["sheet"], meta["overlay"]):
        reply = client.get(url)
        assert reply.status_code == 409 and "superseded" in reply.json()["error"]
    newer = client.post(f"/api/sessions/{sid}/preview").json()
    assert newer["version"] == changed["version"]
    assert client.get(newer["sheet"]).status_code == 200
