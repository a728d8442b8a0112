"""Frames in and out: a folder of images, a video, a .npy stack or a zarr store, read and written a few frames at a
time, whatever the length of the sequence.

    source = open_frames("clips/talk.mp4")        # or a folder, "stack.npy", "stack.zarr"; (256, 256, 3) frames
    with open_writer("small.mp4", frame_shape=(64, 64, 3), dtype=np.uint8, time_base=source.time_base) as writer:
        for block in source.timed_blocks(32):      # (<= 32, 256, 256, 3) arrays, in order, with their times
            writer.write(antialias_np.downsample(block.frames, 0.25, channel_axis=-1), block.times)

The kind is chosen by the path: a directory (or a path without a suffix, for writing) is a folder of images
(written as PNG), .npy a NumPy stack (read memory-mapped), .zarr a zarr store (the `zarr` extra, zarr 2 or 3), and a
video suffix a video (read and written with PyAV, the `video` extra). Frames are arrays as imageio reads images:
(H, W, C) or (H, W); a .npy or zarr stack holds them along its first axis, in any layout.

A video's frames are those a sequential decoder gives, in presentation order, as upright uint8 RGB (H, W, 3)
(video.py decodes and encodes them). A video records its number of frames only as a guess (a clip cut by stream
copy records frames that do not decode), so its `count` is None until `Frames.indexed()` has decoded it once;
writers are sized by the frames written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple, cast

import imageio.v3 as iio
import numpy as np

from antialias_np import _checks
from antialias_np._files import require, write_error
from antialias_np.images import read_image
from antialias_np.video import (
    DEFAULT_CRF,
    DEFAULT_PIXEL_FORMAT,
    VIDEO_SUFFIXES,
    WRITTEN_VIDEO_SUFFIXES,
    VideoDescription,
    VideoEncoder,
    VideoIndex,
    describe_video,
    index_video,
    read_video,
    video_blocks,
)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
def natural_key(name: str) -> list[int | str]:
    """Sort frame2.png before frame10.png: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


class Block(NamedTuple):
    """Consecutive frames and, for a video, the time at which each is shown."""

    frames: np.ndarray
    """(n, *frame_shape)"""
    times: tuple[Fraction, ...] | None
    """Each frame's presentation time in seconds, on the source's clock; None for frames without times."""


@dataclass(frozen=True)
class Frames:
    """A sequence of frames on disk.

    Attributes:
        path: where they are.
        kind: "folder", "video", "npy" or "zarr".
        count: the number of frames; None for a video until `indexed()` has counted its decoded frames.
        frame_shape: one frame's shape, e.g. (H, W, C); a video's as shown, after its rotation.
        dtype: the frames' dtype.
        fps: a video's average frame rate (its frames keep their own times); None for the other kinds.
        files: a folder's images, in order.
        recorded_count: the number of frames a video's container records: a guess (frames of a clip cut by
            stream copy that cannot be decoded are counted), for progress only.
        rotation: degrees counterclockwise by which a video's frames are turned to be shown (and are, when read).
        time_base: the unit of a video's timestamps, in seconds.
        index: a video's frame timestamps and keyframes, once `indexed()`.
    """

    path: Path
    kind: str
    count: int | None
    frame_shape: tuple[int, ...]
    dtype: np.dtype
    fps: float | None = None
    files: tuple[Path, ...] = ()
    recorded_count: int | None = None
    rotation: int = 0
    time_base: Fraction | None = None
    index: VideoIndex | None = None

    def blocks(self, size: int) -> Iterator[np.ndarray]:
        """Yield the frames in order as (<= size, *frame_shape) arrays, holding one block at a time.

        Raises:
            TypeError, ValueError: `size` is not an integer >= 1.
        """
        for block in self.timed_blocks(size):
            yield block.frames

    def timed_blocks(self, size: int) -> Iterator[Block]:
        """Yield the frames in order as Blocks of <= size frames with their times, holding one block at a time.

        A video is decoded sequentially; the other kinds are read block by block and carry no times.

        Raises:
            TypeError, ValueError: `size` is not an integer >= 1.
            ValueError: a video cannot be decoded; the message names it.
        """
        _checks.check_int(size, "size", minimum=1)
        if self.kind == "video":
            assert self.time_base is not None, "open_frames gives every video its time base"
            description = VideoDescription(self.frame_shape, self.fps, self.recorded_count, self.rotation,
                                           self.time_base)  # fmt: skip
            for frames, times in video_blocks(self.path, description, size):
                yield Block(frames, times)
        else:
            count = self.count
            assert count is not None, "only a video's count is unknown before indexed()"
            for start in range(0, count, size):
                yield Block(self.block_reader(start, min(start + size, count))(), None)

    @property
    def times(self) -> tuple[Fraction, ...] | None:
        """An indexed video's presentation times in seconds, frame by frame; None for the other kinds, and for a
        video whose frames carry no timestamps."""
        if self.index is None or None in self.index.pts:
            return None
        time_base = self.time_base
        assert time_base is not None, "open_frames gives every video its time base"
        every_pts = cast("tuple[int, ...]", self.index.pts)  # None is not among them: checked above
        return tuple(pts * time_base for pts in every_pts)

    def indexed(self) -> Frames:
        """These frames with `count` known: a video is decoded once (without converting its frames to RGB) to
        count its frames and record their timestamps and keyframes, which `block_reader` needs; the other kinds
        are returned as they are.

        Raises:
            ValueError: a video cannot be decoded, or holds no frames; the message names it.
        """
        if self.kind != "video" or self.index is not None:
            return self
        index = index_video(self.path)
        return dataclasses.replace(self, count=len(index.pts), index=index)

    def block_reader(self, start: int, stop: int) -> Callable[[], np.ndarray]:
        """A small picklable function that reads frames start..stop-1 (what a Dask task runs on a worker).

        A video's function seeks to a keyframe at or before frame `start` by its timestamp and decodes forward,
        checking that it decodes exactly the timestamps that sequential decoding gave to frames start..stop-1; if
        it does not (a keyframe that does not restart decoding cleanly, frames without timestamps), it decodes
        from the start of the video instead. Either way its frames are those of sequential decoding.

        Raises:
            ValueError: a video not `indexed()`.
        """
        if self.kind == "folder":
            return partial(_read_images, self.files[start:stop], self.frame_shape)
        if self.kind == "video":
            if self.index is None:
                raise ValueError(f"{self.path}: a video is read by frame number once indexed; call indexed() first")
            wanted = self.index.pts[start:stop]
            # The two last keyframes at or before the first frame wanted, latest first: the second is the fallback
            # for a keyframe after which the decoder does not give the frame wanted.
            seek_targets = [seek for pts, seek in self.index.seek_points
                            if None not in wanted and pts <= wanted[0]]  # type: ignore[operator]  # None: not in
            return partial(read_video, self.path, self.rotation, start, wanted, tuple(seek_targets[-2:][::-1]))
        return partial(_BLOCK_READERS[self.kind], self.path, start, stop)


def _read_images(files: tuple[Path, ...], frame_shape: tuple[int, ...]) -> np.ndarray:
    images = [read_image(f) for f in files]
    for file, image in zip(files, images, strict=True):
        if image.shape != frame_shape:
            raise ValueError(f"{file} has shape {image.shape}, but the folder's first image has {frame_shape}")
    return np.stack(images)


def _load_npy(path: Path) -> np.ndarray:
    """A .npy file memory-mapped, or a ValueError naming it and saying what it should hold."""
    try:
        stack: np.ndarray = np.load(path, mmap_mode="r")
        return stack
    except ValueError as error:
        if "Python objects" in str(error):
            reason = "it holds Python objects (dtype object), not numbers"
        elif "mmap length" in str(error):
            reason = "it is shorter than its header says (a truncated or partly written file)"
        else:
            reason = str(error)
        raise ValueError(f"{path} is not a stack of frames .npy can give: {reason}") from None


def _read_npy(path: Path, start: int, stop: int) -> np.ndarray:
    return np.array(_load_npy(path)[start:stop])


def _read_zarr(path: Path, start: int, stop: int) -> np.ndarray:
    frames: np.ndarray = require("zarr", "reading a zarr store").open_array(str(path), mode="r")[start:stop]
    return frames


_BLOCK_READERS = {"npy": _read_npy, "zarr": _read_zarr}


def open_frames(path: str | Path) -> Frames:
    """Open the frames at `path` without reading their pixels (a folder's first image and a video's first frame
    are read for their shape).

    Args:
        path: a folder of images (sorted by name, digit runs as numbers), an image (one frame), a video file, a .npy
            or a .zarr stack.

    Returns:
        The frames' description, which reads them block by block.

    Raises:
        FileNotFoundError: nothing is at `path`.
        ValueError: `path` is not one of the kinds above, cannot be read as its kind, or holds no frames; the
            message names it.
        ImportError: the optional dependency its kind needs is not installed.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    suffix = path.suffix.lower()
    if suffix == ".zarr":
        stack = require("zarr", "reading a zarr store").open_array(str(path), mode="r")
        return _stack_frames(path, "zarr", stack.shape, stack.dtype)
    if path.is_dir() or suffix in IMAGE_SUFFIXES:
        return _folder_frames(path)
    if suffix == ".npy":
        stack = _load_npy(path)
        return _stack_frames(path, "npy", stack.shape, stack.dtype)
    if suffix in VIDEO_SUFFIXES:
        video = describe_video(path)
        return Frames(path, "video", None, video.frame_shape, np.dtype(np.uint8), fps=video.fps,
                      recorded_count=video.recorded_count, rotation=video.rotation,
                      time_base=video.time_base)  # fmt: skip
    raise ValueError(f"{path} is not a folder, an image, a video ({', '.join(VIDEO_SUFFIXES)}), a .npy or .zarr stack")


def _stack_frames(path: Path, kind: str, shape: tuple[int, ...], dtype: np.dtype) -> Frames:
    if len(shape) < 3 or shape[0] == 0:
        raise ValueError(f"{path} must hold a stack of frames (N, H, W, ...) with N >= 1, got shape {shape}")
    return Frames(path, kind, shape[0], tuple(shape[1:]), np.dtype(dtype))


def _folder_frames(path: Path) -> Frames:
    """A folder's images as frames, or a single image as one frame."""
    files = (path,) if path.is_file() else tuple(
        sorted(
            (f for f in path.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file()),
            key=lambda f: natural_key(f.name),
        )
    )
    if not files:
        raise ValueError(f"{path} holds no images ({', '.join(IMAGE_SUFFIXES)})")
    first = read_image(files[0])
    return Frames(path, "folder", len(files), first.shape, first.dtype, files=files)


# Frames out.


class FrameWriter:
    """Writes blocks of frames in order to one destination; use as a context manager, which completes the
    destination when the block succeeds and removes what was written when it fails.

    A subclass either gives `block_writer`, a function that writes a block at any position from any process (then
    blocks may be written in parallel, on workers), or overrides `_write` to append in order (a video).
    """

    def __init__(self, path: Path):
        self.path = path
        self.written = 0
        """Frames appended with `write`."""

    def write(self, block: np.ndarray, times: Sequence[Fraction] | None = None) -> None:
        """Append a (n, *frame_shape) block of frames; a video shows each at its time in `times` (seconds, any
        origin) unless it was opened with a constant `fps`. Other destinations ignore `times`."""
        self._write(block, times)
        self.written += len(block)

    def _write(self, block: np.ndarray, times: Sequence[Fraction] | None) -> None:
        writer = self.block_writer(self.written)
        assert writer is not None, "a writer without a block_writer overrides _write"
        writer(block)

    def block_writer(self, start: int) -> Callable[[np.ndarray], None] | None:
        """A small picklable function that writes a block as frames start, start + 1, ... (what a Dask task runs on
        a worker), or None when the destination is written in order by this writer only."""
        return None

    def close(self) -> None:
        """Finish the destination."""

    def abort(self) -> None:
        """Remove what was written (after a failure)."""

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, *exc_info: BaseException | TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Re-raise an OSError (a full disk, a lost mount) as one that names `path`."""
    try:
        yield
    except OSError as error:
        raise write_error(path, error) from None


class PngFolderWriter(FrameWriter):
    """000000.png, 000001.png, ... in a folder (made if missing)."""

    def __init__(self, path: Path, count: int | None) -> None:
        super().__init__(path)
        path.mkdir(parents=True, exist_ok=True)
        self.digits = max(6, len(str(count or 0)))

    def block_writer(self, start: int) -> Callable[[np.ndarray], None]:
        return partial(_write_pngs, self.path, self.digits, start)


def _write_pngs(folder: Path, digits: int, start: int, block: np.ndarray) -> None:
    for i, frame in enumerate(block, start=start):
        iio.imwrite(folder / f"{i:0{digits}d}.png", frame)


class VideoWriter(FrameWriter):
    """An H.264 video of uint8 RGB (H, W, 3) frames, each shown at its own time or at a constant rate, appended in
    order (video.VideoEncoder)."""

    def __init__(self, path: Path, frame_shape: tuple[int, ...], **options: Any) -> None:  # VideoEncoder's
        super().__init__(path)
        self.encoder = VideoEncoder(path, frame_shape, **options)

    def _write(self, block: np.ndarray, times: Sequence[Fraction] | None) -> None:
        self.encoder.append(block, times, first=self.written)

    def close(self) -> None:
        self.encoder.close()

    def abort(self) -> None:
        self.encoder.abort()


class NpyWriter(FrameWriter):
    """A .npy stack holding the frames written. Its header is written first for 0 frames, with room for any
    number (numpy's growth padding), blocks are written at their offsets with ordinary writes (a full disk is an
    OSError, never a signal from a memory map), and the header is rewritten for the frames the file holds on
    close."""

    def __init__(self, path: Path, frame_shape: tuple[int, ...], dtype: np.dtype) -> None:
        super().__init__(path)
        if dtype.hasobject:
            raise ValueError(f"a .npy stack of frames holds numbers, not {dtype}")
        self.frame_shape, self.dtype = frame_shape, dtype
        self.frame_bytes = int(np.prod(frame_shape)) * dtype.itemsize
        with _naming(path), open(path, "wb") as file:
            self.header_bytes = self._write_header(file, 0)

    def _write_header(self, file: IO[bytes], count: int) -> int:
        header = {
            "descr": np.lib.format.dtype_to_descr(self.dtype),
            "fortran_order": False,
            "shape": (count, *self.frame_shape),
        }
        np.lib.format.write_array_header_1_0(file, header)
        return file.tell()

    def block_writer(self, start: int) -> Callable[[np.ndarray], None]:
        return partial(_write_npy, self.path, self.header_bytes + start * self.frame_bytes, self.dtype)

    def close(self) -> None:
        data_bytes = self.path.stat().st_size - self.header_bytes
        if data_bytes % self.frame_bytes:
            raise ValueError(f"{self.path} holds part of a frame: a block was written in part")
        with _naming(self.path), open(self.path, "r+b") as file:
            if self._write_header(file, data_bytes // self.frame_bytes) != self.header_bytes:
                raise ValueError(f"{self.path}: this numpy's .npy header cannot grow in place")

    def abort(self) -> None:
        self.path.unlink(missing_ok=True)


def _write_npy(path: Path, offset: int, dtype: np.dtype, block: np.ndarray) -> None:
    data = np.ascontiguousarray(block, dtype=dtype)
    with _naming(path), open(path, "r+b") as file:
        file.seek(offset)
        # ndarray has the buffer protocol; NumPy's stubs declare it (__buffer__) for Python 3.12 and later only, or
        # always from NumPy 2.5 (which needs 3.12): the ignore is unused there
        file.write(memoryview(data).cast("B"))  # type: ignore[arg-type, unused-ignore]


class ZarrWriter(FrameWriter):
    """A zarr store chunked along the frames (zarr 2 or 3). Of a known length, blocks that fill whole chunks may be
    written in any order, in parallel; appended, it grows with each block and holds the frames appended."""

    def __init__(
        self, path: Path, count: int | None, frame_shape: tuple[int, ...], dtype: np.dtype, chunk_frames: int
    ) -> None:
        super().__init__(path)
        zarr = require("zarr", "writing a zarr store")
        self.stack = zarr.open_array(  # zarr 2 and 3 alike
            str(path), mode="w", shape=(count or 0, *frame_shape), chunks=(chunk_frames, *frame_shape), dtype=dtype
        )

    def _write(self, block: np.ndarray, times: Sequence[Fraction] | None) -> None:
        if self.stack.shape[0] < self.written + len(block):
            self.stack.resize((self.written + len(block), *self.stack.shape[1:]))
        super()._write(block, times)

    def block_writer(self, start: int) -> Callable[[np.ndarray], None]:
        return partial(_write_zarr, self.path, start)

    def close(self) -> None:
        if self.written and self.stack.shape[0] > self.written:  # appended fewer frames than announced
            self.stack.resize((self.written, *self.stack.shape[1:]))

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _write_zarr(path: Path, start: int, block: np.ndarray) -> None:
    require("zarr", "writing a zarr store").open_array(str(path), mode="r+")[start : start + len(block)] = block


def destination_kind(path: str | Path) -> str:
    """The kind of destination `path` names: "npy", "zarr", "video" or "folder".

    Raises:
        ValueError: the suffix of `path` names none of them.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".npy", ".zarr"):
        return suffix[1:]
    if suffix in WRITTEN_VIDEO_SUFFIXES:
        return "video"
    if suffix == "" or path.is_dir():
        return "folder"
    written_as = f"; {suffix} videos are read only" if suffix in VIDEO_SUFFIXES else ""
    raise ValueError(
        f"cannot write frames to {path}: give a folder (no suffix), a video ({', '.join(WRITTEN_VIDEO_SUFFIXES)}), "
        f"a .npy or a .zarr path{written_as}"
    )


def check_writable(kind: str, frame_shape: tuple[int, ...], dtype: np.dtype) -> None:
    """Check that a destination of `kind` (as destination_kind names it) can hold frames of this shape and dtype,
    before anything is written.

    Raises:
        ValueError: it cannot; the message says what it holds.
    """
    dtype, rank, channels = np.dtype(dtype), len(frame_shape), frame_shape[2:3]
    if kind == "folder" and not (
        (dtype == np.uint8 and (rank == 2 or (rank == 3 and channels[0] in (2, 3, 4))))
        or (dtype == np.uint16 and rank == 2)
    ):
        raise ValueError(
            "a folder of PNGs holds uint8 (H, W), (H, W, 2), (H, W, 3) or (H, W, 4), or uint16 (H, W) frames"
        )
    if kind == "video" and not (dtype == np.uint8 and rank == 3 and channels == (3,)):
        raise ValueError("an H.264 video holds uint8 (H, W, 3) RGB frames")
    if kind in ("npy", "zarr") and dtype.hasobject:
        raise ValueError(f"a .{kind} stack of frames holds numbers, not {dtype}")


def open_writer(
    path: str | Path,
    frame_shape: tuple[int, ...],
    dtype: np.dtype,
    *,
    count: int | None = None,
    fps: float | None = None,
    time_base: Fraction | None = None,
    crf: int = DEFAULT_CRF,
    pixel_format: str = DEFAULT_PIXEL_FORMAT,
    chunk_frames: int = 32,
) -> FrameWriter:
    """A writer of frames chosen by `path`.

    Args:
        path: a folder (PNG frames), a video file, a .npy or a .zarr stack; missing parent folders are made.
        frame_shape: one frame's shape, e.g. (64, 64, 3).
        dtype: the frames' dtype (PNG takes uint8 and uint16, video uint8).
        count: the number of frames to come, which a zarr store is sized to (so that workers may write its blocks
            in any order with `block_writer`); frames appended with `write` size every kind themselves.
        fps: a video's constant frame rate, which replaces the frames' own times; None to show each frame at the
            time given with it (the first at 0), or at DEFAULT_FPS for frames written without times.
        time_base: the unit of a video's times, in seconds: the source's, so that they are written exactly
            (TIMES_TIME_BASE when None).
        crf: a video's H.264 constant rate factor, 0 (lossless) to 51 (see DEFAULT_CRF).
        pixel_format: a video's pixel format (see DEFAULT_PIXEL_FORMAT).
        chunk_frames: frames per chunk of a zarr store (blocks written in parallel must fill whole chunks).

    Returns:
        A FrameWriter; write blocks of frames to it, then close it (or use it in a `with` block, which removes
        what was written if the block fails). Errors writing (a full disk) are OSErrors naming `path`.

    Raises:
        ValueError: the suffix of `path` is none of the kinds above, or `crf` is not an integer in [0, 51].
        ImportError: the optional dependency its kind needs is not installed.
    """
    path = Path(path)
    kind = destination_kind(path)
    if isinstance(crf, bool) or not isinstance(crf, int) or not 0 <= crf <= 51:
        raise ValueError(f"crf must be an integer from 0 (lossless) to 51, got {crf!r}")
    with _naming(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
    dtype = np.dtype(dtype)
    if kind == "npy":
        return NpyWriter(path, tuple(frame_shape), dtype)
    if kind == "zarr":
        return ZarrWriter(path, count, tuple(frame_shape), dtype, chunk_frames)
    if kind == "video":
        return VideoWriter(path, frame_shape, fps=fps, time_base=time_base, crf=crf, pixel_format=pixel_format)
    return PngFolderWriter(path, count)
