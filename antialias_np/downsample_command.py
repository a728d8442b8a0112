"""The work of `antialias-np downsample SRC DST` (antialias_np.cli parses the command line and reports the outcome).

Two kinds of run, chosen by SRC and DST:

- Images one by one: SRC a folder of images or an image, DST a folder (or, for an image SRC, an image file). Each
  image is downsampled on its own, whatever its size, channels (grey, grey with alpha, RGB, RGBA) and dtype (8 or
  16 bits), and written under its own name and relative folder (antialias_np.images.output_name: PNG, TIFF keep
  their format, JPEG, WebP and BMP become PNG). Subfolders are mirrored; hidden files and folders are skipped.
- Frames of one sequence: DST a video, a .npy or a .zarr stack (or, for a video, .npy or .zarr SRC, a folder of
  numbered PNGs). SRC's frames (a folder's images, sorted by name, all of one size; an image; a video; a stack) are
  read, downsampled and written `--chunk-frames` at a time (antialias_np.frames).

Every method runs on every integer or float dtype: where the method does not take the frames' dtype (bilateral takes
floats only, bilinear, bicubic and lanczos uint8 and floats), the frames are downsampled in float32 on [0, 1]
(integers divided by their dtype's largest value; float64 for integers of more than 16 bits, float32 for float16)
and converted back, rounded to the nearest and clipped. 1-bit images and bool frames are read as uint8 0 and 255.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from antialias_np import _checks, images, methods
from antialias_np._files import require
from antialias_np._usage import UsageError
from antialias_np.frames import (
    IMAGE_SUFFIXES,
    Frames,
    FrameWriter,
    check_writable,
    destination_kind,
    natural_key,
    open_frames,
    open_writer,
)
from antialias_np.staging import remove_stale_stagings, staged, stop_if_signalled
from antialias_np.video import DEFAULT_CRF

PROGRESS_DELAY = 1.0
"""Seconds before progress appears: short runs stay quiet."""

Timings = collections.Counter[str]
"""Seconds spent in each step, for the summary: a Counter of floats (typeshed types a Counter's counts as ints)."""

Result = TypeVar("Result")


class Progress(Protocol):
    """What the commands ask of a progress display: tqdm's, or _Counter's."""

    def update(self, n: int) -> object: ...

    def close(self) -> None: ...


OPTION_NAMES = sorted({name for names in methods.OPTIONS.values() for name in names})
"""The method options, each a flag (kernel_size as --kernel-size)."""


def downsample_command(args: argparse.Namespace) -> int:
    """Run `antialias-np downsample` with parsed arguments; raise UsageError or another exception on failure."""
    kind = _destination_kind(args.src, args.dst)
    if args.fps is not None and kind != "video":
        raise UsageError(f"--fps sets the frame rate of a video DST, but {args.dst} is a {kind} destination")
    if args.crf is not None and kind != "video":
        raise UsageError(f"--crf sets the quality of a video DST, but {args.dst} is a {kind} destination")
    _check_apart(args.src, args.dst)
    if args.dst.parent.is_dir():
        remove_stale_stagings(args.dst.parent)  # first: a killed run's DST put back is an existing DST
    _check_destination(args.dst, kind, args.overwrite)
    downsample = FrameDownsampler(
        args.scale,
        args.method,
        tuple((name, getattr(args, name)) for name in OPTION_NAMES if hasattr(args, name)),
        getattr(args, "channel_axis", -1),
    )
    if kind == "image" or (kind == "folder" and (args.src.is_dir() or args.src.suffix.lower() in IMAGE_SUFFIXES)):
        return _images_one_by_one(args, kind, downsample)
    return _frames_of_one_sequence(args, kind, downsample)


def _destination_kind(src: Path, dst: Path) -> str:
    """"image" for an image file DST, else what frames.destination_kind says; a usage error where SRC cannot go to
    such a DST."""
    if dst.suffix.lower() in IMAGE_SUFFIXES and not dst.is_dir():
        if src.is_dir() or src.suffix.lower() not in IMAGE_SUFFIXES:
            raise UsageError(
                f"DST {dst} is an image, which holds a single image SRC; give a folder DST for one image per image "
                f"or frame of SRC, or a video, .npy or .zarr DST for its frames as one sequence"
            )
        return "image"
    try:
        return destination_kind(dst)
    except ValueError as error:
        raise UsageError(f"{error}, or an image ({', '.join(IMAGE_SUFFIXES)}) for an image SRC") from None


# Images one by one


def _images_one_by_one(args: argparse.Namespace, kind: str, downsample: FrameDownsampler) -> int:
    if downsample.channel_axis == -3:
        raise UsageError(
            "--channel-axis none is for a .npy or .zarr stack of (C, H, W) frames; images are (H, W) or (H, W, C)"
        )
    start = time.perf_counter()
    timings: Timings = collections.Counter()
    with _stopwatch(timings, "start"):
        outputs, others = _image_outputs(args.src)
        first = images.read_image(outputs[0][0])
        result = _check_arguments(downsample, first[None], f"{outputs[0][0]}, of shape {first.shape}")[0]
    if kind == "image":
        try:
            images.check_holds(args.dst.suffix, result.shape[2] if result.ndim == 3 else None, result.dtype)
        except ValueError as error:
            raise UsageError(f"DST {args.dst}: {error}; give a .png or .tif DST") from None
    done = 0
    progress = _progress(len(outputs), "image", args.quiet)
    with staged(args.dst, folder=kind == "folder") as staged_dst:
        staged_dst = staged_dst.absolute()
        jobs = [(file, staged_dst if kind == "image" else staged_dst / name) for file, name in outputs]
        blocks = [jobs[i : i + args.chunk_frames] for i in range(0, len(jobs), args.chunk_frames)]
        if args.scheduler:
            counts = _in_order_on_cluster(args.scheduler, downsample_images, blocks, downsample)
        else:
            counts = (downsample_images(block, downsample) for block in blocks)
        try:
            for block_timings in counts:
                stop_if_signalled()
                block_images = block_timings.pop("images")
                timings.update(block_timings)
                done += block_images
                progress.update(block_images)
        finally:
            progress.close()
    left_out = f"; {others} other file{'s' * (others != 1)} left out, not images" if others else ""
    _summary(args, done, "image", time.perf_counter() - start, timings, left_out)
    return 0


def _image_outputs(src: Path) -> tuple[list[tuple[Path, Path]], int]:
    """Each image of `src` (a folder, searched through its subfolders, or an image) with the name of its output,
    relative to DST, and the number of other files left out; refuse two images whose outputs would have one name."""
    others: list[Path] = []
    if src.is_dir():
        files = list(_walk_images(src, set(), others))
        if not files:
            raise ValueError(f"{src} holds no images ({', '.join(IMAGE_SUFFIXES)}), nor do its subfolders")
    elif not src.exists():
        raise FileNotFoundError(f"no such file or folder: {src}")
    else:
        files = [src]
    outputs: list[tuple[Path, Path]] = []
    sources: dict[Path, Path] = {}
    for file in files:
        name = images.output_name(file.relative_to(src) if src.is_dir() else Path(file.name))
        if name in sources:
            raise ValueError(f"{sources[name]} and {file} would both be written as {name}; rename one of them")
        sources[name] = file
        outputs.append((file.absolute(), name))  # absolute: a cluster's workers run in other folders
    return outputs, len(others)


def _walk_images(folder: Path, seen: set[tuple[int, int]], others: list[Path]) -> Iterator[Path]:
    """The images in `folder` and its subfolders, sorted by name (digit runs as numbers), folder by folder; hidden
    files and folders (their names start with a dot) skipped, other files added to `others`; a folder `seen`
    already (through a symbolic link) is not walked again."""
    stat = folder.stat()
    if (stat.st_dev, stat.st_ino) in seen:
        return
    seen.add((stat.st_dev, stat.st_ino))
    entries = [entry for entry in folder.iterdir() if not entry.name.startswith(".")]
    for entry in sorted(entries, key=lambda entry: natural_key(entry.name)):
        if entry.is_dir():
            yield from _walk_images(entry, seen, others)
        elif entry.suffix.lower() in IMAGE_SUFFIXES and entry.is_file():
            yield entry
        else:
            others.append(entry)


def downsample_images(jobs: list[tuple[Path, Path]], downsample: FrameDownsampler) -> Timings:
    """Read, downsample and write each (image, output) of `jobs`, making the output's folder; return the seconds
    spent in each step and the number of images done (under "images"). This is the task a cluster's worker runs."""
    timings: Timings = collections.Counter()
    for file, output in jobs:
        with _stopwatch(timings, "read"):
            image = images.read_image(file)
        with _stopwatch(timings, "downsample"):
            try:
                small = downsample(image[None])[0]
            except (TypeError, ValueError) as error:
                raise ValueError(f"{file}: {in_command_terms(str(error))}") from None
        with _stopwatch(timings, "write"):
            output.parent.mkdir(parents=True, exist_ok=True)
            images.write_image(output, small)
        timings["images"] += 1
    return timings


# Frames of one sequence


def _frames_of_one_sequence(args: argparse.Namespace, kind: str, downsample: FrameDownsampler) -> int:
    start = time.perf_counter()
    timings: Timings = collections.Counter()  # seconds spent in each step, for the summary
    with _stopwatch(timings, "start"):  # mostly Numba loading (or compiling) the method's kernels
        source = open_frames(args.src)
        if len(source.frame_shape) == 2 and downsample.channel_axis == -1 and hasattr(args, "channel_axis"):
            raise UsageError(f"frames of shape {source.frame_shape} have no channels: leave out --channel-axis -1")
        _check_layout(source, downsample.channel_axis)
        one_frame = np.zeros((1, *source.frame_shape), source.dtype)
        described = f"SRC's frames of shape {source.frame_shape}, dtype {source.dtype}"
        one_result = _check_arguments(downsample, one_frame, described)
    _check_writable(args.dst, kind, source, downsample.channel_axis, one_result)
    if args.scheduler:
        with _stopwatch(timings, "index"):
            source = source.indexed()  # a video is decoded once here to count and locate its frames for the workers

    frames = 0
    progress = _progress(source.count or source.recorded_count, "frame", args.quiet)
    with staged(args.dst, folder=kind == "folder") as staged_dst:
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
                done = _frames_on_cluster(source, args.scheduler, args.chunk_frames, downsample, writer, timings)
            else:
                done = _frames_here(source, args.chunk_frames, downsample, writer, timings)
            try:
                for block_frames in done:
                    stop_if_signalled()
                    frames += block_frames
                    progress.update(block_frames)
            finally:
                progress.close()
        if frames == 0:
            raise ValueError(f"{args.src} holds no frames")
    _summary(args, frames, "frame", time.perf_counter() - start, timings)
    return 0


def _frames_here(
    source: Frames, chunk_frames: int, downsample: FrameDownsampler, writer: FrameWriter, timings: Timings
) -> Iterator[int]:
    """Read, downsample and write the chunks of `source` in this process; yield the number of frames of each."""
    blocks = source.timed_blocks(chunk_frames)
    while True:
        with _stopwatch(timings, "read"):
            block = next(blocks, None)
        if block is None:
            return
        with _stopwatch(timings, "downsample"):
            result = downsample(block.frames)
        with _stopwatch(timings, "write"):
            writer.write(result, block.times)
        yield len(result)


def _frames_on_cluster(
    source: Frames,
    address: str,
    chunk_frames: int,
    downsample: FrameDownsampler,
    writer: FrameWriter,
    timings: Timings,
) -> Iterator[int]:
    """Read, downsample and write the chunks of `source` on the cluster at `address` (a video destination is
    written here, in order, with each frame's time); yield the number of frames of each chunk, in order. `source`
    is indexed (its count known)."""
    count = source.count
    assert count is not None, "source is indexed"
    starts = range(0, count, chunk_frames)
    times = source.times
    tasks = [(source.block_reader(start, min(start + chunk_frames, count)), writer.block_writer(start))
             for start in starts]  # fmt: skip
    results = _in_order_on_cluster(address, _read_downsample_write, tasks, downsample)
    for start in starts:
        with _stopwatch(timings, "wait for the cluster"):
            result = next(results)
        if isinstance(result, int):  # written by the worker
            yield result
            continue
        with _stopwatch(timings, "write"):
            writer.write(result, times and times[start : start + len(result)])
        yield len(result)


def _read_downsample_write(
    task: tuple[Callable[[], np.ndarray], Callable[[np.ndarray], None] | None], downsample: FrameDownsampler
) -> int | np.ndarray:
    """A cluster worker's task: read a block, downsample it, write it where the destination takes blocks from any
    process and return the number of frames, else return the downsampled block."""
    read, write = task
    result = downsample(read())
    if write is None:
        return result
    write(result)
    return len(result)


def _in_order_on_cluster(
    address: str, function: Callable[..., Result], tasks: Iterable[object], *arguments: object
) -> Iterator[Result]:
    """function(task, *arguments) for each task on the dask.distributed cluster at `address`; yield the results in
    order. At most two tasks per worker thread are in flight, so that neither the cluster nor this process holds
    them all."""
    distributed = require("distributed", "--scheduler")
    with distributed.Client(address) as client:
        in_flight_limit = 2 * max(sum(client.nthreads().values()), 1)
        in_flight: collections.deque[Any] = collections.deque()  # dask.distributed's futures
        for task in tasks:
            in_flight.append(client.submit(function, task, *arguments, pure=False))
            if len(in_flight) == in_flight_limit:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


# Checks before anything is written


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


_HOLDER = {"folder": "folder", "zarr": "folder", "npy": "file", "video": "file", "image": "file"}
_WRITTEN_AS = {
    "folder": "a DST without a suffix is written as a folder of images",
    "zarr": "a .zarr DST is written as a folder (a zarr store)",
    "npy": "a .npy DST is written as a file",
    "video": "a video DST is written as a file",
    "image": "an image DST is written as a file",
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
    others = [path.relative_to(dst) for path in dst.rglob("*")
              if not (path.is_dir() or (path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()))]  # fmt: skip
    if others:
        raise UsageError(
            f"DST {dst} holds more than images ({', '.join(sorted(map(str, others))[:3])}), and --overwrite would "
            f"replace it whole; give a folder of images only, or another DST"
        )


def _check_writable(dst: Path, kind: str, source: Frames, channel_axis: int, one_result: np.ndarray) -> None:
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


def _check_layout(source: Frames, channel_axis: int) -> None:
    """Refuse frames whose shape contradicts the layout --channel-axis gives them (downsample's rule, said in flags):
    (3, 32, 40) frames read as (H, W, C), or (32, 40, 3) frames read as (C, H, W)."""
    channels_last = channel_axis == -1
    if _checks.contradicts_layout(source.frame_shape, channels_last):
        if channels_last:
            shorter, layout, flag = "first axis is shorter than the two after it", "(C, H, W)", "none"
        else:
            shorter, layout, flag = "last axis is shorter than the two before it", "(H, W, C)", "-1"
        raise UsageError(f"SRC's frames have shape {source.frame_shape}, whose {shorter}: they look like {layout}; "
                         f"pass --channel-axis {flag}")


def _check_arguments(downsample: FrameDownsampler, block: np.ndarray, described: str) -> np.ndarray:
    """Downsample a block of zeros shaped as `block`; return the result. Arguments that downsample refuses for such
    frames (`described` in the message) are a usage error."""
    if block.dtype.kind not in "biuf":
        raise UsageError(f"{described}: the command takes frames of integers, floats or booleans")
    try:
        return downsample(np.zeros_like(block))
    except (TypeError, ValueError) as error:
        raise UsageError(f"{in_command_terms(str(error))} ({described})") from None


_FLAGS = ("scale", "method", "channel_axis", *OPTION_NAMES)
_ARGUMENT = re.compile(rf"\b({'|'.join(_FLAGS)})=('?)([^'\s,;)]*)\2")  # kernel_size=4, method='area'
_NAME = re.compile(rf"(?<![-/\w])({'|'.join(_FLAGS)})\b")  # kernel_size, but not 1/scale
_QUOTED_WORD = re.compile(r"'(\w+)'")
_IMAGE_DESCRIBED = re.compile(r"\bimage of shape \([\d, ]*\) \(H, W [^)]*\)")  # the frames are described apart
_CALL_ADVICE = re.compile(r",? or call \w+ for [^;)]*")  # another function of the library


def in_command_terms(message: str) -> str:
    """A message of downsample's, in the command's terms: its arguments named as flags (kernel_size=4 as
    --kernel-size 4, method='area' as --method area), its description of the image as `the frame`, and no advice
    to call another function."""
    message = _ARGUMENT.sub(lambda match: f"{_flag(match[1])} {match[3]}", message)
    message = _NAME.sub(lambda match: _flag(match[1]), message)
    message = _IMAGE_DESCRIBED.sub("the frame", _CALL_ADVICE.sub("", message))
    return _QUOTED_WORD.sub(r"\1", message)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


# Downsampling frames of any dtype


@dataclass(frozen=True)
class FrameDownsampler:
    """`downsample` for a block of frames, each frame an image of its own, in a dtype the method takes (see the
    module's notes): (n, H, W) frames as n images of one channel, (n, H, W, C) with channel_axis -1, (n, C, H, W)
    with -3. A small picklable object, for the workers of a cluster."""

    scale: float
    method: str
    options: tuple[tuple[str, object], ...]
    channel_axis: int

    def __call__(self, block: np.ndarray) -> np.ndarray:
        if block.dtype == bool:
            block = block.astype(np.uint8) * np.uint8(255)
        try:
            return self._downsample(block)
        except TypeError:
            if block.dtype.kind not in "iu" and block.dtype != np.float16:
                raise  # not the dtype: an option
        return _through_float(self._downsample, block)

    def _downsample(self, block: np.ndarray) -> np.ndarray:
        options: dict[str, Any] = dict(self.options)  # the method's, which downsample checks
        if block.ndim == 3:  # (n, H, W) as n images of one channel: frames never meet, even in the bilateral filter
            return methods.downsample(block[:, None], self.scale, self.method, channel_axis=-3, **options)[:, 0]
        return methods.downsample(block, self.scale, self.method, channel_axis=self.channel_axis, **options)


def _through_float(downsample: Callable[[np.ndarray], np.ndarray], block: np.ndarray) -> np.ndarray:
    """downsample(block) computed in float32 on [0, 1] (float64 for integers of more than 16 bits) and converted back
    to block's dtype, rounded (see the module's notes)."""
    if block.dtype.kind == "f":
        return downsample(block.astype(np.float32)).astype(block.dtype)
    info = np.iinfo(block.dtype)
    computed = np.float32 if block.dtype.itemsize <= 2 else np.float64  # exact for every value of block's dtype
    largest = computed(info.max)
    result = downsample(np.divide(block, largest, dtype=computed))
    result *= largest
    return np.clip(np.rint(result, out=result), info.min, info.max, out=result).astype(block.dtype)


# Progress and summary


def _summary(
    args: argparse.Namespace, count: int, unit: str, seconds: float, timings: Timings, more: str = ""
) -> None:
    if not args.quiet:
        steps = ", ".join(f"{step} {step_seconds:.1f} s" for step, step_seconds in timings.items())
        units = unit + "s" * (count != 1)
        print(f"{count} {units} in {seconds:.1f} s ({count / seconds:.1f} {unit}s/s; {steps}): {args.src} -> "
              f"{args.dst}{more}")


@contextlib.contextmanager
def _stopwatch(timings: Timings, step: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] += time.perf_counter() - start  # type: ignore[assignment]  # see Timings


class _Counter:
    """A one-line progress counter on stderr, for when tqdm is not installed."""

    def __init__(self, total: int | None, unit: str, disable: bool):
        self.total, self.unit, self.disable = total, unit, disable
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
        print(f"\r{self.done}{of_total} {self.unit}s, {rate:.1f} {self.unit}s/s", end="", file=sys.stderr)
        self.last_shown, self.shown = now, True


def _progress(total: int | None, unit: str, quiet: bool) -> Progress:
    try:
        from tqdm import tqdm
    except ImportError:
        return _Counter(total, unit, quiet)
    bar: Progress = tqdm(total=total, unit=unit, delay=PROGRESS_DELAY, disable=quiet, file=sys.stderr)
    return bar
