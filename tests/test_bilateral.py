"""Properties of the bilateral filter (bilateral_blur, bilateral_subsample) and of its vectorised exp.

kornia's own outputs are checked in test_golden.py (tests/fixtures/window.npz); here the Numba kernel is compared
with the plain-NumPy reference, and the filter with facts that need no reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import AWKWARD_LAYOUTS, awkward_layouts
from hypothesis import given, settings
from hypothesis import strategies as st

import antialias_np as aa
from antialias_np.bilateral import _EXP, _weights, bilateral_reference, bilateral_subsample, space_kernel

BORDERS = ("constant", "reflect", "replicate", "circular")
MIRRORED_BORDERS = ("reflect", "replicate")  # symmetric under a flip of the image
# kernel vs reference: the same operations, but NumPy's exp and NumPy's order of summation
TOLERANCE = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-13}


@st.composite
def bilateral_cases(draw, non_finite=False):
    """(image, kwargs for bilateral_reference, step) with random shapes, kernels, sigmas and borders."""
    ky, kx = draw(st.sampled_from([1, 3, 5, 7])), draw(st.sampled_from([1, 3, 5]))
    border_type = draw(st.sampled_from(BORDERS))
    height = draw(st.integers(ky // 2 + 1, 17))
    width = draw(st.integers(kx // 2 + 1, 17))
    leading = draw(st.sampled_from([(), (1,), (3,), (2, 2), (1, 4)]))
    dtype = np.dtype(draw(st.sampled_from([np.float32, np.float64])))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.random((*leading, height, width)).astype(dtype)
    if non_finite:
        x.flat[rng.integers(0, x.size, 2)] = [np.nan, draw(st.sampled_from([np.inf, -np.inf]))]
    kwargs = {
        "kernel_size": (ky, kx),
        "sigma_color": draw(st.sampled_from([0.05, 0.1, 0.3, 2.0])),
        "sigma_space": draw(st.sampled_from([0.5, 1.5, (1.0, 2.5)])),
        "border_type": border_type,
        "color_distance_type": draw(st.sampled_from(["l1", "l2"])),
    }
    return x, kwargs, draw(st.integers(1, 5))


@settings(max_examples=120, deadline=None)
@given(bilateral_cases())
def test_kernel_equals_reference(case):
    x, kwargs, step = case
    result = bilateral_subsample(x, step, **kwargs, channel_axis=-3)
    expected = bilateral_reference(x, **kwargs, step=step)
    assert result.dtype == expected.dtype == x.dtype
    np.testing.assert_allclose(result, expected, rtol=0, atol=TOLERANCE[x.dtype])


@settings(max_examples=60, deadline=None)
@given(bilateral_cases(non_finite=True))
def test_kernel_puts_nans_where_the_reference_does(case):
    x, kwargs, step = case
    result = bilateral_subsample(x, step, **kwargs, channel_axis=-3)
    expected = bilateral_reference(x, **kwargs, step=step)
    np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
    np.testing.assert_allclose(result, expected, rtol=0, atol=TOLERANCE[x.dtype])


@settings(max_examples=60, deadline=None)
@given(bilateral_cases(non_finite=True))
def test_subsample_equals_blur_then_slice(case):
    """The kept pixels are computed by the same operations in the same order: equal to the bit."""
    x, kwargs, step = case
    full = aa.bilateral_blur(x, **kwargs, channel_axis=-3)
    np.testing.assert_array_equal(bilateral_subsample(x, step, **kwargs, channel_axis=-3), full[..., ::step, ::step])


@settings(max_examples=60, deadline=None)
@given(bilateral_cases(non_finite=True))
def test_channels_last_equals_torch_layout(case):
    """channel_axis=-1 reads the image and writes the result as they are: the torch-layout result, bit for bit."""
    x, kwargs, step = case
    x = x if x.ndim > 2 else x[None]
    channels_last = np.moveaxis(x, -3, -1)  # a strided view
    result = bilateral_subsample(channels_last, step, **kwargs, channel_axis=-1)
    assert result.flags.c_contiguous
    expected = bilateral_subsample(x, step, **kwargs, channel_axis=-3)
    np.testing.assert_array_equal(result, np.moveaxis(expected, -3, -1))


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("layout", ["contiguous", *AWKWARD_LAYOUTS])
def test_channels_last_arrays_of_any_layout_give_the_torch_layout_result(channels, layout):
    x = np.random.default_rng(11).random((2, channels, 13, 10)).astype(np.float32)
    x[1, 0, 4, 5] = np.nan
    channels_last = np.ascontiguousarray(np.moveaxis(x, 1, -1))
    array = {"contiguous": channels_last, **awkward_layouts(channels_last)}[layout]
    before = array.copy()
    result = bilateral_subsample(array, 3, 5, 0.2, 1.5, "constant", channel_axis=-1)
    np.testing.assert_array_equal(result, np.moveaxis(bilateral_subsample(x, 3, 5, 0.2, 1.5, "constant"), 1, -1))
    np.testing.assert_array_equal(array, before)


def test_study_frame_subsample_equals_blur_then_slice():
    x = np.random.default_rng(1).random((3, 256, 256)).astype(np.float32)
    full = aa.bilateral_blur(x, 5, 0.1, (1.5, 1.5))
    np.testing.assert_array_equal(bilateral_subsample(x, 4), full[..., ::4, ::4])


@settings(max_examples=60, deadline=None)
@given(bilateral_cases())
def test_output_is_within_the_input_range(case):
    """Every output is a weighted mean of its window, so it lies within the window's range (to rounding)."""
    x, kwargs, step = case
    result = bilateral_subsample(x, step, **kwargs, channel_axis=-3)
    low, high = x.min(), x.max()
    if kwargs["border_type"] == "constant":  # the padding's zeros are in the windows too
        low = min(low, 0)
    eps = 4 * np.finfo(x.dtype).eps
    assert low - eps <= result.min() and result.max() <= high + eps


@pytest.mark.parametrize("border_type", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("color_distance_type", ["l1", "l2"])
def test_constant_image_stays_constant(border_type, color_distance_type):
    x = np.full((2, 3, 9, 11), 0.7, np.float32)
    result = aa.bilateral_blur(x, 5, 0.1, (1.5, 2.0), border_type, color_distance_type)
    np.testing.assert_allclose(result, x, rtol=2e-7, atol=0)  # sum(g * c) / sum(g) rounds


def test_constant_border_darkens_a_constant_image_only_near_the_edges():
    """Zero padding: windows reaching past the image weigh zeros too (sigma_color 1 gives them a real weight)."""
    x = np.full((3, 12, 13), 0.7, np.float32)
    result = aa.bilateral_blur(x, 5, 1.0, (1.5, 1.5), "constant")
    np.testing.assert_allclose(result[:, 2:-2, 2:-2], x[:, 2:-2, 2:-2], rtol=2e-7)
    border = np.ones(x.shape, bool)
    border[:, 2:-2, 2:-2] = False
    assert np.all(result[border] < 0.7 - 1e-3)


def test_a_huge_sigma_color_gives_the_normalised_gaussian_blur():
    x = np.random.default_rng(2).random((2, 9, 8))
    result = aa.bilateral_blur(x, (3, 5), 1e6, (1.0, 2.0), "replicate")
    g = space_kernel((3, 5), (1.0, 2.0), np.dtype(np.float64))
    padded = np.pad(x, ((0, 0), (1, 1), (2, 2)), mode="edge")
    blurred = sum(g[a, b] * padded[:, a : a + 9, b : b + 8] for a in range(3) for b in range(5))
    np.testing.assert_allclose(result, blurred, rtol=0, atol=1e-12)


def test_a_tiny_sigma_color_keeps_a_two_level_image():
    """Neighbours 1 apart weigh exp(-0.5 / 0.01^2) = 0: every pixel averages only its own level."""
    x = np.indices((8, 9)).sum(axis=0) % 2 * np.float32(1)  # a checkerboard of 0 and 1
    np.testing.assert_array_equal(aa.bilateral_blur(x.astype(np.float32), 5, 0.01, 1.5), x)


def test_the_space_kernel_is_the_outer_product_of_normalised_gaussians():
    kernel = space_kernel((3, 5), (0.8, 1.5), np.dtype(np.float64))
    gy = np.exp(-(np.arange(-1, 2) ** 2) / (2 * 0.8**2))
    gx = np.exp(-(np.arange(-2, 3) ** 2) / (2 * 1.5**2))
    np.testing.assert_allclose(kernel, np.outer(gy / gy.sum(), gx / gx.sum()), rtol=1e-15)
    assert kernel.dtype == np.float64 and space_kernel((3, 3), (1.0, 1.0), np.dtype(np.float32)).dtype == np.float32


def test_channels_are_coupled():
    """One weight per pixel for all channels: changing channel 1 changes channel 0's output."""
    x = (0.5 + 0.01 * np.random.default_rng(3).random((3, 9, 9))).astype(np.float32)  # no weight is near 0
    changed = x.copy()
    changed[1, 4, 5] += 0.05
    before, after = aa.bilateral_blur(x, 3, 0.1, 1.0), aa.bilateral_blur(changed, 3, 0.1, 1.0)
    holding = np.zeros((9, 9), bool)
    holding[3:6, 4:7] = True  # the 3x3 windows holding (4, 5)
    np.testing.assert_array_equal(after[0] != before[0], holding)
    np.testing.assert_array_equal(aa.bilateral_blur(x[0], 3, 0.1, 1.0), aa.bilateral_blur(x[:1], 3, 0.1, 1.0)[0])


def test_one_channel_l1_equals_l2():
    x = np.random.default_rng(4).random((1, 10, 9)).astype(np.float32)
    np.testing.assert_array_equal(aa.bilateral_blur(x, 5, 0.1, 1.5), aa.bilateral_blur(x, 5, 0.1, 1.5, "reflect", "l2"))


def test_a_single_sigma_space_is_used_for_both_axes():
    x = np.random.default_rng(5).random((3, 10, 9)).astype(np.float32)
    np.testing.assert_array_equal(aa.bilateral_blur(x, 5, 0.1, 1.5), aa.bilateral_blur(x, 5, 0.1, [1.5, 1.5]))


@pytest.mark.parametrize("border_type", MIRRORED_BORDERS)
@pytest.mark.parametrize("color_distance_type", ["l1", "l2"])
def test_flips_commute_with_the_filter(border_type, color_distance_type):
    """A symmetric kernel with a mirror-symmetric border: the taps are summed in the other order, so to rounding."""
    x = np.random.default_rng(6).random((3, 12, 11)).astype(np.float32)
    blur = lambda image: aa.bilateral_blur(image, (5, 3), 0.2, (1.5, 1.0), border_type, color_distance_type)  # noqa: E731
    for axis in (-1, -2):
        np.testing.assert_allclose(blur(np.flip(x, axis)), np.flip(blur(x), axis), rtol=0, atol=1e-6)


def test_nan_and_infinity_spread_as_in_kornia():
    """A NaN poisons every channel of the windows holding it. An infinity gets weight 0 in its neighbours' windows,
    and 0 * inf is NaN in its own channel only; at its own pixel inf - inf is NaN, so every channel is NaN."""
    x = np.random.default_rng(7).random((2, 7, 8)).astype(np.float32)
    x[0, 1, 1] = np.nan
    x[1, 5, 5] = np.inf
    result = aa.bilateral_blur(x, 3, 0.1, 1.0, "constant")
    nan_windows = np.zeros((7, 8), bool)
    nan_windows[0:3, 0:3] = True
    inf_windows = np.zeros((7, 8), bool)
    inf_windows[4:7, 4:7] = True
    inf_pixel = np.zeros((7, 8), bool)
    inf_pixel[5, 5] = True
    np.testing.assert_array_equal(np.isnan(result[0]), nan_windows | inf_pixel)
    np.testing.assert_array_equal(np.isnan(result[1]), nan_windows | inf_windows)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_vectorised_exp_equals_libm(dtype):
    """_weights with space weight 1, colour scale 1 and no squaring is exp itself."""
    dtype = np.dtype(dtype)
    lowest = -87.0 if dtype == np.float32 else -708.0
    x = np.concatenate([-np.geomspace(1e-30, 700, 20001), np.linspace(lowest, 0, 20001)]).astype(dtype)
    x = x[x >= lowest]
    special = np.array([0.0, -0.0, -np.inf, np.nan, lowest - 1, -1e30], dtype)
    x = np.concatenate([x, special])
    weight, total = np.empty_like(x), np.zeros_like(x)
    _weights(
        x, dtype.type(1), False, dtype.type(1), _EXP[dtype].constants, np.empty(x.size, _EXP[dtype].bits), weight, total
    )
    expected = np.exp(x.astype(np.float64))
    finite = np.isfinite(x[: -special.size])
    relative = np.abs(weight[: -special.size] - expected[: -special.size]) / expected[: -special.size]
    assert relative[finite].max() <= (1.2e-7 if dtype == np.float32 else 1e-15)
    np.testing.assert_array_equal(weight[-special.size :], np.array([1, 1, 0, np.nan, 0, 0], dtype))
    np.testing.assert_array_equal(total, weight)


def test_sigma_color_is_in_the_image_units():
    """kornia's convention: scaling the image and sigma_color by s scales the result by s."""
    x = np.random.default_rng(8).random((3, 9, 10))
    np.testing.assert_allclose(
        aa.bilateral_blur(255 * x, 5, 25.5, 1.5), 255 * aa.bilateral_blur(x, 5, 0.1, 1.5), rtol=1e-13
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_and_shape_are_kept(dtype):
    for shape in [(7, 9), (2, 7, 9), (2, 3, 7, 9)]:
        x = np.ones(shape, dtype)
        assert aa.bilateral_blur(x, 3, 0.1, 1.0).dtype == dtype
        assert aa.bilateral_blur(x, 3, 0.1, 1.0).shape == shape
        assert bilateral_subsample(x, 4).shape == (*shape[:-2], 2, 3)


def test_a_wide_image_is_filtered_one_output_row_per_block():
    """Output rows wider than the block: each block holds a single row."""
    x = np.random.default_rng(9).random((2, 5, 1500)).astype(np.float32)
    np.testing.assert_allclose(
        aa.bilateral_blur(x, 3, 0.1, 1.0), bilateral_reference(x, 3, 0.1, 1.0), rtol=0, atol=TOLERANCE[x.dtype]
    )


@pytest.mark.parametrize("layout", AWKWARD_LAYOUTS)
def test_awkward_arrays_give_the_contiguous_result_and_are_not_modified(layout):
    x = np.random.default_rng(10).random((2, 3, 11, 9)).astype(np.float32)
    x[0, 1, 3, 3] = np.nan
    array = awkward_layouts(x)[layout]
    before = array.copy()
    np.testing.assert_array_equal(bilateral_subsample(array, 2), bilateral_subsample(x, 2))
    np.testing.assert_array_equal(array, before)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64])
def test_integer_images_are_refused_with_a_way_out(dtype):
    with pytest.raises(TypeError, match=r"sigma_color is in the image's units.*x\.astype\(np\.float32\) / 255"):
        aa.bilateral_blur(np.zeros((3, 8, 8), dtype), 5, 0.1, 1.5)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: aa.bilateral_blur(x, 4, 0.1, 1.5), ValueError, "kernel_size must be odd"),
        (lambda x: aa.bilateral_blur(x, (5, 0), 0.1, 1.5), ValueError, "kernel_size"),
        (lambda x: aa.bilateral_blur(x, 5, 0, 1.5), ValueError, "sigma_color"),
        (lambda x: aa.bilateral_blur(x, 5, -0.1, 1.5), ValueError, "sigma_color"),
        (lambda x: aa.bilateral_blur(x, 5, float("nan"), 1.5), ValueError, "sigma_color"),
        (lambda x: aa.bilateral_blur(x, 5, "0.1", 1.5), TypeError, "sigma_color"),
        (lambda x: aa.bilateral_blur(x, 5, 0.1, 0), ValueError, "sigma_space"),
        (lambda x: aa.bilateral_blur(x, 5, 0.1, (1.5, -1)), ValueError, "sigma_space"),
        (lambda x: aa.bilateral_blur(x, 5, 0.1, (1.5, 1.5, 1.5)), ValueError, "sigma_space"),
        (lambda x: aa.bilateral_blur(x, 5, 0.1, 1.5, "mirror"), ValueError, "border_type"),
        (lambda x: aa.bilateral_blur(x, 5, 0.1, 1.5, "reflect", "l3"), ValueError, "color_distance_type"),
        (lambda x: aa.bilateral_blur(x, 5, 0.1, 1.5, "reflect", "L1"), ValueError, "color_distance_type"),
        (lambda x: aa.bilateral_blur(x[..., :4, :], 9, 0.1, 1.5), ValueError, "border_type='reflect'"),
        (lambda x: bilateral_subsample(x, 0), ValueError, "step"),
        (lambda x: aa.bilateral_blur(x[0, 0, 0], 5, 0.1, 1.5), ValueError, "x must be"),
        (lambda x: aa.bilateral_blur(x[None], 5, 0.1, 1.5), ValueError, "x must be"),
        (lambda x: aa.bilateral_blur(x[..., :0, :], 5, 0.1, 1.5), ValueError, "width of 0"),
        (lambda x: aa.bilateral_blur(x > 0.5, 5, 0.1, 1.5), TypeError, "dtype bool"),
        (lambda x: aa.bilateral_blur(x.astype(np.complex128), 5, 0.1, 1.5), TypeError, "complex128"),
        (lambda x: aa.bilateral_blur(x.astype(np.float16), 5, 0.1, 1.5), TypeError, "float16"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, error, match):
    x = np.random.default_rng(11).random((1, 3, 9, 8)).astype(np.float32)
    with pytest.raises(error, match=match):
        call(x)
