"""_simd.py's LLVM IR intrinsics against plain NumPy: the block transpose. The uint8 fixed-point chunks are held to
their reference through fixed_point.py's rows in tests/test_fixed_point.py."""

from __future__ import annotations

import numpy as np
from conftest import FLOATS
from hypothesis import given
from hypothesis import strategies as st

from antialias_np._simd import transposed


@given(height=st.integers(1, 70), width=st.integers(1, 70),
       dtype=st.sampled_from([*FLOATS, np.uint8, np.uint16, np.int64]))  # fmt: skip
def test_transpose_equals_numpy(height, width, dtype):
    """Whole blocks (16 x 32 for 1-byte values, 16 x 16 or 8 x 8 for others), then the leftover rows and columns."""
    a = (np.random.default_rng(height * 71 + width).random((height, width)) * 255).astype(dtype)
    np.testing.assert_array_equal(transposed(a), a.T)
