"""The `antialias-np` command (also `python -m antialias_np`):

    antialias-np downsample SRC DST --scale 0.25 --method gaussian [--channel-axis {-1,none}] [method options]
                 [--scheduler ADDRESS] [--chunk-frames N] [--fps FPS] [--crf CRF] [--overwrite] [--quiet]

SRC is a folder of images, a video, a .npy or a .zarr stack; DST a folder (PNG frames), a video, a .npy or a .zarr
stack (see antialias_np.frames). Frames are read, downsampled and written `--chunk-frames` at a time, so memory
stays bounded whatever the length of the video. With --scheduler the chunks are read, downsampled and written by
the workers of a dask.distributed cluster (a video DST, which takes its frames in order, is written here).

DST is written under a temporary name beside it and takes its name only once the run succeeds: a failed or
interrupted run leaves no partial DST, and an existing DST (replaced only with --overwrite) stays as it was. DST may
not be SRC, lie inside it or hold it.

Progress goes to stderr (tqdm's bar with the `cli` extra, else a one-line counter) once a run takes more than a
second; a one-line summary goes to stdout. Errors are one line on stderr; the exit status is 2 when the command line
is wrong (including method options the method refuses on the first frames) and 1 when the data or the files are.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

import numpy as np

from antialias_np import _checks, study
from antialias_np.frames import (
    DEFAULT_CRF,
    IMAGE_SUFFIXES,
    Frames,
    FrameWriter,
    check_writable,
    destination_kind,
    open_frames,
    open_writer,
    require,
)

PROGRESS_DELAY = 1.0
"""Seconds before progress appears: short runs stay quiet."""

_OPTION_NAMES = sorted({name for names in study.OPTIONS.values() for name in names})


class UsageError(Exception):
    """The command line is wrong: exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def _option_value(text: str) -> object:
    """A method option from the command line: an int, a float, a comma-separated pair of them, or a string."""
    parts = [_number(part) for part in text.split(",")]
    if len(parts) == 1:
        return parts[0]
    return tuple(parts)


def _number(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _scale(text: str) -> float:
    try:
        return _checks.check_downsample_scale(float(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _channel_axis(text: str) -> int:
    if text == "none":
        return -3  # torch layout, as the user says: downsample then never takes it for channels last
    if text == "-1":
        return -1
    raise argparse.ArgumentTypeError(f"must be -1 (channels last) or none (channels first), got {text!r}")


def _fps(text: str) -> float:
    try:
        return _checks.check_positive_number(float(text), "fps")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _crf(text: str) -> int:
    if not text.isdigit() or int(text) > 51:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 (lossless) to 51, got {text!r}")
    return int(text)


def _path(text: str) -> Path:
    if not text:
        raise argparse.ArgumentTypeError("is empty; give a path")
    return Path(text)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="antialias-np", description="Anti-aliased downsampling of images, videos and stacks.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    down = commands.add_parser("downsample", help="downsample every frame of SRC into DST")
    down.add_argument("src", type=_path, metavar="SRC", help="a folder of images, a video, a .npy or a .zarr stack")
    down.add_argument(
        "dst",
        type=_path,
        metavar="DST",
        help="a folder (PNG frames), a video, a .npy or a .zarr path; not SRC, nor inside it or holding it",
    )
    down.add_argument("--scale", type=_scale, default=0.25, help="in (0, 1]; default 0.25")
    down.add_argument("--method", choices=study.METHODS + study.EXTRA_METHODS, default="gaussian",
                      help="default gaussian")
    down.add_argument(
        "--channel-axis",
        type=_channel_axis,
        default=argparse.SUPPRESS,
        metavar="{-1,none}",
        help="where a frame's channels are: -1 for (H, W, C), as imageio reads images and video (the default), none "
        "for (C, H, W) frames of a stack; (H, W) frames have none",
    )
    options = down.add_argument_group("method options (as antialias_np.downsample; a pair as 1.5,1.5)")
    for name in _OPTION_NAMES:
        methods = "for " + ", ".join(m for m, names in study.OPTIONS.items() if name in names)
        options.add_argument(f"--{name.replace('_', '-')}", type=_option_value, default=argparse.SUPPRESS, help=methods)
    down.add_argument("--chunk-frames", type=_positive_int, default=32, help="frames per step; default 32")
    down.add_argument(
        "--fps", type=_fps, help="a constant frame rate for a video DST (default: each frame at its time in SRC, or 25)"
    )
    down.add_argument(
        "--crf",
        type=_crf,
        help=f"H.264 quality of a video DST, 0 (lossless: frames within 2 levels) to 51; 18 is visually lossless at "
        f"a tenth of the size (default {DEFAULT_CRF})",
    )
    down.add_argument("--scheduler", metavar="ADDRESS", help="run on this dask.distributed scheduler (extra dask)")
    down.add_argument(
        "--overwrite",
        action="store_true",
        help="replace DST if it exists: a file, a .zarr store, or a folder holding only images (its other images "
        "are removed); DST is written under a temporary name and replaces the old one only once the run succeeds, "
        "so a failed run leaves DST as it was",
    )
    down.add_argument("--quiet", action="store_true", help="no progress and no summary")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit status (0 done, 1 data error, 2 usage error: a wrong option, a missing
    file or a missing optional dependency, as bench.py counts them)."""
    try:
        args = build_parser().parse_args(argv)
        return downsample_command(args)
    except UsageError as error:
        _print_error(f"{error} (see --help)", error)
        return 2
    except (FileNotFoundError, ImportError) as error:
        _print_error(str(error), error)
        return 2
    except KeyboardInterrupt as error:
        _print_error("interrupted", error)
        return 130
    except Exception as error:  # a command line shows the cause in one line, never a traceback
        _print_error(str(error) or type(error).__name__, error)
        return 1


def _print_error(message: str, error: BaseException) -> None:
    """`message`, then the error's notes (what became of DST), on one line."""
    message = "; ".join([message, *getattr(error, "__notes__", ())])
    print(f"antialias-np: error: {' '.join(message.split())}", file=sys.stderr)


def downsample_command(args: argparse.Namespace) -> int:
    """Run `antialias-np downsample` with parsed arguments; raise UsageError or another exception on failure."""
    try:
        kind = destination_kind(args.dst)
    except ValueError as error:
        raise UsageError(error) from None
    if args.fps is not None and kind != "video":
        raise UsageError(f"--fps sets the frame rate of a video DST, but {args.dst} is a {kind} destination")
    if args.crf is not None and kind != "video":
        raise UsageError(f"--crf sets the quality of a video DST, but {args.dst} is a {kind} destination")
    _check_apart(args.src, args.dst)
    _check_destination(args.dst, kind, args.overwrite)
    start = time.perf_counter()
    timings = collections.Counter()  # seconds spent in each step, for the summary
    with _stopwatch(timings, "start"):  # mostly Numba loading (or compiling) the method's kernels
        source = open_frames(args.src)
        options = {name: getattr(args, name) for name in _OPTION_NAMES if hasattr(args, name)}
        channel_axis = getattr(args, "channel_axis", None)
        downsample_block = _block_downsampler(source.frame_shape, channel_axis, args.scale, args.method, options)
        one_result = _check_arguments(source, downsample_block)
    _check_writable(args.dst, kind, source, channel_axis, one_result)

    if args.scheduler:
        with _stopwatch(timings, "index"):
            source = source.indexed()  # a video is decoded once here to count and locate its frames for the workers

    frames = 0
    progress = _progress(source.count or source.recorded_count, args.quiet)
    with _staged(args.dst, kind) as staged_dst:
        with open_writer(
            staged_dst,
            one_result.shape[1:],
            one_result.dtype,
            count=source.count,
            fps=args.fps,
            time_base=source.time_base,
            crf=DEFAULT_CRF if args.crf is None else args.crf,
            chunk_frames=args.chunk_frames,
        ) as writer:
            if args.scheduler:
                done = _on_cluster(source, args.scheduler, args.chunk_frames, downsample_block, writer, timings)
            else:
                done = _here(source, args.chunk_frames, downsample_block, writer, timings)
            try:
                for block_frames in done:
                    frames += block_frames
                    progress.update(block_frames)
            finally:
                progress.close()
        if frames == 0:
            raise ValueError(f"{args.src} holds no frames")
    seconds = time.perf_counter() - start
    if not args.quiet:
        steps = ", ".join(f"{step} {step_seconds:.1f} s" for step, step_seconds in timings.items())
        rate = frames / seconds
        print(f"{frames} frames in {seconds:.1f} s ({rate:.1f} frames/s; {steps}): {args.src} -> {args.dst}")
    return 0


def _check_apart(src: Path, dst: Path) -> None:
    """Refuse a DST that is SRC, lies inside it or holds it, symbolic and hard links followed: writing it would
    destroy SRC while it is read."""
    src_real, dst_real = src.resolve(), dst.resolve()
    if src_real == dst_real or (src.exists() and dst.exists() and os.path.samefile(src, dst)):
        raise UsageError(f"DST {dst} is SRC {src}; give another DST, SRC is never written over")
    if src_real in dst_real.parents:
        raise UsageError(f"DST {dst} is inside SRC {src}; give a DST outside SRC")
    if dst_real in src_real.parents:
        raise UsageError(f"SRC {src} is inside DST {dst}, which --overwrite would replace; give a DST outside SRC")


_HOLDER = {"folder": "folder", "zarr": "folder", "npy": "file", "video": "file"}
_WRITTEN_AS = {
    "folder": "a DST without a suffix is written as a folder of PNGs",
    "zarr": "a .zarr DST is written as a folder (a zarr store)",
    "npy": "a .npy DST is written as a file",
    "video": "a video DST is written as a file",
}


def _check_destination(dst: Path, kind: str, overwrite: bool) -> None:
    """Refuse an existing DST that this run cannot or may not replace."""
    if not dst.exists():
        return
    found = "folder" if dst.is_dir() else "file"
    if found != _HOLDER[kind]:
        raise UsageError(
            f"DST {dst} is a {found}, but {_WRITTEN_AS[kind]}, and --overwrite replaces a DST of its kind only; "
            f"remove {dst} or give another DST"
        )
    if found == "folder" and not any(dst.iterdir()):
        return
    if not overwrite:
        raise FileExistsError(f"{dst} exists; pass --overwrite to replace it")
    if kind != "folder":
        return
    others = [p.name for p in dst.iterdir() if p.suffix.lower() not in IMAGE_SUFFIXES or not p.is_file()]
    if others:
        raise UsageError(
            f"DST {dst} holds more than images ({', '.join(sorted(others)[:3])}), and --overwrite would replace it "
            f"whole; give a folder of images only, or another DST"
        )


def _check_writable(dst: Path, kind: str, source: Frames, channel_axis: int | None, one_result: np.ndarray) -> None:
    """Refuse downsampled frames that DST cannot hold, before anything is written."""
    try:
        check_writable(kind, one_result.shape[1:], one_result.dtype)
    except ValueError as error:
        if len(source.frame_shape) == 2:
            layout = "(H, W)"
        elif channel_axis == -3:
            layout = "(C, H, W), as --channel-axis none says"
        else:
            layout = "(H, W, C), as --channel-axis -1 (the default) says"
        raise UsageError(
            f"DST {dst} cannot hold the downsampled frames, {one_result.shape[1:]} {one_result.dtype} (SRC's "
            f"{source.frame_shape} {source.dtype} frames read as {layout}): {error}; give a .npy or .zarr DST, or "
            f"check --channel-axis"
        ) from None


@contextlib.contextmanager
def _staged(dst: Path, kind: str) -> Iterator[Path]:
    """Yield a path beside `dst` to write the result to; once the block succeeds, move it to `dst`, replacing what
    is there. If the block fails or is interrupted, remove what it wrote and the folders made for it, leave `dst`
    as it was, and add a note saying so to the exception."""
    made_folders = [folder for folder in (dst.parent, *dst.parent.parents) if not folder.exists()]  # deepest first
    dst.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dst.name}.", suffix=".partial", dir=dst.parent))
    staged, old = staging / dst.name, staging / f"{dst.name}.old"
    if kind == "folder":
        staged.mkdir()  # a folder with a suffix is a folder DST only once it exists
    existed = dst.exists()
    try:
        yield staged
        if dst.is_dir():
            dst.rename(old)  # a folder cannot be replaced in one step (a link to one is moved, not followed)
        os.replace(staged, dst)
    except BaseException as error:
        if old.exists() and not dst.exists():
            old.rename(dst)
        error.add_note(f"{dst} was left as it was" if existed else f"nothing was written to {dst}")
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made_folders:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    shutil.rmtree(staging)


def _block_downsampler(frame_shape: tuple[int, ...], channel_axis: int | None, scale, method, options: dict):
    """`downsample` for a block of frames, each frame an image of its own.

    channel_axis: -1 or -3 as given on the command line, None when not given (channels last).
    """
    if len(frame_shape) != 2:
        return partial(study.downsample, scale=scale, method=method, channel_axis=channel_axis or -1, **options)
    if channel_axis == -1:
        raise UsageError(f"frames of shape {frame_shape} have no channels: leave out --channel-axis -1")

    def downsample_planes(block: np.ndarray) -> np.ndarray:
        # (n, H, W) as n images of one channel: a block's frames never meet, even in the bilateral filter
        return study.downsample(block[:, None], scale, method, channel_axis=-3, **options)[:, 0]

    return downsample_planes


def _check_arguments(source: Frames, downsample_block) -> np.ndarray:
    """Downsample one frame of zeros of the source's shape and dtype; return the result. Arguments that downsample
    refuses are a usage error."""
    one_frame = np.zeros((1, *source.frame_shape), source.dtype)
    try:
        return downsample_block(one_frame)
    except (TypeError, ValueError) as error:
        raise UsageError(f"{error} (frames of shape {source.frame_shape}, dtype {source.dtype})") from None


@contextlib.contextmanager
def _stopwatch(timings: collections.Counter, step: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] += time.perf_counter() - start


def _here(
    source: Frames, chunk_frames: int, downsample_block, writer: FrameWriter, timings: collections.Counter
) -> Iterator[int]:
    """Read, downsample and write the chunks of `source` in this process; yield the number of frames of each."""
    blocks = source.timed_blocks(chunk_frames)
    while True:
        with _stopwatch(timings, "read"):
            block = next(blocks, None)
        if block is None:
            return
        with _stopwatch(timings, "downsample"):
            result = downsample_block(block.frames)
        with _stopwatch(timings, "write"):
            writer.write(result, block.times)
        yield len(result)


def _on_cluster(
    source: Frames,
    address: str,
    chunk_frames: int,
    downsample_block,
    writer: FrameWriter,
    timings: collections.Counter,
) -> Iterator[int]:
    """Read, downsample and write the chunks of `source` on the cluster at `address` (a video destination is
    written here, in order); yield the number of frames of each chunk, in order. At most two chunks per worker
    thread are in flight, so that neither the cluster nor this process holds them all."""
    distributed = require("distributed", "--scheduler")
    times = source.times
    with _stopwatch(timings, "connect"):
        client = distributed.Client(address)
    with client:
        in_flight_limit = 2 * max(sum(client.nthreads().values()), 1)
        in_flight = collections.deque()

        def finish_oldest() -> int:
            task, block_times = in_flight.popleft()
            with _stopwatch(timings, "wait for the cluster"):
                result = task.result()
            if isinstance(result, int):  # written by the worker
                return result
            with _stopwatch(timings, "write"):
                writer.write(result, block_times)
            return len(result)

        for start in range(0, source.count, chunk_frames):
            stop = min(start + chunk_frames, source.count)
            task = client.submit(source.block_reader(start, stop), pure=False)
            task = client.submit(downsample_block, task, pure=False)
            block_writer = writer.block_writer(start)
            if block_writer is not None:
                task = client.submit(_write_on_worker, block_writer, task, pure=False)
            in_flight.append((task, times and times[start:stop]))
            if len(in_flight) == in_flight_limit:
                yield finish_oldest()
        while in_flight:
            yield finish_oldest()


def _write_on_worker(block_writer, block: np.ndarray) -> int:
    block_writer(block)
    return len(block)


class _Counter:
    """A one-line progress counter on stderr, for when tqdm is not installed."""

    def __init__(self, total: int | None, disable: bool):
        self.total, self.disable = total, disable
        self.done = 0
        self.start = self.last_shown = time.perf_counter()
        self.shown = False

    def update(self, n: int) -> None:
        self.done += n
        if time.perf_counter() - self.last_shown >= 0.2:  # a few redraws a second are enough
            self._show()

    def close(self) -> None:
        self._show()  # the final count, if the run was long enough to show one
        if self.shown:
            print(file=sys.stderr)

    def _show(self) -> None:
        now = time.perf_counter()
        if self.disable or now - self.start < PROGRESS_DELAY:
            return
        of_total = f"/{self.total}" if self.total else ""
        rate = self.done / max(now - self.start, 1e-9)
        print(f"\r{self.done}{of_total} frames, {rate:.1f} frames/s", end="", file=sys.stderr)
        self.last_shown, self.shown = now, True


def _progress(total: int | None, quiet: bool):
    try:
        from tqdm import tqdm
    except ImportError:
        return _Counter(total, quiet)
    return tqdm(total=total, unit="frame", delay=PROGRESS_DELAY, disable=quiet, file=sys.stderr)
