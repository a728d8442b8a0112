"""exact_integers.py, integer images: pooling and area give the exact window mean rounded to the nearest integer
(ties to even), saturated to the dtype's range, checked against plain Python with fractions; the Gaussian is its
float64 value rounded, which never wraps. 8-bit images through float tables are summed in float32 (TieCheckedPlan):
their results are the float64 plan's bit for bit, on images built to put outputs at or next to half-integers."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np._checks import ImageSpec
from antialias_np.engine import resample_plan
from antialias_np.exact_integers import TIE_MARGIN_LIMIT, ExactBoxPlan, TieCheckedPlan, _float64_output, tie_margin
from antialias_np.float_sums import SeparablePlan
from antialias_np.methods import downsample_plan
from antialias_np.weights import AxisTable

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


# ---------------------------------------------------------------------------------------------------------------
# Float tables on integer images: float32 sums, checked against the float64 plan's
# ---------------------------------------------------------------------------------------------------------------

FLOAT_TABLE_METHODS = [("gaussian", 1 / 2), ("gaussian", 1 / 4), ("gaussian", 1 / 8), ("gaussian7", 1 / 4),
                       ("gaussian7", 1 / 8), ("gaussian9", 1 / 3), ("binomial", 1 / 4)]  # fmt: skip


def float64_plan_result(x: np.ndarray, rows: AxisTable, cols: AxisTable) -> np.ndarray:
    """What integer images got before float32 sums: the float64 kernel's sums rounded and saturated, in torch
    layout."""
    return SeparablePlan(rows, cols, x.dtype)(x)


def method_tables(shape: tuple, dtype, method: str, scale: float) -> tuple[AxisTable, AxisTable]:
    plan = downsample_plan(ImageSpec(shape, np.dtype(dtype), "image"), scale, method, ())
    return plan.rows, plan.cols


def assert_both_layouts_give_the_float64_result(x: np.ndarray, method: str, scale: float):
    """aa.downsample of x (N, C, H, W) in torch layout and channels last equals the float64 plan's result."""
    expected = float64_plan_result(x, *method_tables(x.shape, x.dtype, method, scale))
    np.testing.assert_array_equal(aa.downsample(x, scale, method, channel_axis=-3), expected)
    channels_last = np.ascontiguousarray(np.moveaxis(x, -3, -1))
    np.testing.assert_array_equal(aa.downsample(channels_last, scale, method, channel_axis=-1),
                                  np.moveaxis(expected, -3, -1))  # fmt: skip


@pytest.mark.parametrize(("method", "scale"), FLOAT_TABLE_METHODS)
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_float_tables_on_integers_give_the_float64_result(method, scale, dtype):
    """Random images of every integer dtype, their extremes included, in both layouts; 8-bit images take the
    float32 plan, wider ones the float64 plan."""
    info = np.iinfo(dtype)
    rng = np.random.default_rng(7)
    x = rng.integers(info.min, info.max, (2, 3, 37, 43), dtype=dtype, endpoint=True)
    x[0, 0, :5] = info.max
    x[0, 1, :5] = info.min
    plan = downsample_plan(ImageSpec(x.shape, x.dtype, "image"), scale, method, ())
    assert isinstance(plan, TieCheckedPlan) == (np.dtype(dtype).itemsize == 1)
    assert_both_layouts_give_the_float64_result(x, method, scale)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16])
def test_integer_images_worked_a_block_of_rows_at_a_time_give_the_float64_result(dtype):
    """Rows wide enough that the kernel works 32 kept rows at a time (_kernels.BLOCK_BYTES of float temporaries),
    with a block left over."""
    info = np.iinfo(dtype)
    x = np.random.default_rng(8).integers(info.min, info.max, (1, 3, 140, 1100), dtype=dtype, endpoint=True)
    assert_both_layouts_give_the_float64_result(x, "gaussian", 1 / 4)


def disjoint_outputs(table: AxisTable) -> list[int]:
    """Outputs of a table, picked in order, whose taps share no input with an output picked before."""
    picked, used = [], set()
    for i in range(table.n_out):
        taps = set(table.index[i, : table.count[i]].tolist())
        if not taps & used:
            picked.append(i)
            used |= taps
    return picked


def near_tie_image(shape: tuple, dtype, rows: AxisTable, cols: AxisTable, offsets: tuple, seed: int) -> np.ndarray:
    """A random (N, C, H, W) image whose outputs (i, j), for i and j among disjoint_outputs of their tables (so that
    no two share an input), have an exact weighted sum at or within a hair of k + 1/2 + offset (near_tie_window)."""
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    x = rng.integers(info.min // 2, info.max // 2, shape, dtype=np.int64, endpoint=True)
    for plane in np.ndindex(*shape[:-2]):
        for i in disjoint_outputs(rows):
            for j in disjoint_outputs(cols):
                taps = np.ix_(rows.index[i, : rows.count[i]], cols.index[j, : cols.count[j]])
                weights = np.outer(rows.weight[i, : rows.count[i]], cols.weight[j, : cols.count[j]]).ravel()
                window = x[plane][taps]
                target = math.floor(weights @ window.ravel()) + 0.5 + offsets[rng.integers(len(offsets))]
                x[plane][taps] = near_tie_window(window.ravel(), weights, target, info, rng).reshape(window.shape)
    return x.astype(dtype)


def near_tie_window(values: np.ndarray, weights: np.ndarray, target: float, info: np.iinfo, rng) -> np.ndarray:
    """values, inside the dtype's range, moved so that weights @ values comes as close to target as a few rounds
    find: first each value in turn, largest weight first, by the steps that best close the gap (with dyadic weights,
    as the binomial's, this meets the target exactly); then a few rounds of the best of 512 random changes of +-1 to
    a quarter of the values, which bring irrational weights' sums within about 1e-8 of it."""
    values = values.copy()
    for k in np.argsort(-np.abs(weights)):
        values[k] = np.clip(values[k] + np.rint((target - weights @ values) / weights[k]), info.min, info.max)
    for _ in range(5):
        changes = rng.integers(-1, 2, (512, len(values))) * (rng.random((512, len(values))) < 0.25)
        changes[0] = 0
        fits = np.all((values + changes >= info.min) & (values + changes <= info.max), axis=1)
        values += changes[np.argmin(np.where(fits, np.abs(target - (values + changes) @ weights), np.inf))]
    return values


@pytest.mark.parametrize(("method", "scale"), [("gaussian", 1 / 2), ("gaussian", 1 / 4), ("gaussian7", 1 / 4),
                                               ("gaussian9", 1 / 3)])  # fmt: skip
@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_outputs_next_to_a_tie_give_the_float64_result(method, scale, dtype):
    """Outputs whose float64 value is within about 1e-8 of a half-integer, where float32 sums, off by up to 1e-5,
    round the other way: the image is checked to hold such outputs, and the plan must give the float64 result."""
    shape = (1, 2, 80, 72)
    rows, cols = method_tables(shape, dtype, method, scale)
    x = near_tie_image(shape, dtype, rows, cols, (0.0,), seed=11)
    float32_sums = SeparablePlan(rows, cols, x.dtype, compute=np.float32).weighted_sums(x)
    float64_sums = SeparablePlan(rows, cols, x.dtype).weighted_sums(x)
    assert np.any(np.rint(float32_sums) != np.rint(float64_sums))  # float32 alone would be wrong here
    assert_both_layouts_give_the_float64_result(x, method, scale)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_exact_ties_and_their_nearest_neighbours_give_the_float64_result(dtype):
    """The binomial pyramid's weights are dyadic (k / 2^16 in 2-D at scale 1/4), so both sums are exact: outputs
    at exactly k + 1/2 round to even, and those 2^-16 away (the nearest values there are) to the nearer integer."""
    shape, step = (2, 2, 90, 100), 2.0**-16
    rows, cols = method_tables(shape, dtype, "binomial", 1 / 4)
    x = near_tie_image(shape, dtype, rows, cols, (-step, 0.0, step), seed=12)
    exact = SeparablePlan(rows, cols, x.dtype).weighted_sums(x)
    for offset in (-step, 0.0, step):
        assert np.count_nonzero(exact - np.floor(exact) == 0.5 + offset) >= 10
    result = aa.downsample(x, 1 / 4, "binomial", channel_axis=-3)
    is_tie = exact - np.floor(exact) == 0.5
    np.testing.assert_array_equal(result[is_tie] % 2, 0)
    assert_both_layouts_give_the_float64_result(x, "binomial", 1 / 4)


@st.composite
def float_tables(draw, n_in: int, signs: str):
    """A table of 1-20 outputs of 1-9 taps at any inputs (repeated ones included), with positive weights of sum 1 or
    weights of both signs."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_out, taps = draw(st.integers(1, 20)), draw(st.integers(1, 9))
    weight = rng.random((n_out, taps)) if signs == "positive" else rng.normal(size=(n_out, taps)) / taps
    count = rng.integers(1, taps + 1, n_out)
    weight[np.arange(taps) >= count[:, None]] = 0
    if signs == "positive":
        weight /= weight.sum(axis=1, keepdims=True)
    return AxisTable(rng.integers(0, n_in, (n_out, taps)), weight, count)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), dtype=st.sampled_from([np.uint8, np.int8]), signs=st.sampled_from(["positive", "mixed"]),
       channels=st.integers(1, 4), height=st.integers(1, 30), width=st.integers(1, 30))  # fmt: skip
def test_the_float64_recomputation_is_the_float64_kernel_bit_for_bit(data, dtype, signs, channels, height, width):
    """_float64_output, which the float32 plan calls for outputs near a tie, gives every output's float64 sum
    exactly as the float64 kernel makes it, for any table and channel count (on random images, where the float64
    sums are rarely whole numbers, an error in any rounding shows)."""
    rows, cols = data.draw(float_tables(height, signs)), data.draw(float_tables(width, signs))
    info = np.iinfo(dtype)
    plane = np.random.default_rng(3).integers(info.min, info.max, (height, width * channels), dtype, endpoint=True)
    expected = SeparablePlan(rows, cols, plane.dtype).on_channels_last().weighted_sums(
        plane.reshape(height, width, channels)).reshape(rows.n_out, cols.n_out * channels)  # fmt: skip
    arguments = (rows.index, rows.weight, rows.count, cols.index, cols.weight, cols.count)
    for i, q in np.ndindex(*expected.shape):
        assert _float64_output(plane, channels, i, q, *arguments) == expected[i, q], (i, q)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), dtype=st.sampled_from([np.uint8, np.int8]), signs=st.sampled_from(["positive", "mixed"]),
       height=st.integers(1, 30), width=st.integers(1, 30), channels_last=st.booleans())  # fmt: skip
def test_any_float_table_on_8_bit_images_gives_the_float64_result(data, dtype, signs, height, width, channels_last):
    """Random tables (both signs, repeated inputs) on images of the dtype's extremes, where every term of a sum is as
    large as it can be and the float32 error nears its bound E (tie_margin), which the test checks too."""
    rows, cols = data.draw(float_tables(height, signs)), data.draw(float_tables(width, signs))
    info = np.iinfo(dtype)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.choice(np.array([info.min, info.max, 0, 1], dtype), (2, 2, height, width))
    plan = resample_plan(rows, cols, x.dtype)
    assume(not isinstance(plan, ExactBoxPlan))  # one tap of weight 1 is a box: summed exactly, not in float64
    assert isinstance(plan, TieCheckedPlan) == (tie_margin(rows, cols, x.dtype) <= TIE_MARGIN_LIMIT)
    expected = float64_plan_result(x, rows, cols)
    float32_sums = SeparablePlan(rows, cols, x.dtype, compute=np.float32).weighted_sums(x)
    float64_sums = SeparablePlan(rows, cols, x.dtype).weighted_sums(x)
    assert np.all(np.abs(float32_sums - float64_sums) <= tie_margin(rows, cols, x.dtype))
    if channels_last:
        x, expected, plan = np.moveaxis(x, -3, -1).copy(), np.moveaxis(expected, -3, -1), plan.on_channels_last()
    np.testing.assert_array_equal(plan(x), expected)
