"""Signals stop a run cleanly: one line, exit 128 + signal, no temporaries left behind."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest

from cinemagraph.io import atomic
from cinemagraph.signals import Interrupted, in_finaliser, stop_on_signals

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


class _SignalsInFinaliser:
    """An object whose finaliser receives a signal, as numba's LLVM objects may."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.finished = False

    def __del__(self) -> None:
        signal.raise_signal(self.signum)
        self.finished = True


def _wait_for_interrupt(seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.005)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signals_raise_interrupted_with_shell_exit_codes(signum: int) -> None:
    with stop_on_signals(), pytest.raises(Interrupted) as caught:
        signal.raise_signal(signum)
        _wait_for_interrupt()
    assert caught.value.signum == signum
    assert caught.value.exit_code == 128 + signum
    assert isinstance(caught.value, KeyboardInterrupt)


def test_handlers_are_restored_after_the_block() -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with stop_on_signals():
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
    assert {s: signal.getsignal(s) for s in before} == before


def test_signal_inside_a_finaliser_is_not_swallowed() -> None:
    """Raised in ``__del__`` an exception would be printed and ignored; the run must stop."""
    with stop_on_signals(), pytest.raises(Interrupted) as caught:
        victim = _SignalsInFinaliser(signal.SIGINT)
        del victim
        gc.collect()
        _wait_for_interrupt()
    assert caught.value.signum == signal.SIGINT


def test_signal_inside_an_unrecognised_callback_is_sent_again(capsys) -> None:
    """A weakref callback of any name swallows the interrupt; the hook sends it again."""
    class Target:
        pass

    with stop_on_signals(), pytest.raises(Interrupted) as caught:
        target = Target()
        keep = weakref.ref(target, lambda _ref: signal.raise_signal(signal.SIGTERM))
        del target
        _wait_for_interrupt()
    assert caught.value.signum == signal.SIGTERM
    assert keep() is None
    assert "Exception ignored" not in capsys.readouterr().err


def test_in_finaliser_looks_at_the_callers() -> None:
    seen: list[bool] = []

    class Probe:
        def __del__(self) -> None:
            seen.append(in_finaliser(sys._getframe()))

    Probe()
    gc.collect()
    assert seen == [True]
    assert not in_finaliser(sys._getframe())


def _cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cinemagraph", *args], cwd=cwd,
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_killed_demo_exits_with_one_line_and_leaves_nothing(tmp_path: Path, signum: int) -> None:
    process = _cli("demo", "--width", "160", "--height", "120", "--frames", "400", "-q",
                   "-o", "frames/", "-o", "loop.mp4", cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not any(tmp_path.glob(".frames.*.part/*.png")):  # frames are being written
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the demo never started writing frames"
        time.sleep(0.05)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum
    errors = [line for line in stderr.splitlines() if not line.startswith("warning: ")]
    assert errors == [
        "error: interrupted" if signum == signal.SIGINT else "error: stopped by SIGTERM"]
    assert list(tmp_path.iterdir()) == []


def test_later_runs_remove_stale_temporaries_of_their_own_naming(tmp_path: Path) -> None:
    target = tmp_path / "loop.gif"
    stale = tmp_path / ".loop.k3j9x0ab.part.gif"
    fresh = tmp_path / ".loop.zz8y7x6w.part.gif"  # another run's, still being written
    foreign = tmp_path / ".loop.backup.gif"
    stale_folder = tmp_path / ".frames.a1b2c3d4.part"
    for path in (stale, fresh, foreign):
        path.write_bytes(b"x")
    stale_folder.mkdir()
    (stale_folder / "0000.png").write_bytes(b"x")
    old = atomic.PROCESS_START - 3600
    for path in (stale, foreign, stale_folder):
        os.utime(path, (old, old))
    with atomic.atomic_file(target) as tmp:
        tmp.write_bytes(b"GIF89a")
    with atomic.atomic_folder(tmp_path / "frames") as tmp:
        (tmp / "0000.png").write_bytes(b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".loop.backup.gif", ".loop.zz8y7x6w.part.gif", "frames", "loop.gif"])


def test_an_error_raised_on_the_way_out_of_a_signal_is_reported_as_the_signal(
        monkeypatch, capsys) -> None:
    """A library stopped half-way may raise its own error while the interrupt unwinds."""
    from cinemagraph import cli

    def interrupted_compile(_args: list[str]) -> None:
        try:
            raise Interrupted(signal.SIGINT)
        finally:
            raise RuntimeError("no compiled object yet")

    monkeypatch.setattr(cli, "_run", interrupted_compile)
    assert cli.main(["demo"]) == 130
    assert capsys.readouterr().err.splitlines() == ["error: interrupted"]
