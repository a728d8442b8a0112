"""Bad input: every public call (the registry, tests/conftest.py) refuses every input outside its domain with a
ValueError or TypeError that names the caller's own argument and what was expected, and leaves the input unchanged:
a table of bad values per kind of argument, crossed with every call and two layouts (thousands of calls), bad images
for every call, then the refusals particular to one function (arguments that contradict each other, sizes the image
cannot give), each saying what to pass."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from conftest import IMAGE_CALLS, PUBLIC_CALLS, random_frames

import antialias_np as aa

NAN, INF = math.nan, math.inf


# Bad values by kind of parameter: (value, exception). Huge and tiny finite numbers, NaN and inf, wrong types.
BAD_FLAGS = [("False", TypeError), ("", TypeError), (0, TypeError), (1, TypeError), (1.0, TypeError),
             ([True], TypeError), (np.array([True]), TypeError), (NAN, TypeError)]  # fmt: skip
BAD_COUNTS = [(0, ValueError), (-1, ValueError), (10**30, ValueError), (-(10**30), ValueError), (2**63, ValueError),
              (10**5000, ValueError),  # over Python's 4,300 digits for printing an int: the message gives its size
              (2.5, TypeError), (3.0, TypeError), (NAN, TypeError), (INF, TypeError), ("3", TypeError),
              (True, TypeError), (np.bool_(True), TypeError), ((3, 3, 3), ValueError),
              ((), ValueError), ((3, "3"), TypeError), ((3, 10**30), ValueError), ({3}, TypeError)]  # fmt: skip
BAD_PADDINGS = [(-1, ValueError), (10**30, ValueError), (1.5, TypeError), (NAN, TypeError), ("0", TypeError),
                (None, TypeError), ((0, -1), ValueError), ((0, 0, 0), ValueError)]  # fmt: skip
BAD_ODD_KERNELS = [(0, ValueError), (-3, ValueError), (4, ValueError), ((3, 2), ValueError), (3.5, ValueError),
                   (NAN, ValueError), (INF, ValueError), (1e30, ValueError), (10**30, ValueError), (2049, ValueError),
                   ("3", TypeError), (True, TypeError), (None, TypeError), ((3, 3, 3), ValueError),
                   ((3, "3"), TypeError)]  # fmt: skip
BAD_POSITIVE = [(0, ValueError), (-1, ValueError), (-0.0, ValueError), (NAN, ValueError), (INF, ValueError),
                (-INF, ValueError), (10**400, ValueError), (10**5000, ValueError), ("0.5", TypeError),
                (None, TypeError), (True, TypeError), (1j, TypeError), (np.complex128(1), TypeError)]  # fmt: skip
BAD_SCALES = [*BAD_POSITIVE, (1e308, ValueError), (1e-30, ValueError), (1.5, ValueError), (1e-300, ValueError),
              ([0.5], TypeError)]  # fmt: skip
BAD_DOWNSAMPLE_SCALES = [*(bad for bad in BAD_SCALES if bad[0] is not None and bad[0] != [0.5]),  # None: 0.25
                         ([0.5], ValueError), ((0.5, 1.5), ValueError), ((0.5, NAN), ValueError),
                         ((0.5, 0.5, 0.5), ValueError), (("0.5", 0.5), TypeError),
                         ((0.5, None), TypeError)]  # fmt: skip
BAD_SIZES = [*BAD_COUNTS, ((8, 100), ValueError)]  # wider than the image
BAD_SCALE_FACTORS = [*(bad for bad in BAD_POSITIVE if bad[0] is not None),  # None: use size
                     (1e308, ValueError), (1e-300, ValueError), ((1e308, 1.0), ValueError),
                     ((0.5, 0.5, 0.5), ValueError), ((0.5, NAN), ValueError)]  # fmt: skip
BAD_SIGMA_COLORS = [*BAD_POSITIVE, (1e-300, ValueError), (1e-30, ValueError), ([0.1], TypeError)]
BAD_SIGMA_SPACES = [*BAD_POSITIVE, (1e-300, ValueError), ((1.5, 1e-300), ValueError), ((1.5, NAN), ValueError),
                    ((1.5,), ValueError)]  # fmt: skip
BAD_CHOICES = [("bogus", ValueError), ("", ValueError), (None, TypeError), (3, TypeError), (b"reflect", TypeError),
               (["reflect"], TypeError)]  # fmt: skip
BAD_CHANNEL_AXES = [("last", TypeError), (1.5, TypeError), (True, TypeError), ([-1], TypeError), (-2, ValueError),
                    (7, ValueError), (-7, ValueError)]  # fmt: skip
BAD_DIVISORS = [(0, ValueError), (True, TypeError), (2.0, TypeError), (NAN, TypeError), ("2", TypeError),
                (2**63, ValueError), (-(2**63), ValueError), (10**30, ValueError), (10**5000, ValueError)]  # fmt: skip

BAD_VALUES = {
    "flag": BAD_FLAGS,
    "flag-or-none": BAD_FLAGS,
    "count": BAD_COUNTS,
    "padding": BAD_PADDINGS,
    "odd-kernel": BAD_ODD_KERNELS,
    "scale": BAD_SCALES,
    "downsample-scale": BAD_DOWNSAMPLE_SCALES,
    "size": BAD_SIZES,
    "scale-factor": BAD_SCALE_FACTORS,
    "sigma-color": BAD_SIGMA_COLORS,
    "sigma-space": BAD_SIGMA_SPACES,
    "choice": BAD_CHOICES,
    "channel-axis": BAD_CHANNEL_AXES,
    "divisor": BAD_DIVISORS,
}

FRAME = random_frames("float32", (2, 3, 24, 20))
LAYOUTS = {"torch": (FRAME, {}), "channels-last": (np.moveaxis(FRAME[0], 0, -1).copy(), {"channel_axis": -1})}


def bad_argument_cases():
    for name, call in PUBLIC_CALLS.items():
        for parameter, kind in call.kinds.items():
            for value, error in BAD_VALUES[kind]:
                if kind == "flag-or-none" and value is None:
                    continue
                for layout in LAYOUTS if call.image else ["torch"]:
                    if parameter == "channel_axis" and layout == "channels-last":
                        continue  # the layout is the argument under test
                    huge = type(value) is int and value > 10**100  # Python prints no int of over 4,300 digits
                    shown = f"<int of {value.bit_length()} bits>" if huge else repr(value)
                    label = f"{name}-{parameter}={shown}-{layout}"
                    yield pytest.param(name, parameter, value, error, layout, id=label)


def bad_image_cases():
    dtypes = [bool, np.complex64, np.complex128, object, "U1", "S1", "datetime64[s]", "timedelta64[s]",
              [("r", np.float32), ("g", np.float32)], np.longdouble]  # fmt: skip
    bad = [(np.zeros((6, 8), dtype), TypeError, re.escape(f"dtype {np.dtype(dtype)}")) for dtype in dtypes]
    bad += [
        ([[0.5, 0.5], [0.5]], TypeError, "np.asarray cannot read"),  # ragged: what np.asarray refuses
        ((("0.5", "0.5"),), TypeError, "dtype <U3"),
        ([[None, 1.0]], TypeError, "Python objects"),
        (None, TypeError, "image array"),
        (3.0, ValueError, "dimensions"),
        ("image.png", TypeError, "imageio.v3.imread"),
        (np.ma.masked_array(FRAME, FRAME > 0.5), TypeError, "masked"),
        (np.zeros(5, np.float32), ValueError, "dimensions"),
        (np.float32(1), ValueError, "dimensions"),
        (np.array(1, np.float32), ValueError, "dimensions"),
        (np.zeros((1, 1, 1, 6, 8), np.float32), ValueError, "dimensions"),
        (np.zeros((3, 0, 8), np.float32), ValueError, "width of 0"),
        (np.zeros((3, 8, 0), np.float32), ValueError, "width of 0"),  # not read as (H, W, C) with C = 0
        (np.zeros((0, 0), np.float32), ValueError, "width of 0"),
    ]
    channels_last = [  # refused by downsample; read in torch layout by the work-alikes, as torch does
        (np.zeros((16, 16, 3), np.float32), ValueError, "channel_axis=-1"),
        (np.zeros((2, 16, 16, 4), np.float32), ValueError, "channel_axis=-1"),
        (np.zeros((16, 16, 1), np.float32), ValueError, "channel_axis=-1"),
        (np.zeros((16, 16, 5), np.float32), ValueError, "channel_axis=-1"),
    ]
    for name in IMAGE_CALLS:
        for image, error, match in bad + (channels_last if PUBLIC_CALLS[name].function is aa.downsample else []):
            label = getattr(image, "dtype", type(image).__name__)
            shape = getattr(image, "shape", repr(image)[:20])
            yield pytest.param(name, image, error, match, id=f"{name}-{label}-{shape}")


def snapshot(value: object):
    return (value.copy(), value.flags.writeable) if isinstance(value, np.ndarray) else None


def assert_unchanged(value: object, before) -> None:
    if before is not None:
        np.testing.assert_array_equal(value, before[0])
        assert value.flags.writeable == before[1]


BAD_ARGUMENT_CASES = list(bad_argument_cases())
BAD_IMAGE_CASES = list(bad_image_cases())


def test_the_table_has_thousands_of_calls():
    assert len(BAD_ARGUMENT_CASES) + len(BAD_IMAGE_CASES) >= 3000


@pytest.mark.parametrize(("name", "parameter", "value", "error", "layout"), BAD_ARGUMENT_CASES)
def test_bad_arguments_are_refused_naming_them(name, parameter, value, error, layout):
    image, layout_arguments = LAYOUTS[layout]
    before, value_before = snapshot(image), snapshot(value)
    with pytest.raises(error) as info:
        PUBLIC_CALLS[name](image, **{**layout_arguments, parameter: value})
    assert type(info.value) in (ValueError, TypeError)  # not a subclass such as numba's TypingError
    assert parameter in str(info.value)
    assert_unchanged(image, before)
    assert_unchanged(value, value_before)


@pytest.mark.parametrize(("name", "image", "error", "match"), BAD_IMAGE_CASES)
def test_bad_images_are_refused_naming_them(name, image, error, match):
    before = snapshot(image)
    with pytest.raises(error, match=match) as info:
        PUBLIC_CALLS[name](image)
    assert type(info.value) is error
    assert str(info.value).startswith(f"{PUBLIC_CALLS[name].image} "), str(info.value)
    assert_unchanged(image, before)


# ----- refusals particular to one function -----------------------------------------------------------------------


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
def test_arguments_that_contradict_each_other_or_the_image_are_refused_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(("call", "argument"), [
    (lambda x: aa.interpolate(x, size=2**24), "size=16777216"),
    (lambda x: aa.interpolate(x, scale_factor=2**22.0, mode="area"), "scale_factor=4194304.0"),
    (lambda x: aa.adaptive_avg_pool2d(x, 2**24), "output_size=16777216"),
])  # fmt: skip
def test_an_output_too_large_for_memory_is_refused_by_its_argument(call, argument):
    with pytest.raises(ValueError, match=f"{argument} gives an output of .* values"):
        call(np.zeros((1, 1, 4, 4), np.float32))


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


def test_downsample_refuses_bad_arguments_every_time():
    aa.downsample(FRAME, 1)  # a kept plan for scale 1 must not serve scale=True, which equals 1
    for _ in range(2):  # a failed plan is not kept
        with pytest.raises(TypeError, match="scale"):
            aa.downsample(FRAME, True)
        with pytest.raises(ValueError, match="scale must be 1/n"):
            aa.downsample(FRAME, 0.3, "gaussian")
        with pytest.raises(TypeError, match="sigma"):
            aa.downsample(FRAME, 0.25, "median", sigma=[3])
