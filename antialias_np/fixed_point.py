"""torch's uint8 fixed point: fixed-point tables (weights.to_fixed_point) applied as torch's uint8 kernels apply
them, bit for bit. Per pass, out = clamp((2^(p-1) + sum w16 * in) >> p, 0, 255) in int32; columns first (the row
primitive `_fixed_point_rows` on the transposed plane, with the taps two by two: _simd.fixed_point_chunk) into a
uint8 temporary, then rows, each pass rounding. See Note: fixed-point weights in docs/notes.md.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import prange

from antialias_np._kernels import block_rows, njit, plane_kernel
from antialias_np._simd import (
    NARROW_FIXED_POINT_CHUNK,
    fixed_point_chunk_32,
    fixed_point_wide_chunk,
    fixed_point_wide_chunk_width,
    transpose_into,
    transposed,
)
from antialias_np.weights import AxisTable


def fixed_point_reference(sums: np.ndarray, precision: int) -> np.ndarray:
    """One pass of torch's uint8 resampling from the integer weighted sums: clamp((2^(p-1) + sum) >> p, 0, 255)."""
    clamped: np.ndarray = np.clip((sums + (1 << (precision - 1))) >> precision, 0, 255)
    return clamped.astype(np.uint8)


def tap_pairs(table: AxisTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A fixed-point table's taps two by two, as `_fixed_point_rows` reads them: (pair_index, pair_weight,
    pair_count), where pair_index[i, k] holds the input indices of taps 2k and 2k + 1 of output i, pair_weight[i, k]
    their int16 weights packed in one int32 (tap 2k in the low 16 bits), pair_count[i] = ceil(count[i] / 2). An odd
    last tap is paired with itself at weight 0."""
    pair_count = (table.count + 1) // 2
    taps = 2 * max(int(pair_count.max(initial=0)), 1)
    inside = np.arange(taps) < table.count[:, None]
    index, weight = (np.zeros((table.n_out, taps), np.int64) for _ in range(2))
    used = min(taps, table.index.shape[1])
    index[:, :used], weight[:, :used] = table.index[:, :used], table.weight[:, :used]
    last_tap = index[np.arange(table.n_out), np.maximum(table.count - 1, 0)]
    index = np.where(inside, index, last_tap[:, None])
    weight = np.where(inside, weight, 0).astype(np.int16).view(np.uint16).astype(np.uint32)
    packed = (weight[:, 0::2] | weight[:, 1::2] << 16).view(np.int32)
    return index.reshape(table.n_out, taps // 2, 2), packed, pair_count.astype(np.int64)


@njit(cache=True)
def _fixed_point_rows(
    source: npt.NDArray[np.uint8],
    pair_index: npt.NDArray[np.int64],
    pair_weight: npt.NDArray[np.int32],
    pair_count: npt.NDArray[np.int64],
    precision: int,
    dest: npt.NDArray[np.uint8],
) -> None:
    """dest[i, :] = clamp((2^(p-1) + sum_t weight[i, t] * source[index[i, t], :]) >> p, 0, 255), in int32 as torch,
    from the table's taps in pairs (`tap_pairs`). See Note: fixed-point weights in docs/notes.md.

    Wide chunks of values (`fixed_point_wide_chunk`), then chunks of NARROW_FIXED_POINT_CHUNK (32), the last
    overlapping the one before where 32 does not divide the width (it writes some values twice, the same). Rows
    narrower than 32 are computed value by value.
    """
    width, wide, narrow = source.shape[1], fixed_point_wide_chunk_width(), NARROW_FIXED_POINT_CHUNK
    tables = (pair_index, pair_weight)
    for i in range(dest.shape[0]):
        if width < narrow:
            for x in range(width):
                total = np.int32(1 << (precision - 1))
                for k in range(pair_count[i]):
                    low, high = np.int16(pair_weight[i, k] & 0xFFFF), pair_weight[i, k] >> 16
                    first, second = source[pair_index[i, k, 0], x], source[pair_index[i, k, 1], x]
                    total += low * np.int32(first) + high * np.int32(second)
                dest[i, x] = min(max(total >> precision, 0), 255)
            continue
        x0 = 0
        while x0 + wide <= width:
            fixed_point_wide_chunk(source, *tables, pair_count[i], precision, dest, i, x0)
            x0 += wide
        while x0 < width:
            x0 = min(x0, width - narrow)
            fixed_point_chunk_32(source, *tables, pair_count[i], precision, dest, i, x0)
            x0 += narrow


@plane_kernel()
def _resample_uint8(
    planes: npt.NDArray[np.uint8],
    channels: int,
    row_pair_index: npt.NDArray[np.int64],
    row_pair_weight: npt.NDArray[np.int32],
    row_pair_count: npt.NDArray[np.int64],
    row_precision: int,
    col_pair_index: npt.NDArray[np.int64],
    col_pair_weight: npt.NDArray[np.int32],
    col_pair_count: npt.NDArray[np.int64],
    col_precision: int,
    out: npt.NDArray[np.uint8],
) -> None:
    """Planes of C interleaved channels, (H, W * C), as in resample_plane; columns first, as torch: a block of input
    rows at a time (BLOCK_BYTES) is transposed, (W, C * b), and the row primitive makes its kept columns, which
    transposed are rows of the uint8 temporary (H, w * C); then the row primitive makes the kept rows whose taps
    that block completes, from the temporary's rows while they are still in the cache. The tables come as
    `tap_pairs`."""
    height, in_width = planes.shape[1], planes.shape[2] // channels
    width = out.shape[2] // channels
    block = block_rows(height, planes.shape[2])
    last_row_read = _last_rows_read(row_pair_index, row_pair_count)
    for p in prange(planes.shape[0]):
        columns_done = np.empty((height, width * channels), np.uint8)
        rows_done = 0
        for first in range(0, height, block):
            last = min(first + block, height)
            columns = transposed(planes[p, first:last]).reshape(in_width, channels * (last - first))
            block_done = np.empty((width, channels * (last - first)), np.uint8)
            _fixed_point_rows(columns, col_pair_index, col_pair_weight, col_pair_count, col_precision, block_done)
            transpose_into(block_done.reshape(width * channels, last - first), columns_done[first:last])
            ready = rows_done
            while ready < out.shape[1] and (last == height or last_row_read[ready] < last):
                ready += 1
            _fixed_point_rows(columns_done, row_pair_index[rows_done:ready], row_pair_weight[rows_done:ready],
                              row_pair_count[rows_done:ready], row_precision, out[p, rows_done:ready])  # fmt: skip
            rows_done = ready


@njit(cache=True)
def _last_rows_read(pair_index: npt.NDArray[np.int64], pair_count: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The last input row each output row reads (the largest index among its tap pairs)."""
    last = np.zeros(pair_index.shape[0], np.int64)
    for i in range(pair_index.shape[0]):
        for k in range(pair_count[i]):
            last[i] = max(last[i], pair_index[i, k, 0], pair_index[i, k, 1])
    return last
