"""The memory check of a loop: the estimate covers what rendering and writing really hold,
whether the frames are returned or streamed to the encoders, without refusing what fits."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from cinemagraph import limits
from cinemagraph.animate import AnimateSettings, animate, engine, iter_frames
from cinemagraph.errors import CinemagraphError
from cinemagraph.io.video import write_outputs

HEIGHT, WIDTH, FRAMES = 96, 128, 24


def scene() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    image = rng.random((HEIGHT, WIDTH, 3), dtype=np.float32)
    mask = np.ones((HEIGHT, WIDTH), np.float32)  # every pixel moves: the estimate's case
    field = np.zeros((HEIGHT, WIDTH, 2), np.float32)
    field[..., 0], field[..., 1] = 0.7, 0.2
    return image, mask, field


def traced_peak(streamed: bool, output: Path) -> int:
    """Peak bytes allocated while rendering the scene's loop and writing it to ``output``."""
    image, mask, field = scene()
    settings = AnimateSettings(frames=FRAMES)
    list(iter_frames(image, mask, field, AnimateSettings(frames=3)))  # kernels loaded
    tracemalloc.start()
    try:
        if streamed:
            write_outputs([output], iter_frames(image, mask, field, settings), 30,
                          count=FRAMES)
        else:
            write_outputs([output], animate(image, mask, field, settings), 30)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_mirrored_engine_constants_match_the_engine():
    assert limits.STATE_BYTES_PER_POINT == engine.STATE_BYTES_PER_POINT
    assert limits.STORED_STATES_BUDGET == engine.STORED_STATES_BUDGET


@pytest.mark.parametrize(("budget", "cases"), [
    (limits.STORED_STATES_BUDGET, ((True, "a.mp4"),)),
    (100_000, ((True, "a.mp4"), (True, "a.gif"), (False, "b.mp4"))),
])
def test_the_estimate_covers_the_measured_peak_streamed_or_held_and_stays_close(
        tmp_path, monkeypatch, budget, cases):
    # a small budget makes the backward pass keep only its √N checkpoints, as a big
    # photo does
    monkeypatch.setattr(engine, "STORED_STATES_BUDGET", budget)
    monkeypatch.setattr(limits, "STORED_STATES_BUDGET", budget)
    for streamed, name in cases:
        peak = traced_peak(streamed, tmp_path / name)
        estimate = limits.loop_bytes(FRAMES, HEIGHT, WIDTH, [name] if streamed else None)
        assert peak <= estimate <= 1.5 * peak, (name, streamed, peak, estimate)

def test_streaming_to_encoders_that_keep_no_frames_needs_far_less_than_holding_them():
    frames, height, width = 60, 3000, 4000  # a phone photo
    held = limits.loop_bytes(frames, height, width)
    streamed = limits.loop_bytes(frames, height, width, ["a.mp4", "b.webm", "frames/"])
    assert streamed < held - frames * height * width * 2
    # GIF and WebP keep their frames until the end, whatever the case of the extension
    assert limits.loop_bytes(frames, height, width, ["a.mp4", "a.GIF"]) > held
    assert (limits.loop_bytes(frames, height, width, ["a.webp"])
            > limits.loop_bytes(frames, height, width, ["a.gif"]) > streamed)
    # beyond the engine's budget its stored states grow with √N, not N
    assert limits.held_states(frames, height * width) < 3 * np.sqrt(frames)
    assert limits.held_states(frames, 1000) == frames - 1


def test_a_loop_refused_when_held_fits_when_streamed(monkeypatch):
    frames, height, width = 60, 3000, 4000
    streamed = limits.loop_bytes(frames, height, width, ["a.mp4"])
    monkeypatch.setattr(limits, "available_memory", lambda: streamed + 1)
    with pytest.raises(CinemagraphError, match=r"needs about .* of memory"):
        limits.check_loop_memory(frames, height, width)
    assert limits.check_loop_memory(frames, height, width, ["a.mp4"]) == streamed
