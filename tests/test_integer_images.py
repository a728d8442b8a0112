"""Integer images: pooling and area give the exact window mean rounded to the nearest integer (ties to even),
saturated to the dtype's range, checked against plain Python with fractions; the Gaussian is its float64 value
rounded, which never wraps."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import antialias_np as aa

INTEGER_DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64]


@st.composite
def integer_images(draw, max_side=9):
    """(N, C, H, W) images whose values gather at the dtype's extremes, where float64 and wrapping go wrong."""
    dtype = np.dtype(draw(st.sampled_from(INTEGER_DTYPES)))
    info = np.iinfo(dtype)
    shape = (draw(st.integers(0, 2)), draw(st.integers(1, 2)), draw(st.integers(1, max_side)),
             draw(st.integers(1, max_side)))  # fmt: skip
    special = [info.min, info.min + 1, 0, 1, 2, 3, info.max - 1, info.max]
    values = st.one_of(st.sampled_from(special), st.integers(int(info.min), int(info.max)))
    flat = draw(st.lists(values, min_size=math.prod(shape), max_size=math.prod(shape)))
    return np.array(flat, dtype=object).reshape(shape).astype(dtype)


def nearest_integer(value: Fraction, dtype: np.dtype) -> int:
    """value rounded to the nearest integer, ties to even (Python's round), saturated to the dtype's range."""
    info = np.iinfo(dtype)
    return min(max(round(value), int(info.min)), int(info.max))


def output_length(n: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape."""
    out = (n + 2 * p - k + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def avg_pool_reference(x, k, s, p, ceil_mode, count_include_pad, divisor_override):
    """torch's avg_pool2d definition, in Python integers and fractions."""
    *lead, height, width = x.shape
    rows, cols = output_length(height, k, s, p, ceil_mode), output_length(width, k, s, p, ceil_mode)
    out = np.zeros((*lead, rows, cols), x.dtype)
    for plane in np.ndindex(*lead):
        for i in range(rows):
            for j in range(cols):
                top, left = i * s - p, j * s - p
                bottom, right = min(top + k, height + p), min(left + k, width + p)
                padded_size = (bottom - top) * (right - left)
                top, left, bottom, right = max(top, 0), max(left, 0), min(bottom, height), min(right, width)
                total = sum(int(v) for v in x[plane][top:bottom, left:right].flat)
                if divisor_override is not None:
                    divisor = divisor_override
                else:
                    divisor = padded_size if count_include_pad else (bottom - top) * (right - left)
                out[plane][i, j] = nearest_integer(Fraction(total, divisor), x.dtype)
    return out


def adaptive_reference(x, rows, cols):
    *lead, height, width = x.shape
    out = np.zeros((*lead, rows, cols), x.dtype)
    for plane in np.ndindex(*lead):
        for i in range(rows):
            top, bottom = i * height // rows, -(-(i + 1) * height // rows)
            for j in range(cols):
                left, right = j * width // cols, -(-(j + 1) * width // cols)
                window = [int(v) for v in x[plane][top:bottom, left:right].flat]
                out[plane][i, j] = nearest_integer(Fraction(sum(window), len(window)), x.dtype)
    return out


@settings(max_examples=300, deadline=None)
@given(
    x=integer_images(),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    ceil_mode=st.booleans(),
    count_include_pad=st.booleans(),
    divisor_override=st.one_of(st.none(), st.integers(-7, 7).filter(bool), st.sampled_from([2**40, -(2**50)])),
    channels_last=st.booleans(),
)
def test_avg_pool_of_integers_is_the_exact_mean_rounded(
    x, k, s, p, ceil_mode, count_include_pad, divisor_override, channels_last
):
    p = min(p, k // 2)
    if output_length(x.shape[-2], k, s, p, ceil_mode) < 1 or output_length(x.shape[-1], k, s, p, ceil_mode) < 1:
        return
    expected = avg_pool_reference(x, k, s, p, ceil_mode, count_include_pad, divisor_override)
    if channels_last:
        x, expected = np.moveaxis(x, -3, -1), np.moveaxis(expected, -3, -1)
    result = aa.avg_pool2d(x, k, s, p, ceil_mode, count_include_pad, divisor_override,
                           channel_axis=-1 if channels_last else -3)  # fmt: skip
    assert result.dtype == x.dtype
    np.testing.assert_array_equal(result, expected)


@settings(max_examples=300, deadline=None)
@given(x=integer_images(), rows=st.integers(1, 10), cols=st.integers(1, 10), channels_last=st.booleans())
def test_area_of_integers_is_the_exact_mean_rounded(x, rows, cols, channels_last):
    expected = adaptive_reference(x, rows, cols)
    channel_axis = -3
    if channels_last:
        x, expected, channel_axis = np.moveaxis(x, -3, -1), np.moveaxis(expected, -3, -1), -1
    area = aa.interpolate(x, size=(rows, cols), mode="area", channel_axis=channel_axis)
    np.testing.assert_array_equal(aa.adaptive_avg_pool2d(x, (rows, cols), channel_axis=channel_axis), expected)
    np.testing.assert_array_equal(area, expected)


@settings(max_examples=200, deadline=None)
@given(x=integer_images(), step=st.integers(1, 4))
def test_gaussian_of_integers_is_its_float64_value_rounded(x, step):
    """The Gaussian's weights are irrational: the result is the float64 sum of the float64 taps, rounded. It is the
    exact value of those taps rounded (ties to even) wherever that value is not within float64's rounding of a
    half-integer, and it is always within half a unit (plus that rounding) of it, and inside the dtype's range."""
    result = aa.anti_alias_interpolation(x, 1 / step, channel_axis=-3)
    assert result.dtype == x.dtype
    taps = aa.gaussian_kernel(1 / step)
    half = len(taps) // 2
    for index in np.ndindex(*result.shape):
        *plane, i, j = index
        exact = magnitude = Fraction(0)
        for a, wa in enumerate(taps):
            for b, wb in enumerate(taps):
                r, c = i * step + a - half, j * step + b - half
                if 0 <= r < x.shape[-2] and 0 <= c < x.shape[-1]:
                    term = Fraction(wa) * Fraction(wb) * int(x[(*plane, r, c)])
                    exact += term
                    magnitude += abs(term)
        rounding = magnitude * Fraction(2**-46) + Fraction(2**-40)  # float64's, over sums of at most 13^2 taps
        got = int(result[index])
        if abs(exact - round(exact) - Fraction(1, 2) * (1 if exact > round(exact) else -1)) > rounding:
            assert got == nearest_integer(exact, x.dtype), (index, exact)
        else:
            assert abs(got - exact) <= Fraction(1, 2) + rounding


def test_a_tie_in_exact_arithmetic_rounds_to_even():
    """9 / 6 = 1.5 goes to 2; summed with float64 weights 1/6 it would be 1.4999... and give 1."""
    x = np.array([[3, 2, 1], [2, 0, 1]], np.uint8)
    assert aa.avg_pool2d(x, (2, 3)).tolist() == [[2]]
    assert aa.adaptive_avg_pool2d(x, 1).tolist() == [[2]]
    assert aa.avg_pool2d(np.array([[1, 2], [2, 0]], np.int16), 2).tolist() == [[1]]  # 5 / 4 = 1.25
    assert aa.avg_pool2d(np.array([[1, 2], [2, 5]], np.int16), 2).tolist() == [[2]]  # 10 / 4 = 2.5, ties to even


@pytest.mark.parametrize("dtype", [np.int64, np.uint64, np.int32, np.uint32])
@pytest.mark.parametrize("end", ["min", "max"])
def test_64_bit_extremes_never_wrap(dtype, end):
    info = np.iinfo(dtype)
    value = getattr(info, end)
    x = np.full((1, 8, 8), value, dtype)
    for result in (
        aa.avg_pool2d(x, 2),
        aa.adaptive_avg_pool2d(x, (3, 5)),
        aa.interpolate(x, size=(3, 3), mode="area"),
        aa.downsample(x, 0.5, "area"),
        aa.downsample(x, 0.5, "avgpool"),
    ):
        assert result.dtype == x.dtype
        assert np.all(result == value), result
    gaussian = aa.anti_alias_interpolation(x, 0.5)  # zero padding darkens the border; the centre keeps the value
    assert gaussian.dtype == x.dtype and gaussian[0, 2, 2] == value
    assert np.all((gaussian >= 0) if value >= 0 else (gaussian <= 0))


def test_a_mean_beyond_the_range_saturates():
    x = np.full((2, 2), 200, np.uint8)
    assert aa.avg_pool2d(x, 2, divisor_override=1).tolist() == [[255]]
    assert aa.avg_pool2d(x, 2, divisor_override=-1).tolist() == [[0]]
    big = np.full((2, 2), np.iinfo(np.int64).max, np.int64)
    assert aa.avg_pool2d(big, 2, divisor_override=3).tolist() == [[np.iinfo(np.int64).max]]
