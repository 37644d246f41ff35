"""The motion network: it learns from a dataset built from synthetic clips, its checkpoints
round-trip, an interrupted run resumes where it stopped, and bad files are clear errors.

The synthetic clips' motion depends on their caption only (the texture and the box are
random): "river flowing" moves right, "waterfall falling" down, "smoke rising" up and
"clouds drifting" left. So predicting the direction of a held-out clip needs the text,
which goes through the tiny random SD pipeline's CLIP text encoder.

That encoder embeds the captions almost alike (cosine ≈ 0.98 for "river flowing" and
"waterfall falling"), so the text is slow to learn, while a few training clips, told apart
by their boxes and textures, are quick to memorise — and a net that memorised them fails
on the held-out clips. ``dataset`` and ``trained`` are set up so that the text wins early
and clearly, whatever the torch thread count or the engine's blend.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cinemagraph.cli.train import train_motion_command
from cinemagraph.dataset import (
    ClipStore,
    DatasetSettings,
    build_dataset,
    open_dataset,
    split_records as split,
)
from cinemagraph.dataset.layout import clip_id, validation_score
from cinemagraph.diffusion.tiny import tiny_pipeline
from cinemagraph.errors import CinemagraphError
from cinemagraph.learned import (
    MotionNetConfig,
    MotionTrainSettings,
    TextEncoder,
    load_motion_model,
    save_checkpoint,
    train_motion,
)
from cinemagraph.learned.checkpoint import load_checkpoint
from cinemagraph.learned.hints import hint_maps
from cinemagraph.learned.losses import endpoint_error
from helpers import one_torch_thread
from test_dataset_build import angle_between, synthetic_clip, write_clip

CAPTIONS = {"river flowing": (1.0, 0.0), "waterfall falling": (0.0, 1.0),
            "smoke rising": (0.0, -1.0), "clouds drifting": (-1.0, 0.0)}
VAL_FRACTION = 0.2
CLIPS_PER_CAPTION = 8


@pytest.fixture(autouse=True)
def single_threaded_test():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder.from_pipeline(tiny_pipeline(seed=0))


def tiny_config(encoder: TextEncoder | None, hints: bool = False) -> MotionNetConfig:
    # 32 px (the 64 px clips are resized): a step costs half of one at 64 px, which pays
    # for the batch of 8 that `trained` needs.
    return MotionNetConfig(size=32, channels=(8, 16, 32), attention_levels=2, heads=2,
                           text_dim=encoder.dim if encoder else 0, hints=hints, spade_hidden=8)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> dict:
    """32 clips, each caption on 6 training and 2 held-out ones.

    The captions are dealt after the split (which hashes the clip names): with 5 clips a
    caption dealt in turn, 2 of the 4 held-out clips were waterfalls and none a river, and
    the 3 training waterfalls against 5 rivers were easier memorised than told apart from
    them by the text. 6 clips a caption are also harder to memorise than 4.
    """
    root = tmp_path_factory.mktemp("motion-videos")
    rng = np.random.default_rng(0)
    names = [f"clip{index:02d}" for index in range(CLIPS_PER_CAPTION * len(CAPTIONS))]
    held = [name for name in names if validation_score(clip_id(name)) < VAL_FRACTION]
    dealt = [name for name in names if name not in held] + held
    captions = {name: list(CAPTIONS)[k % len(CAPTIONS)] for k, name in enumerate(dealt)}
    for index, name in enumerate(names):
        top, left = rng.integers(2, 18, size=2)
        box = (top, left, top + rng.integers(32, 44), left + rng.integers(32, 44))
        frames, _ = synthetic_clip(100 + index, CAPTIONS[captions[name]], box, frames=6)
        write_clip(root, name, frames, caption=captions[name])
    data = tmp_path_factory.mktemp("motion-data")
    build_dataset(root, data, DatasetSettings(flow="dis-fast", frames_format="png"))
    return {"data": data, "records": open_dataset(data)}


@pytest.fixture(scope="module")
def trained(dataset, encoder, tmp_path_factory) -> dict:
    """A text-conditioned run that learns the text rather than the clips.

    A batch of 8 averages the per-clip noise out of the gradient, and there is no caption
    dropout: an example without its caption can only be fitted by recognising its clip,
    i.e. by memorising. No flips: the captions name no side, so a mirrored river would
    contradict its caption. Measured over training seeds 0–2, 1 and 2 torch threads, the
    engine's "linear" and "contrast" blends, 6- and 8-frame clips and other box draws: the
    validation EPE is 0.17–0.28 × the zero field's at step 400 (≤ 0.5 at step 200) and every
    held-out direction is within 8°.
    """
    path = tmp_path_factory.mktemp("motion-ckpt") / "motion.ckpt"
    settings = MotionTrainSettings(steps=400, batch=8, lr=2e-3, device="cpu",
                                   val_fraction=VAL_FRACTION, val_every=200,
                                   checkpoint_every=0, flip=False, min_crop=0.8,
                                   caption_dropout=0.0)
    with one_torch_thread():
        result = train_motion(dataset["data"], path, settings, config=tiny_config(encoder),
                              text_encoder=encoder)
    return {"path": path, "result": result}


def test_training_beats_the_zero_field_and_predicts_held_out_directions(
        dataset, trained, encoder):
    history = trained["result"].history
    assert [h["step"] for h in history] == [200, 400]
    assert history[-1]["val_epe"] < 0.5 * history[-1]["val_zero_epe"]
    model = load_motion_model(trained["path"], "cpu", text_encoder=encoder)
    _, held_out = split(dataset["records"], VAL_FRACTION)
    assert sorted(r.caption for r in held_out) == sorted(2 * list(CAPTIONS))
    store = ClipStore()
    for record in held_out:
        image, mask, truth = store.motion(record)
        field = model.predict(image, mask, record.caption)
        assert angle_between(field[mask > 0].mean(0), truth[mask > 0].mean(0)) < 20


def test_checkpoint_round_trips(dataset, trained, encoder, tmp_path):
    checkpoint = load_checkpoint(trained["path"], "motion")
    assert checkpoint["version"] == 1 and checkpoint["training"]["step"] == 400
    assert checkpoint["normalisation"]["motion_norm"] > 0
    assert len(checkpoint["normalisation"]["text_reference"]) == encoder.dim
    copy = tmp_path / "copy.ckpt"
    save_checkpoint(copy, "motion", checkpoint["config"], checkpoint["normalisation"],
                    checkpoint["weights"])
    image, mask, _ = ClipStore().motion(dataset["records"][0])
    first = load_motion_model(trained["path"], "cpu", encoder).predict(image, mask, "smoke")
    second = load_motion_model(copy, "cpu", encoder).predict(image, mask, "smoke")
    assert np.array_equal(first, second)


def test_predict_follows_the_field_contract(dataset, trained, encoder):
    model = load_motion_model(trained["path"], "cpu", encoder)
    image, _, _ = ClipStore().motion(dataset["records"][0])
    image = np.ascontiguousarray(np.concatenate([image, image[:, :16]], axis=1))  # 64×80
    mask = np.zeros(image.shape[:2], np.float32)
    mask[10:40, 20:70] = 0.6
    field = model.predict(image, mask, "waterfall falling")
    assert field.shape == (64, 80, 2) and field.dtype == np.float32
    assert (field[mask == 0] == 0).all() and np.abs(field[mask > 0]).max() > 0
    assert field[mask > 0, 1].mean() > 0  # falls
    assert (model.predict(image, np.zeros_like(mask), "waterfall") == 0).all()
    with pytest.raises(CinemagraphError, match="mask"):
        model.predict(image, mask[:10], "waterfall")


def test_resumed_run_continues_from_its_step_and_matches_an_uninterrupted_one(
        dataset, tmp_path):
    settings = MotionTrainSettings(steps=8, batch=2, lr=1e-3, device="cpu", val_fraction=0.2,
                                   val_every=0, checkpoint_every=3)
    config = tiny_config(None, hints=True)
    whole = train_motion(dataset["data"], tmp_path / "whole.ckpt", settings, config=config)
    assert whole.step == 8

    def stop_after_five(step, losses):
        if step == 5:
            raise KeyboardInterrupt

    cut = tmp_path / "cut.ckpt"
    with pytest.raises(KeyboardInterrupt):
        train_motion(dataset["data"], cut, settings, config=config, on_step=stop_after_five)
    assert load_checkpoint(cut, "motion")["training"]["step"] == 5
    with pytest.raises(CinemagraphError, match="--resume"):
        train_motion(dataset["data"], cut, settings, config=config)
    steps = []
    resumed = train_motion(dataset["data"], cut, settings, resume=True,
                           on_step=lambda step, losses: steps.append(step))
    assert steps == [6, 7, 8] and resumed.step == 8
    a = load_checkpoint(tmp_path / "whole.ckpt", "motion")["weights"]
    b = load_checkpoint(cut, "motion")["weights"]
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_bad_and_mismatched_checkpoints_are_clear_errors(trained, tmp_path, encoder):
    with pytest.raises(CinemagraphError, match="not found"):
        load_motion_model(tmp_path / "none.ckpt", "cpu")
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"\x00 not a checkpoint")
    with pytest.raises(CinemagraphError, match="not a readable cinemagraph checkpoint"):
        load_motion_model(junk, "cpu")
    other = tmp_path / "other.ckpt"
    torch.save({"weights": {}}, other)
    with pytest.raises(CinemagraphError, match="not a cinemagraph checkpoint"):
        load_motion_model(other, "cpu")
    checkpoint = load_checkpoint(trained["path"], "motion")
    synthesis = tmp_path / "synthesis.ckpt"
    save_checkpoint(synthesis, "synthesis", {}, {}, {})
    with pytest.raises(CinemagraphError, match="synthesis-model checkpoint, not a motion"):
        load_motion_model(synthesis, "cpu")
    newer = tmp_path / "newer.ckpt"
    torch.save({**checkpoint, "version": 99}, newer)
    with pytest.raises(CinemagraphError, match="newer cinemagraph"):
        load_motion_model(newer, "cpu")
    wider = tmp_path / "wider.ckpt"
    save_checkpoint(wider, "motion", {**checkpoint["config"], "channels": [16, 32, 64]},
                    checkpoint["normalisation"], checkpoint["weights"])
    with pytest.raises(CinemagraphError, match="do not match its configuration"):
        load_motion_model(wider, "cpu")
    model = load_motion_model(trained["path"], "cpu")
    narrow = TextEncoder(encoder.tokenizer, torch.nn.Module(), "narrow")
    narrow.model.config = type("Config", (), {"hidden_size": 8})()
    with pytest.raises(CinemagraphError, match="8-wide"):
        model.attach_text_encoder(narrow)


def test_hints_steer_the_input_channels_and_the_output(dataset, tmp_path):
    maps = hint_maps([(10, 20, 2.0, -1.0)], (40, 40), norm=2.0)
    assert maps.shape == (40, 40, 3)
    assert np.allclose(maps[20, 10], [1.0, -0.5, 1.0]) and maps[0, 39, 2] < 1e-3
    assert (hint_maps([], (8, 8), 1.0) == 0).all()
    settings = MotionTrainSettings(steps=1, batch=2, device="cpu", val_fraction=0.2)
    path = tmp_path / "hinted.ckpt"
    train_motion(dataset["data"], path, settings, config=tiny_config(None, hints=True))
    model = load_motion_model(path, "cpu")
    image, mask, _ = ClipStore().motion(dataset["records"][0])
    ys, xs = np.nonzero(mask)
    plain = model.predict(image, mask)
    hinted = model.predict(image, mask, hints=[(xs[0], ys[0], 3.0, 0.0)])
    assert not np.array_equal(plain, hinted)


def test_adversarial_terms_train(dataset, tmp_path):
    losses = []
    settings = MotionTrainSettings(steps=2, batch=2, device="cpu", val_fraction=0.2,
                                   gan_weight=0.1)
    train_motion(dataset["data"], tmp_path / "gan.ckpt", settings, config=tiny_config(None),
                 on_step=lambda step, values: losses.append(values))
    assert all(np.isfinite(list(v.values())).all() and {"adv", "disc", "epe"} <= set(v)
               for v in losses)
    checkpoint = load_checkpoint(tmp_path / "gan.ckpt", "motion")
    assert "discriminator" in checkpoint["training"]


def test_text_conditioned_training_needs_an_encoder(dataset, encoder, tmp_path):
    with pytest.raises(CinemagraphError, match="--no-text"):
        train_motion(dataset["data"], tmp_path / "m.ckpt",
                     MotionTrainSettings(steps=1, device="cpu"), config=tiny_config(encoder))


def test_endpoint_error_is_averaged_over_the_mask():
    pred = torch.zeros(2, 2, 4, 4)
    target = torch.zeros(2, 2, 4, 4)
    target[0, 0, :2] = 3.0
    target[0, 1, :2] = 4.0
    mask = torch.zeros(2, 1, 4, 4)
    mask[0, :, :2] = 1
    assert float(endpoint_error(pred, target, mask)) == pytest.approx(2.5)  # (5 + 0) / 2


def test_cli_trains_without_text_and_resumes(dataset, tmp_path):
    out = tmp_path / "cli.ckpt"
    common = [str(dataset["data"]), "-o", str(out), "--steps", "2", "--batch", "2",
              "--size", "32", "--width", "4", "--no-text", "--device", "cpu",
              "--val-fraction", "0.2"]
    result = CliRunner().invoke(train_motion_command, common)
    assert result.exit_code == 0, result.exception
    assert f"wrote {out} (step 2); validation EPE" in result.output
    result = CliRunner().invoke(train_motion_command, common)
    assert isinstance(result.exception, CinemagraphError)
    result = CliRunner().invoke(train_motion_command, [*common[:4], "4", *common[5:],
                                                       "--resume", "-q"])
    assert result.exit_code == 0, result.exception
    assert load_checkpoint(out, "motion")["training"]["step"] == 4


def test_cli_loads_the_text_encoder_from_a_local_model_folder(dataset, tmp_path):
    folder = tmp_path / "tiny-sd"
    tiny_pipeline(seed=0).save_pretrained(folder)
    out = tmp_path / "text.ckpt"
    result = CliRunner().invoke(train_motion_command, [
        str(dataset["data"]), "-o", str(out), "--steps", "1", "--batch", "2", "--size", "32",
        "--width", "4", "--model", str(folder), "--device", "cpu", "--val-fraction", "0.2",
        "--no-hints", "-q"])
    assert result.exit_code == 0, result.exception
    assert load_checkpoint(out, "motion")["config"]["text_dim"] == 32
    model = load_motion_model(out, "cpu")  # no encoder given: loaded from the folder on use
    image, mask, _ = ClipStore().motion(dataset["records"][0])
    assert model.predict(image, mask, "smoke rising").shape == (*mask.shape, 2)
    assert model.text_encoder is not None and model.text_encoder.dim == 32


def test_a_missing_text_model_offline_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-cache"))
    with pytest.raises(CinemagraphError, match="not in the Hugging Face cache"):
        TextEncoder.load("someone/not-a-cached-model", "cpu")
