"""_simd.py's LLVM IR intrinsics against plain NumPy: the block transpose and the rows of sums of permuted values.
The uint8 fixed-point chunks are held to their reference through fixed_point.py's rows in tests/test_fixed_point.py."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FLOATS
from hypothesis import given
from hypothesis import strategies as st
from numba import njit

from antialias_np._simd import MAX_PERMUTED_TAPS, permuted_vector_width, permuted_weighted_rows, transposed
from antialias_np.weights import fused_multiply_add


@given(height=st.integers(1, 70), width=st.integers(1, 70),
       dtype=st.sampled_from([*FLOATS, np.uint8, np.uint16, np.int64]))  # fmt: skip
def test_transpose_equals_numpy(height, width, dtype):
    """Whole blocks (16 x 32 for 1-byte values, 16 x 16 or 8 x 8 for others), then the leftover rows and columns."""
    a = (np.random.default_rng(height * 71 + width).random((height, width)) * 255).astype(dtype)
    np.testing.assert_array_equal(transposed(a), a.T)


@njit
def _lanes(dest):
    return permuted_vector_width(dest)


@njit
def _permuted_rows(source, first, rows, base, lane_index, lane_weight, lane_count, k, dest, x0):
    permuted_weighted_rows(source, first, rows, base, lane_index, lane_weight, lane_count, k, dest, x0)


@given(
    dtype=st.sampled_from(FLOATS),
    taps=st.integers(1, MAX_PERMUTED_TAPS),
    differing=st.booleans(),  # lanes of fewer taps than the vector's most (masked), or all alike
    rows=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_permuted_weighted_rows_equal_fused_sums_of_their_taps(dtype, taps, differing, rows, seed):
    """Each lane's taps summed in order from 0 by fused multiply-adds; the table's entries past a lane's count, here
    random, and the infinities they would pick, add nothing."""
    lanes = _lanes(np.empty((1, 1), dtype))
    if lanes == 0:
        pytest.skip("no AVX-512F: permuted_weighted_rows is not compiled for this CPU")
    rng = np.random.default_rng(seed)
    vectors, k, first, base, x0 = 3, 1, 2, 5, 3
    count = np.full((vectors, lanes), taps, np.int32)
    if differing:
        count[k] = rng.integers(0, taps + 1, lanes)
        count[k, 0] = taps  # the vector's most taps
    lane_index = rng.integers(0, 2 * lanes, (vectors, taps, lanes)).astype(np.int32)
    lane_weight = rng.standard_normal((vectors, taps, lanes)).astype(dtype)
    source = rng.random((first + rows + 1, base + 2 * lanes + 4)).astype(dtype)
    window = source[first:first + rows, base:base + 2 * lanes]  # a view: the values the vector's window holds
    taken = np.arange(taps)[:, None] < count[k]  # (taps, lanes)
    window[:, np.setdiff1d(lane_index[k][~taken], lane_index[k][taken])] = np.inf  # picked by no taken tap
    expected = np.zeros((rows, lanes), dtype)
    for t in range(taps):
        term = fused_multiply_add(lane_weight[k, t], window[:, lane_index[k, t]], expected, dtype)
        expected = np.where(taken[t], term, expected)
    dest = np.full((rows, x0 + lanes + 2), -1, dtype)
    _permuted_rows(source, first, rows, base, lane_index, lane_weight, count, k, dest, x0)
    np.testing.assert_array_equal(dest[:, x0:x0 + lanes], expected)
    assert (dest[:, :x0] == -1).all() and (dest[:, x0 + lanes:] == -1).all()
