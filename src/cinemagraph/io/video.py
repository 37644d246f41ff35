"""Writing a cinemagraph's frames as MP4, WebM, GIF, animated PNG or a folder of PNG frames.

The output kind follows the path:

=================================  ========  ================================================
path                               kind      what is written
=================================  ========  ================================================
``*.mp4``                          mp4       H.264 (libx264), yuv420p, CRF 18, ``+faststart``
``*.webm``                         webm      VP9 (libvpx-vp9), yuv420p, constant quality CRF 30
``*.gif``                          gif       one global palette, ordered (Bayer) dither, loops
``*.png`` / ``*.apng``             apng      animated PNG, lossless, loops forever
ends in ``/`` or existing folder   frames    lossless ``0000.png``, ``0001.png``, …
=================================  ========  ================================================

Extensions are matched case-insensitively. Every output is written atomically: a failure
or an interrupt (``KeyboardInterrupt`` included) leaves nothing at the target.

Video files are encoded by the ffmpeg binary that ships with the ``imageio-ffmpeg`` package
(never a system ffmpeg), fed raw ``rgb24`` frames on its standard input so that the whole
filter graph is ours. H.264 and VP9 in yuv420p need an even width and height: a frame of
odd size is padded by repeating its last row and/or column, so the video is one pixel
taller and/or wider than the frames. The colour conversion uses the BT.709 matrix (limited
range) and tags the stream accordingly, which is what browsers and phones assume.

The GIF palette is computed once from all frames, and the dither is ordered rather than
error diffusion: a pixel's palette index depends only on its colour and position, so a
region that is still in the input is exactly still in the GIF (no shimmering). GIF frame
delays are whole hundredths of a second, so a GIF plays at the nearest such rate (12 fps
becomes 8 cs per frame, 12.5 fps).

A frames folder is written only when it is new, empty, or holds nothing but what
cinemagraph wrote there: every frames folder gets a small manifest,
:data:`FRAMES_MANIFEST`, listing its frames. Any other folder (your photos, ``.``) is
refused with an error, unless ``overwrite`` is set: the frames are then written beside
the folder's files, replacing files of the same names. Rewriting a frames folder removes
the frames that the manifest lists and this run did not write (an earlier, longer loop),
and nothing else. No output may be one of the inputs (:func:`check_outputs`).
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from ..contract import check_frames
from ..errors import CinemagraphError
from .atomic import atomic_file, atomic_folder, check_writable
from .paths import check_not_input, present

#: Output kind for each (lower-case) file extension.
KIND_BY_EXTENSION: dict[str, str] = {
    ".mp4": "mp4",
    ".webm": "webm",
    ".gif": "gif",
    ".png": "apng",
    ".apng": "apng",
}

#: Frame files in a frames folder are named by their index, zero-padded to at least this.
FRAME_NAME_DIGITS = 4

#: Names a frames folder's frame files have (any run, any number of frames).
FRAME_NAME_PATTERN = re.compile(r"^(\d{4,})\.png$")

#: The manifest inside every frames folder cinemagraph writes: the names of its frames.
FRAMES_MANIFEST = ".cinemagraph-frames.json"

#: ffmpeg output options per kind (everything after the input).
_YUV420_FILTER = (
    "scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int,"
    "format=yuv420p,"
    "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"
)
_FFMPEG_OUTPUT_ARGS: dict[str, list[str]] = {
    "mp4": [
        "-vf", _YUV420_FILTER,
        "-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p",
        "-movflags", "+faststart", "-f", "mp4",
    ],
    "webm": [
        "-vf", _YUV420_FILTER,
        "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "30", "-pix_fmt", "yuv420p",
        "-deadline", "good", "-cpu-used", "2", "-row-mt", "1", "-f", "webm",
    ],
    "gif": [
        "-filter_complex",
        "[0:v]split[a][b];[a]palettegen=stats_mode=full[p];"
        "[b][p]paletteuse=dither=bayer:bayer_scale=2",
        "-loop", "0", "-f", "gif",
    ],
    "apng": ["-c:v", "apng", "-pred", "mixed", "-pix_fmt", "rgb24", "-plays", "0", "-f", "apng"],
}  # fmt: skip

#: Kinds whose encoder needs an even width and height.
_EVEN_SIZE_KINDS = frozenset({"mp4", "webm"})


def _supported() -> str:
    return ", ".join(sorted(KIND_BY_EXTENSION)) + ", or a folder ending in '/' for PNG frames"


def _names_folder(path: str | os.PathLike[str]) -> bool:
    text = os.fspath(path)
    seps = tuple(s for s in (os.sep, os.altsep) if s)
    return text.endswith(seps) or Path(text).is_dir()


def output_kind(path: str | os.PathLike[str]) -> str:
    """Return the output kind for ``path``: ``"mp4"``, ``"webm"``, ``"gif"``, ``"apng"``
    or ``"frames"``.

    A path ending in a path separator, or naming an existing folder, is a frames folder;
    otherwise the (case-insensitive) extension decides.
    """
    if _names_folder(path):
        return "frames"
    suffix = Path(path).suffix.lower()
    kind = KIND_BY_EXTENSION.get(suffix)
    if kind is None:
        what = f"extension '{suffix}'" if suffix else "no extension"
        raise CinemagraphError(
            f"cannot write {os.fspath(path)}: unknown output format ({what}); "
            f"supported are {_supported()}"
        )
    return kind


def manifest_frames(folder: Path) -> set[str] | None:
    """The frame names a frames folder's manifest lists, or None where it has no manifest."""
    try:
        data = json.loads((folder / FRAMES_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    names = data.get("frames") if isinstance(data, dict) else None
    if not isinstance(names, list):
        return None
    return {name for name in names if isinstance(name, str) and FRAME_NAME_PATTERN.match(name)}


def check_frames_folder(target: Path, overwrite: bool = False) -> None:
    """Check that frames may be written into ``target``.

    It must be a new folder, an empty one, or one that holds only what cinemagraph wrote
    there (its manifest and the frames it lists); ``overwrite`` admits any folder.
    """
    if target.exists() and not target.is_dir():
        raise CinemagraphError(f"cannot write frames to {target}: it is a file, not a folder")
    check_writable(target / FRAMES_MANIFEST)
    if not target.is_dir() or overwrite:
        return
    ours = manifest_frames(target)
    foreign = sorted(
        item.name for item in target.iterdir()
        if item.name != FRAMES_MANIFEST and (ours is None or item.name not in ours)
    )
    if foreign:
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3
                                           else "")
        raise CinemagraphError(
            f"cannot write frames to {target}: the folder holds files cinemagraph did not "
            f"write ({listed}); name a new or empty folder, or pass --overwrite to write the "
            "frames beside them"
        )


def _check_frames_not_input(original: str | os.PathLike[str], target: Path,
                            inputs: Sequence[Path]) -> None:
    for source in inputs:
        if source.resolve().parent == target.resolve() and (
                FRAME_NAME_PATTERN.match(source.name) or source.name == FRAMES_MANIFEST):
            raise CinemagraphError(
                f"frames folder {os.fspath(original)} would overwrite the input {source}: "
                "name another folder (cinemagraph never writes over its inputs)"
            )


def check_outputs(
    paths: Sequence[str | os.PathLike[str]],
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    *,
    overwrite: bool = False,
) -> list[Path]:
    """Validate output paths before any expensive work; return them as ``Path`` objects.

    Checks that there is at least one, that every kind is known, that no two name the same
    file, that none is one of ``inputs`` (files the job reads), that each one's folder can
    be written (nothing is created yet), and that a frames folder is new, empty or one
    cinemagraph wrote (:func:`check_frames_folder`). The returned paths lose a trailing
    separator, so pass the original paths to :func:`write_outputs` / :func:`write_video`
    for frames folders that do not exist yet.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if len(paths) == 0:
        raise CinemagraphError("no output given: name at least one output file or folder")
    sources = present(inputs)
    kinds = [output_kind(p) for p in paths]
    checked: list[Path] = []
    seen: dict[Path, str] = {}
    for original, kind in zip(paths, kinds, strict=True):
        target = Path(original)
        key = target.resolve()
        if key in seen:
            raise CinemagraphError(
                f"output {os.fspath(original)} is given twice (also as {seen[key]})"
            )
        seen[key] = os.fspath(original)
        if kind == "frames":
            _check_frames_not_input(original, target, sources)
            check_frames_folder(target, overwrite)
        else:
            check_not_input(original, sources)
            if target.is_dir():
                raise CinemagraphError(f"cannot write {target}: it is a folder")
            check_writable(target)
        checked.append(target)
    return checked


def _check_fps(fps: float) -> float:
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise CinemagraphError(f"frame rate must be a number, got {fps!r}")
    value = float(fps)
    if not math.isfinite(value) or value <= 0:
        raise CinemagraphError(f"frame rate must be a positive number of frames/second, got {fps}")
    return value


def _frames_with_progress(frames: np.ndarray, progress: bool, label: str) -> Iterator[np.ndarray]:
    """Yield the frames one by one, under a tqdm bar on stderr when ``progress`` is set."""
    yield from tqdm(
        frames, desc=f"writing {label}", unit="frame", file=sys.stderr, disable=not progress
    )


def _pad_to_even(frame: np.ndarray) -> np.ndarray:
    """Pad an ``H×W×3`` frame to even height and width by repeating its last row/column."""
    pad_h, pad_w = frame.shape[0] % 2, frame.shape[1] % 2
    if pad_h == 0 and pad_w == 0:
        return frame
    return np.pad(frame, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")


def _ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise CinemagraphError(
            f"ffmpeg is not available ({exc}); reinstall it with `pip install imageio-ffmpeg`"
        ) from exc


def _frame_rate_arg(fps: float) -> str:
    rate = Fraction(fps).limit_denominator(100_000)
    return f"{rate.numerator}/{rate.denominator}"


def _last_line(text: bytes) -> str:
    """The last non-empty line of ffmpeg's stderr, without its ``[component @ 0x…]`` tags."""
    lines = [line.strip() for line in text.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return re.sub(r"^(\[[^\]]*@ 0x[0-9a-f]+\]\s*)+", "", lines[-1]) if lines else ""


def _encode_with_ffmpeg(
    kind: str, frames: np.ndarray, fps: float, out_path: Path, target: Path, progress: bool
) -> None:
    """Pipe ``frames`` (uint8 ``N×H×W×3``) as raw rgb24 into ffmpeg, writing ``out_path``.

    ffmpeg is always killed and reaped before this returns or raises.
    """
    height, width = frames.shape[1:3]
    if kind in _EVEN_SIZE_KINDS:
        height, width = height + height % 2, width + width % 2
    command = [
        _ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", f"{width}x{height}",
        "-framerate", _frame_rate_arg(fps), "-i", "pipe:0",
        *_FFMPEG_OUTPUT_ARGS[kind], os.fspath(out_path),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as stderr:
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr
            )
        except OSError as exc:
            raise CinemagraphError(f"cannot run ffmpeg to write {target}: {exc}") from exc
        assert process.stdin is not None
        try:
            try:
                for frame in _frames_with_progress(frames, progress, target.name):
                    if kind in _EVEN_SIZE_KINDS:
                        frame = _pad_to_even(frame)
                    process.stdin.write(np.ascontiguousarray(frame).data)
                process.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg quit early; its exit status and stderr say why
            status = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            with contextlib.suppress(OSError):
                process.stdin.close()
        if status != 0:
            stderr.seek(0)
            reason = _last_line(stderr.read()) or f"ffmpeg exited with status {status}"
            raise CinemagraphError(f"cannot write {target}: ffmpeg failed: {reason}")


def frame_file_name(index: int, count: int) -> str:
    """File name of frame ``index`` of ``count`` in a frames folder, e.g. ``"0007.png"``.

    Indices are zero-padded to at least 4 digits, more when ``count`` > 10000, so that
    sorting the names sorts the frames.
    """
    digits = max(FRAME_NAME_DIGITS, len(str(max(count - 1, 0))))
    return f"{index:0{digits}d}.png"


def _write_manifest(path: Path, names: Iterable[str]) -> None:
    from .. import __version__

    text = json.dumps({"written_by": f"cinemagraph {__version__}", "frames": sorted(names)},
                      indent=1)
    path.write_text(text + "\n", encoding="utf-8")


def _write_frames_folder(target: Path, frames: np.ndarray, progress: bool) -> None:
    """Write lossless PNG frames and their manifest into ``target``, then remove stale frames.

    A stale frame is one that the folder's previous manifest lists and this run did not
    write, e.g. ``0011.png`` left by an earlier run with more frames. Other files in the
    folder are left alone. Until the stale frames are gone the manifest lists them too, so
    an interrupted rewrite still leaves a folder that a later run recognises as its own.
    """
    count = frames.shape[0]
    written = [frame_file_name(i, count) for i in range(count)]
    previous = (manifest_frames(target) or set()) if target.is_dir() else set()
    with atomic_folder(target) as tmp:
        for name, frame in zip(
            written, _frames_with_progress(frames, progress, f"{target.name}/"), strict=True
        ):
            Image.fromarray(np.ascontiguousarray(frame)).save(tmp / name, format="PNG")
        _write_manifest(tmp / FRAMES_MANIFEST, previous | set(written))
    stale = previous - set(written)
    if not stale:
        return
    for name in sorted(stale):
        item = target / name
        if item.is_file() and not item.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                item.unlink()
    with atomic_file(target / FRAMES_MANIFEST) as tmp:
        _write_manifest(tmp, written)


def write_video(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    fps: float,
    *,
    progress: bool = False,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    overwrite: bool = False,
) -> Path:
    """Write ``frames`` to ``path`` in the format its extension names; return the path.

    Args:
        path: output file (``.mp4``, ``.webm``, ``.gif``, ``.png``/``.apng``) or frames
            folder (ending in a separator, or an existing folder); see the module docstring.
        frames: uint8 ``N×H×W×3`` RGB frames, 0…255; frame N would equal frame 0.
        fps: frames per second, a finite number > 0.
        progress: show a progress bar over the frames on stderr.
        inputs: files the job read, which ``path`` must not be (or, for a frames folder,
            hold as a frame).
        overwrite: write a frames folder even where it holds files cinemagraph did not
            write (see the module docstring).

    Raises:
        CinemagraphError: unknown format, unwritable location, a folder of someone else's
            files, an input as output, bad frames or fps, or an encoder failure. Nothing is
            left at ``path`` when it raises.
    """
    frames = check_frames(frames)
    fps = _check_fps(fps)
    kind = output_kind(path)
    (target,) = check_outputs([path], inputs, overwrite=overwrite)
    if kind == "frames":
        _write_frames_folder(target, frames, progress)
    else:
        with atomic_file(target) as tmp:
            _encode_with_ffmpeg(kind, frames, fps, tmp, target, progress)
    return target


def write_outputs(
    paths: Sequence[str | os.PathLike[str]],
    frames: np.ndarray,
    fps: float,
    *,
    progress: bool = False,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    overwrite: bool = False,
) -> list[Path]:
    """Write ``frames`` (uint8 ``N×H×W×3``) at ``fps`` to every path; return the paths.

    All paths are validated (:func:`check_outputs`, with ``inputs`` and ``overwrite``)
    before anything is written.
    """
    frames = check_frames(frames)
    fps = _check_fps(fps)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    inputs = list(inputs)
    check_outputs(paths, inputs, overwrite=overwrite)
    return [write_video(path, frames, fps, progress=progress, inputs=inputs,
                        overwrite=overwrite) for path in paths]
