"""Bad input gets a ValueError or TypeError naming the argument; awkward valid arrays work and are never modified."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import AWKWARD_LAYOUTS, awkward_layouts

import antialias_np as aa
from antialias_np.study import _kept_plan

FRAME = np.random.default_rng(0).random((2, 3, 32, 24)).astype(np.float32)

# Every public function, called on an image with valid arguments.
CALLS = {
    **{f"downsample-{m}": (lambda x, m=m: aa.downsample(x, 0.25, m)) for m in aa.METHODS},
    "interpolate-bilinear-aa": lambda x: aa.interpolate(x, size=(7, 5), mode="bilinear", antialias=True),
    "interpolate-bicubic": lambda x: aa.interpolate(x, scale_factor=1.5, mode="bicubic"),
    "interpolate-nearest-exact": lambda x: aa.interpolate(x, size=(7, 5), mode="nearest-exact"),
    "avg_pool2d": lambda x: aa.avg_pool2d(x, 3, 2, 1),
    "adaptive_avg_pool2d": lambda x: aa.adaptive_avg_pool2d(x, (5, 7)),
    "anti_alias_interpolation": lambda x: aa.anti_alias_interpolation(x, 1 / 3),
    "median_blur": lambda x: aa.median_blur(x, 3),
    "bilateral_blur": lambda x: aa.bilateral_blur(x, 5, 0.1, (1.5, 1.5)),
}


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize("layout", AWKWARD_LAYOUTS)
def test_awkward_arrays_give_the_contiguous_result(name, layout):
    x = awkward_layouts(FRAME)[layout]
    before = x.copy()
    expected = CALLS[name](np.ascontiguousarray(FRAME))
    result = CALLS[name](x)
    np.testing.assert_array_equal(result, expected)
    np.testing.assert_array_equal(x, before)  # never modified
    assert result.dtype.isnative


@pytest.mark.parametrize("name", list(CALLS))
def test_result_does_not_share_memory_with_input(name):
    x = FRAME.copy()
    result = CALLS[name](x)
    assert not np.shares_memory(result, x)


@pytest.mark.parametrize("method", aa.METHODS)
def test_scale_one_returns_a_new_array(method):
    x = FRAME.copy()
    result = aa.downsample(x, 1.0, method)
    assert not np.shares_memory(result, x)
    assert result.flags.c_contiguous


def test_downsample_plans_are_kept_apart_by_shape_dtype_and_arguments():
    """downsample keeps a plan per (shape, dtype, scale, method, options, channel_axis): calls that differ in any
    one of them, made in turn, each get the result of the function that does not cache."""
    calls = [
        (FRAME, 0.25, "median", {}, lambda x: aa.median_blur(x, 3)[..., ::4, ::4]),
        (FRAME.astype(np.float64), 0.25, "median", {}, lambda x: aa.median_blur(x, 3)[..., ::4, ::4]),
        (FRAME[..., :20, :], 0.25, "median", {}, lambda x: aa.median_blur(x, 3)[..., ::4, ::4]),
        (FRAME, 0.5, "median", {}, lambda x: aa.median_blur(x, 3)[..., ::2, ::2]),
        (FRAME, 0.25, "median", {"kernel_size": 5}, lambda x: aa.median_blur(x, 5)[..., ::4, ::4]),
        (FRAME, 0.25, "median", {"kernel_size": [5, 3]}, lambda x: aa.median_blur(x, (5, 3))[..., ::4, ::4]),
        (FRAME, 0.25, "gaussian", {}, lambda x: aa.anti_alias_interpolation(x, 0.25)),
        (FRAME, 0.25, "area", {}, lambda x: aa.adaptive_avg_pool2d(x, (8, 6))),
    ]
    for _ in range(2):
        for x, scale, method, options, expected in calls:
            result = aa.downsample(x, scale, method, **options)
            assert result.dtype == x.dtype
            np.testing.assert_array_equal(result, expected(x))


def test_downsample_builds_a_plan_once_per_shape_dtype_and_arguments():
    _kept_plan.cache_clear()
    for x in (FRAME, FRAME + 1, FRAME.astype(np.float64), FRAME[:1], FRAME + 2):
        aa.downsample(x, 0.25, "area")
    info = _kept_plan.cache_info()
    assert (info.misses, info.hits) == (3, 2)


def test_downsample_refuses_bad_arguments_every_time():
    aa.downsample(FRAME, 1)  # a kept plan for scale 1 must not serve scale=True, which equals 1
    for _ in range(2):  # a failed plan is not kept
        with pytest.raises(TypeError, match="scale"):
            aa.downsample(FRAME, True)
        with pytest.raises(ValueError, match="scale must be 1/n"):
            aa.downsample(FRAME, 0.3, "gaussian")
        with pytest.raises(TypeError, match="sigma"):
            aa.downsample(FRAME, 0.25, "median", sigma=[3])


@pytest.mark.parametrize("method", aa.METHODS)
def test_channels_last_equals_torch_layout(method):
    channels_last = np.moveaxis(FRAME, 1, -1)
    result = aa.downsample(channels_last, 0.25, method, channel_axis=-1)
    np.testing.assert_array_equal(result, np.moveaxis(aa.downsample(FRAME, 0.25, method), 1, -1))
    assert result.flags.c_contiguous


@pytest.mark.parametrize("method", aa.METHODS)
def test_hw_chw_and_nchw_agree(method):
    nchw = aa.downsample(FRAME, 0.25, method)
    np.testing.assert_array_equal(aa.downsample(FRAME[0], 0.25, method), nchw[0])
    if method != "bilateral":  # bilateral couples channels: one channel alone is a different image
        np.testing.assert_array_equal(aa.downsample(FRAME[0, 1], 0.25, method), nchw[0, 1])


# ----- errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (np.zeros(5, np.float32), ValueError, "dimensions"),
        (np.zeros((1, 1, 1, 4, 4), np.float32), ValueError, "dimensions"),
        (np.zeros((3, 0, 4), np.float32), ValueError, "width of 0"),
        (np.zeros((4, 4), bool), TypeError, "dtype bool"),
        (np.zeros((4, 4), np.complex64), TypeError, "dtype complex64"),
        (np.zeros((4, 4), object), TypeError, "dtype object"),
        (np.zeros((4, 4), "U1"), TypeError, "dtype <U1"),
        ([[0.0, 1.0], [1.0, 0.0]], TypeError, "numpy.ndarray"),
    ],
)
def test_bad_images_are_refused_by_name(name, bad, error, match):
    with pytest.raises(error, match=match) as info:
        CALLS[name](bad)
    argument = "image" if name.startswith("downsample") else "x"  # each function's own name for it
    assert str(info.value).startswith(f"{argument} ")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: aa.downsample(FRAME, 0), ValueError, "scale"),
        (lambda: aa.downsample(FRAME, -0.25), ValueError, "scale"),
        (lambda: aa.downsample(FRAME, float("nan")), ValueError, "scale"),
        (lambda: aa.downsample(FRAME, 2.0), ValueError, "scale"),
        (lambda: aa.downsample(FRAME, "0.25"), TypeError, "scale"),
        (lambda: aa.downsample(FRAME, 0.3, "gaussian"), ValueError, "scale must be 1/n"),
        (lambda: aa.downsample(FRAME, 0.3, "subsample"), ValueError, "scale must be 1/n"),
        (lambda: aa.downsample(FRAME, 0.3, "median"), ValueError, "scale must be 1/n"),
        (lambda: aa.downsample(FRAME, 0.01, "bilinear"), ValueError, "scale"),
        (lambda: aa.downsample(FRAME, 0.25, "lanczos"), ValueError, "method"),
        (lambda: aa.downsample(FRAME, 0.25, "gaussian", kernel_size=3), TypeError, "kernel_size"),
        (lambda: aa.downsample(FRAME, 0.25, "median", sigma=3), TypeError, "sigma"),
        (lambda: aa.downsample(FRAME, 0.25, channel_axis=0), ValueError, "channel_axis"),
        (lambda: aa.downsample(FRAME[0, 0], 0.25, channel_axis=-1), ValueError, "channel_axis"),
        (lambda: aa.interpolate(FRAME, mode="nearest"), ValueError, "size and scale_factor"),
        (lambda: aa.interpolate(FRAME, size=4, scale_factor=0.5), ValueError, "size and scale_factor"),
        (lambda: aa.interpolate(FRAME, size=4, mode="linear"), ValueError, "mode"),
        (lambda: aa.interpolate(FRAME, size=4, mode="nearest", align_corners=False), ValueError, "align_corners"),
        (lambda: aa.interpolate(FRAME, size=4, mode="area", align_corners=True), ValueError, "align_corners"),
        (lambda: aa.interpolate(FRAME, size=4, mode="area", antialias=True), ValueError, "antialias"),
        (lambda: aa.interpolate(FRAME, size=(4, 0)), ValueError, "size"),
        (lambda: aa.interpolate(FRAME, size=(4, 4, 4)), ValueError, "size"),
        (lambda: aa.interpolate(FRAME, size=4.5), TypeError, "size"),
        (lambda: aa.interpolate(FRAME, scale_factor=0), ValueError, "scale_factor"),
        (lambda: aa.interpolate(FRAME, scale_factor=0.01), ValueError, "scale_factor"),
        (lambda: aa.interpolate(FRAME, size=4, recompute_scale_factor=True), ValueError, "recompute_scale_factor"),
        (lambda: aa.interpolate(FRAME.astype(np.int16), size=4, mode="bilinear"), TypeError, "int16"),
        (lambda: aa.avg_pool2d(FRAME, 0), ValueError, "kernel_size"),
        (lambda: aa.avg_pool2d(FRAME, 2, padding=2), ValueError, "padding"),
        (lambda: aa.avg_pool2d(FRAME, 2, stride=0), ValueError, "stride"),
        (lambda: aa.avg_pool2d(FRAME, 2, divisor_override=0), ValueError, "divisor_override"),
        (lambda: aa.avg_pool2d(FRAME, 40), ValueError, "kernel_size"),
        (lambda: aa.adaptive_avg_pool2d(FRAME, 0), ValueError, "output_size"),
        (lambda: aa.anti_alias_interpolation(FRAME, 0.3), ValueError, "scale must be 1/n"),
        (lambda: aa.gaussian_kernel(1.5), ValueError, "scale"),
        (lambda: aa.median_blur(FRAME, 4), ValueError, "kernel_size"),
        (lambda: aa.median_blur(FRAME, 3, border_type="wrap"), ValueError, "border_type"),
        (lambda: aa.bilateral_blur(FRAME, 5, 0, (1.5, 1.5)), ValueError, "sigma_color"),
        (lambda: aa.bilateral_blur(FRAME, 5, 0.1, (1.5, -1)), ValueError, "sigma_space"),
        (lambda: aa.bilateral_blur(FRAME, 5, 0.1, 1.5, color_distance_type="l3"), ValueError, "color_distance_type"),
        (lambda: aa.bilateral_blur(FRAME, 5, 0.1, 1.5, border_type="mirror"), ValueError, "border_type"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----- NaN and inf -----------------------------------------------------------------------------------------------


def test_nan_spreads_only_to_outputs_that_read_it():
    """A NaN reaches exactly the outputs whose window covers it, as in torch (0 * NaN is NaN, so even zero weights)."""
    x = np.zeros((1, 64, 64), np.float32)
    x[0, 30, 30] = np.nan
    for method, reach in (("gaussian", (6, 9)), ("bilinear", (7, 8)), ("area", (7, 7)), ("subsample", None)):
        result = aa.downsample(x, 0.25, method)
        rows = np.nonzero(np.isnan(result[0]).any(1))[0]
        if reach is None:
            assert rows.size == 0
        else:
            assert (rows.min(), rows.max()) == reach, method
