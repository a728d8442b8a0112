"""The float engine: a row table and a column table applied to planes (B, H, W) as weighted sums, in float32 or
float64, by Numba kernels that compute only the output pixels, one plane per Numba thread in large calls
(_kernels.parallel_threads).

The kernel is one primitive used twice: `weighted_rows` makes each kept row as a weighted sum of whole input rows (a
chunk of the row at a time, in vector registers: _simd.weighted_chunk); the result is transposed and the same
primitive makes the kept columns. No full-resolution temporary is made. `SeparablePlan` binds two tables to it (and
uint8 fixed-point tables to fixed_point.py's kernel); engine.resample_plan says which plan a dtype gets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from numba import prange

from antialias_np import _checks, plans
from antialias_np._kernels import block_rows, njit, plane_kernel
from antialias_np._simd import (
    CACHE_LINE_BYTES,
    WIDE_CHUNK_VECTORS,
    fma,
    prefetch_line,
    transpose_into,
    transposed,
    weighted_vector,
    weighted_vector_width,
    weighted_wide_chunk,
)
from antialias_np.fixed_point import _resample_uint8, tap_pairs
from antialias_np.plans import Plan
from antialias_np.weights import AxisTable

Float = TypeVar("Float", bound=np.floating[Any])
"""The float dtype a kernel sums in: of its weights, its temporaries and its output."""

COMPUTE_DTYPE: dict[str, np.dtype] = {"f": np.dtype(np.float32), "i": np.dtype(np.float64), "u": np.dtype(np.float64)}
"""The dtype a kind of image is computed in when Numba cannot compute in its own: float16 in float32 (as torch, then
rounded once), integers in float64 (box tables exactly, 8-bit images in float32 checked against float64, see
engine.resample_plan)."""


class SeparablePlan(Plan):
    """A row table and a column table applied by the engine's kernel for the dtype.

    uint8 with fixed-point tables: `_resample_uint8`, bit for bit torch's. Floats: `_resample_float` in float32 or
    float64 (float16 in float32, rounded once). Other integers: `_resample_float` in float64 (or `compute`), rounded
    (ties to even) and saturated.
    """

    def __init__(
        self, rows: AxisTable, cols: AxisTable, dtype: np.dtype, compute: npt.DTypeLike | None = None
    ) -> None:
        self.rows, self.cols, self.dtype = rows, cols, dtype
        self.kernel: Callable[..., None]  # kernel(planes, channels, *self._arguments, out)
        self.compute: np.dtype
        self._arguments: tuple[np.ndarray | int | None, ...]  # the kernel's arguments after planes and channels
        if rows.precision is not None:
            self.kernel, self.compute = _resample_uint8, np.dtype(np.uint8)
            self._arguments = (*tap_pairs(rows), rows.precision, *tap_pairs(cols), cols.precision)
        else:
            self.kernel = _resample_float
            if compute is None:
                compute = dtype if dtype in _checks.FLOAT_DTYPES else COMPUTE_DTYPE[dtype.kind]
            self.compute = np.dtype(compute)
            self._arguments = (rows.index, rows.weight.astype(self.compute), rows.count, cols.index,
                               cols.weight.astype(self.compute), cols.count)  # fmt: skip

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = self.weighted_sums(x)
        if self.dtype.kind in "iu" and self.compute != self.dtype:
            return _saturate(np.rint(out), self.dtype)
        return out.astype(self.dtype, copy=False)

    def weighted_sums(self, x: np.ndarray) -> np.ndarray:
        """The kernel's result in its compute dtype, with x's leading (and channel) axes."""
        source = x.astype(self.compute, copy=False) if self.dtype.kind == "f" else x
        n_out = (self.rows.n_out, self.cols.n_out)
        return plans.on_channel_planes(self.kernel, source, self.channels_last, self._arguments, n_out, self.compute)

    def reads_channels_last(self) -> bool:
        return True  # the kernels read a plane's C interleaved channels as they are (plans.on_channel_planes)


@njit(cache=True)
def weighted_rows(
    source: npt.NDArray[Any],
    index: npt.NDArray[np.int64],
    weight: npt.NDArray[Float],
    count: npt.NDArray[np.int64],
    dest: npt.NDArray[Float],
    prefetch_ahead: int = 0,
) -> None:
    """dest[i, :] = sum_{t < count[i]} weight[i, t] * source[index[i, t], :], a tap after another, fused, the rows
    in vertical strips (`_strip_width`).

    With prefetch_ahead = k > 0, for a source read from memory rather than a cache, the wide chunks of output row i
    first ask for the same columns of the input rows that output row i + k reads and row i + k - 1 does not
    (`prefetch_line`), so that the reads of later rows overlap the arithmetic of this one; the taps must then be
    in increasing order (`_increasing`).

    Wide chunks (`weighted_wide_chunk`), the last one overlapping the one before where it does not divide the strip
    (it writes some values twice, the same); rows narrower than a wide chunk one vector at a time, the last
    overlapping likewise, and rows narrower than a vector value by value, in the same order. Where the rows do not
    start on a cache line (NumPy aligns its arrays to 16 bytes), a first vector reaches the next line, so that each
    64-byte load of the wide chunks reads one line.
    """
    narrow = weighted_vector_width(dest)
    width, wide = source.shape[1], WIDE_CHUNK_VECTORS * narrow
    if width < narrow:
        for i in range(dest.shape[0]):
            for x in range(width):
                total = dest.dtype.type(0)
                for t in range(count[i]):
                    total = fma(weight[i, t], dest.dtype.type(source[index[i, t], x]), total)
                dest[i, x] = total
        return
    strip = _strip_width(width, weight.shape[1], source.itemsize)
    line_values = CACHE_LINE_BYTES // source.itemsize
    to_line = (-(source.ctypes.data // source.itemsize)) % (CACHE_LINE_BYTES // source.itemsize)
    peel = 0 < to_line <= narrow and width >= wide
    for start in range(0, width, strip):
        end = min(start + strip, width)
        for i in range(dest.shape[0]):
            x0 = min(start, width - narrow)
            if peel:
                weighted_vector(source, index, weight, count[i], dest, i, x0)
                x0 += to_line
            while x0 < end:
                if width >= wide:
                    x0 = min(x0, width - wide)
                    later = i + prefetch_ahead
                    if prefetch_ahead > 0 and later < dest.shape[0]:
                        for r in range(index[later - 1, count[later - 1] - 1] + 1, index[later, count[later] - 1] + 1):
                            for x in range(x0, x0 + wide, line_values):
                                prefetch_line(source, r, x)
                    weighted_wide_chunk(source, index, weight, count[i], dest, i, x0)
                    x0 += wide
                else:
                    x0 = min(x0, width - narrow)
                    weighted_vector(source, index, weight, count[i], dest, i, x0)
                    x0 += narrow


PREFETCH_AHEAD = 2
"""How many output rows ahead the row pass of `resample_plane` prefetches the input rows it reads first
(weighted_rows' prefetch_ahead), in calls of more than PREFETCH_MIN_BYTES of input; 2, 4 and 8 measured alike
(`python bench.py --speed --scaling` measures frames to 4096 px and batches of 64)."""

PREFETCH_MIN_BYTES = 1 << 20
"""Input bytes from which the row pass prefetches: smaller inputs, a 256 px RGB frame (0.75 MiB in float32) among
them, are read from the L2 cache when called again, and there the prefetches only cost instructions."""

STRIP_BYTES = 1 << 14
"""The most bytes that the input rows of one output row's taps may span before `weighted_rows` works in vertical
strips (`_strip_width`)."""


@njit(cache=True)
def _strip_width(width: int, taps: int, itemsize: int) -> int:
    """The width of the strips `weighted_rows` sweeps rows of `width` values in: the whole row, unless the `taps`
    rows an output row reads would span more than STRIP_BYTES; then equal strips, in multiples of 16 values, whose
    taps span at most about STRIP_BYTES.

    Consecutive output rows read mostly the same input rows, which stay in the L1 cache only while the strip is
    narrow enough. See Note: strips in docs/notes.md.
    """
    widest = max(16, STRIP_BYTES // (taps * itemsize))
    strips = -(-width // widest)
    if strips == 1:
        return width
    values_per_strip = -(-width // strips)
    return -(-values_per_strip // 16) * 16


@njit(cache=True)
def resample_plane(
    plane: npt.NDArray[Any],
    channels: int,
    row_index: npt.NDArray[np.int64],
    row_weight: npt.NDArray[Float],
    row_count: npt.NDArray[np.int64],
    col_index: npt.NDArray[np.int64],
    col_weight: npt.NDArray[Float],
    col_count: npt.NDArray[np.int64],
    out: npt.NDArray[Float],
    prefetch_ahead: int = 0,
) -> None:
    """One (H, W * C) plane of C interleaved channels (C = 1 in torch layout) into out, (h, w * C).

    The kept rows are weighted sums of whole rows, (h, W * C); transposed, (W * C, h) is (W, C * h): W rows of every
    channel's column, so the same primitive makes the kept columns, (w, C * h), which transposed is (h, w * C).
    This is done for a block of kept rows at a time (BLOCK_BYTES). The row pass prefetches `prefetch_ahead` output
    rows ahead (weighted_rows; the row taps must then be `_increasing`).
    """
    height, width = out.shape[0], out.shape[1] // channels
    in_width = plane.shape[1] // channels
    block = block_rows(height, plane.shape[1] * out.itemsize)  # the temporaries are of out.dtype
    for first in range(0, height, block):
        last = min(first + block, height)
        rows = np.empty((last - first, plane.shape[1]), out.dtype)
        weighted_rows(plane, row_index[first:last], row_weight[first:last], row_count[first:last], rows,
                      prefetch_ahead)  # fmt: skip
        columns = transposed(rows).reshape(in_width, channels * (last - first))
        result_transposed = np.empty((width, channels * (last - first)), out.dtype)
        weighted_rows(columns, col_index, col_weight, col_count, result_transposed)
        transpose_into(result_transposed.reshape(width * channels, last - first), out[first:last])


@njit(cache=True)
def _increasing(index: npt.NDArray[np.int64], count: npt.NDArray[np.int64]) -> bool:
    """True if every output row has taps in increasing order of input row, and its last no earlier than the row
    before's (as torch's tables: a window of consecutive input rows, moving down), so that the input rows output
    row i reads first are those after index[i - 1, count[i - 1] - 1], up to index[i, count[i] - 1]."""
    for i in range(index.shape[0]):
        if count[i] < 1 or (i > 0 and index[i, count[i] - 1] < index[i - 1, count[i - 1] - 1]):
            return False
        for t in range(1, count[i]):
            if index[i, t] <= index[i, t - 1]:
                return False
    return True


@plane_kernel()
def _resample_float(
    planes: npt.NDArray[Any],
    channels: int,
    row_index: npt.NDArray[np.int64],
    row_weight: npt.NDArray[Float],
    row_count: npt.NDArray[np.int64],
    col_index: npt.NDArray[np.int64],
    col_weight: npt.NDArray[Float],
    col_count: npt.NDArray[np.int64],
    out: npt.NDArray[Float],
) -> None:
    from_memory = planes.size * planes.itemsize > PREFETCH_MIN_BYTES
    prefetch_ahead = PREFETCH_AHEAD if from_memory and _increasing(row_index, row_count) else 0
    for p in prange(planes.shape[0]):
        resample_plane(planes[p], channels, row_index, row_weight, row_count, col_index, col_weight, col_count,
                       out[p], prefetch_ahead)  # fmt: skip


def _saturate(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Whole float64 values as `dtype`, clipped to its range; 64-bit limits, which float64 rounds up to 2^63 or
    2^64 (outside the range), become the dtype's largest value instead of wrapping."""
    info = np.iinfo(dtype)
    clipped = np.clip(values, info.min, info.max)
    above = clipped >= 2.0 ** (info.bits - (info.min < 0))
    out = np.where(above, 0, clipped).astype(dtype)
    out[above] = info.max
    return out
