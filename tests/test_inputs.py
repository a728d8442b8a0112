"""Bad input gets a ValueError or TypeError naming the argument; awkward valid arrays work and are never modified."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import AWKWARD_LAYOUTS, awkward_layouts

import antialias_np as aa
from antialias_np.plans import forget_plans, kept_plan

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
    one of them, made in turn, each get the result of the public function the method names."""
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
    forget_plans()
    for x in (FRAME, FRAME + 1, FRAME.astype(np.float64), FRAME[:1], FRAME + 2):
        aa.downsample(x, 0.25, "area")
    assert kept_plan.cache_info().misses == 3
    # The same scale object takes the recent call's plan; an equal float the kept plan; np.float64 gets its own.
    for scale in (0.25, float("0.25"), np.float64(0.25)):
        aa.downsample(FRAME, scale, "area")
    info = kept_plan.cache_info()
    assert (info.misses, info.hits) == (4, 1)


@pytest.mark.parametrize(("call", "argument"), [
    (lambda x: aa.interpolate(x, size=2**24), "size=16777216"),
    (lambda x: aa.interpolate(x, scale_factor=2**22.0, mode="area"), "scale_factor=4194304.0"),
    (lambda x: aa.adaptive_avg_pool2d(x, 2**24), "output_size=16777216"),
])  # fmt: skip
def test_an_output_too_large_for_memory_is_refused_by_its_argument(call, argument):
    with pytest.raises(ValueError, match=f"{argument} gives an output of .* values"):
        call(np.zeros((1, 1, 4, 4), np.float32))


def test_a_tall_adaptive_pool_is_built_without_a_loop_per_output():
    """A million output rows: each is one input pixel (the tables are built vectorised, not row by row)."""
    x = np.arange(8, dtype=np.float32).reshape(1, 8, 1)
    result = aa.adaptive_avg_pool2d(x, (2**20, 1))
    np.testing.assert_array_equal(result[0, :, 0], np.repeat(np.arange(8, dtype=np.float32), 2**17))


@pytest.mark.parametrize("call", [
    lambda x: aa.downsample(x, 0.25, "avgpool", channel_axis=-1),
    lambda x: aa.downsample(x, 0.25, "nearest", channel_axis=-1),
    lambda x: aa.downsample(x, 0.25, "bicubic", channel_axis=-1),
    lambda x: aa.avg_pool2d(x, 5, channel_axis=-1),
    lambda x: aa.median_blur(x, 5, channel_axis=-1),
])  # fmt: skip
def test_errors_on_channels_last_images_name_the_shape_as_given(call):
    """The plan sees the image in torch layout; the message must not: the caller's shape, and no advice to pass
    the channel_axis=-1 already passed. downsample's errors name scale, not interpolate's scale_factor."""
    with pytest.raises(ValueError) as error:
        call(np.ones((5, 2, 4), np.float32))  # 5 x 2 pixels: too narrow for each call
    message = str(error.value)
    assert "(5, 2, 4)" in message and "(4, 5, 2)" not in message
    assert "pass channel_axis=-1" not in message and "scale_factor" not in message


def test_anti_alias_interpolation_refuses_a_scale_in_its_own_terms():
    with pytest.raises(ValueError, match="scale must be 1/n") as error:
        aa.anti_alias_interpolation(np.ones((3, 8, 8), np.float32), 0.3)
    assert "method" not in str(error.value)


def test_avgpool_options_keep_the_step_of_the_scale():
    """downsample's avgpool always steps 1/scale pixels: options change the window, never the grid."""
    x = np.random.default_rng(6).random((3, 32, 32)).astype(np.float32)
    np.testing.assert_array_equal(aa.downsample(x, 0.25, "avgpool", kernel_size=3, padding=1),
                                  aa.avg_pool2d(x, 3, 4, 1))  # fmt: skip
    assert aa.downsample(x, 0.25, "avgpool", kernel_size=5, padding=2).shape == (3, 8, 8)
    np.testing.assert_array_equal(aa.downsample(x, 0.25, "avgpool", stride=(4, 4)), aa.avg_pool2d(x, 4))
    with pytest.raises(ValueError, match=r"stride=2 disagrees with scale=0\.25"):
        aa.downsample(x, 0.25, "avgpool", stride=2)
    with pytest.raises(ValueError, match="scale must be 1/n"):
        aa.downsample(x, 0.3, "avgpool", kernel_size=3)


def test_every_function_keeps_plans_apart_by_argument_types():
    """align_corners=1 equals True, and hashes alike, but is refused: a plan kept for True must not serve it."""
    expected = aa.interpolate(FRAME, size=(8, 6), mode="bilinear", align_corners=True)
    for _ in range(2):
        with pytest.raises(TypeError, match="align_corners"):
            aa.interpolate(FRAME, size=(8, 6), mode="bilinear", align_corners=1)
        np.testing.assert_array_equal(aa.interpolate(FRAME, size=(8, 6), mode="bilinear", align_corners=True), expected)


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
        ("image.png", TypeError, "image array"),
        ([[0.0, 1.0], [1.0]], TypeError, "np.asarray cannot read"),
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
        (lambda: aa.downsample(FRAME, 0.25, "hamming"), ValueError, "method"),
        (lambda: aa.downsample(FRAME, 0.25, "gaussian", kernel_size=3), TypeError, "kernel_size"),
        (lambda: aa.downsample(FRAME, 0.25, "median", sigma=3), TypeError, "sigma"),
        (lambda: aa.downsample(FRAME, 0.25, channel_axis=0), ValueError, "channel_axis"),
        (lambda: aa.downsample(FRAME[0, 0], 0.25, channel_axis=0), ValueError, "channel_axis"),
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


# ----- what torch and kornia accept ------------------------------------------------------------------------------


def test_border_type_is_read_in_any_case_as_kornia_does():
    for upper, lower in (("REFLECT", "reflect"), ("Replicate", "replicate"), ("CONSTANT", "constant")):
        np.testing.assert_array_equal(aa.median_blur(FRAME, 3, upper), aa.median_blur(FRAME, 3, lower))
        np.testing.assert_array_equal(aa.bilateral_blur(FRAME, 5, 0.1, 1.5, upper),
                                      aa.bilateral_blur(FRAME, 5, 0.1, 1.5, lower))  # fmt: skip
        np.testing.assert_array_equal(aa.downsample(FRAME, 0.25, "median", border_type=upper),
                                      aa.downsample(FRAME, 0.25, "median", border_type=lower))  # fmt: skip


def test_whole_float_kernel_sizes_are_cast_to_int_as_kornia_does():
    np.testing.assert_array_equal(aa.median_blur(FRAME, (3.0, 5.0)), aa.median_blur(FRAME, (3, 5)))
    np.testing.assert_array_equal(aa.median_blur(FRAME, 3.0), aa.median_blur(FRAME, 3))
    np.testing.assert_array_equal(aa.median_blur(FRAME, np.float32(5)), aa.median_blur(FRAME, 5))
    np.testing.assert_array_equal(aa.bilateral_blur(FRAME, (5.0, 3.0), 0.1, 1.5),
                                  aa.bilateral_blur(FRAME, (5, 3), 0.1, 1.5))  # fmt: skip
    with pytest.raises(ValueError, match=r"kernel_size must be a whole number, got 3\.5"):  # kornia truncates to 3
        aa.median_blur(FRAME, (3.5, 3.5))


def test_any_non_zero_divisor_override_as_torch():
    """torch divides the window sum by divisor_override, negative included (here computed for comparison as the
    sum of the 2 x 2 window, which divisor_override=1 gives)."""
    sums = aa.avg_pool2d(FRAME.astype(np.float64), 2, divisor_override=1)
    for divisor in (-2, -1, 3, np.int64(-5), 2**40):
        np.testing.assert_allclose(aa.avg_pool2d(FRAME.astype(np.float64), 2, divisor_override=divisor),
                                   sums / int(divisor), rtol=1e-15)  # fmt: skip
    assert aa.avg_pool2d(np.array([[1, 2], [3, 5]], np.int8), 2, divisor_override=-3).tolist() == [[-4]]  # -11/3


def test_numpy_bools_and_numbers_are_accepted():
    expected = aa.interpolate(FRAME, size=(7, 5), mode="bilinear", align_corners=False, antialias=True)
    result = aa.interpolate(FRAME, size=(np.int64(7), np.uint8(5)), mode="bilinear", align_corners=np.bool_(False),
                            antialias=np.bool_(True))  # fmt: skip
    np.testing.assert_array_equal(result, expected)
    np.testing.assert_array_equal(aa.avg_pool2d(FRAME, 3, ceil_mode=np.bool_(True), count_include_pad=np.bool_(False)),
                                  aa.avg_pool2d(FRAME, 3, ceil_mode=True, count_include_pad=False))  # fmt: skip
    np.testing.assert_array_equal(aa.downsample(FRAME, np.float32(0.25)), aa.downsample(FRAME, 0.25))


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_subclasses_are_read_as_plain_arrays_and_masked_arrays_refused():
    plane = FRAME[0, 0].astype(np.float64)
    result = aa.avg_pool2d(np.asmatrix(plane), 2)
    assert type(result) is np.ndarray
    np.testing.assert_array_equal(result, aa.avg_pool2d(plane, 2))
    with pytest.raises(TypeError, match="masked array"):
        aa.downsample(np.ma.masked_array(plane, plane > 0.5), 0.5)


def test_empty_batches_give_empty_results_as_torch():
    empty = np.zeros((0, 3, 16, 12), np.float32)
    for name, function in CALLS.items():
        result = function(empty)
        assert result.shape[:2] == (0, 3) and result.dtype == empty.dtype, name
        assert result.shape[2:] == function(np.zeros((1, 3, 16, 12), np.float32)).shape[2:], name


def test_empty_channel_axes_follow_torch():
    """torch and kornia give an empty result for area, adaptive pooling and the median; interpolate's other modes,
    avg_pool2d, FOMM's grouped convolution and kornia's bilateral filter refuse it."""
    empty = np.zeros((1, 0, 16, 12), np.float32)
    assert aa.adaptive_avg_pool2d(empty, (4, 3)).shape == (1, 0, 4, 3)
    assert aa.interpolate(empty, size=(4, 3), mode="area").shape == (1, 0, 4, 3)
    assert aa.median_blur(empty, 3).shape == (1, 0, 16, 12)
    assert aa.downsample(np.zeros((8, 8, 0)), 0.5, "median", channel_axis=-1).shape == (4, 4, 0)
    for call in (lambda: aa.interpolate(empty, size=4, mode="bilinear"), lambda: aa.avg_pool2d(empty, 2),
                 lambda: aa.anti_alias_interpolation(empty, 0.5), lambda: aa.bilateral_blur(empty, 5, 0.1, 1.5)):
        with pytest.raises(ValueError, match="at least one channel"):
            call()


# ----- layouts ---------------------------------------------------------------------------------------------------

CHANNELS_LAST_CALLS = {
    "interpolate": lambda x, **k: aa.interpolate(x, size=(7, 5), mode="bicubic", antialias=True, **k),
    "avg_pool2d": lambda x, **k: aa.avg_pool2d(x, 3, 2, 1, **k),
    "adaptive_avg_pool2d": lambda x, **k: aa.adaptive_avg_pool2d(x, (5, 7), **k),
    "anti_alias_interpolation": lambda x, **k: aa.anti_alias_interpolation(x, 0.25, **k),
    "median_blur": lambda x, **k: aa.median_blur(x, 3, **k),
    "bilateral_blur": lambda x, **k: aa.bilateral_blur(x, 5, 0.1, 1.5, **k),
    **{f"downsample-{m}": (lambda x, m=m, **k: aa.downsample(x, 0.25, m, **k)) for m in aa.METHODS},
}


@pytest.mark.parametrize("name", list(CHANNELS_LAST_CALLS))
def test_every_function_takes_channels_last_images(name):
    call = CHANNELS_LAST_CALLS[name]
    nhwc = np.ascontiguousarray(np.moveaxis(FRAME, 1, -1))
    expected = np.moveaxis(call(FRAME), 1, -1)
    for channel_axis in (-1, 3):
        result = call(nhwc, channel_axis=channel_axis)
        np.testing.assert_array_equal(result, expected)
        assert result.flags.c_contiguous
    np.testing.assert_array_equal(call(nhwc[0], channel_axis=-1), expected[0])
    np.testing.assert_array_equal(call(FRAME, channel_axis=-3), call(FRAME))
    np.testing.assert_array_equal(call(FRAME[0], channel_axis=0), call(FRAME[0]))


@pytest.mark.parametrize("method", aa.METHODS)
@pytest.mark.parametrize("shape", [(512, 512, 3), (64, 48, 4), (2, 32, 32, 3), (32, 32, 1), (64, 64, 5), (64, 48, 16)])
def test_downsample_refuses_an_image_that_looks_channels_last_saying_what_to_pass(method, shape):
    """What imageio, OpenCV and Pillow give, and multi-band images of any channel count, are never read by
    downsample as hundreds of narrow planes (the work-alikes read them as torch does: test_layouts.py)."""
    name = f"downsample-{method}"
    image = np.zeros(shape, np.float32)
    with pytest.raises(ValueError, match=r"looks like \((N, )?H, W, C\) .*: pass channel_axis=-1, or channel_axis=-3"):
        CHANNELS_LAST_CALLS[name](image)
    result = CHANNELS_LAST_CALLS[name](image, channel_axis=-1)
    assert result.shape[-1] == shape[-1] and result.shape[:-3] == shape[:-3]


def test_the_issue_example_gives_a_quarter_size_rgb_image():
    assert aa.downsample(np.zeros((512, 512, 3), np.uint8), 0.25, channel_axis=-1).shape == (128, 128, 3)
