"""``cinemagraph dataset``: synthetic clips with a known motion in a known mask go in; the
builder must recover the motion's direction and the mask, and be resumable.

The clips are made by the animation engine itself: a textured image animated by a
constant field inside a box. At 64 px the DIS "fast" preset is used — "medium"'s larger
patches smear the motion across the box's edges at that size (at 256 px it is the more
accurate one, hence the default).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cinemagraph.animate import AnimateSettings, animate
from cinemagraph.cli.dataset import dataset_command
from cinemagraph.dataset import (
    ClipStore,
    DatasetSettings,
    build_dataset,
    eulerian_motion,
    find_clips,
    motion_mask,
    open_dataset,
)
from cinemagraph.dataset.captions import caption_from_name
from cinemagraph.dataset.layout import clip_id
from cinemagraph.errors import CinemagraphError
from cinemagraph.io.video import write_video
from helpers import box_mask, smooth_texture

SIZE = 64
FAST = DatasetSettings(flow="dis-fast", max_frames=10)


def synthetic_clip(seed: int, velocity: tuple[float, float], box: tuple[int, int, int, int],
                   frames: int = 10, size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Frames (uint8 N×S×S×3) of a texture moving by ``velocity`` px/frame inside ``box``
    (top, left, bottom, right), and the box's mask (float32 S×S)."""
    image = smooth_texture(size, size, seed=seed, blur=1.0)
    mask = box_mask(size, size, *box)
    field = np.zeros((size, size, 2), np.float32)
    field[..., 0], field[..., 1] = velocity
    field *= mask[..., None]
    # The plain blend: these clips stand in for footage, whose contrast does not pulse.
    settings = AnimateSettings(frames=frames, feather=0.0, blend="linear", device="cpu")
    return animate(image, mask, field, settings), mask


def write_clip(folder: Path, name: str, frames: np.ndarray, kind: str = "frames",
               caption: str | None = None) -> Path:
    """Write a clip as a frames folder or an .mp4 under ``folder``, with a sidecar caption."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "frames":
        path = folder / name
        write_video(str(path) + "/", frames, 10)
    else:
        path = folder / f"{name}.mp4"
        write_video(path, frames, 10)
    if caption is not None:
        (folder / f"{name}.txt").write_text(caption + "\n")
    return path


def angle_deg(vector: np.ndarray) -> float:
    return math.degrees(math.atan2(float(vector[1]), float(vector[0])))


def angle_between(a: np.ndarray, b: np.ndarray) -> float:
    diff = abs(angle_deg(a) - angle_deg(b)) % 360
    return min(diff, 360 - diff)


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("videos")
    truths = {}
    frames, mask = synthetic_clip(1, (1.0, 0.5), (12, 8, 52, 56))
    write_clip(root, "river_flowing-0007", frames, kind="mp4")
    truths["river_flowing-0007.mp4"] = ((1.0, 0.5), mask)
    frames, mask = synthetic_clip(2, (0.0, -0.8), (6, 20, 58, 44))
    write_clip(root / "sub", "smoke", frames, caption="thick smoke rising")
    truths["sub/smoke"] = ((0.0, -0.8), mask)
    return {"root": root, "truths": truths}


@pytest.fixture(scope="module")
def built(videos, tmp_path_factory) -> dict:
    data = tmp_path_factory.mktemp("data")
    report = build_dataset(videos["root"], data, FAST)
    return {**videos, "data": data, "report": report}


def test_builder_recovers_the_known_motion_and_mask(built):
    assert sorted(built["report"].built) == sorted(clip_id(r) for r in built["truths"])
    store = ClipStore()
    records = {r.id: r for r in open_dataset(built["data"])}
    for relative, (velocity, true_mask) in built["truths"].items():
        _, mask, field = store.motion(records[clip_id(relative)])
        mean = field[true_mask > 0].mean(axis=0)
        assert angle_between(mean, np.array(velocity)) < 3.0
        assert 0.7 * np.hypot(*velocity) < np.linalg.norm(mean) < 1.1 * np.hypot(*velocity)
        iou = ((mask > 0) & (true_mask > 0)).sum() / ((mask > 0) | (true_mask > 0)).sum()
        assert iou > 0.9


def test_layout_index_and_captions(built):
    data = built["data"]
    index = json.loads((data / "index.json").read_text())
    assert index["format"] == "cinemagraph-dataset" and index["version"] == 1
    captions = {entry["id"]: entry["caption"] for entry in index["clips"]}
    assert captions[clip_id("river_flowing-0007.mp4")] == "river flowing"  # file name
    assert captions[clip_id("sub/smoke")] == "thick smoke rising"  # sidecar
    for entry in index["clips"]:
        folder = data / "clips" / entry["id"]
        for name in ("image.png", "motion.npy", "mask.png", "motion.png", "caption.txt",
                     "frames.mp4", "meta.json"):
            assert (folder / name).is_file(), name
        motion = np.load(folder / "motion.npy")
        assert motion.dtype == np.float32 and motion.shape == (SIZE, SIZE, 2)
        assert (entry["height"], entry["width"], entry["frames"]) == (SIZE, SIZE, 10)
    assert not list(data.rglob("*.part*"))


def test_frames_round_trip_through_the_store(built):
    store = ClipStore()
    record = next(r for r in open_dataset(built["data"]) if "smoke" in r.id)
    frames = store.frames(record)
    image, _, _ = store.motion(record)
    assert frames.shape == (10, SIZE, SIZE, 3) and frames.dtype == np.uint8
    # H.264 (CRF 18, chroma at half resolution): the brightness survives closely.
    assert np.abs(frames[0].mean(axis=-1) / 255 - image.mean(axis=-1)).mean() < 0.04


def test_rerun_skips_finished_clips_and_rebuilds_changed_ones(built, tmp_path):
    again = build_dataset(built["root"], built["data"], FAST)
    assert again.built == [] and len(again.done) == 2
    changed = synthetic_clip(3, (-1.0, 0.0), (10, 10, 50, 50))[0]
    write_clip(built["root"] / "sub", "smoke", changed, caption="thick smoke rising")
    third = build_dataset(built["root"], built["data"], FAST)
    assert third.built == [clip_id("sub/smoke")] and len(third.done) == 1
    record = next(r for r in open_dataset(built["data"]) if "smoke" in r.id)
    _, mask, field = ClipStore().motion(record)
    assert field[mask > 0, 0].mean() < -0.5  # the new clip's motion


def test_unreadable_and_motionless_clips_are_skipped_with_a_warning(tmp_path):
    root = tmp_path / "videos"
    frames, _ = synthetic_clip(4, (1.0, 0.0), (10, 10, 50, 50))
    write_clip(root, "good", frames, kind="mp4")
    (root / "broken.mp4").write_bytes(b"not a video at all")
    still = np.repeat(frames[:1], 5, axis=0)
    write_clip(root, "still", still)
    with pytest.warns(UserWarning) as caught:
        report = build_dataset(root, tmp_path / "data", FAST)
    messages = " ".join(str(w.message) for w in caught)
    assert "broken.mp4" in messages and "still" in messages
    assert report.built == [clip_id("good.mp4")]
    assert sorted(rel for rel, _ in report.skipped) == ["broken.mp4", "still"]
    assert len(open_dataset(tmp_path / "data")) == 1


def test_png_frames_format_and_all_frames(tmp_path):
    frames, _ = synthetic_clip(5, (0.5, 0.5), (10, 10, 50, 50), frames=6)
    write_clip(tmp_path / "v", "lake", frames)
    build_dataset(tmp_path / "v", tmp_path / "d", DatasetSettings(
        flow="dis-fast", max_frames=0, frames_format="png", max_size=32))
    (record,) = open_dataset(tmp_path / "d")
    assert record.frames.is_dir()
    stored = ClipStore().frames(record)
    assert stored.shape == (6, 32, 32, 3)


def test_clips_are_found_recursively_in_name_order(videos):
    found = find_clips(videos["root"])
    assert [(s.relative, s.kind) for s in found] == [
        ("river_flowing-0007.mp4", "video"), ("sub/smoke", "frames")]


def test_eulerian_motion_is_the_average_neighbour_flow():
    frames = np.zeros((4, 8, 8, 3), np.uint8)
    calls = []

    class Fake:
        name = "fake"

        def __call__(self, first, second):
            calls.append(1)
            return np.full((8, 8, 2), float(len(calls)), np.float32)

    motion = eulerian_motion(frames, Fake())
    assert len(calls) == 3 and np.allclose(motion, 2.0)
    with pytest.raises(CinemagraphError, match="at least 2 frames"):
        eulerian_motion(frames[:1], Fake())


def test_motion_mask_is_the_published_rule():
    field = np.zeros((10, 10, 2), np.float32)
    field[:2, :, 0] = 1.0     # energy 1 on 20 pixels: mean 0.2, threshold 0.02
    field[5, 5, 1] = 0.15     # energy 0.0225 > 0.02: in
    field[6, 6, 1] = 0.14     # energy 0.0196 < 0.02: out
    mask = motion_mask(field)
    assert mask[:2].all() and mask[5, 5] == 1 and mask[6, 6] == 0 and mask.sum() == 21


def test_caption_from_name():
    assert caption_from_name("big_waterfall-0012.mp4") == "big waterfall"
    assert caption_from_name("clouds.over.lake") == "clouds over lake"
    assert caption_from_name("0001.mov") == ""


def test_bad_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(CinemagraphError, match="not found"):
        build_dataset(tmp_path / "missing", tmp_path / "d")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CinemagraphError, match="no clips"):
        build_dataset(tmp_path / "empty", tmp_path / "d")
    with pytest.raises(CinemagraphError, match="flow"):
        DatasetSettings(flow="raft")
    with pytest.raises(CinemagraphError, match="not a dataset"):
        open_dataset(tmp_path / "empty")


def test_cli_builds_and_summarises(tmp_path):
    frames, _ = synthetic_clip(6, (1.0, 0.0), (10, 10, 50, 50), frames=5)
    write_clip(tmp_path / "v", "sea", frames)
    runner = CliRunner()
    args = [str(tmp_path / "v"), "-o", str(tmp_path / "d"), "--flow", "dis-fast"]
    result = runner.invoke(dataset_command, args)
    assert result.exit_code == 0, result.exception
    assert "built 1 clip(s)" in result.output
    result = runner.invoke(dataset_command, args)
    assert "built 0 clip(s), 1 already done" in result.output


def test_a_captioning_model_captions_clips_without_a_sidecar(tmp_path):
    frames, _ = synthetic_clip(7, (1.0, 0.0), (10, 10, 50, 50), frames=4)
    write_clip(tmp_path / "v", "a", frames)
    write_clip(tmp_path / "v", "b", frames, caption="from the sidecar")
    seen = []

    def captioner(image):
        seen.append(image.shape)
        return "  a   river\n"

    build_dataset(tmp_path / "v", tmp_path / "d", FAST, captioner=captioner)
    captions = sorted(r.caption for r in open_dataset(tmp_path / "d"))
    assert captions == ["a river", "from the sidecar"] and seen == [(SIZE, SIZE, 3)]


def test_a_dataset_inside_the_videos_folder_is_not_read_as_clips(tmp_path):
    frames, _ = synthetic_clip(8, (1.0, 0.0), (10, 10, 50, 50), frames=4)
    write_clip(tmp_path, "river", frames)
    settings = DatasetSettings(flow="dis-fast", frames_format="png")
    build_dataset(tmp_path, tmp_path / "data", settings)
    again = build_dataset(tmp_path, tmp_path / "data", settings)
    assert again.total == 1 and len(again.done) == 1
