"""upsampling.py: the few-taps path that upsampling takes (UpsamplingPlan), bit for bit the width-first sums it
states (column taps inside, row taps outside, each a fused multiply-add from zero, as torch's separable kernels
order them) in float32 and float64, in torch layout and channels last, over several blocks of input rows; and which
tables take it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from antialias_np._simd import permuted_vector_width
from antialias_np.engine import resample_plan
from antialias_np.float_sums import SeparablePlan
from antialias_np.upsampling import BLOCK_INPUT_ROWS, UpsamplingPlan, width_vectors
from antialias_np.weights import AxisTable, filter_table, fused_multiply_add

FLOATS = [np.dtype(np.float32), np.dtype(np.float64)]


def width_first(planes: np.ndarray, rows: AxisTable, cols: AxisTable, channels: int = 1) -> np.ndarray:
    """The sums the module's docstring states, in NumPy: planes (B, H, W * C), C channels interleaved."""
    dtype = planes.dtype
    b, height, values = planes.shape
    pixels = planes.reshape(b, height, values // channels, channels)
    widened = np.zeros((b, height, cols.n_out, channels), dtype)
    for t in range(cols.index.shape[1]):
        taken = t < cols.count  # taps past an output's count are not summed
        term = fused_multiply_add(cols.weight[:, t, None], pixels[:, :, cols.index[:, t]], widened, dtype)
        widened = np.where(taken[:, None], term, widened)
    out = np.zeros((b, rows.n_out, cols.n_out, channels), dtype)
    for t in range(rows.index.shape[1]):
        taken = t < rows.count
        term = fused_multiply_add(rows.weight[:, t, None, None], widened[:, rows.index[:, t]], out, dtype)
        out = np.where(taken[:, None, None], term, out)
    return out.reshape(b, rows.n_out, cols.n_out * channels)


def table(n_in: int, n_out: int, mode: str, align_corners: bool, antialias: bool, dtype: np.dtype) -> AxisTable:
    return filter_table(n_in, n_out, None, mode, align_corners and not antialias, antialias, dtype)


@settings(max_examples=60, deadline=None)
@given(
    dtype=st.sampled_from(FLOATS),
    mode=st.sampled_from(["bilinear", "bicubic"]),
    align_corners=st.booleans(),
    antialias=st.booleans(),  # antialiased bilinear upsamples with 2 or 3 taps: counts that differ by output
    height=st.integers(1, 2 * BLOCK_INPUT_ROWS + 9),  # one block of input rows, or several
    width=st.integers(1, 40),
    heights_up=st.integers(0, 3 * BLOCK_INPUT_ROWS),
    widths_up=st.integers(0, 90),
    planes=st.integers(1, 3),
    channels=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_plan_sums_width_first_bit_for_bit(
    dtype, mode, align_corners, antialias, height, width, heights_up, widths_up, planes, channels, seed
):
    rows = table(height, height + heights_up, mode, align_corners, antialias, dtype)
    cols = table(width, width + widths_up, mode, align_corners, antialias, dtype)
    plan = resample_plan(rows, cols, dtype)
    assert isinstance(plan, UpsamplingPlan)
    x = np.random.default_rng(seed).random((planes, height, width * channels)).astype(dtype)
    if channels == 1:
        got = plan(x)
    else:  # channels last: (planes, H, W, C), read as it is
        got = plan.on_channels_last()(x.reshape(planes, height, width, channels))
    expected = width_first(x, rows, cols, channels)
    np.testing.assert_array_equal(got.reshape(expected.shape), expected)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("dtype", FLOATS)
def test_large_upsampling_sums_width_first_bit_for_bit(dtype, channels):
    """2x and a non-integer scale on frames whose rows span many blocks (the sums the old plan made height first
    differ from these in some outputs), in torch layout and channels last."""
    rng = np.random.default_rng(5)
    for (height, width), (out_height, out_width), mode in [((150, 97), (300, 194), "bilinear"),
                                                           ((130, 64), (305, 150), "bicubic")]:  # fmt: skip
        rows = table(height, out_height, mode, False, False, dtype)
        cols = table(width, out_width, mode, False, False, dtype)
        plan = resample_plan(rows, cols, dtype)
        x = rng.random((2, height, width * channels)).astype(dtype)
        got = plan(x) if channels == 1 else plan.on_channels_last()(x.reshape(2, height, width, channels))
        expected = width_first(x, rows, cols, channels)
        np.testing.assert_array_equal(got.reshape(expected.shape), expected)


@njit
def _vector_lanes(dest):
    return permuted_vector_width(dest)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_rows_are_widened_in_row_layout_where_the_vectors_fit(dtype, mode):
    """With AVX-512F, the upsampling factors of the speed table (2x, 4x, 600 / 256), in torch layout and with three
    channels interleaved, widen their rows by permuted vectors; rows of fewer than two vectors of input values, or
    of so many channels that a vector's taps span more than two vectors, are widened on their transpose."""
    lanes = _vector_lanes(np.empty((1, 1), dtype))
    if lanes == 0:
        pytest.skip("no AVX-512F: rows are widened on their transpose")

    def fits(n_in: int, n_out: int, channels: int) -> bool:
        cols = table(n_in, n_out, mode, False, False, dtype)
        return width_vectors(cols.index, cols.weight, cols.count, channels, n_in * channels, lanes)[0]

    assert all(fits(256, n_out, channels) for n_out in (512, 1024, 600) for channels in (1, 3))
    assert not fits(2 * lanes - 1, 4 * lanes, 1)
    assert not fits(256, 512, 2 * lanes)


@pytest.mark.parametrize(
    ("rows", "cols", "dtype", "expected"),
    [
        ((64, 128, "bilinear", False), (64, 64, "bilinear", False), np.float32, UpsamplingPlan),  # one axis copied
        ((64, 128, "bicubic", False), (64, 100, "bicubic", True), np.float64, UpsamplingPlan),
        ((64, 32, "bilinear", False), (64, 128, "bilinear", False), np.float32, SeparablePlan),  # rows downsampled
        ((64, 128, "bilinear", True), (64, 32, "bilinear", True), np.float32, SeparablePlan),  # antialias down: 5 taps
        ((64, 128, "bilinear", False), (64, 128, "bilinear", False), np.uint8, SeparablePlan),  # fixed point
    ],
)
def test_only_float_tables_of_few_taps_that_downsample_no_axis_take_it(rows, cols, dtype, expected):
    dtype = np.dtype(dtype)
    tables = [filter_table(n, m, None, mode, False, antialias, dtype) for n, m, mode, antialias in (rows, cols)]
    assert type(resample_plan(*tables, dtype)) is expected
