"""Model loading: local folders, the DDIM scheduler, devices, missing weights offline."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from diffusers import PNDMScheduler, UNet2DConditionModel

from cinemagraph.diffusion.generate import GenerationSettings, generate
from cinemagraph.diffusion.models import (
    check_sd1_unet,
    dtype_for,
    load_pipeline,
    resolve_device,
)
from cinemagraph.errors import CinemagraphError

pytest_plugins = ("diffusion_helpers",)  # the tiny-pipeline fixtures


def test_local_folder_loads_through_the_real_loader(tiny_pipe, tiny_model_dir):
    loaded = load_pipeline(str(tiny_model_dir), device="cpu")
    assert type(loaded.scheduler).__name__ == "DDIMScheduler"
    assert loaded.safety_checker is None
    assert loaded.unet.dtype == torch.float32
    settings = GenerationSettings(steps=3, width=64, height=64)
    ours = generate(loaded, "a waterfall", settings, twin=None)
    reference = generate(tiny_pipe, "a waterfall", settings, twin=None)
    np.testing.assert_array_equal(ours.image, reference.image)


def test_any_saved_scheduler_becomes_ddim(tiny_pipe, tmp_path):
    tiny_pipe.save_pretrained(tmp_path)
    PNDMScheduler.from_config(tiny_pipe.scheduler.config).save_pretrained(tmp_path / "scheduler")
    loaded = load_pipeline(str(tmp_path), device="cpu")
    assert type(loaded.scheduler).__name__ == "DDIMScheduler"
    assert loaded.scheduler.config.steps_offset == 1


def test_folder_without_model_index_is_a_clear_error(tmp_path):
    with pytest.raises(CinemagraphError, match=r"no model_index\.json"):
        load_pipeline(str(tmp_path), device="cpu")
    with pytest.raises(CinemagraphError, match="does not exist"):
        load_pipeline(str(tmp_path / "nowhere" / "sd"), device="cpu")


def test_missing_hub_model_offline_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CinemagraphError) as info:
        load_pipeline("cinemagraph-tests/no-such-model", device="cpu")
    message = str(info.value)
    assert "'cinemagraph-tests/no-such-model' is not in the Hugging Face cache" in message
    assert "hf download cinemagraph-tests/no-such-model" in message
    assert "cinemagraph never downloads" in message
    assert "\n" not in message


def test_a_missing_model_is_never_downloaded(monkeypatch):
    """Online or not, a model missing from the cache is an error: nothing is fetched."""
    import diffusers

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    calls = []

    def from_pretrained(name, **options):
        calls.append(options.get("local_files_only"))
        raise OSError("not in the cache")

    monkeypatch.setattr(diffusers.StableDiffusionPipeline, "from_pretrained", from_pretrained)
    with pytest.raises(CinemagraphError, match="never downloads"):
        load_pipeline("cinemagraph-tests/no-such-model", device="cpu")
    assert calls == [True]


def test_the_download_command_fits_the_installed_huggingface_hub(monkeypatch):
    import huggingface_hub

    from cinemagraph.diffusion.models import download_command

    monkeypatch.setattr(huggingface_hub, "__version__", "0.33.4")
    assert download_command("a/b") == "huggingface-cli download a/b"
    monkeypatch.setattr(huggingface_hub, "__version__", "1.0.0rc1")
    assert download_command("a/b") == "hf download a/b"


def test_cli_offline_with_empty_cache_prints_one_line(tmp_path):
    """A fresh process, offline, empty cache: one line on stderr, exit 2, no traceback."""
    script = textwrap.dedent(
        """
        import sys
        from cinemagraph.cli import cli, main
        from cinemagraph.cli.generate import generate_command
        cli.add_command(generate_command)
        sys.exit(main(sys.argv[1:]))
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf-home")}
    env.pop("HF_HUB_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", script, "generate", "a waterfall", "-o", str(tmp_path / "run")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: model 'CompVis/stable-diffusion-v1-4' is not in the Hugging Face cache, and "
        "cinemagraph never downloads weights: fetch it with `hf download "
        "CompVis/stable-diffusion-v1-4` (on a machine with internet access, then copy the "
        "cache over) or pass --model /path/to/local/folder"
    ]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "run" / "image.png").exists()


def test_devices_and_dtypes():
    assert resolve_device("cpu") == torch.device("cpu")
    assert dtype_for(torch.device("cpu")) == torch.float32
    assert dtype_for(torch.device("cuda")) == torch.float16
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(CinemagraphError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(CinemagraphError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_non_sd1_unet_is_rejected(tiny_pipe):
    check_sd1_unet(tiny_pipe.unet)
    small = UNet2DConditionModel(
        block_out_channels=(8, 16),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        layers_per_block=1,
        norm_num_groups=8,
        cross_attention_dim=8,
        attention_head_dim=2,
    )
    with pytest.raises(CinemagraphError, match=r"not a Stable Diffusion 1\.x UNet"):
        check_sd1_unet(small)


def test_a_model_index_without_the_pipeline_is_one_line(tmp_path):
    (tmp_path / "model_index.json").write_text("{}")
    with pytest.raises(CinemagraphError, match=r"its model_index\.json has no '_class_name'"):
        load_pipeline(str(tmp_path), device="cpu")


def test_weights_problem_says_what_load_pipeline_would_without_loading(
        tiny_model_dir, tmp_path, monkeypatch):
    from cinemagraph.diffusion.models import weights_problem

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert weights_problem(str(tiny_model_dir)) is None
    for model in (str(tmp_path), str(tmp_path / "nowhere" / "sd"),
                  "cinemagraph-tests/no-such-model"):
        problem = weights_problem(model)
        with pytest.raises(CinemagraphError) as info:
            load_pipeline(model, device="cpu")
        assert problem == str(info.value)
