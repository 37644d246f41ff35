"""No command destroys a file it did not write: regression tests for every way one once did."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cinemagraph.animate import AnimateSettings
from cinemagraph.cli import main
from cinemagraph.contract import to_uint8
from cinemagraph.diffusion.generate import GenerationSettings
from cinemagraph.errors import CinemagraphError
from cinemagraph.pipeline import TextSettings, default_run_folder, make_cinemagraph
from helpers import box_mask, smooth_texture

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures

H, W = 36, 52
PROMPT = "a river between two hills"
SETTINGS = TextSettings(generation=GenerationSettings(steps=2, width=64, height=64),
                        animate=AnimateSettings(frames=4))


def digests(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def photo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding ``scene.png``, ``mask.png`` and ``field.npy``; the cwd."""
    Image.fromarray(to_uint8(smooth_texture(H, W, seed=2))).save(tmp_path / "scene.png")
    mask = box_mask(H, W, 4, 10, 30, 30)
    Image.fromarray((mask * 255).astype(np.uint8)).save(tmp_path / "mask.png")
    field = np.zeros((H, W, 2), np.float32)
    field[..., 0] = mask
    np.save(tmp_path / "field.npy", field)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


ANIMATE = ("animate", "scene.png", "--mask", "mask.png", "--direction", "0", "--speed", "1",
           "--frames", "4", "-q")


@pytest.mark.parametrize("output", ["photos", "photos/", ".", "./"])
def test_frames_into_a_folder_of_the_users_files_are_refused(photo, capsys, output):
    (photo / "photos").mkdir()
    (photo / "photos" / "2019.png").write_bytes((photo / "scene.png").read_bytes())
    (photo / "photos" / "0000.png").write_bytes(b"my first photo")
    before = digests(photo)
    code, err = cli(capsys, *ANIMATE, "-o", output)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "--overwrite" in err
    assert digests(photo) == before


def test_overwrite_writes_frames_beside_the_users_files_and_deletes_none(photo, capsys):
    (photo / "photos").mkdir()
    (photo / "photos" / "2019.png").write_bytes(b"holiday")
    code, err = cli(capsys, *ANIMATE, "-o", "photos", "--overwrite")
    assert code == 0, err
    assert (photo / "photos" / "2019.png").read_bytes() == b"holiday"
    assert sorted(p.name for p in (photo / "photos").glob("0*.png")) == [
        f"{i:04d}.png" for i in range(4)]
    # a second run into the folder it wrote needs no --overwrite and keeps the user's file
    code, err = cli(capsys, *ANIMATE[:-3], "--frames", "3", "-q", "-o", "photos/")
    assert code == 2 and "--overwrite" in err  # the user's file is still there
    code, err = cli(capsys, *ANIMATE[:-3], "--frames", "3", "-q", "-o", "photos/", "--overwrite")
    assert code == 0, err
    assert sorted(p.name for p in (photo / "photos").glob("*.png")) == [
        "0000.png", "0001.png", "0002.png", "2019.png"]


def test_a_folder_cinemagraph_wrote_is_rewritten_without_asking(photo, capsys):
    assert cli(capsys, *ANIMATE, "-o", "frames/")[0] == 0
    code, err = cli(capsys, *ANIMATE[:-3], "--frames", "2", "-q", "-o", "frames/")
    assert code == 0, err
    assert sorted(p.name for p in (photo / "frames").glob("*.png")) == ["0000.png", "0001.png"]


@pytest.mark.parametrize("args", [
    ("-o", "scene.png"),
    ("-o", "./scene.png"),
    ("-o", "mask.png"),
    ("-o", "out.mp4", "--save-mask", "scene.png"),
    ("-o", "out.mp4", "--save-mask", "mask.png"),
], ids=["o-image", "o-image-dotted", "o-mask", "save-mask-image", "save-mask-mask"])
def test_an_output_that_is_an_input_is_refused(photo, capsys, args):
    before = digests(photo)
    code, err = cli(capsys, *ANIMATE, *args)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "input" in err
    assert digests(photo) == before


def test_an_output_that_is_the_motion_field_is_refused(photo, capsys):
    os.link(photo / "field.npy", photo / "field.png")  # one file, two names
    before = digests(photo)
    for field, output in (("field.png", "field.png"), ("field.npy", "field.png"),
                          ("field.png", "./field.png")):
        code, err = cli(capsys, "animate", "scene.png", "--motion", field,
                        "--frames", "4", "-q", "-o", output)
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1
    assert digests(photo) == before


@pytest.mark.parametrize("args", [
    ("-o", "f.npy", "--preview", "scene.png"),
    ("-o", "f.npy", "--preview", "mask.png"),
    ("-o", "mask.png"),
])
def test_motion_never_writes_over_its_inputs(photo, capsys, args):
    before = digests(photo)
    code, err = cli(capsys, "motion", "scene.png", "--mask", "mask.png", "--direction", "0",
                    "--speed", "1", "-q", *args)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1
    assert digests(photo) == before
    assert not (photo / "f.npy").exists()


@pytest.mark.parametrize(("first", "second"), [
    ("a river at dawn between tall mountains and old pines, oil painting",
     "a river at dawn between tall mountains and old pines, pencil sketch"),
    ("河流 river", "Река river"),
    ("a river", "a river "),
])
def test_different_prompts_never_share_a_default_run_folder(first, second):
    assert default_run_folder(first, 0) != default_run_folder(second, 0)
    assert default_run_folder(first, 0) == default_run_folder(first, 0)
    assert default_run_folder(first, 0) != default_run_folder(first, 1)


def test_a_run_folder_of_another_prompt_is_never_reused(tmp_path, tiny_pipe):
    folder = tmp_path / "run"
    make_cinemagraph(PROMPT, folder, SETTINGS, pipe=tiny_pipe, return_frames=False)
    before = digests(folder)
    with pytest.raises(CinemagraphError, match="another prompt"):
        make_cinemagraph("a sea under clouds", folder, SETTINGS, pipe=tiny_pipe)
    assert digests(folder) == before


def test_a_folder_of_the_users_files_is_not_a_run_folder(tmp_path, tiny_pipe):
    folder = tmp_path / "holiday"
    folder.mkdir()
    (folder / "image.png").write_bytes(b"my picture")
    with pytest.raises(CinemagraphError, match="not a run folder"):
        make_cinemagraph(PROMPT, folder, SETTINGS, pipe=tiny_pipe)
    assert (folder / "image.png").read_bytes() == b"my picture"
    assert sorted(p.name for p in folder.iterdir()) == ["image.png"]


def test_truncated_and_edited_files_are_computed_again_with_a_note(tmp_path, tiny_pipe):
    folder = tmp_path / "run"
    make_cinemagraph(PROMPT, folder, SETTINGS, pipe=tiny_pipe, return_frames=False)
    first = digests(folder)
    video = folder / "cinemagraph.mp4"
    video.write_bytes(video.read_bytes()[: video.stat().st_size // 2])  # a cut-off copy
    lines: list[str] = []
    make_cinemagraph(PROMPT, folder, SETTINGS, pipe=tiny_pipe, log=lines.append,
                     return_frames=False)
    assert any("cinemagraph.mp4 changed" in line for line in lines), lines
    assert hashlib.sha256(video.read_bytes()).hexdigest() == first["cinemagraph.mp4"]
    # and an intact rerun says nothing changed
    lines.clear()
    make_cinemagraph(PROMPT, folder, SETTINGS, pipe=tiny_pipe, log=lines.append,
                     return_frames=False)
    assert not any("changed" in line for line in lines), lines


@pytest.mark.parametrize("broken", [
    '{"prompt": "a river between two hills", "stages": []}',
    '{"prompt": "a river between two hills", "stages": {"generate": "done"}}',
    '{"prompt": "a river between two hills", "stages": {"generate": {"key": 3, "files": 7}}}',
    '[1, 2, 3]',
    'not json at all',
])
def test_run_json_of_the_wrong_shape_is_a_stale_cache(tmp_path, tiny_pipe, broken):
    folder = tmp_path / "run"
    make_cinemagraph(PROMPT, folder, SETTINGS, pipe=tiny_pipe, return_frames=False)
    first = digests(folder)
    (folder / "run.json").write_text(broken)
    make_cinemagraph(PROMPT, folder, SETTINGS, pipe=tiny_pipe, return_frames=False)
    again = digests(folder)
    assert {k: v for k, v in again.items() if k != "run.json"} == {
        k: v for k, v in first.items() if k != "run.json"}
    assert json.loads((folder / "run.json").read_text())["prompt"] == PROMPT


def test_failed_commands_leave_no_empty_folders(photo, capsys):
    before = sorted(p.name for p in photo.iterdir())
    code, _ = cli(capsys, "animate", "missing.png", "--mask", "mask.png", "--direction", "0",
                  "--speed", "1", "-q", "-o", "new/dir/x.mp4")
    assert code == 2
    assert sorted(p.name for p in photo.iterdir()) == before


def _disk_full(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(("patch", "args"), [
    ("PIL.Image.Image.save", (*ANIMATE, "-o", "frames/")),
    ("numpy.save", ("motion", "scene.png", "--mask", "mask.png", "--direction", "0", "--speed",
                    "1", "-q", "-o", "out/f.npy")),
], ids=["frames-folder", "npy"])
def test_a_full_disk_is_one_line_and_leaves_nothing(photo, capsys, monkeypatch, patch, args):
    before = digests(photo)
    monkeypatch.setattr(patch, _disk_full)
    code, err = cli(capsys, *args)
    assert code == 2
    assert err.strip().splitlines() == [err.strip()] and "the disk is full" in err
    assert digests(photo) == before
    assert sorted(p.name for p in photo.iterdir()) == ["field.npy", "mask.png", "scene.png"]


def test_a_model_that_fails_to_load_leaves_no_run_folder(tmp_path):
    def missing_weights():
        raise CinemagraphError("model 'M' is not in the Hugging Face cache")

    folder = tmp_path / "runs" / "new"
    with pytest.raises(CinemagraphError, match="not in the Hugging Face cache"):
        make_cinemagraph(PROMPT, folder, SETTINGS, load_pipe=missing_weights)
    assert list(tmp_path.iterdir()) == []
