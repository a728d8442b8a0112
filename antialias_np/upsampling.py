"""Few taps, many outputs: float tables of at most MAX_TAPS taps that read no axis with fewer outputs than input
pixels (upsampling with plain or antialiased bilinear and bicubic), applied width first, as torch sums them.

float_sums.SeparablePlan makes the kept rows first, then transposes them and the whole output: when the output is
larger than the input, those two transposes of large arrays cost more than the sums. Here a block of input rows at a
time is widened by the column table, and the output rows that read those input rows are made from the widened rows
by the row table (weighted sums of whole rows, float_sums.weighted_rows), written straight into the output:

    out[i, j] = sum_r row.weight[i, r] * (sum_c col.weight[j, c] * plane[row.index[i, r], col.index[j, c]])

which is the order of torch's separable kernels (width inside, height outside). The rows are widened in row layout
where the CPU has two-vector permutes of variable indices (AVX-512): each vector of outputs picks its taps' values
from a window of two vectors of input values (_simd.permuted_weighted_rows). Elsewhere, and where a vector's taps
span more than its window (many channels interleaved) or the rows are narrower than two vectors, the block is
transposed, its columns widened as whole rows and transposed back while they are in the cache.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import prange

from antialias_np._kernels import njit, plane_kernel
from antialias_np._simd import MAX_PERMUTED_TAPS, permuted_vector_width, permuted_weighted_rows, transposed
from antialias_np.float_sums import Float, SeparablePlan, weighted_rows
from antialias_np.weights import AxisTable

FloatArray = npt.NDArray[np.float32] | npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.int64]

MAX_TAPS = 5
"""The most taps per output of a table this path takes: bilinear 2, bicubic 4; antialiased, when upsampling, up to 2
and up to 5 (Pillow's windows of 4 pixels, one more where the window's ends round outwards)."""

BLOCK_INPUT_ROWS = 64
"""The most input rows widened at a time on their transpose: the column pass sums rows of C x that many values,
whole vectors."""

WIDENED_BLOCK_BYTES = 1 << 17
"""The most bytes of input rows widened at a time in row layout (as many rows as fit, at least the rows one output
row reads): the row pass reads them from the L2 cache. Measured best of 8 to 64 rows at 256 -> 512, 256 -> 1024
and 1024 -> 2048 (128 KiB each time)."""


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
    """SeparablePlan's tables, applied width first by `_upsample_float` (see the module's docstring), with the
    column table's WidthVectors made once for each width of rows the plan meets (one, or two with its channels-last
    copy, which shares them), not on every call."""

    def __init__(self, rows: AxisTable, cols: AxisTable, dtype: np.dtype) -> None:
        super().__init__(rows, cols, dtype)
        self.kernel = self._upsample
        self._width_vectors: dict[tuple[int, int], WidthVectors] = {}  # by (channels, values per row)

    def _upsample(
        self, planes: FloatArray, channels: int, row_index: IndexArray, row_weight: FloatArray, row_count: IndexArray,
        col_index: IndexArray, col_weight: FloatArray, col_count: IndexArray, out: FloatArray,
    ) -> None:  # fmt: skip
        """_upsample_float with the column table's vectors for rows of this width."""
        key = (channels, planes.shape[2])
        vectors = self._width_vectors.get(key)
        if vectors is None:
            lanes = permuted_vector_width_of(out)
            vectors = WidthVectors(*width_vectors(col_index, col_weight, col_count, channels, planes.shape[2], lanes))
            self._width_vectors[key] = vectors
        _upsample_float(planes, channels, row_index, row_weight, row_count, col_index, col_weight, col_count, vectors,
                        out)  # fmt: skip


class WidthVectors(NamedTuple):
    """The column table as `permuted_weighted_rows` takes it, for rows of C interleaved channels: vector k makes the
    L output values from starts[k] of a widened row, from the window of 2 L input values from bases[k]; lane l of
    it reads input value bases[k] + lane_index[k, t, l] with weight lane_weight[k, t, l] for t < lane_count[k, l].
    `fits` is False (and the arrays empty) where the CPU has no such vectors or the table does not fit them."""

    fits: bool
    starts: IndexArray
    bases: IndexArray
    lane_index: npt.NDArray[np.int32]
    lane_weight: npt.NDArray[np.floating[Any]]
    lane_count: npt.NDArray[np.int32]


@njit(cache=True)
def width_vectors(
    col_index: IndexArray, col_weight: npt.NDArray[Float], col_count: IndexArray, channels: int, in_values: int,
    lanes: int,
) -> tuple[bool, IndexArray, IndexArray, npt.NDArray[np.int32], npt.NDArray[Float], npt.NDArray[np.int32]]:
    """The WidthVectors of a column table for rows of in_values values (C = channels interleaved) and vectors of
    `lanes` values: output value x = C j + c reads input values C col_index[j, t] + c. The vectors follow each other
    along the row, the last one overlapping the one before where L does not divide the row (it writes some values
    twice, the same); a window starts at its vector's first value read, or earlier where it would pass the row's
    end. They fit where the row has at least 2 L input values and at least L output values, and every vector's
    values lie inside its window (upsampling reads at most about L + C * MAX_TAPS values per vector)."""
    out_values, taps = col_index.shape[0] * channels, col_index.shape[1]
    vectors = 0 if lanes == 0 or out_values < lanes or in_values < 2 * lanes else -(-out_values // lanes)
    starts, bases = np.empty(vectors, np.int64), np.empty(vectors, np.int64)
    lane_index, lane_count = np.zeros((vectors, taps, lanes), np.int32), np.empty((vectors, lanes), np.int32)
    lane_weight = np.zeros((vectors, taps, lanes), col_weight.dtype)
    fits = vectors > 0 and int(np.max(col_count)) <= MAX_PERMUTED_TAPS
    for k in range(vectors):
        starts[k] = min(k * lanes, out_values - lanes)
        lowest, highest = in_values, 0
        for x in range(starts[k], starts[k] + lanes):
            j, c = divmod(x, channels)
            for t in range(col_count[j]):
                value = col_index[j, t] * channels + c
                lowest, highest = min(lowest, value), max(highest, value)
        bases[k] = min(lowest, in_values - 2 * lanes)
        fits = fits and highest - bases[k] < 2 * lanes
        for lane in range(lanes):
            j, c = divmod(starts[k] + lane, channels)
            lane_count[k, lane] = col_count[j]
            for t in range(col_count[j]):
                lane_index[k, t, lane] = min(col_index[j, t] * channels + c - bases[k], 2 * lanes - 1)
                lane_weight[k, t, lane] = col_weight[j, t]
    return fits, starts, bases, lane_index, lane_weight, lane_count


@njit(cache=True)
def upsample_plane(
    plane: FloatArray, channels: int, row_index: IndexArray, row_weight: FloatArray, row_count: IndexArray,
    col_index: IndexArray, col_weight: FloatArray, col_count: IndexArray, vectors: WidthVectors, out: FloatArray,
) -> None:
    """One (H, W * C) plane of C interleaved channels (C = 1 in torch layout) into out, (h, w * C), a block of
    output rows at a time: the input rows they read, [first, last), widened by the column table to (last - first,
    w * C) (`_widened_in_rows` where the vectors fit, else `_widened_transposed`), then the row table (its indices
    made relative to the block) writes the block's output rows."""
    height = out.shape[0]
    block_rows = max(1, WIDENED_BLOCK_BYTES // (out.shape[1] * out.itemsize)) if vectors.fits else BLOCK_INPUT_ROWS
    start = 0
    while start < height:
        first, last = _rows_read(row_index, row_count, start)
        stop = start + 1
        while stop < height:  # take the next output rows while the block's input rows stay few
            lo, hi = _rows_read(row_index, row_count, stop)
            if max(hi, last) - min(lo, first) > block_rows:
                break
            first, last = min(lo, first), max(hi, last)
            stop += 1
        if vectors.fits:
            widened = _widened_in_rows(plane, first, last, vectors, out.shape[1])
        else:
            widened = _widened_transposed(plane[first:last], channels, col_index, col_weight, col_count, out.shape[1])
        weighted_rows(widened, row_index[start:stop] - first, row_weight[start:stop], row_count[start:stop],
                      out[start:stop])  # fmt: skip
        start = stop


@njit(cache=True)
def _widened_in_rows(
    plane: npt.NDArray[Float], first: int, last: int, vectors: WidthVectors, out_values: int
) -> npt.NDArray[Float]:
    """Rows [first, last) of the plane widened by the column table, in row layout, a vector of every row at a
    time (`permuted_weighted_rows`)."""
    widened = np.empty((last - first, out_values), plane.dtype)
    for k in range(vectors.starts.shape[0]):
        permuted_weighted_rows(plane, first, last - first, vectors.bases[k], vectors.lane_index, vectors.lane_weight,
                               vectors.lane_count, k, widened, vectors.starts[k])  # fmt: skip
    return widened


@njit(cache=True)
def _widened_transposed(
    rows: npt.NDArray[Float], channels: int, col_index: IndexArray, col_weight: npt.NDArray[Float],
    col_count: IndexArray, out_values: int,
) -> npt.NDArray[Float]:
    """The rows, (b, W * C), widened by the column table on their transpose: (W * C, b) seen as (W, C * b), widened
    as whole rows to (w, C * b), which is (w * C, b), transposed back to (b, w * C)."""
    rows_in, width = rows.shape[0], rows.shape[1] // channels
    columns = transposed(rows).reshape(width, channels * rows_in)
    widened = np.empty((out_values // channels, channels * rows_in), rows.dtype)
    weighted_rows(columns, col_index, col_weight, col_count, widened)
    return transposed(widened.reshape(out_values, rows_in))


@njit(cache=True)
def _rows_read(row_index: IndexArray, row_count: IndexArray, i: int) -> tuple[int, int]:
    """[first, last): the input rows output row i reads."""
    first, last = row_index[i, 0], row_index[i, 0] + 1
    for t in range(1, row_count[i]):
        first, last = min(first, row_index[i, t]), max(last, row_index[i, t] + 1)
    return first, last


@njit(cache=True)
def permuted_vector_width_of(values: FloatArray) -> int:
    """_simd.permuted_vector_width of values' dtype on this CPU (an intrinsic, which only compiled code can call)."""
    lanes: int = permuted_vector_width(values)
    return lanes


@plane_kernel()
def _upsample_float(
    planes: FloatArray, channels: int, row_index: IndexArray, row_weight: FloatArray, row_count: IndexArray,
    col_index: IndexArray, col_weight: FloatArray, col_count: IndexArray, vectors: WidthVectors, out: FloatArray,
) -> None:
    for p in prange(planes.shape[0]):
        upsample_plane(planes[p], channels, row_index, row_weight, row_count, col_index, col_weight, col_count,
                       vectors, out[p])  # fmt: skip
