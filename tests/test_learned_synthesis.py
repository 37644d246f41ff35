"""The frame-synthesis network: feature splatting, the loop contract of its renderer, and
its training loop, checkpoints and command."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cinemagraph.animate import AnimateSettings, blend_weights
from cinemagraph.cli.train import train_synthesis_command
from cinemagraph.contract import to_uint8
from cinemagraph.dataset import DatasetSettings, build_dataset
from cinemagraph.errors import CinemagraphError
from cinemagraph.learned import (
    SynthesisNet,
    SynthesisNetConfig,
    SynthesisTrainSettings,
    load_synthesis_model,
    save_checkpoint,
    train_synthesis,
)
from cinemagraph.learned.checkpoint import load_checkpoint
from cinemagraph.learned.losses import PerceptualLoss, perceptual_loss, ssim
from cinemagraph.learned.synthesis_model import SynthesisModel
from cinemagraph.learned.synthesis_net import splat_symmetric
from helpers import box_mask, constant_field, one_torch_thread, smooth_texture
from test_dataset_build import synthetic_clip, write_clip

CONFIG = SynthesisNetConfig(size=32, features=4, encoder_width=4, decoder_channels=(4, 8),
                            context=4)


@pytest.fixture(autouse=True)
def single_threaded_test():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthesis-videos")
    for index, velocity in enumerate([(1.0, 0.0), (0.0, 1.0), (-1.0, 0.5), (0.5, -1.0)]):
        frames, _ = synthetic_clip(200 + index, velocity, (8, 8, 56, 56), frames=8)
        write_clip(root, f"clip{index}", frames)
    folder = tmp_path_factory.mktemp("synthesis-data")
    build_dataset(root, folder, DatasetSettings(flow="dis-fast", frames_format="png"))
    return folder


def untrained_model(config: SynthesisNetConfig = CONFIG, seed: int = 0) -> SynthesisModel:
    torch.manual_seed(seed)
    net = SynthesisNet(config)
    # A decoder whose last layer is not zero, so that the correction path is exercised.
    torch.nn.init.normal_(net.decoder.out.weight, std=0.05)
    return SynthesisModel(net, torch.device("cpu"))


def scene(size: int = 48):
    image = smooth_texture(size, size, seed=3, blur=1.5)
    mask = box_mask(size, size, 10, 12, 38, 40)
    return image, mask, constant_field(size, size, 0.8, -0.4)


def test_splat_symmetric_is_exact_at_rest_and_differentiable():
    values = torch.rand(5, 6, 7, requires_grad=True)
    z = torch.randn(1, 6, 7, requires_grad=True)
    rest = (torch.zeros(6, 7, 2), torch.ones(6, 7, dtype=torch.bool))
    out, coverage = splat_symmetric(values, values, z, z, rest, rest, 0.3)
    assert torch.allclose(out, values, atol=1e-5) and torch.allclose(coverage, torch.ones(1, 6, 7))
    shift = torch.zeros(6, 7, 2)
    shift[..., 0] = 2.0
    moved, coverage = splat_symmetric(values, values, z, z,
                                      (shift, torch.ones(6, 7, dtype=torch.bool)), rest, 0.0)
    assert (coverage[0, :, :2] == 0).all() and (moved[:, :, :2] == 0).all()  # holes
    assert torch.allclose(moved[:, :, 2:], values[:, :, :5], atol=1e-5)
    (moved * torch.randn_like(moved)).sum().backward()
    assert values.grad.abs().sum() > 0


def test_low_importance_is_not_a_hole():
    values = torch.rand(3, 4, 4)
    z = torch.full((1, 4, 4), -9.0)
    z[0, 0, 0] = 9.0  # one very important pixel: the others weigh e^-18
    rest = (torch.zeros(4, 4, 2), torch.ones(4, 4, dtype=torch.bool))
    out, coverage = splat_symmetric(values, values, z, z, rest, rest, 0.5)
    assert (coverage > 0.5).all() and torch.allclose(out, values, atol=1e-4)


def test_render_keeps_the_loop_contract():
    image, mask, field = scene()
    settings = AnimateSettings(frames=10, feather=2.0, device="cpu")
    model = untrained_model()
    frames = model.render(image, mask, field, settings)
    assert frames.shape == (10, 48, 48, 3) and frames.dtype == np.uint8
    assert np.array_equal(frames[0], to_uint8(image))
    still = blend_weights(mask, 2.0) == 0
    assert (frames[:, still] == to_uint8(image)[still]).all()
    assert (frames[:, ~still] != frames[0][~still]).any()
    steps = [np.abs(frames[(t + 1) % 10].astype(int) - frames[t]).mean() for t in range(10)]
    assert steps[-1] <= 1.5 * max(steps[:-1])  # the step back to frame 0 is an ordinary one
    assert np.array_equal(frames, model.render(image, mask, field, settings))
    zero = model.render(image, mask, np.zeros_like(field), settings)
    assert (zero == to_uint8(image)).all()


def test_training_runs_resumes_and_the_model_renders(data, tmp_path):
    path = tmp_path / "synth.ckpt"
    settings = SynthesisTrainSettings(steps=4, batch=2, lr=1e-3, device="cpu",
                                      val_fraction=0.25, val_every=2, checkpoint_every=2)
    losses = []
    result = train_synthesis(data, path, settings, config=CONFIG,
                             on_step=lambda step, values: losses.append(values["loss"]))
    assert result.step == 4 and len(losses) == 4 and np.isfinite(losses).all()
    assert [h["step"] for h in result.history] == [2, 4]
    assert all(h["val_l1"] < 0.5 and h["val_l1_splat"] < 0.5 for h in result.history)
    more = SynthesisTrainSettings(**{**settings.__dict__, "steps": 6})
    steps = []
    train_synthesis(data, path, more, resume=True, on_step=lambda step, _: steps.append(step))
    assert steps == [5, 6] and load_checkpoint(path, "synthesis")["training"]["step"] == 6
    model = load_synthesis_model(path, "cpu")
    image, mask, field = scene()
    frames = model.render(image, mask, field, AnimateSettings(frames=4, device="cpu"))
    assert np.array_equal(frames[0], to_uint8(image))


def test_wrong_checkpoints_are_clear_errors(tmp_path):
    motion = tmp_path / "motion.ckpt"
    save_checkpoint(motion, "motion", {}, {"motion_norm": 1.0}, {})
    with pytest.raises(CinemagraphError, match="motion-model checkpoint, not a synthesis"):
        load_synthesis_model(motion, "cpu")
    odd = tmp_path / "odd.ckpt"
    save_checkpoint(odd, "synthesis", {"size": 30, "decoder_channels": [4, 8, 16]}, {}, {})
    with pytest.raises(CinemagraphError, match="multiple of 4"):
        load_synthesis_model(odd, "cpu")


def test_losses_without_and_with_a_perceptual_network():
    x = torch.rand(2, 3, 16, 16)
    assert float(ssim(x, x)) == pytest.approx(1.0, abs=1e-5)
    assert float(ssim(x, torch.rand(2, 3, 16, 16))) < 0.5
    assert perceptual_loss("none") is None
    torch.manual_seed(0)
    features = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU())
    loss = PerceptualLoss(_Tapped(features))
    assert float(loss(x, x)) == 0.0 and float(loss(x, x.flip(-1))) > 0
    try:
        import torchvision  # noqa: F401
    except ImportError:
        with pytest.raises(CinemagraphError, match="torchvision"):
            perceptual_loss("vgg16")


class _Tapped(torch.nn.Module):
    def __init__(self, layers: torch.nn.Module) -> None:
        super().__init__()
        self.layers = layers

    def forward(self, x):
        return [self.layers(x)]


def test_cli_trains_and_reports(data, tmp_path):
    out = tmp_path / "cli.ckpt"
    result = CliRunner().invoke(train_synthesis_command, [
        str(data), "-o", str(out), "--steps", "2", "--batch", "1", "--size", "32",
        "--width", "4", "--device", "cpu", "--val-fraction", "0.25"])
    assert result.exit_code == 0, result.exception
    assert "validation L1" in result.output and "plain RGB splat" in result.output
    assert load_checkpoint(out, "synthesis")["config"]["features"] == 4
