"""separable.py: the engine against its plain NumPy reference, the gather, the transpose, the plans."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FLOATS
from hypothesis import given
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np._checks import ImageSpec
from antialias_np.methods import downsample_plan
from antialias_np.separable import (
    BLOCK_BYTES,
    UNSIGNED_OF_SIZE,
    TorchOrderPlan,
    _block_rows,
    _strip_width,
    gather_plan,
    resample_plan,
    resample_reference,
)
from antialias_np.weights import AxisTable, to_fixed_point


@st.composite
def random_tables(draw):
    """A random AxisTable of any shape: the engine must not care where the weights come from."""
    n_in, n_out, taps = draw(st.integers(1, 30)), draw(st.integers(1, 30)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    count = rng.integers(1, taps + 1, n_out)
    return n_in, AxisTable(rng.integers(0, n_in, (n_out, taps)), rng.normal(size=(n_out, taps)), count)


@given(rows=random_tables(), cols=random_tables(), planes=st.integers(1, 3), dtype=st.sampled_from(FLOATS))
def test_engine_equals_numpy_reference(rows, cols, planes, dtype):
    (height, row_table), (width, col_table) = rows, cols
    x = np.random.default_rng(0).random((planes, height, width)).astype(dtype)
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    result = resample_plan(row_table, col_table, x.dtype)(x)
    np.testing.assert_allclose(result, resample_reference(x, row_table, col_table), atol=tolerance)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_engine_equals_numpy_reference_over_many_blocks(dtype):
    """Rows wide enough that the kernels work a few rows at a time (BLOCK_BYTES), with a block left over."""
    width = BLOCK_BYTES // np.dtype(dtype).itemsize // 4 + 3
    assert _block_rows(70, width * np.dtype(dtype).itemsize) == 32  # 43 kept rows, 70 input rows: 2 and 3 blocks
    rng = np.random.default_rng(4)
    rows = AxisTable(rng.integers(0, 70, (43, 3)), rng.random((43, 3)) / 3, rng.integers(1, 4, 43))
    cols = AxisTable(rng.integers(0, width, (9, 2)), rng.random((9, 2)) / 2, rng.integers(1, 3, 9))
    if dtype == np.uint8:
        rows, cols = to_fixed_point(rows), to_fixed_point(cols)
    x = (rng.random((2, 70, width)) * 255).astype(dtype)
    tolerance = {np.float32: 1e-4, np.float64: 1e-12, np.uint8: 0}[dtype]
    result = resample_plan(rows, cols, x.dtype)(x)
    np.testing.assert_allclose(result, resample_reference(x, rows, cols), atol=tolerance)


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
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(result, resample_reference(x, rows, cols), atol=tolerance)
    channels_last = plan.on_channels_last()(np.ascontiguousarray(np.moveaxis(x, 0, -1)))
    np.testing.assert_array_equal(channels_last, np.moveaxis(result, 0, -1))


SELECTION_VIEWS = ("contiguous", "one image", "rows reversed", "channels reversed", "every 2nd column",
                   "Fortran order", "big-endian", "read-only", "empty batch")


def selection_view(x: np.ndarray, view: str) -> np.ndarray:
    """The values of x, (N, H, W, C), in one of SELECTION_VIEWS."""
    if view == "read-only":
        x = x.copy()
        x.flags.writeable = False
        return x
    return {"contiguous": x, "one image": x[0], "rows reversed": x[:, ::-1], "channels reversed": x[..., ::-1],
            "every 2nd column": x[:, :, ::2], "Fortran order": np.asfortranarray(x),
            "big-endian": x.astype(x.dtype.newbyteorder(">")), "empty batch": x[:0]}[view]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.float16, np.int64])
@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("view", SELECTION_VIEWS)
def test_channels_last_selection_copies_the_bits_of_the_torch_layout_result(dtype, channels, view):
    """Channels-last subsample (every 4th pixel: a strided row) and nearest at 0.3 (indices) copy whole pixels: bit
    for bit, NaN payloads included, the torch-layout result of the same values; the input is left as it was."""
    rng = np.random.default_rng(5)
    x = (rng.random((2, 37, 41, channels)) * 200).astype(dtype)
    if dtype in (np.float32, np.float16):
        x.view(UNSIGNED_OF_SIZE[x.itemsize])[0, 3, 5, 0] |= 0x7C01 if dtype == np.float16 else 0x7F800001  # a NaN
    x = selection_view(x, view)
    before = x.copy()
    for method, scale in (("subsample", 0.25), ("nearest", 0.3)):
        result = aa.downsample(x, scale, method, channel_axis=-1)
        torch_layout = aa.downsample(np.ascontiguousarray(np.moveaxis(x, -1, -3)), scale, method, channel_axis=-3)
        assert result.flags.c_contiguous and result.dtype == x.dtype.newbyteorder("=")
        bits = UNSIGNED_OF_SIZE[x.itemsize]
        np.testing.assert_array_equal(result.view(bits), np.moveaxis(torch_layout, -3, -1).view(bits))
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(aa.downsample(x, 0.25, "subsample", channel_axis=-1), x[..., ::4, ::4, :])


def test_channels_last_subsample_of_no_channels_is_empty():
    assert aa.downsample(np.zeros((9, 9, 0), np.float32), 0.25, "subsample", channel_axis=-1).shape == (3, 3, 0)


@st.composite
def index_lists(draw, n):
    """Indices into an axis of length n: evenly spaced (a slice) or any (the kernel's gather)."""
    if draw(st.booleans()):
        start = draw(st.integers(0, n - 1))
        return np.arange(start, n, draw(st.integers(1, n)))[: draw(st.integers(1, n))]
    return np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2 * n)), np.int64)


@given(data=st.data(), dtype=st.sampled_from([np.float16, np.float32, np.uint8, np.int64]), channels=st.integers(1, 5))
def test_gather_equals_numpy_indexing(data, dtype, channels):
    """In torch layout and channels last (the kernel, through indices or a strided row)."""
    x = (np.random.default_rng(0).random((2, channels, 9, 11)) * 100).astype(dtype)
    rows, cols = data.draw(index_lists(9)), data.draw(index_lists(11))
    plan = gather_plan(ImageSpec(x.shape, x.dtype), rows, cols)
    channels_last = np.ascontiguousarray(np.moveaxis(x, 1, -1))
    torch_layout_case = (plan(x), x[..., rows[:, None], cols])
    channels_last_case = (plan.on_channels_last()(channels_last), channels_last[:, rows[:, None], cols])
    for result, expected in (torch_layout_case, channels_last_case):
        np.testing.assert_array_equal(result, expected)
        assert result.dtype == x.dtype and result.flags.c_contiguous and not np.shares_memory(result, x)


@given(rows=random_tables(), cols=random_tables(), planes=st.integers(1, 3))
def test_torch_order_plan_is_the_reference_rounded_to_float16(rows, cols, planes):
    """float16 in torch's order of float32 sums, with non-negative float16 weights as interpolation's are: the exact
    result to within float32 rounding, rounded once, so at most one float16 step from the exact result rounded."""
    (height, row_table), (width, col_table) = rows, cols
    row_table, col_table = (  # every tap used, as in plain bilinear / bicubic
        t._replace(weight=np.abs(t.weight).astype(np.float16), count=np.full_like(t.count, t.index.shape[1]))
        for t in (row_table, col_table)
    )
    x = np.random.default_rng(1).random((planes, height, width)).astype(np.float16)
    result = TorchOrderPlan(row_table, col_table, np.dtype(np.float16))(x)
    expected = resample_reference(x.astype(np.float64), row_table, col_table).astype(np.float16)
    assert result.dtype == np.float16
    steps = np.abs(result.astype(np.float64) - expected) / np.spacing(expected).astype(np.float64)
    assert np.all(steps <= 1)


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
