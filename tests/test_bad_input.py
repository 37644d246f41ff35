"""The permanent bad-input suite: every command refuses bad input with one clear line.

Each case runs the command line in-process on tiny files in a working folder and asserts
the exit status (2), exactly one line on stderr starting ``error:``, no traceback, and that
the working folder is exactly as before: no new file or folder at or beside any target, and
every file that was there has the same bytes. The data-loss cases of issue 14 (frames into
a photo folder, ``-o .``, outputs that are inputs, a run folder of another prompt) are
regression cases here too.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cinemagraph.cli import main
from cinemagraph.errors import CinemagraphError
from cinemagraph.learned.checkpoint import save_checkpoint
from helpers import box_mask, smooth_texture

pytest_plugins = ("diffusion_helpers",)  # the tiny SD model, built once per session

H, W = 24, 32
LONG = "x" * 300  # a file name over 255 bytes
PROMPT = "a river at dawn"


def _png(path: Path, array: np.ndarray) -> Path:
    Image.fromarray(array).save(path)
    return path


def _clip(data: Path, identifier: str) -> None:
    """One clip of our dataset layout: first frame, motion, mask and PNG frames."""
    folder = data / "clips" / identifier
    (folder / "frames").mkdir(parents=True)
    image = (smooth_texture(H, W, seed=1) * 255).astype(np.uint8)
    _png(folder / "image.png", image)
    for index in range(4):
        _png(folder / "frames" / f"{index:04d}.png", np.roll(image, index, axis=1))
    field = np.zeros((H, W, 2), np.float32)
    field[..., 0] = 1.0
    np.save(folder / "motion.npy", field)
    _png(folder / "mask.png", np.full((H, W), 255, np.uint8))


def _index(data: Path, clips: object, version: object = 1) -> None:
    (data / "index.json").write_text(json.dumps(
        {"format": "cinemagraph-dataset", "version": version, "clips": clips}))


def _entry(identifier: str) -> dict:
    return {"id": identifier, "caption": "a river", "height": H, "width": W, "frames": 4,
            "fps": 30.0, "frames_format": "png"}


@pytest.fixture(scope="session")
def bomb_png(tmp_path_factory) -> Path:
    """A PNG of 9000×8000 (72 MP, over the 64 MP limit) that is small on disk."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    Image.new("1", (9000, 8000)).save(path)
    return path


@pytest.fixture()
def work(tmp_path: Path, monkeypatch, bomb_png) -> Path:
    """The working folder (also the current folder) with tiny inputs of every kind."""
    d = tmp_path / "work"
    d.mkdir()
    monkeypatch.chdir(d)
    _png(d / "s.png", (smooth_texture(H, W, seed=4) * 255).astype(np.uint8))
    _png(d / "m.png", (box_mask(H, W, 4, 4, 20, 28) * 255).astype(np.uint8))
    _png(d / "wide.png", np.full((H, 3 * W), 255, np.uint8))
    field = np.zeros((H, W, 2), np.float32)
    field[..., 1] = 0.5
    np.save(d / "f.npy", field)
    np.save(d / "complex.npy", field.astype(np.complex64))
    np.save(d / "objects.npy", np.array([[None, 1]], dtype=object), allow_pickle=True)
    np.save(d / "bool.npy", np.zeros((H, W, 2), bool))
    np.save(d / "text.npy", np.zeros((H, W, 2), "U2"))
    np.save(d / "rgb.npy", np.zeros((H, W, 3), np.float32))
    np.save(d / "small.npy", np.zeros((H - 1, W, 2), np.float32))
    np.save(d / "scalar.npy", np.float32(1.0))
    np.save(d / "nan.npy", np.full((H, W, 2), np.nan, np.float32))
    np.save(d / "three.npy", np.full((H, W, 2), 3.0, np.float32))
    np.save(d / "fast.npy", np.full((H, W, 2), 1e6, np.float32))
    (d / "truncated.npy").write_bytes((d / "f.npy").read_bytes()[:150])
    (d / "empty.npy").write_bytes(b"")
    (d / "garbage.png").write_bytes(b"not an image at all")
    (d / "truncated.png").write_bytes((d / "s.png").read_bytes()[:120])
    (d / "bomb.png").write_bytes(bomb_png.read_bytes())
    (d / "garbage.ckpt").write_bytes(b"\x00garbage" * 64)
    (d / "empty.ckpt").write_bytes(b"")
    (d / "folder.png").mkdir()
    # A user's photo folder: frames written into it must never remove or replace 2019.png.
    (d / "photos").mkdir()
    _png(d / "photos" / "2019.png", (smooth_texture(H, W, seed=7) * 255).astype(np.uint8))
    # A run folder of another prompt.
    (d / "other-run").mkdir()
    (d / "other-run" / "run.json").write_text(json.dumps({"prompt": "a waterfall at noon"}))
    (d / "other-run" / "image.png").write_bytes((d / "s.png").read_bytes())
    # Datasets: good, and damaged in one way each.
    _clip(d / "data", "river-00000001")
    _index(d / "data", [_entry("river-00000001")])
    for name, clips, version in (("no-id", [{"caption": "x"}], 1),
                                 ("bad-version", [_entry("river-00000001")], "one"),
                                 ("new-version", [_entry("river-00000001")], 99),
                                 ("not-list", {"id": "x"}, 1),
                                 ("escape", [_entry("../../etc")], 1)):
        (d / name).mkdir()
        _index(d / name, clips, version)
    _clip(d / "eof-data", "river-00000001")
    (d / "eof-data" / "clips" / "river-00000001" / "motion.npy").write_bytes(b"\x93NUMPY")
    _index(d / "eof-data", [_entry("river-00000001")])
    _clip(d / "bad-frame-data", "river-00000001")
    frame = d / "bad-frame-data" / "clips" / "river-00000001" / "frames" / "0002.png"
    frame.write_bytes(frame.read_bytes()[:100])
    _index(d / "bad-frame-data", [_entry("river-00000001")])
    (d / "not-index").mkdir()
    (d / "not-index" / "index.json").write_text("{ not json")
    (d / "videos-empty").mkdir()
    (d / "existing.ckpt").write_bytes(b"PK\x03\x04 a checkpoint of somebody's")
    save_checkpoint(d / "huge.ckpt", "motion", {"size": 64, "channels": [10**9] * 4},
                    {"motion_norm": 1.0, "text_reference": None}, {})
    save_checkpoint(d / "huge-synth.ckpt", "synthesis", {"features": 10**8},
                    {}, {})
    return d


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with the SHA-256 of its bytes ("dir" for folders)."""
    found = {}
    for path in root.rglob("*"):
        key = path.relative_to(root).as_posix()
        found[key] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


A = ["animate", "s.png", "--mask", "m.png"]
AD = [*A, "--direction", "0", "--speed", "1"]
MO = ["motion", "s.png", "--mask", "m.png", "--prompt", "river flowing left"]
TM = ["train-motion", "data", "-o", "new.ckpt", "--no-text", "--steps", "2", "--size", "16",
      "--width", "4", "--batch", "1", "--val-fraction", "0"]
TS = ["train-synthesis", "data", "-o", "new.ckpt", "--steps", "2", "--size", "16",
      "--width", "4", "--batch", "1", "--val-fraction", "0"]

#: name → (arguments, text the error line must contain). "{model}" is the tiny SD folder.
CASES: dict[str, tuple[list[str], str]] = {
    # animate: the image and masks
    "animate missing image": (["animate", "nope.png", "--mask", "m.png", "-o", "a.gif"],
                              "not found"),
    "animate image is a folder": (["animate", "folder.png", "--mask", "m.png", "-o", "a.gif"],
                                  "folder"),
    "animate garbage image": (["animate", "garbage.png", "--mask", "m.png", "-o", "a.gif"],
                              "not an image"),
    "animate truncated image": (["animate", "truncated.png", "--mask", "m.png", "-o", "a.gif"],
                                "truncated"),
    "animate image name too long": (["animate", f"{LONG}.png", "--mask", "m.png", "-o",
                                     "a.gif"], "255"),
    "animate decompression bomb": (["animate", "bomb.png", "--mask", "m.png", "-o", "a.gif"],
                                   "64 MP"),
    "animate over --max-pixels": ([*AD, "--max-pixels", "100", "-o", "a.gif"],
                                  "--max-pixels"),
    "animate --max-pixels 0": ([*AD, "--max-pixels", "0", "-o", "a.gif"], "--max-pixels"),
    "animate mask is a bomb": (["animate", "s.png", "--mask", "bomb.png", "--direction", "0",
                                "--speed", "1", "-o", "a.gif"], "mask bomb.png"),
    "animate missing mask": (["animate", "s.png", "--mask", "nope.png", "--direction", "0",
                              "--speed", "1", "-o", "a.gif"], "not found"),
    "animate mask of another aspect": (["animate", "s.png", "--mask", "wide.png",
                                        "--direction", "0", "--speed", "1", "-o", "a.gif"],
                                       "aspect"),
    "animate mask name too long": (["animate", "s.png", "--mask", f"{LONG}.png",
                                    "--direction", "0", "--speed", "1", "-o", "a.gif"], "255"),
    # animate: motion fields
    "animate complex field": ([*A, "--motion", "complex.npy", "-o", "a.gif"], "complex"),
    "animate object field": ([*A, "--motion", "objects.npy", "-o", "a.gif"], "objects"),
    "animate bool field": ([*A, "--motion", "bool.npy", "-o", "a.gif"], "real numbers"),
    "animate text field": ([*A, "--motion", "text.npy", "-o", "a.gif"], "real numbers"),
    "animate field H×W×3": ([*A, "--motion", "rgb.npy", "-o", "a.gif"], "H×W×2"),
    "animate field of a scalar": ([*A, "--motion", "scalar.npy", "-o", "a.gif"], "H×W×2"),
    "animate field of another size": ([*A, "--motion", "small.npy", "-o", "a.gif"],
                                      "must match"),
    "animate PNG as field": ([*A, "--motion", "s.png", "-o", "a.gif"],
                             "not a .npy motion field"),
    "animate truncated field": ([*A, "--motion", "truncated.npy", "-o", "a.gif"], "truncated"),
    "animate empty field file": ([*A, "--motion", "empty.npy", "-o", "a.gif"],
                                 "not a .npy motion field"),
    "animate NaN field": ([*A, "--motion", "nan.npy", "-o", "a.gif"], "NaN"),
    "animate absurd field": ([*A, "--motion", "fast.npy", "-o", "a.gif"], "absurd"),
    "animate missing field": ([*A, "--motion", "nope.npy", "-o", "a.gif"], "not found"),
    # animate: loop settings
    "animate --fps 1e9": ([*AD, "--fps", "1e9", "-o", "a.gif"], "--fps"),
    "animate --fps 1e-6": ([*AD, "--fps", "1e-6", "-o", "a.gif"], "--fps"),
    "animate --fps 0": ([*AD, "--fps", "0", "-o", "a.gif"], "--fps"),
    "animate --fps nan": ([*AD, "--fps", "nan", "-o", "a.gif"], "--fps"),
    "animate --fps 241": ([*AD, "--fps", "241", "-o", "a.gif"], "--fps"),
    "animate --frames 100000": ([*AD, "--frames", "100000", "-o", "a.gif"], "--frames"),
    "animate --frames 1": ([*AD, "--frames", "1", "-o", "a.gif"], "--frames"),
    "animate --speed-scale 1e39": ([*AD, "--speed-scale", "1e39", "-o", "a.gif"],
                                   "--speed-scale"),
    "animate --speed-scale -1": ([*AD, "--speed-scale", "-1", "-o", "a.gif"], "--speed-scale"),
    "animate --speed-scale inf": ([*AD, "--speed-scale", "inf", "-o", "a.gif"],
                                  "--speed-scale"),
    "animate --speed-scale past the cap": ([*A, "--motion", "three.npy", "--speed-scale", "100",
                                            "-o", "a.gif"], "× 100 has absurd values"),
    "animate --seed -1": ([*AD, "--seed", "-1", "-o", "a.gif"], "seed"),
    "animate --seed 2^32": ([*AD, "--seed", str(2**32), "-o", "a.gif"], "seed"),
    "animate speed without direction": ([*A, "--speed", "1", "-o", "a.gif"], "direction"),
    # animate: outputs
    "animate output name too long": ([*AD, "-o", f"{LONG}.gif"], "255"),
    "animate output folder name too long": ([*AD, "-o", f"{LONG}/a.gif"], "255"),
    "animate unknown output format": ([*AD, "-o", "a.xyz"], "unknown output format"),
    "animate new folders, missing image": (["animate", "nope.png", "--mask", "m.png",
                                            "--direction", "0", "--speed", "1", "-o",
                                            "new/dir/x.mp4"], "not found"),
    "animate -o the image": ([*AD, "-o", "s.png"], "overwrite the input"),
    "animate -o the mask": ([*AD, "-o", "m.png"], "overwrite the input"),
    "animate -o the field": ([*A, "--motion", "f.npy", "-o", "f.npy"], "f.npy"),
    "animate --save-mask the image": ([*AD, "--save-mask", "s.png", "-o", "a.gif"],
                                      "overwrite the input"),
    "animate --save-mask the field": ([*A, "--motion", "f.npy", "--save-mask", "f.npy", "-o",
                                       "a.gif"], "f.npy"),
    "animate frames into photos": ([*AD, "--frames", "6", "-o", "photos"], "2019.png"),
    "animate frames into photos/": ([*AD, "--frames", "6", "-o", "photos/"], "2019.png"),
    "animate frames into -o .": ([*AD, "--frames", "6", "-o", "."], "did not write"),
    "animate frames into -o ./": ([*AD, "--frames", "6", "-o", "./"], "did not write"),
    "animate frames into the image's folder": (["animate", "photos/2019.png", "--mask",
                                                "m.png", "--direction", "0", "--speed", "1",
                                                "-o", "photos/"], "photos"),
    "animate garbage motion model": ([*A, "--prompt", "river", "--motion-model",
                                      "garbage.ckpt", "-o", "a.gif"],
                                     "not a readable cinemagraph checkpoint"),
    "animate empty synthesis model": ([*AD, "--synthesis-model", "empty.ckpt", "-o", "a.gif"],
                                      "empty"),
    "animate absurd motion model": ([*A, "--prompt", "river", "--motion-model", "huge.ckpt",
                                     "-o", "a.gif"], "channels"),
    "animate absurd synthesis model": ([*AD, "--synthesis-model", "huge-synth.ckpt", "-o",
                                        "a.gif"], "features"),
    # motion
    "motion -o the input": (["motion", "f.npy", "--mask", "m.png", "-o", "f.npy"],
                            "overwrite the input"),
    "motion -o not .npy": ([*MO, "-o", "out.png"], ".npy"),
    "motion --preview not .png": ([*MO, "-o", "out.npy", "--preview", "p.jpg"], ".png"),
    "motion --preview the image": ([*MO, "-o", "out.npy", "--preview", "s.png"],
                                   "overwrite the input"),
    "motion --speed-scale 1e39": ([*MO, "--speed-scale", "1e39", "-o", "out.npy"],
                                  "speed_scale"),
    "motion --speed 1e9": ([*MO, "--speed", "1e9", "-o", "out.npy"], "speed"),
    "motion decompression bomb": (["motion", "bomb.png", "--mask", "m.png", "-o", "out.npy"],
                                  "64 MP"),
    "motion output name too long": ([*MO, "-o", f"{LONG}.npy"], "255"),
    "motion garbage motion model": ([*MO, "--motion-model", "garbage.ckpt", "-o", "out.npy"],
                                    "not a readable cinemagraph checkpoint"),
    # demo
    "demo --width 100000": (["demo", "--width", "100000", "-o", "d.gif"], "8192"),
    "demo --height 100000": (["demo", "--height", "100000", "-o", "d.gif"], "8192"),
    "demo out of memory": (["demo", "--width", "8000", "--height", "8000", "--frames", "5000",
                            "-o", "d.gif"], "memory"),
    "demo too small": (["demo", "--width", "10", "-o", "d.gif"], "at least"),
    "demo --fps 0": (["demo", "--fps", "0", "-o", "d.gif"], "--fps"),
    "demo --frames 100000": (["demo", "--frames", "100000", "-o", "d.gif"], "--frames"),
    "demo frames into -o .": (["demo", "--frames", "4", "--width", "64", "--height", "64",
                               "-o", "."], "did not write"),
    "demo unknown format": (["demo", "-o", "d.xyz"], "unknown output format"),
    # dataset
    "dataset missing source": (["dataset", "nope", "-o", "ds"], "not found"),
    "dataset source is a file": (["dataset", "s.png", "-o", "ds"], "not a folder"),
    "dataset no clips": (["dataset", "videos-empty", "-o", "ds"], "no clips"),
    "dataset output is a file": (["dataset", "data", "-o", "s.png"], "file"),
    "dataset output name too long": (["dataset", "data", "-o", LONG], "255"),
    "dataset --max-pixels 0": (["dataset", "data", "-o", "ds", "--max-pixels", "0"],
                               "--max-pixels"),
    # train-motion
    "train-motion missing data": ([*TM[:1], "nope", *TM[2:]], "not found"),
    "train-motion entry without id": ([*TM[:1], "no-id", *TM[2:]], "no id"),
    "train-motion bad index version": ([*TM[:1], "bad-version", *TM[2:]], "version"),
    "train-motion newer index": ([*TM[:1], "new-version", *TM[2:]], "update cinemagraph"),
    "train-motion clips not a list": ([*TM[:1], "not-list", *TM[2:]], "list"),
    "train-motion id outside the folder": ([*TM[:1], "escape", *TM[2:]], "folder name"),
    "train-motion index not JSON": ([*TM[:1], "not-index", *TM[2:]], "cannot read"),
    "train-motion truncated motion file": ([*TM[:1], "eof-data", *TM[2:]], "motion.npy"),
    "train-motion absurd width": ([*TM, "--width", "100000"], "channels"),
    "train-motion size too small": ([*TM, "--size", "4"], "size"),
    "train-motion existing output": ([*TM[:2], "-o", "existing.ckpt", *TM[4:]], "--resume"),
    "train-motion resume garbage": ([*TM[:2], "-o", "garbage.ckpt", *TM[4:], "--resume"],
                                    "not a readable cinemagraph checkpoint"),
    "train-motion --steps 0": ([*TM, "--steps", "0"], "steps"),
    "train-motion absurd learning rate": ([*TM, "--lr", "1e38"], "learning rate"),
    # train-synthesis
    "train-synthesis missing data": ([*TS[:1], "nope", *TS[2:]], "not found"),
    "train-synthesis entry without id": ([*TS[:1], "no-id", *TS[2:]], "no id"),
    "train-synthesis absurd width": ([*TS, "--width", "100000"], "channels"),
    "train-synthesis truncated frame": ([*TS[:1], "bad-frame-data", *TS[2:]], "0002.png"),
    # generate and one-shot text mode (the tiny model: validation comes before loading it)
    "one-shot option before the prompt": (["--steps", "4", PROMPT], "after the prompt"),
    "one-shot names no fluid": (["!!! ???", "--model", "{model}", "-o", "r"], "fluid"),
    "one-shot missing mask": ([PROMPT, "--mask", "/nope.png", "--model", "{model}", "-o", "r"],
                              "not found"),
    "one-shot mask is a bomb": ([PROMPT, "--mask", "bomb.png", "--model", "{model}", "-o",
                                 "r"], "64 MP"),
    "one-shot --fps 0": ([PROMPT, "--fps", "0", "--model", "{model}", "-o", "r"], "--fps"),
    "one-shot --frames 100000": ([PROMPT, "--frames", "100000", "--model", "{model}", "-o",
                                  "r"], "--frames"),
    "one-shot --seed -1": ([PROMPT, "--seed", "-1", "--model", "{model}", "-o", "r"], "seed"),
    "one-shot garbage motion model": ([PROMPT, "--motion-model", "garbage.ckpt", "--model",
                                       "{model}", "-o", "r"], "not a readable"),
    "one-shot run folder of another prompt": ([PROMPT, "--model", "{model}", "-o",
                                               "other-run"], "another prompt"),
    "one-shot run folder is a file": ([PROMPT, "--model", "{model}", "-o", "s.png"], "file"),
    "one-shot output name too long": ([PROMPT, "--model", "{model}", "-o", LONG], "255"),
    "generate output name too long": (["generate", PROMPT, "--model", "{model}", "-o", LONG],
                                      "255"),
    "generate --steps 0": (["generate", PROMPT, "--model", "{model}", "--steps", "0", "-o",
                            "g"], "steps"),
}


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_exit_2_and_changes_nothing(case, work, request, capsys):
    args, expected = CASES[case]
    if any("{model}" in a for a in args):
        model = str(request.getfixturevalue("tiny_model_dir"))
        args = [a.replace("{model}", model) for a in args]
        capsys.readouterr()  # what building the model printed
    if args[0] != "generate":  # generate has no -q; its messages go to stdout
        args = [*args, "-q"]
    before = snapshot(work.parent)
    code, _out, err = run_cli(args, capsys)
    assert code == 2, (case, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), (case, err)
    assert expected.lower() in lines[0].lower(), (case, lines[0])
    assert "Traceback" not in err and "internal error" not in err
    assert snapshot(work.parent) == before, case


def test_the_suite_covers_every_command():
    commands = {args[0] for args, _ in CASES.values()}
    assert len(CASES) >= 60
    assert {"animate", "motion", "demo", "dataset", "train-motion", "train-synthesis",
            "generate", PROMPT} <= commands


def test_a_bomb_frame_skips_its_clip_with_a_warning(work, capsys):
    """Inside ``dataset``, a frame over the pixel limit skips that clip, not the build."""
    videos = work / "videos"
    (videos / "good").mkdir(parents=True)
    (videos / "bomb").mkdir()
    for index in range(3):
        image = (smooth_texture(H, W, seed=1) * 255).astype(np.uint8)
        _png(videos / "good" / f"{index}.png", np.roll(image, 2 * index, axis=1))
        _png(videos / "bomb" / f"{index}.png", np.roll(image, 2 * index, axis=1))
    (videos / "bomb" / "1.png").write_bytes((work / "bomb.png").read_bytes())
    code, _out, err = run_cli(["dataset", "videos", "-o", "ds", "-q", "--frames-format",
                               "png"], capsys)
    assert code == 0, err
    assert "skipping bomb" in err and "64 MP" in err
    index = json.loads((work / "ds" / "index.json").read_text())
    assert len(index["clips"]) == 1 and index["clips"][0]["id"].startswith("good")


def test_training_stops_when_the_loss_is_not_finite():
    """A NaN loss ends training with one line; nothing after the last good save is saved."""
    from cinemagraph.learned.training import LoopSettings, run_loop

    saved = []
    losses = iter([1.0, 0.5, float("nan"), 0.1])
    with pytest.raises(CinemagraphError, match="diverged at step 3: the loss loss became nan; "
                                               "the checkpoint of step 2 is kept"):
        run_loop(start=0, settings=LoopSettings(steps=4, val_every=0, checkpoint_every=2),
                 train_step=lambda step: {"loss": next(losses)}, validate=lambda: None,
                 save=saved.append, history=[], desc="t", progress=False)
    assert saved == [2]
    with pytest.raises(CinemagraphError, match="inf; nothing was saved"):
        run_loop(start=0, settings=LoopSettings(steps=4, val_every=0, checkpoint_every=0),
                 train_step=lambda step: {"epe": float("inf")}, validate=lambda: None,
                 save=saved.append, history=[], desc="t", progress=False)
    assert saved == [2]


def test_run_json_of_wrong_types_is_a_stale_cache(tmp_path):
    """A ``run.json`` whose entries have the wrong types is a stale cache, never an error."""
    from cinemagraph.pipeline.runfolder import RunFolder, seconds_of

    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "image.png").write_bytes(b"x")
    for data in ({"prompt": 5, "stages": [1, 2]}, {"stages": {"generate": "done"}},
                 {"stages": {"generate": {"key": 3, "files": "image.png", "seconds": "x"}}},
                 {"stages": {"generate": {"key": "k", "files": {"image.png": 7}}}}, [1, 2]):
        (folder / "run.json").write_text(json.dumps(data))
        run = RunFolder(folder)
        run.check_belongs_to(PROMPT)
        assert not run.is_done("generate", "k")
        assert seconds_of(run.stage_entry("generate")) == 0.0


def test_the_pixel_limit_is_raised_by_the_option(work, capsys):
    """``--max-pixels`` raises the limit: the bomb is then read (as an image of its size)."""
    from cinemagraph.io.images import current_pixel_limit, load_image, pixel_limit
    from cinemagraph.limits import MAX_PIXELS

    with pytest.raises(CinemagraphError, match="--max-pixels 72000000"):
        load_image(work / "bomb.png")
    with pixel_limit(72_000_000):
        assert current_pixel_limit() == 72_000_000
        with pytest.raises(CinemagraphError, match=r"bomb.png .*mask"):
            # read, then refused by the mask rules for its aspect ratio, not by the limit
            from cinemagraph.io.images import load_mask

            load_mask(work / "bomb.png", (H, W))
    assert current_pixel_limit() == MAX_PIXELS


def test_memory_estimate_grows_with_frames_and_pixels(monkeypatch):
    from cinemagraph import limits

    small = limits.loop_bytes(60, 384, 512)
    assert limits.loop_bytes(120, 384, 512) > small
    assert limits.loop_bytes(60, 768, 1024) == pytest.approx(4 * small, rel=1e-6)
    assert small >= 60 * 384 * 512 * 3  # at least the uint8 frames themselves
    monkeypatch.setattr(limits, "available_memory", lambda: small - 1)
    with pytest.raises(CinemagraphError, match=r"needs about .* of memory"):
        limits.check_loop_memory(60, 384, 512)
    monkeypatch.setattr(limits, "available_memory", lambda: None)
    assert limits.check_loop_memory(60, 384, 512) == small


def test_options_after_the_prompt_still_work(capsys):
    """The message about option order appears only when an option comes first."""
    assert main(["--version"]) == 0
    code, _out, err = run_cli(["--steps", "4", PROMPT], capsys)
    assert code == 2 and "--steps" in err


def test_a_file_system_error_is_one_line(tmp_path):
    from cinemagraph.cli.group import file_system_error

    error = file_system_error(OSError(36, "File name too long", str(tmp_path / LONG)))
    assert "300 bytes" in str(error) and "\n" not in str(error)
    error = file_system_error(PermissionError(13, "Permission denied", "/root/x"))
    assert str(error) == "cannot use /root/x: permission denied"


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root reads files whatever their permissions")
def test_an_unreadable_input_is_one_line(work, capsys):
    (work / "s.png").chmod(0)
    try:
        code, _out, err = run_cli([*AD, "-o", "a.gif", "-q"], capsys)
    finally:
        (work / "s.png").chmod(0o644)
    assert code == 2 and "permission denied" in err and len(err.strip().splitlines()) == 1

