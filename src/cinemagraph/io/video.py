"""Writing a cinemagraph's frames as MP4, WebM, GIF, WebP, animated PNG or PNG frames.

The output kind follows the path:

=================================  ========  ================================================
path                               kind      what is written
=================================  ========  ================================================
``*.mp4``                          mp4       H.264 (libx264), yuv420p, CRF 18, ``+faststart``,
                                             one GOP per loop tuned for the loop point
``*.webm``                         webm      VP9 (libvpx-vp9), yuv420p, constant quality CRF 30
``*.gif``                          gif       one palette, still pixels transparent, loops
``*.webp``                         webp      lossy animated WebP (quality 80), loops forever
``*.png`` / ``*.apng``             apng      animated PNG, lossless, loops forever
ends in ``/`` or existing folder   frames    lossless ``0000.png``, ``0001.png``, …
=================================  ========  ================================================

Extensions are matched case-insensitively. Every output is written atomically: a failure
or an interrupt (``KeyboardInterrupt`` included) leaves nothing at the target. Several
outputs are written in one pass over the frames, and frames may come from an iterator
(:func:`write_outputs` with ``count``): mp4, webm, animated PNG and frames folders are
streamed, one frame in memory at a time; GIF and WebP keep their frames until the end.
``quality`` is the CRF of mp4 and webm (lower: better and larger); ``width`` scales the
output (aspect ratio kept) for sharing.

Video files are encoded by the ffmpeg binary that ships with the ``imageio-ffmpeg`` package
(never a system ffmpeg), fed raw ``rgb24`` frames on its standard input so that the whole
filter graph is ours. H.264 and VP9 in yuv420p need an even width and height: a frame of
odd size is padded by repeating its last row and/or column, so the video is one pixel
taller and/or wider than the frames. The colour conversion uses the BT.709 matrix (limited
range) and tags the stream accordingly, which is what browsers and phones assume.

An H.264 loop hides its loop point (:func:`x264_loop_params`): in a GOP the P-frames drift
from the source, so the wrap from the last frame back to the fresh I-frame would be a
visible step, 1.4–2.1× a typical one on real photos at CRF 18 where the rendered frames'
own step is 0.96–1.12. A finer I-frame and a last third of the loop that converges back
to the source bring it to 1.11–1.20, for files 1.5–1.9× larger
(``benchmarks/bench_files.py``).

GIF and WebP are written by Pillow (:mod:`.animated`): the GIF has one palette, draws
still pixels once (so they are exactly still) and gets delays that average the frame
rate (30 fps: 30, 40, 30 ms …), as GIF delays are whole hundredths of a second.

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
import itertools
import json
import math
import numbers
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from tqdm import tqdm

from ..contract import check_frames
from ..errors import CinemagraphError
from .atomic import atomic_file, atomic_folder, check_writable
from .paths import check_output_file, present

#: Output kind for each (lower-case) file extension.
KIND_BY_EXTENSION: dict[str, str] = {
    ".mp4": "mp4",
    ".webm": "webm",
    ".gif": "gif",
    ".webp": "webp",
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
    "apng": ["-c:v", "apng", "-pred", "mixed", "-pix_fmt", "rgb24", "-plays", "0", "-f", "apng"],
}  # fmt: skip

#: Kinds whose encoder needs an even width and height.
_EVEN_SIZE_KINDS = frozenset({"mp4", "webm"})

#: Kinds written by Pillow (:mod:`.animated`) rather than ffmpeg.
_PILLOW_KINDS = frozenset({"gif", "webp"})

#: The CRF (``quality``) of each kind that takes one, and its largest value.
DEFAULT_QUALITY: dict[str, int] = {"mp4": 18, "webm": 30}
MAX_QUALITY: dict[str, int] = {"mp4": 51, "webm": 63}


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
            check_output_file(original, sources)
        checked.append(target)
    return checked


def _check_fps(fps: float) -> float:
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise CinemagraphError(f"frame rate must be a number, got {fps!r}")
    value = float(fps)
    if not math.isfinite(value) or value <= 0:
        raise CinemagraphError(f"frame rate must be a positive number of frames/second, got {fps}")
    return value


def check_quality(quality: int | None) -> int | None:
    """A CRF for mp4/webm: a whole number 0…51 (0…63 for webm); None: each kind's default."""
    if quality is None:
        return None
    if isinstance(quality, bool) or not isinstance(quality, numbers.Integral):
        raise CinemagraphError(f"quality must be a whole CRF number, got {quality!r}")
    if not 0 <= int(quality) <= MAX_QUALITY["mp4"]:
        raise CinemagraphError(
            f"quality (CRF) must be between 0 (best, largest) and {MAX_QUALITY['mp4']}, "
            f"got {quality}")
    return int(quality)


def check_width(width: int | None) -> int | None:
    """An output width in pixels (≥ 2), or None for the frames' own width."""
    if width is None:
        return None
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 2:
        raise CinemagraphError(f"output width must be a whole number of pixels ≥ 2, got {width!r}")
    return int(width)


def output_size(height: int, width: int, out_width: int | None) -> tuple[int, int]:
    """(height, width) of the written frames: ``out_width`` wide with the aspect ratio
    kept (height rounded, at least 2), or the frames' own size."""
    if out_width is None or out_width == width:
        return height, width
    return max(2, round(height * out_width / width)), out_width


def _resize(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if frame.shape[:2] == size:
        return frame
    shrink = size[1] < frame.shape[1]
    return cv2.resize(frame, (size[1], size[0]),
                      interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def _frames_with_progress(frames: Iterable[np.ndarray], progress: bool, label: str,
                          total: int | None = None) -> Iterator[np.ndarray]:
    """Yield the frames one by one, under a tqdm bar on stderr when ``progress`` is set."""
    yield from tqdm(frames, desc=f"writing {label}", unit="frame", total=total,
                    file=sys.stderr, disable=not progress)


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


def x264_loop_params(count: int, crf: int) -> str:
    """``-x264-params`` that hide the loop point of an H.264 loop of ``count`` frames.

    Frame 0 is the only I-frame (one closed GOP, ``keyint`` = the loop, no scene-cut
    I-frames). In a GOP the P-frames drift away from the source, and the last frame
    before the wrap is the furthest gone, while frame 0 is fresh: the step back to it is
    a visible jump. So the I-frame gets a finer quantiser (``ipratio`` 3, macroblock-tree
    off so that it holds) and the last third of the loop converges back to the source in
    three steps of 3 quantiser steps (``zones``): both sides of the seam are then close
    to the source and close to each other.
    """
    params = [f"keyint={max(count, 1)}", f"min-keyint={max(count, 1)}", "scenecut=0",
              "mbtree=0", "ipratio=3.0"]
    bounds = [round(count * share) for share in (2 / 3, 0.8, 0.9, 1.0)]
    zones = [f"{lo},{hi - 1},q={max(crf - 3 * (i + 1), 0)}"
             for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
             if 0 < lo < hi]
    if zones:
        params.append("zones=" + "/".join(zones))
    return ":".join(params)


def _ffmpeg_output_args(kind: str, count: int, quality: int | None) -> list[str]:
    args = list(_FFMPEG_OUTPUT_ARGS[kind])
    if kind not in DEFAULT_QUALITY:
        return args
    crf = DEFAULT_QUALITY[kind] if quality is None else min(quality, MAX_QUALITY[kind])
    if quality is not None and "-crf" in args:
        args[args.index("-crf") + 1] = str(crf)
    if kind == "mp4":
        args[-2:-2] = ["-x264-params", x264_loop_params(count, crf)]
    return args


@contextlib.contextmanager
def _ffmpeg_sink(kind: str, out_path: Path, target: Path, fps: float, size: tuple[int, int],
                 count: int, quality: int | None) -> Iterator[Callable[[np.ndarray], None]]:
    """Yield a function that pipes one uint8 ``H×W×3`` frame as raw rgb24 into ffmpeg,
    which writes ``out_path``; on a clean exit wait for ffmpeg and check its status.

    ffmpeg is always killed and reaped before this returns or raises.
    """
    height, width = size
    if kind in _EVEN_SIZE_KINDS:
        height, width = height + height % 2, width + width % 2
    command = [
        _ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", f"{width}x{height}",
        "-framerate", _frame_rate_arg(fps), "-i", "pipe:0",
        *_ffmpeg_output_args(kind, count, quality), os.fspath(out_path),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as stderr:
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr
            )
        except OSError as exc:
            raise CinemagraphError(f"cannot run ffmpeg to write {target}: {exc}") from exc
        assert process.stdin is not None
        broken = False

        def add(frame: np.ndarray) -> None:
            nonlocal broken
            if broken:
                return
            if kind in _EVEN_SIZE_KINDS:
                frame = _pad_to_even(frame)
            try:
                process.stdin.write(np.ascontiguousarray(frame).data)
            except BrokenPipeError:
                broken = True  # ffmpeg quit early; its exit status and stderr say why

        try:
            try:
                yield add
                process.stdin.close()
            except BrokenPipeError:
                pass
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


@contextlib.contextmanager
def _frames_folder_sink(target: Path, count: int) -> Iterator[Callable[[np.ndarray], None]]:
    """Yield a function that writes the next lossless PNG frame into ``target``; on a
    clean exit write the manifest, then remove stale frames.

    A stale frame is one that the folder's previous manifest lists and this run did not
    write, e.g. ``0011.png`` left by an earlier run with more frames. Other files in the
    folder are left alone. Until the stale frames are gone the manifest lists them too, so
    an interrupted rewrite still leaves a folder that a later run recognises as its own.
    """
    written = [frame_file_name(i, count) for i in range(count)]
    previous = (manifest_frames(target) or set()) if target.is_dir() else set()
    with atomic_folder(target) as tmp:
        names = iter(written)

        def add(frame: np.ndarray) -> None:
            Image.fromarray(np.ascontiguousarray(frame)).save(tmp / next(names), format="PNG")

        yield add
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


@contextlib.contextmanager
def _pillow_sink(kind: str, out_path: Path, fps: float) -> Iterator[Callable[[np.ndarray], None]]:
    """Collect the frames, then write a GIF or WebP with Pillow (:mod:`.animated`)."""
    from .animated import save_gif, save_webp

    frames: list[np.ndarray] = []
    yield lambda frame: frames.append(frame.copy())
    (save_gif if kind == "gif" else save_webp)(out_path, frames, fps)


@contextlib.contextmanager
def _sink(kind: str, target: Path, fps: float, size: tuple[int, int], count: int,
          quality: int | None) -> Iterator[Callable[[np.ndarray], None]]:
    """A function taking the frames one by one for one output, written atomically."""
    if kind == "frames":
        with _frames_folder_sink(target, count) as add:
            yield add
        return
    with atomic_file(target) as tmp:
        if kind in _PILLOW_KINDS:
            with _pillow_sink(kind, tmp, fps) as add:
                yield add
        else:
            with _ffmpeg_sink(kind, tmp, target, fps, size, count, quality) as add:
                yield add


def _checked_frames(frames: np.ndarray | Iterable[np.ndarray]) -> tuple[Iterable[np.ndarray],
                                                                        int, tuple[int, int]]:
    """The frames (an array, or any iterable of ``H×W×3`` frames), their count and size."""
    if not isinstance(frames, np.ndarray) and not isinstance(frames, Sequence):
        frames = list(frames)
    if isinstance(frames, np.ndarray):
        frames = check_frames(frames)
        return frames, frames.shape[0], frames.shape[1:3]
    if len(frames) == 0:
        raise CinemagraphError("frames: there are no frames")
    first = check_frames(np.asarray(frames[0])[None])
    return frames, len(frames), first.shape[1:3]


def _check_frame(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.shape != (*size, 3):
        raise CinemagraphError(
            f"every frame must be uint8 {size[0]}×{size[1]}×3 like the first, got "
            f"{frame.dtype} {'×'.join(map(str, frame.shape))}")
    return frame


def write_video(
    path: str | os.PathLike[str],
    frames: np.ndarray | Iterable[np.ndarray],
    fps: float,
    *,
    progress: bool = False,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    overwrite: bool = False,
    quality: int | None = None,
    width: int | None = None,
) -> Path:
    """Write ``frames`` to ``path`` in the format its extension names; return the path.

    Args:
        path: output file (``.mp4``, ``.webm``, ``.gif``, ``.webp``, ``.png``/``.apng``) or
            frames folder (ending in a separator, or an existing folder); see the module
            docstring.
        frames: uint8 ``N×H×W×3`` RGB frames, 0…255, or a sequence of ``H×W×3`` frames;
            frame N would equal frame 0.
        fps: frames per second, a finite number > 0.
        progress: show a progress bar over the frames on stderr.
        inputs: files the job read, which ``path`` must not be (or, for a frames folder,
            hold as a frame).
        overwrite: write a frames folder even where it holds files cinemagraph did not
            write (see the module docstring).
        quality: CRF of mp4 (0…51, default 18) and webm (0…63, default 30); lower is
            better and larger. Other kinds ignore it.
        width: output width in pixels, the aspect ratio kept (default: the frames' own).

    Raises:
        CinemagraphError: unknown format, unwritable location, a folder of someone else's
            files, an input as output, bad frames, fps, quality or width, or an encoder
            failure. Nothing is left at ``path`` when it raises.
    """
    return write_outputs([path], frames, fps, progress=progress, inputs=inputs,
                         overwrite=overwrite, quality=quality, width=width)[0]


def write_outputs(
    paths: Sequence[str | os.PathLike[str]],
    frames: np.ndarray | Iterable[np.ndarray],
    fps: float,
    *,
    progress: bool = False,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    overwrite: bool = False,
    quality: int | None = None,
    width: int | None = None,
    count: int | None = None,
) -> list[Path]:
    """Write ``frames`` at ``fps`` to every path in one pass; return the paths.

    ``frames``: uint8 ``N×H×W×3``, a sequence of ``H×W×3`` frames, or an iterator of them
    with ``count`` (N) given: the frames are then streamed, each one handed to every
    encoder and dropped, so that memory holds one frame (GIF and WebP keep theirs until
    the end). An iterator without ``count`` is read into a list first. All paths are
    validated (:func:`check_outputs`, with ``inputs`` and ``overwrite``) before anything
    is written; ``quality`` and ``width`` as in :func:`write_video`.
    """
    fps = _check_fps(fps)
    quality = check_quality(quality)
    width = check_width(width)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    inputs = list(inputs)
    targets = check_outputs(paths, inputs, overwrite=overwrite)
    kinds = [output_kind(p) for p in paths]
    if count is None or isinstance(frames, (np.ndarray, Sequence)):
        frames, count, size = _checked_frames(frames)
        stream = iter(frames)
    else:
        stream = iter(frames)
        first = next(stream, None)
        if first is None or count < 1:
            raise CinemagraphError("frames: there are no frames")
        size = check_frames(np.asarray(first)[None]).shape[1:3]
        stream = itertools.chain([first], stream)
    out_size = output_size(*size, width)
    label = ", ".join(Path(p).name + ("/" if k == "frames" else "") for p, k in
                      zip(paths, kinds, strict=True))
    with contextlib.ExitStack() as stack:
        adds = [stack.enter_context(_sink(kind, target, fps, out_size, count, quality))
                for kind, target in zip(kinds, targets, strict=True)]
        seen = 0
        for frame in _frames_with_progress(stream, progress, label, total=count):
            if seen == count:
                raise CinemagraphError(f"frames: more than the {count} frames announced")
            frame = _resize(_check_frame(frame, size), out_size)
            for add in adds:
                add(frame)
            seen += 1
        if seen != count:
            raise CinemagraphError(f"frames: {seen} frames came, {count} were announced")
    return targets
