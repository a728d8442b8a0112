"""Downsample stacks of frames with Dask: lazily, chunk by chunk, on one machine or a dask.distributed cluster
(the `dask` extra: pip install 'antialias_np[dask]').

    import antialias_np.dask as aad

    stack = aad.read_frames("frames/")                 # a folder, video, .npy or .zarr as a (N, H, W, C) dask array
    small = aad.downsample(stack, 0.25, "gaussian", channel_axis=-1)
    small.to_zarr("small.zarr")                        # or small.compute(), on whatever scheduler is active

Each chunk must hold whole frames: the frame axis (N, before the image's (C, H, W) or (H, W, C)) may be chunked,
the image's axes may not, because a filter needs each frame's neighbouring pixels and, for the bilateral filter,
all its channels.
"""

from __future__ import annotations

import warnings
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from antialias_np import methods
from antialias_np._files import require
from antialias_np.frames import open_frames

if TYPE_CHECKING:
    import dask.array  # the dask extra: imported on first use (require)


def downsample(
    array: dask.array.Array,
    scale: float = 0.25,
    method: str = "gaussian",
    *,
    channel_axis: int | None = None,
    **options: Any,  # downsample's options, passed on
) -> dask.array.Array:
    """antialias_np.downsample mapped over the frames of a dask array, lazily.

    Args:
        array: a dask array laid out as `antialias_np.downsample` takes it: (H, W), (C, H, W) or (N, C, H, W);
            with channel_axis=-1, (H, W, C) or (N, H, W, C). Chunks may split N only; an array chunked along
            any other axis is rechunked to whole frames, with a warning.
        scale, method, channel_axis, options: as in `antialias_np.downsample`.

    Returns:
        A dask array of the downsampled frames with the input's chunks along N, whole frames in each chunk, the
        dtype `antialias_np.downsample` returns and a NumPy meta. Nothing is computed but one dummy frame, which
        checks the arguments and gives the output's size.

    Raises:
        TypeError: `array` is not a dask array; or as `antialias_np.downsample`.
        ValueError: as `antialias_np.downsample`, for the arguments and the frame size.
    """
    da = require("dask.array", "antialias_np.dask")
    if not isinstance(array, da.Array):
        raise TypeError(f"array must be a dask.array.Array, got {type(array).__name__}; use antialias_np.downsample")
    frame_axes = max(array.ndim - 3, 0)  # only (N, C, H, W) / (N, H, W, C) has one
    if any(len(chunks) > 1 for chunks in array.chunks[frame_axes:]):
        warnings.warn(
            f"antialias_np.dask.downsample: array has chunks {array.chunksize} of shape {array.shape}, which split "
            f"frames; rechunking to whole frames (each frame's height, width and channels in one chunk), which "
            f"moves data between workers. Chunk it along the frame axis only to avoid this.",
            da.core.PerformanceWarning,
            stacklevel=2,
        )
        array = array.rechunk({axis: -1 for axis in range(frame_axes, array.ndim)})

    one_frame = np.zeros((1,) * frame_axes + array.shape[frame_axes:], array.dtype)
    one_result = methods.downsample(one_frame, scale, method, channel_axis=channel_axis, **options)
    out_chunks = array.chunks[:frame_axes] + tuple((n,) for n in one_result.shape[frame_axes:])
    return array.map_blocks(
        partial(methods.downsample, scale=scale, method=method, channel_axis=channel_axis, **options),
        chunks=out_chunks,
        dtype=one_result.dtype,
        meta=np.empty((0,) * array.ndim, one_result.dtype),
        token="antialias_np-downsample",
    )


def read_frames(path: str | Path, chunk_frames: int = 32) -> dask.array.Array:
    """The frames at `path` as a lazy dask array of `chunk_frames` frames per chunk.

    Each chunk is read by its own task, so on a cluster the workers read the files: they must see `path`.

    A video's frames are exactly those of sequential decoding (antialias_np.frames.open_frames), in presentation
    order, whatever its start time, frame rate, B-frames or cuts. A dask array needs its length up front and a video
    records it only as a guess, so the video is decoded once here, without converting its frames to RGB, to count
    its frames and note each one's timestamp and the keyframes; each chunk's task then seeks to the keyframe before
    its first frame by timestamp, decodes forward, and checks that it decoded exactly the timestamps of its frames
    (or decodes from the start of the video if it did not).

    Args:
        path: a folder of images, a video, a .npy or a .zarr stack (see antialias_np.frames.open_frames).
        chunk_frames: frames per chunk.

    Returns:
        A dask array of shape (N, *frame_shape), e.g. (N, H, W, C) for images and video.

    Raises:
        ValueError: `chunk_frames` is not a positive integer; or as open_frames, and a video that cannot be decoded.
    """
    dask = require("dask", "antialias_np.dask")
    da = require("dask.array", "antialias_np.dask")
    if isinstance(chunk_frames, bool) or not isinstance(chunk_frames, int) or chunk_frames < 1:
        raise ValueError(f"chunk_frames must be a positive integer, got {chunk_frames!r}")
    frames = open_frames(path).indexed()
    count = frames.count
    assert count is not None, "indexed() counts a video's frames; the other kinds know their count"
    meta = np.empty((0,) * (1 + len(frames.frame_shape)), frames.dtype)
    chunks = []
    for start in range(0, count, chunk_frames):
        stop = min(start + chunk_frames, count)
        block = dask.delayed(frames.block_reader(start, stop))()
        chunks.append(da.from_delayed(block, (stop - start, *frames.frame_shape), frames.dtype, meta=meta))
    return da.concatenate(chunks)
