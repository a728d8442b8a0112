"""Properties of interpolate, the pooling functions, FOMM's Gaussian and the separable engine."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np.gaussian import anti_alias_reference
from antialias_np.resample import filter_table
from antialias_np.separable import _transposed, gather_plan, resample_plan, resample_reference
from antialias_np.weights import (
    AxisTable,
    adaptive_box_table,
    gaussian_table,
    nearest_table,
    table_matrix,
    windowed_table,
)

settings.register_profile("default", max_examples=40, deadline=None)
settings.load_profile("default")

LINEAR_CALLS = {
    "bilinear-aa": lambda x, size: aa.interpolate(x, size=size, mode="bilinear", antialias=True, channel_axis=-3),
    "bicubic-aa": lambda x, size: aa.interpolate(x, size=size, mode="bicubic", antialias=True, channel_axis=-3),
    "bilinear": lambda x, size: aa.interpolate(x, size=size, mode="bilinear", channel_axis=-3),
    "bicubic": lambda x, size: aa.interpolate(x, size=size, mode="bicubic", channel_axis=-3),
    "bilinear-corners": lambda x, size: aa.interpolate(
        x, size=size, mode="bilinear", align_corners=True, channel_axis=-3
    ),
    "area": lambda x, size: aa.interpolate(x, size=size, mode="area", channel_axis=-3),
}
SELECTING_CALLS = {
    "nearest": lambda x, size: aa.interpolate(x, size=size, mode="nearest", channel_axis=-3),
    "nearest-exact": lambda x, size: aa.interpolate(x, size=size, mode="nearest-exact", channel_axis=-3),
}
ALL_CALLS = {**LINEAR_CALLS, **SELECTING_CALLS}
NON_NEGATIVE_CALLS = ("bilinear-aa", "bilinear", "bilinear-corners", "area", "nearest", "nearest-exact")

sides = st.integers(1, 40)
FLOATS = [np.float32, np.float64]


# Images of any shape: the calls pass channel_axis=-3, as (2, 1, 1) looks like (H, W, C) and is refused otherwise.
@st.composite
def image_and_size(draw, dtype=np.float32):
    shape = (draw(st.integers(1, 3)), draw(sides), draw(sides))
    size = (draw(sides), draw(sides))
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).random(shape).astype(dtype), size


@pytest.mark.parametrize("name", list(ALL_CALLS))
@given(case=image_and_size())
def test_shape_and_dtype(name, case):
    x, size = case
    result = ALL_CALLS[name](x, size)
    assert result.shape == (x.shape[0], *size)
    assert result.dtype == x.dtype


@pytest.mark.parametrize("name", list(ALL_CALLS))
@given(case=image_and_size(), value=st.floats(-10, 10, width=32))
def test_constant_image_stays_constant(name, case, value):
    x, size = case
    result = ALL_CALLS[name](np.full_like(x, value), size)
    np.testing.assert_allclose(result, value, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NON_NEGATIVE_CALLS)
@given(case=image_and_size())
def test_non_negative_kernels_stay_within_input_range(name, case):
    x, size = case
    result = ALL_CALLS[name](x, size)
    assert result.min() >= x.min() - 1e-6 and result.max() <= x.max() + 1e-6


def test_bicubic_overshoots_the_input_range():
    """The cubic's negative lobes ring at a step edge: bicubic is not range-preserving."""
    step = np.zeros((1, 16, 16), np.float32)
    step[..., 8:] = 1
    result = aa.interpolate(step, size=(16, 11), mode="bicubic", antialias=True)
    assert result.min() < 0 and result.max() > 1


@pytest.mark.parametrize("name", list(LINEAR_CALLS))
@given(case=image_and_size(np.float64), a=st.floats(-3, 3), b=st.floats(-3, 3))
def test_linear_methods_are_linear(name, case, a, b):
    x, size = case
    y = np.random.default_rng(1).random(x.shape)
    call = LINEAR_CALLS[name]
    np.testing.assert_allclose(call(a * x + b * y, size), a * call(x, size) + b * call(y, size), atol=1e-9)


@pytest.mark.parametrize("name", ["bilinear-aa", "bicubic-aa", "bilinear", "bicubic", "area"])
@given(case=image_and_size(np.float64))
def test_flip_equivariant_on_symmetric_grids(name, case):
    """Half-pixel grids are symmetric: flipping the input flips the output."""
    x, size = case
    call = ALL_CALLS[name]
    np.testing.assert_allclose(call(x[..., ::-1], size), call(x, size)[..., ::-1], atol=1e-9)


@given(case=image_and_size(np.float64), ratio=st.sampled_from([1, 3, 5]))
def test_nearest_exact_is_flip_equivariant_for_odd_ratios(case, ratio):
    """nearest-exact samples at s*(i + 0.5): a pixel centre when s is odd, so the grid is symmetric."""
    x, (height, width) = case
    x = np.repeat(np.repeat(x, ratio, -2), ratio, -1)[..., : height * ratio, : width * ratio]
    call = SELECTING_CALLS["nearest-exact"]
    size = (x.shape[-2] // ratio, x.shape[-1] // ratio)
    np.testing.assert_array_equal(call(x[..., ::-1], size), call(x, size)[..., ::-1])


def test_nearest_exact_breaks_ties_to_the_right():
    """With an even ratio the sample falls between two pixels and the right one wins: a flip changes the result."""
    x = np.array([[[1.0, 2.0]]])
    assert aa.interpolate(x, size=(1, 1), mode="nearest-exact").item() == 2.0
    assert aa.interpolate(x[..., ::-1], size=(1, 1), mode="nearest-exact").item() == 1.0


def test_nearest_is_not_flip_equivariant():
    """'nearest' takes floor(s*i): top-left biased (256 -> 64 keeps 0, 4, ..., 252), so a flip moves the grid."""
    x = np.arange(8, dtype=np.float32)[None, None, :]
    assert aa.interpolate(x, size=(1, 2), mode="nearest").tolist() == [[[0.0, 4.0]]]
    assert aa.interpolate(x[..., ::-1], size=(1, 2), mode="nearest").tolist() == [[[7.0, 3.0]]]


@pytest.mark.parametrize("name", list(ALL_CALLS))
@given(case=image_and_size())
def test_channels_are_independent(name, case):
    x, size = case
    whole = ALL_CALLS[name](x, size)
    for c in range(x.shape[0]):
        np.testing.assert_array_equal(ALL_CALLS[name](x[c : c + 1], size)[0], whole[c])


@given(case=image_and_size())
def test_uint8_bilinear_is_the_float_result_rounded_after_each_pass(case):
    """torch's uint8 path rounds after each axis (half a step each) and uses fixed-point weights (each within
    2^-(p+1) of its float, so a pass is off by at most 255 * taps * 2^-(p+1) more): with bilinear's non-negative
    weights, the error of the first pass passes through the second undiminished, not amplified.
    (bicubic's clamped intermediate has no such bound; its uint8 results are pinned by the golden fixtures.)"""
    x, size = case
    x8 = np.round(x * 255).astype(np.uint8)
    fixed = aa.interpolate(x8, size=size, mode="bilinear", antialias=True, channel_axis=-3).astype(np.float64)
    exact = aa.interpolate(x8.astype(np.float64), size=size, mode="bilinear", antialias=True, channel_axis=-3)
    uint8 = np.dtype(np.uint8)
    tables = [filter_table(n, m, None, "bilinear", False, True, uint8) for n, m in zip(x.shape[1:], size, strict=True)]
    quantisation = sum(255 * t.count.max() * 2.0 ** -(t.precision + 1) for t in tables)
    assert np.abs(fixed - exact).max() <= 1 + quantisation + 1e-9


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


@st.composite
def index_lists(draw, n):
    """Indices into an axis of length n: evenly spaced (a slice) or any (the kernel's gather)."""
    if draw(st.booleans()):
        start = draw(st.integers(0, n - 1))
        return np.arange(start, n, draw(st.integers(1, n)))[: draw(st.integers(1, n))]
    return np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2 * n)), np.int64)


@given(data=st.data(), dtype=st.sampled_from([np.float16, np.float32, np.uint8, np.int64]))
def test_gather_equals_numpy_indexing(data, dtype):
    x = (np.random.default_rng(0).random((2, 3, 9, 11)) * 100).astype(dtype)
    rows, cols = data.draw(index_lists(9)), data.draw(index_lists(11))
    result = gather_plan(rows, cols, x.dtype)(x)
    np.testing.assert_array_equal(result, x[..., rows[:, None], cols])
    assert result.dtype == x.dtype and result.flags.c_contiguous and not np.shares_memory(result, x)


@given(height=st.integers(1, 40), width=st.integers(1, 40), dtype=st.sampled_from([*FLOATS, np.uint8]))
def test_engine_transpose_equals_numpy(height, width, dtype):
    """The engine's transpose (8 x 8 vector blocks, then the leftover rows and columns) for every dtype it sees."""
    a = (np.random.default_rng(height * 41 + width).random((height, width)) * 255).astype(dtype)
    np.testing.assert_array_equal(_transposed(a), a.T)


@given(n_in=st.integers(1, 300), n_out=st.integers(1, 300))
def test_windowed_and_adaptive_tables_rows_sum_to_one(n_in, n_out):
    for table in (windowed_table(n_in, n_out, n_in / n_out, "bicubic", np.float64), adaptive_box_table(n_in, n_out)):
        np.testing.assert_allclose(table_matrix(table, n_in).sum(1), 1, atol=1e-12)


def test_area_windows_overlap_when_sizes_do_not_divide():
    table = adaptive_box_table(250, 64)
    starts = table.index[:3, 0].tolist()
    ends = [table.index[i, table.count[i] - 1] + 1 for i in range(3)]
    assert list(zip(starts, ends, strict=True)) == [(0, 4), (3, 8), (7, 12)]


# ----- FOMM's Gaussian -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("scale", "taps"), [(0.5, 5), (1 / 3, 9), (0.25, 13), (0.125, 29), (0.0625, 61)])
def test_gaussian_kernel_size_and_normalisation(scale, taps):
    kernel = aa.gaussian_kernel(scale)
    assert kernel.shape == (taps,)
    assert kernel.sum() == pytest.approx(1)
    np.testing.assert_array_equal(kernel, kernel[::-1])


@given(case=image_and_size(np.float64), step=st.integers(1, 5))
def test_gaussian_equals_direct_convolution(case, step):
    """The strided separable tables equal the 2-D zero-padded convolution, then [..., ::n, ::n]."""
    x, _ = case
    scale = 1 / step
    result = aa.anti_alias_interpolation(x, scale, channel_axis=-3)
    np.testing.assert_allclose(result, anti_alias_reference(x, scale), atol=1e-12)


def kernel_weight_inside(n: int, step: int = 4) -> np.ndarray:
    """For each kept position r = 0, step, ...: the total weight of the 13 Gaussian taps r-6..r+6 inside [0, n)."""
    g = aa.gaussian_kernel(0.25)
    return np.array([g[max(0, 6 - r) : 13 - max(0, r + 7 - n)].sum() for r in range(0, n, step)])


@given(value=st.floats(0.1, 10), height=st.integers(1, 40), width=st.integers(1, 40))
def test_gaussian_zero_padding_darkens_exactly_the_border(value, height, width):
    """FOMM's zero padding: a constant c becomes c * (weight of the taps inside the image). It stays c exactly
    where the 13-tap window lies inside (6 <= r <= n - 7 on both axes) and is darker everywhere else."""
    result = aa.anti_alias_interpolation(np.full((height, width), value), 0.25)
    inside = np.outer(kernel_weight_inside(height), kernel_weight_inside(width))
    np.testing.assert_allclose(result, value * inside, rtol=1e-12)
    rows, cols = np.arange(0, height, 4), np.arange(0, width, 4)
    interior = np.outer((rows >= 6) & (rows <= height - 7), (cols >= 6) & (cols <= width - 7))
    np.testing.assert_allclose(result[interior], value, rtol=1e-12)
    assert np.all(result[~interior] < value * (1 - 1e-6))  # the outermost tap weighs 9e-5


def test_gaussian_table_reads_only_kept_rows():
    """Output i reads inputs 4i - 6 .. 4i + 6 that exist: nothing else is ever computed."""
    table = gaussian_table(256, 0.25, 4)
    assert table.n_out == 64
    assert table.index[1, : table.count[1]].tolist() == list(range(0, 11))
    assert table.index[5, : table.count[5]].tolist() == list(range(14, 27))


# ----- pooling ---------------------------------------------------------------------------------------------------


@given(case=image_and_size(np.float64), k=st.integers(1, 4))
def test_avg_pool_equals_area_when_kernel_divides(case, k):
    x, _ = case
    x = x[..., : x.shape[-2] // k * k or None, : x.shape[-1] // k * k or None]
    if min(x.shape[-2:]) < k:
        return
    size = (x.shape[-2] // k, x.shape[-1] // k)
    result = aa.avg_pool2d(x, k, channel_axis=-3)
    np.testing.assert_allclose(result, aa.adaptive_avg_pool2d(x, size, channel_axis=-3), atol=1e-12)


def test_integer_images_are_rounded_not_truncated():
    x = np.array([[0, 1], [1, 1]], np.uint8)  # mean 0.75
    assert aa.avg_pool2d(x, 2).tolist() == [[1]]
    assert aa.adaptive_avg_pool2d(np.array([[0, 1, 0, 0]], np.int16), (1, 1)).tolist() == [[0]]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.uint16, np.int32, np.uint64])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_gathers_any_real_dtype_bit_for_bit(dtype, mode):
    x = np.random.default_rng(0).integers(-100, 100, (2, 3, 17, 13)).astype(dtype)
    if dtype == np.float16:
        x[0, 0, 0, 0] = np.nan
    small_kernel = True  # torch's kernel for outputs of height + width <= 128
    rows = nearest_table(17, 5, None, mode == "nearest-exact", small_kernel, np.float32).index[:, 0]
    cols = nearest_table(13, 7, None, mode == "nearest-exact", small_kernel, np.float32).index[:, 0]
    result = aa.interpolate(x, size=(5, 7), mode=mode)
    assert result.dtype == x.dtype
    np.testing.assert_array_equal(result.view(f"u{x.itemsize}"), x[..., rows[:, None], cols].view(f"u{x.itemsize}"))
