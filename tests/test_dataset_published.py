"""The published Eulerian dataset layout: ``<id>_input.jpg``, ``<id>_motion.pth`` (1×2×H×W),
``<id>_gt.mp4`` and ``id<TAB>caption`` captions, read into the same clip records."""

from __future__ import annotations

import pickle
import sys
import types

import numpy as np
import pytest
import torch
from PIL import Image

from cinemagraph.dataset import ClipStore, open_dataset
from cinemagraph.dataset.published import LZ4_MAGIC, load_published_motion, read_captions
from cinemagraph.errors import CinemagraphError
from cinemagraph.io.video import write_video

H, W = 24, 32


def published_folder(root, with_frames: bool = True):
    rng = np.random.default_rng(0)
    for index, dx in enumerate((2.0, -1.0)):
        identifier = f"0000{index}"
        image = (rng.random((H, W, 3)) * 255).astype(np.uint8)
        Image.fromarray(image).save(root / f"{identifier}_input.jpg")
        motion = torch.zeros(1, 2, H, W)
        motion[0, 0, 4:20, 8:24] = dx
        torch.save(motion, root / f"{identifier}_motion.pth")
        if with_frames and index == 0:
            write_video(root / f"{identifier}_gt.mp4", np.repeat(image[None], 4, axis=0), 10)
    (root / "captions.txt").write_text("00000\ta waterfall\n00001_input.jpg: calm river\n")
    return root


def test_published_layout_reads_into_records(tmp_path):
    records = {r.id: r for r in open_dataset(published_folder(tmp_path))}
    assert set(records) == {"00000", "00001"}
    assert records["00000"].caption == "a waterfall" and records["00001"].caption == "calm river"
    assert records["00000"].frames is not None and records["00001"].frames is None
    store = ClipStore()
    image, mask, field = store.motion(records["00000"])
    assert image.shape == (H, W, 3) and field.shape == (H, W, 2)
    assert mask[4:20, 8:24].all() and mask.sum() == 16 * 16  # derived by the published rule
    assert np.allclose(field[mask > 0, 0], 2.0) and (field[mask == 0] == 0).all()
    assert store.frames(records["00000"]).shape == (4, H, W, 3)


def test_missing_captions_warn_and_leave_the_caption_empty(tmp_path):
    published_folder(tmp_path)
    (tmp_path / "captions.txt").write_text("00000\ta waterfall\n")
    with pytest.warns(UserWarning, match="1 of 2 clips"):
        records = open_dataset(tmp_path)
    assert sorted(r.caption for r in records) == ["", "a waterfall"]


def test_an_explicit_captions_file_wins(tmp_path):
    published_folder(tmp_path)
    other = tmp_path / "mine.tsv"
    other.write_text("00000\tsmoke\n00001\tclouds\n")
    assert sorted(r.caption for r in open_dataset(tmp_path, captions=other)) == ["clouds", "smoke"]
    assert read_captions(other) == {"00000": "smoke", "00001": "clouds"}


def test_lz4_pickled_motion_needs_lz4_and_unpickles_arrays_only(tmp_path, monkeypatch):
    array = np.arange(2 * 3 * 4, dtype=np.float32).reshape(1, 2, 3, 4)
    path = tmp_path / "a_motion.pth"
    path.write_bytes(LZ4_MAGIC + pickle.dumps(array))
    monkeypatch.setitem(sys.modules, "lz4", None)
    with pytest.raises(CinemagraphError, match="pip install lz4"):
        load_published_motion(path)
    # A stand-in lz4 whose "decompression" drops the magic: the restricted unpickler runs.
    frame = types.ModuleType("lz4.frame")
    frame.decompress = lambda data: data[len(LZ4_MAGIC):]
    package = types.ModuleType("lz4")
    package.frame = frame
    monkeypatch.setitem(sys.modules, "lz4", package)
    monkeypatch.setitem(sys.modules, "lz4.frame", frame)
    field = load_published_motion(path)
    assert field.shape == (3, 4, 2) and np.array_equal(field, np.moveaxis(array[0], 0, -1))
    path.write_bytes(LZ4_MAGIC + pickle.dumps({"x": object}))
    with pytest.raises(CinemagraphError, match="not readable"):
        load_published_motion(path)


def test_bad_motion_files_are_one_line_errors(tmp_path):
    path = tmp_path / "b_motion.pth"
    torch.save(torch.zeros(3, 4, 5), path)
    with pytest.raises(CinemagraphError, match="1×2×H×W"):
        load_published_motion(path)
    path.write_bytes(b"garbage")
    with pytest.raises(CinemagraphError, match="not readable"):
        load_published_motion(path)
