"""torch's float sums as its CPU reduction kernel makes them (ATen/native/cpu/SumKernel.cpp, cascade_sum), in plain
NumPy: torch.sum and torch.mean, which FOMM's kernel and adaptive_avg_pool2d to 1 x 1 use.

The kernel sums a reduced axis in one of three orders, by how the values lie in memory:

- inner_sum, the values contiguous (vectorized_inner_sum): in vectors of LANES values, which row_sum adds; the values
  left over added one by one to 0, then the vector's lanes in order.
- row_sum, one value at a time (scalar_inner_sum, and the channels left over by the outer sums): the values four by
  four into four sums (multi_row_sum, a cascade), those left over added to the first, then the four added in order.
- cascade_sum, the values strided and four or more columns side by side (scalar_outer_sum, vectorized_outer_sum):
  each column a cascade over all its values (multi_row_sum).

torch registers this kernel without an AVX-512 variant, so its vectors are AVX2's (8 float32 or 4 float64 values) on
every x86-64 CPU, and its scalar build emulates the same widths. These orders hold for a sum on one thread, or on
several where it has more than one output; one output of more than 32768 values is summed on several threads in one
part per thread.
"""

from __future__ import annotations

import numpy as np

LANES = {np.dtype(np.float32): 8, np.dtype(np.float64): 4}
"""Values per vector of torch's sum kernel, by dtype (AVX2's 256-bit vectors)."""


def cascade_sum(rows: np.ndarray) -> np.ndarray:
    """torch's multi_row_sum over the first axis of rows, (n, ...): rows are added one by one into the first of four
    levels of sums; after each 2^p rows (p = max(4, ceil(log2 n) // 4)) a level is carried into the next, and the
    carry goes on to the level above while the count of rows is a multiple of 2^(p * level); at the end the levels
    are added into the first, in order."""
    n = len(rows)
    level_power = max(4, (int(n - 1).bit_length() if n > 2 else 1) // 4)
    step = 1 << level_power
    levels = np.zeros((4, *rows.shape[1:]), rows.dtype)
    i = 0
    while i + step <= n:
        levels[0] = _running_sum(levels[0], rows[i : i + step])
        i += step
        for level in range(1, 4):
            levels[level] += levels[level - 1]
            levels[level - 1] = 0
            if i & ((step - 1) << (level * level_power)):
                break
    levels[0] = _running_sum(levels[0], rows[i:])
    for level in range(1, 4):
        levels[0] += levels[level]
    total: np.ndarray = levels[0]
    return total


def _running_sum(start: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """start + rows[0] + rows[1] + ..., added one by one in the rows' dtype (np.cumsum adds in order; np.sum would
    add pairwise)."""
    total: np.ndarray = np.cumsum(np.concatenate([start[None], rows]), axis=0)[-1]
    return total


def row_sum(values: np.ndarray) -> np.ndarray:
    """torch's row_sum over the first axis of values, (n, ...): four cascades over the values at 4 k, 4 k + 1, ...,
    the values left over added to the first, then the four added in order."""
    groups = len(values) // 4
    partial = cascade_sum(values[: groups * 4].reshape(groups, 4, *values.shape[1:]))
    for value in values[groups * 4 :]:
        partial[0] += value
    for k in range(1, 4):
        partial[0] += partial[k]
    total: np.ndarray = partial[0]
    return total


def inner_sum(values: np.ndarray) -> np.ndarray:
    """torch's sum over the first axis of values, (n, ...), where it lies contiguous in memory: row_sum over vectors
    of LANES values (over single values when there are fewer), the values left over added one by one to 0, then the
    lanes in order."""
    lanes = LANES[values.dtype]
    if len(values) < lanes:
        return row_sum(values)
    vectors = len(values) // lanes
    partial = row_sum(values[: vectors * lanes].reshape(vectors, lanes, *values.shape[1:]))
    total = np.zeros(values.shape[1:], values.dtype)
    for value in [*values[vectors * lanes :], *partial]:
        total += value
    return total


def channels_last_sum(values: np.ndarray) -> np.ndarray:
    """torch's sum over the first axis of values, (n, C), whose C columns lie side by side in memory (the channels of a
    channels-last tensor, summed over its pixels): where C is at least LANES, blocks of 4 LANES columns as cascades,
    then blocks of LANES and the columns left over by row_sum (vectorized_outer_sum); below, blocks of four columns
    as cascades and the columns left over by row_sum (scalar_outer_sum)."""
    lanes = LANES[values.dtype]
    columns = values.shape[1]
    cascaded = columns // (4 * lanes) * 4 * lanes if columns >= lanes else columns // 4 * 4
    total = np.empty(columns, values.dtype)
    total[:cascaded] = cascade_sum(values[:, :cascaded])
    total[cascaded:] = row_sum(values[:, cascaded:])
    return total


def torch_sum_float32(values: np.ndarray) -> np.float32:
    """torch.sum of a contiguous float32 tensor on one thread."""
    # [()] of a 0-d array is its scalar, where NumPy's stubs say an array
    return inner_sum(np.ascontiguousarray(values, np.float32).ravel()).astype(np.float32)[()]  # type: ignore[return-value]
