"""engine.py: the plan of each dtype against the plain NumPy reference, a block of rows at a time, channels last; the
plans' printout. The float engine's own tests are in test_float_sums.py."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FLOATS
from hypothesis import given
from hypothesis import strategies as st

from antialias_np._checks import ImageSpec
from antialias_np._kernels import BLOCK_BYTES, block_rows
from antialias_np.engine import resample_plan, resample_reference
from antialias_np.methods import downsample_plan
from antialias_np.weights import AxisTable, to_fixed_point


@st.composite
def random_tables(draw):
    """A random AxisTable of any shape: the engine must not care where the weights come from."""
    n_in, n_out, taps = draw(st.integers(1, 30)), draw(st.integers(1, 30)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    count = rng.integers(1, taps + 1, n_out)
    return n_in, AxisTable(rng.integers(0, n_in, (n_out, taps)), rng.normal(size=(n_out, taps)), count)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_engine_equals_numpy_reference_over_many_blocks(dtype):
    """Rows wide enough that the kernels work a few rows at a time (BLOCK_BYTES), with a block left over."""
    width = BLOCK_BYTES // np.dtype(dtype).itemsize // 4 + 3
    assert block_rows(70, width * np.dtype(dtype).itemsize) == 32  # 43 kept rows, 70 input rows: 2 and 3 blocks
    rng = np.random.default_rng(4)
    rows = AxisTable(rng.integers(0, 70, (43, 3)), rng.random((43, 3)) / 3, rng.integers(1, 4, 43))
    cols = AxisTable(rng.integers(0, width, (9, 2)), rng.random((9, 2)) / 2, rng.integers(1, 3, 9))
    if dtype == np.uint8:
        rows, cols = to_fixed_point(rows), to_fixed_point(cols)
    x = (rng.random((2, 70, width)) * 255).astype(dtype)
    tolerance = {np.float32: 2e-5, np.float64: 1e-12, np.uint8: 0}[dtype]  # float32 measured 6.4e-6 (values to 255)
    result = resample_plan(rows, cols, x.dtype)(x)
    np.testing.assert_allclose(result, resample_reference(x, rows, cols), atol=tolerance)


@pytest.mark.parametrize(("method", "plan"), [("bicubic", "SeparablePlan"), ("subsample", "GatherPlan"),
                                              ("median", "MedianPlan"), ("bilateral", "BilateralPlan")])
def test_a_plan_prints_what_it_holds_and_runs(method, plan):
    spec = ImageSpec((3, 64, 48), np.dtype(np.float32), "image")
    text = repr(downsample_plan(spec, 0.25, method, ()))
    assert text.startswith(f"{plan}(")
    assert "<function" not in text and "<lambda>" not in text


@given(rows=random_tables(), cols=random_tables(), batch=st.integers(1, 2), channels=st.integers(1, 5),
       dtype=st.sampled_from([*FLOATS, np.float16, np.int16]))
def test_channels_last_plan_equals_the_torch_layout_plan(rows, cols, batch, channels, dtype):
    """The engine reads (..., H, W, C) directly, as planes of interleaved channels: the same numbers, bit for bit,
    as on the channels moved first."""
    (height, row_table), (width, col_table) = rows, cols
    x = (np.random.default_rng(2).random((batch, height, width, channels)) * 100).astype(dtype)
    plan = resample_plan(row_table, col_table, x.dtype)
    torch_layout = np.moveaxis(plan(np.ascontiguousarray(np.moveaxis(x, -1, -3))), -3, -1)
    np.testing.assert_array_equal(plan.on_channels_last()(x), torch_layout)


@given(rows=random_tables(), cols=random_tables(), channels=st.integers(1, 4))
def test_channels_last_uint8_plan_equals_the_torch_layout_plan(rows, cols, channels):
    (height, row_table), (width, col_table) = rows, cols
    row_table, col_table = (to_fixed_point(t._replace(weight=np.abs(t.weight) / np.abs(t.weight).sum(1, keepdims=True)))
                            for t in (row_table, col_table))
    x = np.random.default_rng(3).integers(0, 256, (height, width, channels), dtype=np.uint8)
    plan = resample_plan(row_table, col_table, x.dtype)
    torch_layout = np.moveaxis(plan(np.ascontiguousarray(np.moveaxis(x, -1, -3))), -3, -1)
    np.testing.assert_array_equal(plan.on_channels_last()(x), torch_layout)
