"""The gather: out[..., i, j] = x[..., rows[i], cols[j]], a selection of rows and columns (subsample, nearest) that
copies bits, so it is exact for every dtype. `gather_plan` picks NumPy's slicing (SlicePlan) or a kernel
(GatherPlan: `_gather` for whole pixels, `_gather_every` for every 2nd, 3rd or 4th column by vectors,
`_gather_repeated` for each column 2, 3 or 4 times).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import EllipsisType
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import literally, prange

from antialias_np import _checks, _kernels
from antialias_np._kernels import njit, plane_kernel
from antialias_np._simd import CACHE_LINE_BYTES, strided_vector, strided_vector_width
from antialias_np.plans import Plan

IndexArray = npt.NDArray[np.int64]

UNSIGNED_OF_SIZE = {size: np.dtype(f"u{size}") for size in (1, 2, 4, 8)}


def gather_plan(image: _checks.ImageSpec, rows: np.ndarray, cols: np.ndarray) -> Plan:
    """out[..., i, j] = x[..., rows[i], cols[j]] for images of image's shape and dtype: selection copies bits, so it
    is exact for every dtype.

    In torch layout, columns every 2, 3 or 4 pixels (subsample, nearest at an integer ratio) go to the kernel that
    picks them by vectors (GatherPlan, `_gather_every`), each column 2, 3 or 4 times (nearest upsampling) to the one
    that writes them by vectors (`_gather_repeated`); other evenly spaced indices to NumPy (SlicePlan). Other
    indices, and channels-last images, go to the kernel of whole pixels (GatherPlan, `_gather`). See Note: the
    gather's paths in docs/notes.md.
    """
    gather = GatherPlan(image.shape, rows, cols, image.dtype)
    row_slice, col_slice = _evenly_spaced(rows), _evenly_spaced(cols)
    if row_slice is not None and col_slice is not None and col_slice.step not in VECTOR_STEPS:
        return SlicePlan(row_slice, col_slice, gather)
    return gather


class SlicePlan(Plan):
    """x[..., rows, cols] for two slices, copied by NumPy; channels-last images by `gather` instead, as NumPy
    copies the C values of each pixel one by one, several times slower than the kernel copies whole pixels."""

    def __init__(self, rows: slice, cols: slice, gather: GatherPlan) -> None:
        self.rows, self.cols, self.gather = rows, cols, gather

    def __call__(self, x: np.ndarray) -> np.ndarray:
        selected: np.ndarray = x[..., self.rows, self.cols].copy()
        return selected

    def on_channels_last(self) -> GatherPlan:
        """The same selection for images whose channels are the last axis, (..., H, W, C)."""
        return self.gather.on_channels_last()


class GatherPlan(Plan):
    """x[..., rows[i], cols[j]] for C-contiguous images of `shape` (in torch layout) by a kernel: in torch layout,
    columns every 2, 3 or 4 values by `_gather_every`, each column 2, 3 or 4 times by `_gather_repeated`; otherwise
    by `_gather`, which copies whole pixels (a value
    in torch layout, the C values of a pixel channels last). Other images by NumPy's indexing."""

    def __init__(self, shape: tuple[int, ...], rows: np.ndarray, cols: np.ndarray, dtype: np.dtype,
                 channels_last: bool = False) -> None:  # fmt: skip
        # Writeable copies of the indices: Numba takes read-only arrays (cached tables) more slowly. See Note: the
        # gather's paths in docs/notes.md.
        rows, cols = rows.copy(), cols.copy()
        self.shape, self.rows, self.cols, self.dtype, self.channels_last = shape, rows, cols, dtype, channels_last
        self._bits = bits = UNSIGNED_OF_SIZE[dtype.itemsize]
        self._as_bits = dtype == np.float16  # which Numba cannot take
        self._numpy_index: tuple[EllipsisType | np.ndarray | slice, ...]
        self._kernel: Callable[..., None]
        self._arguments: tuple[object, ...]  # the kernel's, between the planes and out
        if channels_last:
            *leading, channels, height, width = shape
            pixel: np.dtype[Any] = np.dtype([("channels", bits, (channels,))])
            self._out_shape = (*leading, len(rows), len(cols), channels)
            self._numpy_index = (..., rows[:, None], cols, slice(None))
        else:
            *leading, height, width = shape
            channels, pixel = 1, bits
            self._out_shape = (*leading, len(rows), len(cols))
            self._numpy_index = (..., rows[:, None], cols)
        planes = math.prod(leading)
        self._planes_shape = (planes, height, width * channels)
        self._out_planes_shape = (planes, len(rows), len(cols) * channels)
        # a (B, H, W) image in torch layout, of a dtype Numba takes: the kernel reads it, and writes out, as they are
        self._takes_image_as_planes = not channels_last and len(shape) == 3 and not self._as_bits
        evenly_spaced = _evenly_spaced(cols)
        col_step = 0 if evenly_spaced is None else evenly_spaced.step
        col_repeat = _repeat(cols)
        if not channels_last and col_step in VECTOR_STEPS:
            self._kernel, self._arguments = _gather_every, (rows, int(cols[0]), col_step)
        elif not channels_last and col_repeat in REPEATS:
            self._kernel, self._arguments = _gather_repeated, (rows, int(cols[0]), col_repeat)
        else:
            self._kernel, self._arguments = _gather, (rows, cols, col_step, pixel)
        if planes * height * width * channels < _kernels.PARALLEL_MIN_VALUES:  # never on threads (parallel_threads)
            self._kernel = self._kernel.serial  # without PlaneKernel's choice (see Note: the gather's paths)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0 or not x.flags.c_contiguous:  # the kernels view rows of values as rows of pixels
            return np.ascontiguousarray(x[self._numpy_index])
        out = np.empty(self._out_shape, self.dtype)
        if self._takes_image_as_planes:
            self._kernel(x, *self._arguments, out)
            return out
        source, dest = (x.view(self._bits), out.view(self._bits)) if self._as_bits else (x, out)
        self._kernel(source.reshape(self._planes_shape), *self._arguments, dest.reshape(self._out_planes_shape))
        return out

    def on_channels_last(self) -> GatherPlan:
        """The same plan for images whose channels are the last axis, (..., H, W, C)."""
        return GatherPlan(self.shape, self.rows, self.cols, self.dtype, channels_last=True)


def _evenly_spaced(indices: np.ndarray) -> slice | None:
    """The slice that picks `indices`, if they rise by one step > 0 (a single index counts), else None."""
    step = int(indices[1] - indices[0]) if len(indices) > 1 else 1
    if step < 1 or np.any(np.diff(indices) != step):
        return None
    return slice(int(indices[0]), int(indices[-1]) + 1, step)


def _repeat(indices: np.ndarray) -> int:
    """k where indices[j] = indices[0] + j // k for every j (each index k times: upsampling by k), else 0."""
    k = int(np.count_nonzero(indices == indices[0]))
    return k if np.array_equal(indices, indices[0] + np.arange(len(indices)) // k) else 0


@njit(cache=True)
def _copy_row(out: npt.NDArray[np.generic], p: int, i: int) -> None:
    """out[p, i, :] = out[p, i - 1, :], a loop that LLVM turns into vector copies (NumPy's slice assignment in Numba
    was measured slower: it must allow the two rows to overlap)."""
    previous, dest = out[p, i - 1], out[p, i]
    for j in range(dest.shape[0]):
        dest[j] = previous[j]


@plane_kernel()
def _gather(
    planes: npt.NDArray[np.generic], rows: IndexArray, cols: IndexArray, col_step: int, pixel: np.dtype,
    out: npt.NDArray[np.generic],
) -> None:
    """out[p, i, j] = planes[p, rows[i], cols[j]] for pixels of the dtype `pixel`: the rows of planes, (B, H, W * C),
    and of out, (B, h, w * C), are seen as rows of pixels of C values, each copied whole. Evenly spaced cols (a
    col_step > 0) are read as a strided row, measured faster than through their indices. An output row that reads
    the input row of the one before it (upsampling) is copied from it, by vectors."""
    source_pixels, out_pixels = planes.view(pixel), out.view(pixel)
    for p in prange(planes.shape[0]):
        for i in range(rows.shape[0]):
            if i > 0 and rows[i] == rows[i - 1]:  # upsampling: a row read again is a copy of the row made before it
                _copy_row(out, p, i)
                continue
            row, dest = source_pixels[p, rows[i]], out_pixels[p, i]
            if col_step:
                kept = row[cols[0] :: col_step]
                for j in range(dest.shape[0]):
                    dest[j] = kept[j]
            else:
                for j in range(dest.shape[0]):
                    dest[j] = row[cols[j]]


VECTOR_STEPS = (2, 3, 4)
"""The column steps `_gather_every` picks by vectors (strided_vector); others go to `_gather`."""


@plane_kernel()
def _gather_every(
    planes: npt.NDArray[np.generic], rows: IndexArray, first_col: int, col_step: int, out: npt.NDArray[np.generic]
) -> None:
    """out[p, i, j] = planes[p, rows[i], first_col + j col_step] for planes (B, H, W) (float16 as its bits) and a
    col_step in VECTOR_STEPS, by `_strided_rows`."""
    for p in prange(planes.shape[0]):
        if col_step == 2:
            _strided_rows(planes, p, rows, first_col, 2, out)
        elif col_step == 3:
            _strided_rows(planes, p, rows, first_col, 3, out)
        else:
            _strided_rows(planes, p, rows, first_col, 4, out)


@njit(cache=True)
def _strided_rows(
    planes: npt.NDArray[np.generic], p: int, rows: IndexArray, first_col: int, step: int, out: npt.NDArray[np.generic]
) -> None:
    """out[p, i, :] = planes[p, rows[i], first_col::step] (as many as a row of out holds), by vectors
    (`strided_vector`) for a literal step. In each row, the values before the first vector whose read starts on a
    cache line one by one (NumPy aligns arrays to 16 bytes; a vector read across two lines is slower), then whole
    vectors, the last overlapping the one before and its read ending inside the row, then the last value (where
    the row ends less than a step after it) one by one."""
    literally(step)
    lanes, width, n = strided_vector_width(out), planes.shape[2], out.shape[2]
    peel_limit = lanes if n >= 2 * lanes else 0  # a row of one or two vectors is read as they fall
    last_start = (width - first_col) // step - lanes  # of a vector whose read ends inside the row
    for i in range(rows.shape[0]):
        r = rows[i]
        row_start = planes.ctypes.data + ((p * planes.shape[1] + r) * width + first_col) * planes.itemsize
        j = 0
        while j < peel_limit and (row_start + j * step * planes.itemsize) % CACHE_LINE_BYTES:
            out[p, i, j] = planes[p, r, first_col + j * step]
            j += 1
        while j + lanes <= n and j <= last_start:
            strided_vector(planes, p, r, first_col + j * step, step, out, i, j)
            j += lanes
        if j < n and n >= lanes and last_start >= 0:
            j = min(n - lanes, last_start)
            strided_vector(planes, p, r, first_col + j * step, step, out, i, j)
            j += lanes
        for k in range(j, n):
            out[p, i, k] = planes[p, r, first_col + k * step]


REPEATS = (2, 3, 4)
"""The column repeats (nearest upsampling by 2, 3 or 4) `_gather_repeated` writes by vectors; others go to
`_gather`."""


@plane_kernel()
def _gather_repeated(
    planes: npt.NDArray[np.unsignedinteger], rows: IndexArray, first_col: int, repeat: int,
    out: npt.NDArray[np.unsignedinteger],
) -> None:
    """out[p, i, j] = planes[p, rows[i], first_col + j // repeat] for planes (B, H, W) (float16 as its bits) and a
    repeat in REPEATS, by `_repeated_rows`."""
    for p in prange(planes.shape[0]):
        if repeat == 2:
            _repeated_rows(planes, p, rows, first_col, 2, out)
        elif repeat == 3:
            _repeated_rows(planes, p, rows, first_col, 3, out)
        else:
            _repeated_rows(planes, p, rows, first_col, 4, out)


@njit(cache=True)
def _repeated_rows(
    planes: npt.NDArray[np.unsignedinteger], p: int, rows: IndexArray, first_col: int, repeat: int,
    out: npt.NDArray[np.unsignedinteger],
) -> None:
    """out[p, i, :] = each of planes[p, rows[i], first_col:] `repeat` times (as many as a row of out holds), for a
    literal repeat, which LLVM writes by vectors; a row that reads the input row of the one before it is copied
    from it."""
    literally(repeat)
    n = out.shape[2]
    whole = n // repeat
    for i in range(rows.shape[0]):
        if i > 0 and rows[i] == rows[i - 1]:
            _copy_row(out, p, i)
            continue
        row, dest = planes[p, rows[i], first_col:], out[p, i]
        for j in range(whole):
            value = row[j]
            for k in range(repeat):
                dest[j * repeat + k] = value
        for q in range(whole * repeat, n):
            dest[q] = row[q // repeat]
