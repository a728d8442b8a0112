"""resample.py: properties of interpolate in every mode and dtype."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import image_and_size
from hypothesis import given
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np.weights import filter_table, nearest_table

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

# Images of any shape: the calls pass channel_axis=-3, as (2, 1, 1) looks like (H, W, C) and is refused otherwise.
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
