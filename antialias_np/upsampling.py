"""Few taps, many outputs: float tables of at most MAX_TAPS taps that read no axis with fewer outputs than input
pixels (upsampling with plain or antialiased bilinear and bicubic), applied width first, as torch sums them.

float_sums.SeparablePlan makes the kept rows first, then transposes them and the whole output: when the output is
larger than the input, those two transposes of large arrays cost more than the sums. Here the input is transposed
instead, a block of input rows at a time: the block's columns are widened by the column table (weighted sums of
whole rows, float_sums.weighted_rows), transposed back while they are in the cache, and the output rows that read
those input rows are made from them by the row table, written straight into the output. So only arrays the size of
the input (times the width's scale) are transposed, and each output value is one vectorised weighted sum of rows:

    out[i, j] = sum_r row.weight[i, r] * (sum_c col.weight[j, c] * plane[row.index[i, r], col.index[j, c]])

which is the order of torch's separable kernels (width inside, height outside).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import prange

from antialias_np._kernels import njit, plane_kernel
from antialias_np._simd import transposed
from antialias_np.float_sums import SeparablePlan, weighted_rows
from antialias_np.weights import AxisTable

FloatArray = npt.NDArray[np.float32] | npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.int64]

MAX_TAPS = 5
"""The most taps per output of a table this path takes: bilinear 2, bicubic 4; antialiased, when upsampling, up to 2
and up to 5 (Pillow's windows of 4 pixels, one more where the window's ends round outwards)."""

BLOCK_INPUT_ROWS = 64
"""The most input rows widened at a time: the column pass sums rows of C x that many values, whole vectors."""


def takes_tables(rows: AxisTable, cols: AxisTable, dtype: np.dtype) -> bool:
    """Whether `UpsamplingPlan` applies to these tables for images of `dtype`: float32 or float64 weights, outputs of
    at most MAX_TAPS taps, and on both axes at least as many outputs as the input pixels read (no axis downsampled)."""
    return (
        dtype in (np.dtype(np.float32), np.dtype(np.float64))
        and rows.precision is None
        and all(
            table.n_out > 0 and int(table.count.max()) <= MAX_TAPS and table.n_out > int(table.index.max())
            for table in (rows, cols)
        )
    )


class UpsamplingPlan(SeparablePlan):
    """SeparablePlan's tables, applied width first by `_upsample_float` (see the module's docstring)."""

    def __init__(self, rows: AxisTable, cols: AxisTable, dtype: np.dtype) -> None:
        super().__init__(rows, cols, dtype)
        self.kernel = _upsample_float


@njit(cache=True)
def upsample_plane(
    plane: FloatArray, channels: int, row_index: IndexArray, row_weight: FloatArray, row_count: IndexArray,
    col_index: IndexArray, col_weight: FloatArray, col_count: IndexArray, out: FloatArray,
) -> None:
    """One (H, W * C) plane of C interleaved channels (C = 1 in torch layout) into out, (h, w * C), a block of
    output rows at a time: the input rows they read, [first, last), transposed, (W * C, b) seen as (W, C * b),
    widened by the column table to (w, C * b), which is (w * C, b), transposed to (b, w * C), then the row table
    (its indices made relative to the block) writes the block's output rows."""
    height, width, out_width = out.shape[0], plane.shape[1] // channels, out.shape[1] // channels
    start = 0
    while start < height:
        first, last = _rows_read(row_index, row_count, start)
        stop = start + 1
        while stop < height:  # take the next output rows while the block's input rows stay few
            lo, hi = _rows_read(row_index, row_count, stop)
            if max(hi, last) - min(lo, first) > BLOCK_INPUT_ROWS:
                break
            first, last = min(lo, first), max(hi, last)
            stop += 1
        rows_in = last - first
        columns = transposed(plane[first:last]).reshape(width, channels * rows_in)
        widened = np.empty((out_width, channels * rows_in), out.dtype)
        weighted_rows(columns, col_index, col_weight, col_count, widened)
        widened_rows = transposed(widened.reshape(out_width * channels, rows_in))
        weighted_rows(widened_rows, row_index[start:stop] - first, row_weight[start:stop], row_count[start:stop],
                      out[start:stop])  # fmt: skip
        start = stop


@njit(cache=True)
def _rows_read(row_index: IndexArray, row_count: IndexArray, i: int) -> tuple[int, int]:
    """[first, last): the input rows output row i reads."""
    first, last = row_index[i, 0], row_index[i, 0] + 1
    for t in range(1, row_count[i]):
        first, last = min(first, row_index[i, t]), max(last, row_index[i, t] + 1)
    return first, last


@plane_kernel()
def _upsample_float(
    planes: FloatArray, channels: int, row_index: IndexArray, row_weight: FloatArray, row_count: IndexArray,
    col_index: IndexArray, col_weight: FloatArray, col_count: IndexArray, out: FloatArray,
) -> None:
    for p in prange(planes.shape[0]):
        upsample_plane(planes[p], channels, row_index, row_weight, row_count, col_index, col_weight, col_count,
                       out[p])  # fmt: skip

