"""Frames in and out: a folder of images, a video, a .npy stack or a zarr store, read and written a few frames at a
time, whatever the length of the sequence.

    source = open_frames("clips/talk.mp4")        # or a folder, "stack.npy", "stack.zarr"; (256, 256, 3) frames
    with open_writer("small.zarr", frame_shape=(64, 64, 3), dtype=np.uint8, count=source.count) as writer:
        for block in source.blocks(32):            # (<= 32, 256, 256, 3) arrays, in order
            writer.write(antialias_np.downsample(block, 0.25, channel_axis=-1))

The kind is chosen by the path: a directory (or a path without a suffix, for writing) is a folder of images
(written as PNG), .npy a NumPy stack (read memory-mapped), .zarr a zarr store (the `zarr` extra), and a video
suffix a video (read and written through imageio's pyav plugin, the `video` extra). Frames are arrays as imageio
reads them: (H, W, C) or (H, W); a .npy or zarr stack holds them along its first axis, in any layout.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from antialias_np import _checks
from antialias_np.images import read_image

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
DEFAULT_FPS = 25.0
"""Frame rate of a video written from frames that carry none (a folder or a stack)."""

_EXTRAS = {"av": "video", "zarr": "zarr", "dask": "dask", "dask.array": "dask", "distributed": "dask"}
"""The optional extra that installs each optional module."""


def require(module: str, purpose: str):
    """Import an optional dependency, or raise an ImportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRAS[module]
        raise ImportError(
            f"{purpose} needs {module}, which is not installed: pip install 'antialias_np[{extra}]'"
        ) from None


def natural_key(name: str) -> list:
    """Sort frame2.png before frame10.png: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


@dataclass(frozen=True)
class Frames:
    """A sequence of frames on disk.

    Attributes:
        path: where they are.
        kind: "folder", "video", "npy" or "zarr".
        count: the number of frames; None for a video whose container does not record it.
        frame_shape: one frame's shape, e.g. (H, W, C).
        dtype: the frames' dtype.
        fps: frames per second of a video; None for the other kinds.
        files: a folder's images, in order.
    """

    path: Path
    kind: str
    count: int | None
    frame_shape: tuple[int, ...]
    dtype: np.dtype
    fps: float | None = None
    files: tuple[Path, ...] = ()

    def blocks(self, size: int) -> Iterator[np.ndarray]:
        """Yield the frames in order as (<= size, *frame_shape) arrays, holding one block at a time.

        Raises:
            TypeError, ValueError: `size` is not an integer >= 1.
        """
        _checks.check_int(size, "size", minimum=1)
        if self.kind == "video":
            yield from _batched(self._video_frames(), size)
        else:
            for start in range(0, self.count, size):
                yield self.block_reader(start, min(start + size, self.count))()

    def block_reader(self, start: int, stop: int) -> Callable[[], np.ndarray]:
        """A small picklable function that reads frames start..stop-1 (what a Dask task runs on a worker)."""
        if self.kind == "folder":
            return partial(_read_images, self.files[start:stop], self.frame_shape)
        return partial(_BLOCK_READERS[self.kind], self.path, start, stop)

    def _video_frames(self) -> Iterator[np.ndarray]:
        require("av", "reading a video")
        yield from iio.imiter(self.path, plugin="pyav")


def _batched(frames: Iterator[np.ndarray], size: int) -> Iterator[np.ndarray]:
    batch = []
    for frame in frames:
        batch.append(frame)
        if len(batch) == size:
            yield np.stack(batch)
            batch = []
    if batch:
        yield np.stack(batch)


def _read_images(files: tuple[Path, ...], frame_shape: tuple[int, ...]) -> np.ndarray:
    images = [read_image(f) for f in files]
    for file, image in zip(files, images, strict=True):
        if image.shape != frame_shape:
            raise ValueError(f"{file} has shape {image.shape}, but the folder's first image has {frame_shape}")
    return np.stack(images)


def _read_npy(path: Path, start: int, stop: int) -> np.ndarray:
    return np.array(np.load(path, mmap_mode="r")[start:stop])


def _read_zarr(path: Path, start: int, stop: int) -> np.ndarray:
    return require("zarr", "reading a zarr store").open_array(str(path), mode="r")[start:stop]


def _read_video(path: Path, start: int, stop: int) -> np.ndarray:
    require("av", "reading a video")
    with iio.imopen(path, "r", plugin="pyav") as video:
        # Consecutive indices decode forward from the first one: one seek per block.
        return np.stack([video.read(index=i) for i in range(start, stop)])


_BLOCK_READERS = {"npy": _read_npy, "zarr": _read_zarr, "video": _read_video}


def open_frames(path: str | Path) -> Frames:
    """Open the frames at `path` without reading their pixels (a folder's first image is read for its shape).

    Args:
        path: a folder of images (sorted by name, digit runs as numbers), an image (one frame), a video file, a .npy
            or a .zarr stack.

    Returns:
        The frames' description, which reads them block by block.

    Raises:
        FileNotFoundError: nothing is at `path`.
        ValueError: `path` is not one of the kinds above, or holds no frames.
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
        stack = np.load(path, mmap_mode="r")
        return _stack_frames(path, "npy", stack.shape, stack.dtype)
    if suffix in VIDEO_SUFFIXES:
        return _video_frames(path)
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


def _video_frames(path: Path) -> Frames:
    require("av", "reading a video")
    with iio.imopen(path, "r", plugin="pyav") as video:
        properties = video.properties()
        fps = float(video.metadata()["fps"])
    count = properties.n_images or None  # 0 when the container does not record it
    return Frames(path, "video", count, tuple(properties.shape[1:]), properties.dtype, fps=fps)


class FrameWriter:
    """Writes blocks of frames in order to one destination; use as a context manager.

    A subclass either gives `block_writer`, a function that writes a block at any position from any process (then
    blocks may be written in parallel, on workers), or overrides `_write` to append in order (a video).
    """

    def __init__(self, path: Path):
        self.path = path
        self.written = 0

    def write(self, block: np.ndarray) -> None:
        """Append a (n, *frame_shape) block of frames."""
        self._write(block)
        self.written += len(block)

    def _write(self, block: np.ndarray) -> None:
        self.block_writer(self.written)(block)

    def block_writer(self, start: int) -> Callable[[np.ndarray], None] | None:
        """A small picklable function that writes a block as frames start, start + 1, ... (what a Dask task runs on
        a worker), or None when the destination is written in order by this writer only."""
        return None

    def close(self) -> None:
        """Finish the destination."""

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class PngFolderWriter(FrameWriter):
    """000000.png, 000001.png, ... in a folder (made if missing)."""

    def __init__(self, path: Path, count: int | None):
        super().__init__(path)
        path.mkdir(parents=True, exist_ok=True)
        self.digits = max(6, len(str(count or 0)))

    def block_writer(self, start: int) -> Callable[[np.ndarray], None]:
        return partial(_write_pngs, self.path, self.digits, start)


def _write_pngs(folder: Path, digits: int, start: int, block: np.ndarray) -> None:
    for i, frame in enumerate(block, start=start):
        iio.imwrite(folder / f"{i:0{digits}d}.png", frame)


class VideoWriter(FrameWriter):
    """An H.264 video (uint8 RGB frames of even height and width)."""

    def __init__(self, path: Path, fps: float):
        super().__init__(path)
        require("av", "writing a video")
        self.video = iio.imopen(path, "w", plugin="pyav")
        self.video.init_video_stream("libx264", fps=fps)

    def _write(self, block: np.ndarray) -> None:
        for frame in block:
            self.video.write_frame(frame)

    def close(self) -> None:
        self.video.close()


class NpyWriter(FrameWriter):
    """A .npy stack of `count` frames, each block written through a memory map."""

    def __init__(self, path: Path, count: int | None, frame_shape: tuple[int, ...], dtype: np.dtype):
        super().__init__(path)
        if count is None:
            raise ValueError(
                "a .npy stack needs the number of frames in advance, which this source does not record; "
                "write to a folder, a video or a .zarr store instead"
            )
        # Writes the header and sizes the file; each block then opens its own memory map, here or on a worker.
        np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(count, *frame_shape)).flush()

    def block_writer(self, start: int) -> Callable[[np.ndarray], None]:
        return partial(_write_npy, self.path, start)


def _write_npy(path: Path, start: int, block: np.ndarray) -> None:
    stack = np.load(path, mmap_mode="r+")
    stack[start : start + len(block)] = block
    stack.flush()


class ZarrWriter(FrameWriter):
    """A zarr store chunked along the frames. Of a known length, blocks that fill whole chunks may be written in
    any order, in parallel; of an unknown length (some videos), it grows as blocks are appended."""

    def __init__(self, path: Path, count: int | None, frame_shape: tuple[int, ...], dtype: np.dtype, chunk_frames: int):
        super().__init__(path)
        zarr = require("zarr", "writing a zarr store")
        self.stack = zarr.create_array(
            str(path),
            shape=(count or 0, *frame_shape),
            chunks=(chunk_frames, *frame_shape),
            dtype=dtype,
            overwrite=True,
        )

    def _write(self, block: np.ndarray) -> None:
        if self.stack.shape[0] < self.written + len(block):
            self.stack.resize((self.written + len(block), *self.stack.shape[1:]))
        super()._write(block)

    def block_writer(self, start: int) -> Callable[[np.ndarray], None]:
        return partial(_write_zarr, self.path, start)


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
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix == "" or path.is_dir():
        return "folder"
    raise ValueError(
        f"cannot write frames to {path}: give a folder (no suffix), a video ({', '.join(VIDEO_SUFFIXES)}), "
        f"a .npy or a .zarr path"
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
    if kind == "video" and not (
        dtype == np.uint8 and rank == 3 and channels == (3,) and frame_shape[0] % 2 == 0 and frame_shape[1] % 2 == 0
    ):
        raise ValueError("an H.264 video holds uint8 (H, W, 3) frames of even height and width")


def open_writer(
    path: str | Path,
    frame_shape: tuple[int, ...],
    dtype: np.dtype,
    *,
    count: int | None = None,
    fps: float | None = None,
    chunk_frames: int = 32,
) -> FrameWriter:
    """A writer of frames chosen by `path`.

    Args:
        path: a folder (PNG frames), a video file, a .npy or a .zarr stack; missing parent folders are made.
        frame_shape: one frame's shape, e.g. (64, 64, 3).
        dtype: the frames' dtype (PNG takes uint8 and uint16, video uint8).
        count: the number of frames to come; a .npy stack needs it.
        fps: frames per second of a video (DEFAULT_FPS when None).
        chunk_frames: frames per chunk of a zarr store (blocks written in parallel must fill whole chunks).

    Returns:
        A FrameWriter; write blocks of frames to it, then close it (or use it in a `with` block).

    Raises:
        ValueError: the suffix of `path` is none of the kinds above, or a .npy stack is asked without `count`.
        ImportError: the optional dependency its kind needs is not installed.
    """
    path = Path(path)
    kind = destination_kind(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "npy":
        return NpyWriter(path, count, frame_shape, np.dtype(dtype))
    if kind == "zarr":
        return ZarrWriter(path, count, frame_shape, np.dtype(dtype), chunk_frames)
    if kind == "video":
        return VideoWriter(path, fps or DEFAULT_FPS)
    return PngFolderWriter(path, count)
