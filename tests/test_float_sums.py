"""float_sums.py: the float engine (a rows pass, then a columns pass, each a weighted sum of its taps) against its
plain NumPy reference (engine.resample_reference), on random tables, in strips; only a table's counted taps read."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FLOATS
from hypothesis import given
from hypothesis import strategies as st
from test_engine import random_tables

from antialias_np._checks import ImageSpec
from antialias_np.engine import resample_plan, resample_reference
from antialias_np.float_sums import PREFETCH_AHEAD, SeparablePlan, _increasing, _strip_width, weighted_rows
from antialias_np.methods import downsample_plan
from antialias_np.weights import AxisTable


@given(rows=random_tables(), cols=random_tables(), planes=st.integers(1, 3), dtype=st.sampled_from(FLOATS))
def test_engine_equals_numpy_reference(rows, cols, planes, dtype):
    (height, row_table), (width, col_table) = rows, cols
    x = np.random.default_rng(0).random((planes, height, width)).astype(dtype)
    # float32: at most 2.6e-6 measured over 15000 random table pairs (normal weights, up to 5 taps, values in [0, 1))
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    result = resample_plan(row_table, col_table, x.dtype)(x)
    np.testing.assert_allclose(result, resample_reference(x, row_table, col_table), atol=tolerance)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("channels", [1, 3])
def test_engine_equals_numpy_reference_in_strips(dtype, channels):
    """Rows so wide for their taps that the rows pass works in strips (_strip_width), the last one narrower; channels
    last, the same numbers as in torch layout."""
    rng = np.random.default_rng(6)
    taps, height, width = 40, 50, 1000 // channels
    assert _strip_width(width * channels, taps, np.dtype(dtype).itemsize) < width * channels
    rows = AxisTable(rng.integers(0, height, (7, taps)), rng.random((7, taps)) / taps, rng.integers(1, taps + 1, 7))
    cols = AxisTable(rng.integers(0, width, (9, 3)), rng.random((9, 3)) / 3, rng.integers(1, 4, 9))
    x = rng.random((channels, height, width)).astype(dtype)
    plan = resample_plan(rows, cols, x.dtype)
    result = plan(x)
    tolerance = 1e-7 if dtype == np.float32 else 1e-12  # float32 measured 2.4e-8
    np.testing.assert_allclose(result, resample_reference(x, rows, cols), atol=tolerance)
    channels_last = plan.on_channels_last()(np.ascontiguousarray(np.moveaxis(x, 0, -1)))
    np.testing.assert_array_equal(channels_last, np.moveaxis(result, 0, -1))


@pytest.mark.parametrize("dtype", FLOATS)
def test_only_the_counted_taps_of_an_output_are_read(dtype):
    """Output i sums taps 0 .. count[i] - 1: the unused end of a table's row (which tables of varying widths pad)
    is never read, whatever it holds."""
    rng = np.random.default_rng(12)
    rows = AxisTable(rng.integers(0, 20, (6, 4)), rng.random((6, 4)), np.array([1, 2, 3, 4, 2, 1]))
    cols = AxisTable(rng.integers(0, 16, (5, 3)), rng.random((5, 3)), np.array([3, 1, 2, 3, 1]))
    padded_rows, padded_cols = (table._replace(weight=np.where(np.arange(table.weight.shape[1]) < table.count[:, None],
                                                               table.weight, np.nan)) for table in (rows, cols))
    x = rng.random((2, 20, 16)).astype(dtype)
    result = SeparablePlan(padded_rows, padded_cols, x.dtype)(x)
    assert np.all(np.isfinite(result))
    np.testing.assert_array_equal(result, SeparablePlan(rows, cols, x.dtype)(x))


@pytest.mark.parametrize("dtype", FLOATS)
def test_row_pass_prefetching_ahead_gives_the_same_bits(dtype: type) -> None:
    """weighted_rows asking for later rows ahead (prefetch_ahead, as for inputs read from memory) computes the same
    sums, bit for bit, as without: windows of 6 consecutive rows, 2 rows apart, over rows of wide chunks and a
    narrower rest."""
    rng = np.random.default_rng(8)
    n_out, taps, width = 40, 6, 1000
    index = 2 * np.arange(n_out)[:, None] + np.arange(taps)
    weight = rng.random((n_out, taps)).astype(dtype)
    count = rng.integers(4, taps + 1, n_out)
    source = rng.random((index.max() + 1, width)).astype(dtype)
    assert _increasing(index, count)
    dest, prefetching = (np.empty((n_out, width), dtype) for _ in range(2))
    weighted_rows(source, index, weight, count, dest)
    weighted_rows(source, index, weight, count, prefetching, PREFETCH_AHEAD)
    np.testing.assert_array_equal(prefetching, dest)


def test_prefetching_only_where_each_row_adds_the_next_input_rows() -> None:
    """The row pass prefetches the rows after the previous output row's last tap, up to its own last: only for tables
    whose taps increase along each row and whose last taps never move back (torch's downsampling tables)."""
    rows = downsample_plan(ImageSpec((1, 1, 64, 64), np.dtype(np.float32)), 0.25, "bicubic", ()).rows
    assert _increasing(rows.index, rows.count)
    index, count = np.array([[0, 1, 2], [2, 3, 4]]), np.array([3, 3])
    assert _increasing(index, count)
    assert not _increasing(index[:, ::-1], count)  # taps in decreasing order
    assert not _increasing(index[::-1], count)  # the second row's window moves back
    assert not _increasing(index, np.array([3, 0]))  # a row without taps
