"""Compiling the kernels once, up front, and saying so."""

import contextlib
import importlib

import numba
import numpy as np
import pytest
from numba.core import event
from numba.core.registry import CPUDispatcher as Dispatcher

from cinemagraph.animate import AnimateSettings, animate, engine
from cinemagraph.animate.compiling import COMPILING, compile_progress
from helpers import box_mask, constant_field, smooth_texture


class _Compilations(event.Listener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def on_start(self, e: event.Event) -> None:
        self.names.append(e.data["dispatcher"].py_func.__qualname__)

    def on_end(self, e: event.Event) -> None:
        pass


@contextlib.contextmanager
def _counting_compilations():
    listener = _Compilations()
    with event.install_listener("numba:compile", listener):
        yield listener.names


def _scenes():
    h, w = 37, 53  # odd sizes
    image = smooth_texture(h, w, seed=3)
    middle = box_mask(h, w, 9, 11, 30, 40)  # a crop inside the image
    rows = box_mask(h, w, 9, 0, 30, w)  # a crop of whole rows
    whole = np.ones((h, w), np.float32)  # the whole image moves
    for mask in (middle, rows, whole):
        yield image, mask, constant_field(h, w, 0.7, -0.4) * mask[..., None]


def _kernel_signatures() -> dict[str, int]:
    """How many compiled versions each of the engine's kernels has in this process."""
    counts = {}
    for module in ("compose", "integrate", "render", "splat"):
        namespace = importlib.import_module(f"cinemagraph.animate.{module}")
        for name, value in vars(namespace).items():
            if isinstance(value, Dispatcher):
                counts[f"{module}.{name}"] = len(value.overloads)
    return counts


@pytest.mark.parametrize("blend", ["contrast", "linear"])
def test_after_preparing_no_scene_needs_another_kernel(blend, monkeypatch):
    engine.prepare_kernels()
    prepared = _kernel_signatures()
    assert prepared["render._splat_both_directions"] == 1
    with _counting_compilations() as compiled:
        for image, mask, field in _scenes():
            animate(image, mask, field, AnimateSettings(frames=5, blend=blend))
        monkeypatch.setattr(engine, "STORED_STATES_BUDGET", 0)  # checkpoints
        image, mask, field = next(_scenes())
        animate(image, mask, field, AnimateSettings(frames=7, blend=blend))
    assert compiled == []
    assert _kernel_signatures() == prepared  # not even one loaded from the disk cache


def test_the_progress_line_shows_while_numba_compiles_and_only_then(capfd):
    with compile_progress(True):
        pass
    assert capfd.readouterr().err == ""

    @numba.njit
    def fresh(x):
        return x * 2 + 1

    with compile_progress(True):
        assert fresh(20) == 41
    err = capfd.readouterr().err
    assert COMPILING in err

    @numba.njit
    def another(x):
        return x - 1

    with compile_progress(False):
        assert another(3) == 2
    assert capfd.readouterr().err == ""


def test_animate_with_progress_prepares_the_kernels_first(monkeypatch):
    calls = []
    monkeypatch.setattr(engine, "prepare_kernels", lambda progress: calls.append(progress))
    image, mask, field = next(_scenes())
    animate(image, mask, field, AnimateSettings(frames=3), progress=True)
    animate(image, mask, field, AnimateSettings(frames=3))
    animate(image, mask, np.zeros_like(field), AnimateSettings(frames=3), progress=True)
    assert calls == [True]  # a still loop needs no kernel
