"""weights.py: the per-axis tables and the arithmetic they are built with."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from antialias_np.weights import (
    adaptive_box_table,
    fused_multiply_add,
    keys_cubic,
    lanczos3,
    table_matrix,
    windowed_table,
)

BITS = {np.float32: np.uint32, np.float64: np.uint64}


def correctly_rounded(value: Fraction, dtype) -> np.floating:
    """The dtype value nearest to `value`, ties to the even one: the rounding an FMA instruction makes."""
    guess = dtype(float(value))
    candidates = (np.nextafter(guess, dtype(-np.inf)), guess, np.nextafter(guess, dtype(np.inf)))

    def distance_then_odd(v):
        return abs(Fraction(float(v)) - value), int(np.array(v).view(BITS[dtype])) & 1

    return min(candidates, key=distance_then_odd)


def finite(dtype, exponent: int):
    return st.floats(-(2.0**exponent), 2.0**exponent, allow_nan=False, width=32 if dtype == np.float32 else 64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
def test_fused_multiply_add_rounds_once(dtype, data):
    a, b, c = (dtype(data.draw(finite(dtype, 60))) for _ in range(3))
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    result = fused_multiply_add(a, b, c, dtype)
    assert result.dtype == dtype
    assert result == correctly_rounded(exact, dtype)


def test_fused_multiply_add_differs_from_two_roundings():
    """A case where one rounding and two give different float32 results, as torch's AVX2 and scalar builds do."""
    a, b, c = np.float32(1 + 2**-12), np.float32(1 + 2**-12), np.float32(-1)
    assert fused_multiply_add(a, b, c, np.float32) == np.float32(2**-11 + 2**-24)
    assert np.float32(a * b) + c == np.float32(2**-11)


def test_keys_cubic_keeps_a_tiny_weight_just_inside_its_support():
    """At |x| = 1.999999 the far branch rounded twice per step is exactly 0; fused, as torch computes it, it is a
    tiny weight, so an inf there makes inf, not NaN (0 * inf)."""
    x = np.float32(1.999999)
    a = np.float32(-0.5)
    assert ((a * x - 5 * a) * x + 8 * a) * x - 4 * a == 0
    assert keys_cubic(np.array([x]), -0.5)[0] == pytest.approx(4.5e-13, rel=0.01)
    assert keys_cubic(np.array([2.0], np.float32), -0.5)[0] == 0


@pytest.mark.parametrize("x", [0.0, 0.5, 1.0, 2.5, 2.999])
def test_lanczos3_equals_its_definition(x):
    expected = np.sinc(x) * np.sinc(x / 3)
    assert lanczos3(np.array([x]))[0] == pytest.approx(expected, abs=1e-15)
    assert lanczos3(np.array([3.0]))[0] == 0


@given(n_in=st.integers(1, 300), n_out=st.integers(1, 300))
def test_windowed_and_adaptive_tables_rows_sum_to_one(n_in, n_out):
    for table in (windowed_table(n_in, n_out, n_in / n_out, "bicubic", np.float64), adaptive_box_table(n_in, n_out)):
        np.testing.assert_allclose(table_matrix(table, n_in).sum(1), 1, atol=1e-12)


def test_area_windows_overlap_when_sizes_do_not_divide():
    table = adaptive_box_table(250, 64)
    starts = table.index[:3, 0].tolist()
    ends = [table.index[i, table.count[i] - 1] + 1 for i in range(3)]
    assert list(zip(starts, ends, strict=True)) == [(0, 4), (3, 8), (7, 12)]
