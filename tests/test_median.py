"""Properties of the median filter (median_blur, median_subsample) and of the border tables it reads through.

kornia's own outputs are checked in test_golden.py (tests/fixtures/window.npz); here the Numba kernels are compared
with the plain-NumPy reference, and the filter with facts that need no reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import AWKWARD_LAYOUTS, awkward_layouts
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np.borders import border_index, edge_windows, window_table
from antialias_np.median import median_reference, median_subsample

BORDERS = ("constant", "reflect", "replicate", "circular")
MIRRORED_BORDERS = ("reflect", "replicate")  # symmetric under a flip of the image
INTEGER_DTYPES = (np.uint8, np.int16, np.uint32, np.int64, np.uint64)


@st.composite
def median_cases(draw, dtypes=(np.float32, np.float64, *INTEGER_DTYPES), non_finite=True):
    """(image, kernel_size, border_type, step): random shapes and values, with a few NaN and +-inf for floats."""
    ky, kx = draw(st.sampled_from([1, 3, 5, 7])), draw(st.sampled_from([1, 3, 5]))
    border_type = draw(st.sampled_from(BORDERS))
    # reflect needs kernel // 2 < side; the other borders take any side (circular needs kernel // 2 <= side)
    height = draw(st.integers(ky // 2 + 1, 19))
    width = draw(st.integers(kx // 2 + 1, 19))
    leading = draw(st.sampled_from([(), (2,), (1, 3), (2, 2)]))
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (*leading, height, width)
    if dtype.kind == "f":
        x = rng.random(shape).astype(dtype)
        if non_finite and draw(st.booleans()):
            x.flat[rng.integers(0, x.size, 3)] = [np.nan, np.inf, -np.inf]
    else:
        info = np.iinfo(dtype)
        # few distinct values (ties) and the dtype's extremes (precision)
        x = rng.choice(np.array([info.min, info.min + 1, 0, 7, info.max - 1, info.max], dtype=dtype), shape)
    step = draw(st.integers(1, 5))
    return x, (ky, kx), border_type, step


@settings(max_examples=150, deadline=None)
@given(median_cases())
def test_kernel_equals_reference(case):
    x, kernel_size, border_type, step = case
    result = median_subsample(x, step, kernel_size, border_type, channel_axis=-3)
    expected = median_reference(x, kernel_size, border_type, step)
    assert result.dtype == expected.dtype == x.dtype
    np.testing.assert_array_equal(result, expected)  # NaNs in the same places count as equal


@settings(max_examples=150, deadline=None)
@given(median_cases(), st.integers(1, 5))
def test_channels_last_equals_reference(case, channels):
    """Channels-last images are read in place, as planes of C interleaved channels (the 3 x 3 kernel's path): each
    channel must see only its own neighbours, at the borders too."""
    x, kernel_size, border_type, step = case
    x = x.reshape(-1, *x.shape[-2:])  # (N, H, W), to which channels are added last
    x = np.stack([x] + [np.roll(x, k, axis=-1) for k in range(1, channels)], axis=-1)
    result = median_subsample(x, step, kernel_size, border_type, channel_axis=-1)
    expected = np.moveaxis(median_reference(np.moveaxis(x, -1, -3), kernel_size, border_type, step), -3, -1)
    np.testing.assert_array_equal(result, expected)


@settings(max_examples=60, deadline=None)
@given(median_cases())
def test_subsample_equals_blur_then_slice(case):
    x, kernel_size, border_type, step = case
    expected = aa.median_blur(x, kernel_size, border_type, channel_axis=-3)[..., ::step, ::step]
    np.testing.assert_array_equal(median_subsample(x, step, kernel_size, border_type, channel_axis=-3), expected)


def test_study_frame_subsample_equals_blur_then_slice():
    x = np.random.default_rng(1).random((3, 256, 256)).astype(np.float32)
    np.testing.assert_array_equal(median_subsample(x, 4), aa.median_blur(x, 3)[..., ::4, ::4])


@settings(max_examples=60, deadline=None)
@given(median_cases(non_finite=False))
def test_output_is_within_the_input_range(case):
    x, kernel_size, border_type, step = case
    result = median_subsample(x, step, kernel_size, border_type, channel_axis=-3)
    low, high = x.min(), x.max()
    if border_type == "constant":  # the padding's zeros are values of the window too
        low, high = min(low, 0), max(high, 0)
    assert low <= result.min() and result.max() <= high


@pytest.mark.parametrize("border_type", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("kernel_size", [1, 3, 5, (3, 5)])
def test_constant_image_stays_constant(border_type, kernel_size):
    x = np.full((2, 9, 11), 0.7, np.float32)
    np.testing.assert_array_equal(aa.median_blur(x, kernel_size, border_type), x)


def test_constant_border_keeps_a_constant_image_except_where_zeros_are_the_majority():
    """Zero padding: a 3x3 corner window holds 4 pixels and 5 zeros, an edge window 6 pixels and 3 zeros."""
    x = np.full((6, 7), 0.7, np.float32)
    result = aa.median_blur(x, 3, "constant")
    expected = x.copy()
    expected[[0, 0, -1, -1], [0, -1, 0, -1]] = 0
    np.testing.assert_array_equal(result, expected)


def test_a_single_spike_is_removed():
    x = np.zeros((5, 6), np.float32)
    x[2, 3] = 1
    for border_type in BORDERS:
        np.testing.assert_array_equal(aa.median_blur(x, 3, border_type), np.zeros_like(x))


def test_the_middle_value_of_a_hand_sorted_window():
    """One 3x3 window holding 9, 1, 8, 2, 7, 3, 6, 4, 5: the median is 5, at the centre of a 3x3 image."""
    x = np.array([[9, 1, 8], [2, 7, 3], [6, 4, 5]], np.float32)
    assert aa.median_blur(x, 3)[1, 1] == 5
    assert aa.median_blur(x, (1, 3))[1, 1] == 3  # the middle of its own row: 2, 7, 3
    assert aa.median_blur(x, (3, 1))[1, 1] == 4  # the middle of its own column: 1, 7, 4


def test_channels_are_independent():
    x = np.random.default_rng(2).random((2, 3, 12, 10)).astype(np.float32)
    together = aa.median_blur(x, 3)
    for n in range(2):
        for c in range(3):
            np.testing.assert_array_equal(aa.median_blur(x[n, c], 3), together[n, c])


@pytest.mark.parametrize("border_type", MIRRORED_BORDERS)
@pytest.mark.parametrize("kernel_size", [3, 5, (3, 5)])
def test_flips_commute_with_the_filter(border_type, kernel_size):
    x = np.random.default_rng(3).random((3, 13, 10)).astype(np.float32)
    for axis in (-1, -2):
        flipped = aa.median_blur(np.flip(x, axis), kernel_size, border_type)
        np.testing.assert_array_equal(flipped, np.flip(aa.median_blur(x, kernel_size, border_type), axis))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_makes_nan_every_window_that_holds_it(value):
    x = np.random.default_rng(4).random((9, 10)).astype(np.float32)
    x[4, 6] = value
    result = aa.median_blur(x, (3, 5), "constant")
    expected = np.zeros(x.shape, bool)
    expected[3:6, 4:9] = True  # the windows (rows +-1, columns +-2) that contain (4, 6)
    np.testing.assert_array_equal(np.isnan(result), expected)


def test_a_one_pixel_window_returns_the_pixel_even_if_infinite():
    x = np.array([[1.0, np.inf], [-np.inf, np.nan]], np.float32)
    np.testing.assert_array_equal(aa.median_blur(x, 1), x)


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_integers_are_selected_exactly_in_their_dtype(dtype):
    """kornia returns float32, which cannot hold 2**63 - 1 or 2**64 - 2: the selection here is exact."""
    info = np.iinfo(dtype)
    x = np.random.default_rng(5).choice(np.array([info.min, info.max - 1, info.max], dtype=dtype), (2, 9, 8))
    result = aa.median_blur(x, 3)
    assert result.dtype == dtype
    np.testing.assert_array_equal(result, median_reference(x, 3))
    # the values of 3 x 3 windows of small integers, through float64: the same numbers
    small = np.random.default_rng(6).integers(0, 200, (9, 8)).astype(dtype)
    np.testing.assert_array_equal(aa.median_blur(small, 3), aa.median_blur(small.astype(np.float64), 3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8, np.int32])
def test_dtype_and_shape_are_kept(dtype):
    for shape in [(7, 9), (2, 7, 9), (2, 3, 7, 9)]:
        x = np.ones(shape, dtype)
        assert aa.median_blur(x, 3).dtype == dtype
        assert aa.median_blur(x, 3).shape == shape
        assert median_subsample(x, 4).shape == (*shape[:-2], 2, 3)


@pytest.mark.parametrize("layout", AWKWARD_LAYOUTS)
@pytest.mark.parametrize("kernel_size", [3, 5])
def test_awkward_arrays_give_the_contiguous_result_and_are_not_modified(layout, kernel_size):
    x = np.random.default_rng(7).random((2, 11, 9)).astype(np.float32)
    x[0, 3, 3] = np.nan
    array = awkward_layouts(x)[layout]
    before = array.copy()
    np.testing.assert_array_equal(median_subsample(array, 2, kernel_size), median_subsample(x, 2, kernel_size))
    np.testing.assert_array_equal(array, before)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: aa.median_blur(x, 4), ValueError, "kernel_size must be odd"),
        (lambda x: aa.median_blur(x, (3, 2)), ValueError, "kernel_size must be odd"),
        (lambda x: aa.median_blur(x, 0), ValueError, "kernel_size"),
        (lambda x: aa.median_blur(x, (3, 3, 3)), ValueError, "kernel_size"),
        (lambda x: aa.median_blur(x, 3.5), ValueError, "kernel_size must be a whole number"),
        (lambda x: aa.median_blur(x, 3, "wrap"), ValueError, "border_type"),
        (lambda x: aa.median_blur(x, 3, None), TypeError, "border_type"),
        (lambda x: aa.median_blur(x, 17), ValueError, "border_type='reflect'"),
        (lambda x: aa.median_blur(x, 19, "circular"), ValueError, "border_type='circular'"),
        (lambda x: median_subsample(x, 0), ValueError, "step"),
        (lambda x: median_subsample(x, 2.0), TypeError, "step"),
        (lambda x: aa.median_blur(x[0, 0, 0], 3), ValueError, "x must be"),
        (lambda x: aa.median_blur(x[None], 3), ValueError, "x must be"),
        (lambda x: aa.median_blur(x[..., :0, :], 3), ValueError, "width of 0"),
        (lambda x: aa.median_blur(x > 0.5, 3), TypeError, "dtype bool"),
        (lambda x: aa.median_blur(x.astype(np.complex64), 3), TypeError, "complex64"),
        (lambda x: aa.median_blur("x.png", 3), TypeError, "image array"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, error, match):
    x = np.random.default_rng(8).random((1, 2, 9, 8)).astype(np.float32)
    with pytest.raises(error, match=match):
        call(x)


def test_the_largest_windows_torch_pads_are_accepted():
    """reflect pads by at most side - 1, circular by at most the side; replicate and constant by anything."""
    x = np.random.default_rng(9).random((4, 5)).astype(np.float32)
    for border_type, kernel_size in [("reflect", (7, 9)), ("circular", (9, 11)), ("replicate", 21), ("constant", 21)]:
        np.testing.assert_array_equal(
            aa.median_blur(x, kernel_size, border_type), median_reference(x, kernel_size, border_type)
        )


# ----- the border tables (borders.py), which both window filters read through -----------------------------------


@pytest.mark.parametrize("border_type", BORDERS)
@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_border_index_is_np_pad(border_type, n):
    pad = n if border_type != "reflect" else n - 1  # the largest pad torch allows
    if border_type == "constant":
        padded = np.pad(np.arange(n), pad, constant_values=-1)
    else:
        padded = np.pad(
            np.arange(n), pad, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[border_type]
        )
    np.testing.assert_array_equal(border_index(np.arange(-pad, n + pad), n, border_type), padded)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 30), st.sampled_from([1, 3, 5, 7, 9]), st.integers(1, 6), st.sampled_from(BORDERS))
def test_window_table_rows_and_edge_windows(n, kernel, step, border_type):
    assume(not ((border_type == "reflect" and kernel // 2 >= n) or (border_type == "circular" and kernel // 2 > n)))
    table = window_table(n, kernel, step, border_type)
    centres = np.arange(0, n, step)
    plain = centres[:, None] + np.arange(kernel) - kernel // 2
    assert table.shape == (len(centres), kernel)
    np.testing.assert_array_equal(table, border_index(plain, n, border_type))
    reaching_out = np.flatnonzero(((plain < 0) | (plain >= n)).any(axis=1))
    np.testing.assert_array_equal(edge_windows(n, kernel, step), reaching_out)


def test_float16_median_is_the_float32_median_bit_for_bit():
    """kornia filters float16 images in float16; a median selects, so going through float32 changes no value."""
    x = np.random.default_rng(9).random((2, 3, 19, 17)).astype(np.float16)
    x[0, 1, 5, 5], x[1, 2, 0, 0] = np.nan, np.inf
    result = aa.median_blur(x, 5, border_type="replicate")
    assert result.dtype == np.float16
    expected = aa.median_blur(x.astype(np.float32), 5, border_type="replicate").astype(np.float16)
    np.testing.assert_array_equal(result.view(np.uint16), expected.view(np.uint16))


@pytest.mark.parametrize("border_type", ["reflect", "constant", "replicate", "circular"])
@pytest.mark.parametrize("step", [1, 2, 4])
def test_3x3_median_reads_channels_last_images_as_torch_layout(border_type, step):
    """Channels-last images go through the 3x3 kernel as planes of interleaved channels: the torch-layout result."""
    x = np.random.default_rng(11).random((2, 13, 11, 3)).astype(np.float32)
    x[0, 4, 5, 1], x[1, 0, 0, 2] = np.nan, np.inf
    result = aa.median_blur(x, 3, border_type, channel_axis=-1)[..., ::step, ::step, :]
    expected = aa.median_blur(np.ascontiguousarray(np.moveaxis(x, -1, -3)), 3, border_type)[..., ::step, ::step]
    np.testing.assert_array_equal(np.moveaxis(result, -1, -3), expected)
    subsampled = aa.downsample(x, 1 / step, "median", channel_axis=-1, border_type=border_type)
    np.testing.assert_array_equal(subsampled, result)
