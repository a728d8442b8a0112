"""fixed_point.py: torch's uint8 fixed-point rows (the taps two by two, _simd.fixed_point_chunk) against plain NumPy,
on this CPU and, in a subprocess, on a CPU model without AVX2 (the plain-IR fallback); the pairing of the taps."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from antialias_np.fixed_point import _fixed_point_rows, _last_rows_read, fixed_point_reference, tap_pairs
from antialias_np.weights import AxisTable


def random_fixed_point_table(rng: np.random.Generator, n_in: int, n_out: int, taps: int) -> AxisTable:
    """Any indices, 1..taps taps per output, int16 weights of either sign (most positive, as real tables' are)."""
    weight = rng.integers(-(2**15) + 1, 2**15, (n_out, taps))
    weight[rng.random((n_out, taps)) < 0.7] //= 4
    return AxisTable(rng.integers(0, n_in, (n_out, taps)), weight, rng.integers(1, taps + 1, n_out), 14)


def fixed_point_rows_reference(source: np.ndarray, table: AxisTable) -> np.ndarray:
    """clamp((2^(p-1) + sum_t w[i, t] * source[index[i, t], :]) >> p, 0, 255), in int64: no int32 sum of the tests
    overflows (|sum| <= 9 * 255 * 2^15 < 2^31)."""
    taps = np.arange(table.index.shape[1]) < table.count[:, None]
    weight = np.where(taps, table.weight, 0)
    sums = np.einsum("it,itx->ix", weight, source.astype(np.int64)[table.index])
    return fixed_point_reference(sums, table.precision)


@given(seed=st.integers(0, 2**32 - 1), width=st.integers(1, 200), taps=st.integers(1, 9))
def test_fixed_point_rows_equal_numpy(seed, width, taps):
    """Wide chunks (512-bit vectors where the CPU has AVX-512BW), chunks of 32 (256-bit), the last one overlapping
    where 32 does not divide the width, and rows narrower than 32 value by value; odd tap counts; sums below 0 and
    above 255 clamped."""
    rng = np.random.default_rng(seed)
    source = rng.integers(0, 256, (13, width), dtype=np.uint8)
    table = random_fixed_point_table(rng, 13, 7, taps)
    dest = np.zeros((7, width), np.uint8)
    _fixed_point_rows(source, *tap_pairs(table), table.precision, dest)
    np.testing.assert_array_equal(dest, fixed_point_rows_reference(source, table))


def test_tap_pairs_pair_an_odd_last_tap_with_itself_at_weight_0():
    table = AxisTable(np.array([[4, 5, 6], [7, 8, 0]]), np.array([[1, -2, 3], [-4, 5, 0]]), np.array([3, 2]), 14)
    pair_index, pair_weight, pair_count = tap_pairs(table)
    np.testing.assert_array_equal(pair_count, [2, 1])
    np.testing.assert_array_equal(pair_index[0], [[4, 5], [6, 6]])
    np.testing.assert_array_equal(pair_index[1, 0], [7, 8])
    halves = pair_weight.view(np.int16).reshape(2, 2, 2)  # little-endian: tap 2k in the low half
    np.testing.assert_array_equal(halves[0], [[1, -2], [3, 0]])
    np.testing.assert_array_equal(halves[1, 0], [-4, 5])


@given(seed=st.integers(0, 2**32 - 1), taps=st.integers(1, 9))
def test_last_rows_read_are_the_largest_index_under_each_outputs_taps(seed: int, taps: int) -> None:
    """The uint8 kernel makes an output row as soon as the rows up to this one are done (_resample_uint8): any
    indices, in any order, and odd tap counts, whose last pair repeats its tap."""
    rng = np.random.default_rng(seed)
    table = random_fixed_point_table(rng, 40, 7, taps)
    under_taps = np.where(np.arange(taps) < table.count[:, None], table.index, -1)
    pair_index, _, pair_count = tap_pairs(table)
    np.testing.assert_array_equal(_last_rows_read(pair_index, pair_count), under_taps.max(axis=1))


FALLBACK_CHECK = """
import numpy as np
from test_fixed_point import fixed_point_rows_reference, random_fixed_point_table
from antialias_np._simd import _has_feature
from antialias_np.fixed_point import _fixed_point_rows, tap_pairs
from numba.core.registry import cpu_target
assert not _has_feature(cpu_target.target_context, "avx2")
rng = np.random.default_rng(0)
for width in (5, 32, 77):
    source = rng.integers(0, 256, (13, width), dtype=np.uint8)
    table = random_fixed_point_table(rng, 13, 7, 5)
    dest = np.zeros((7, width), np.uint8)
    _fixed_point_rows(source, *tap_pairs(table), table.precision, dest)
    np.testing.assert_array_equal(dest, fixed_point_rows_reference(source, table))
print("equal")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the CPU model is chosen through Numba's settings on Linux")
def test_fixed_point_rows_without_avx2_equal_numpy(tmp_path):
    """Compiled for a generic x86-64 CPU (no AVX2), the pair products are plain LLVM IR: the same numbers."""
    path = os.pathsep.join([os.path.dirname(__file__), os.environ.get("PYTHONPATH", "")])
    environment = {**os.environ, "NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": path}
    done = subprocess.run([sys.executable, "-c", FALLBACK_CHECK], capture_output=True, text=True, env=environment)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "equal"
