"""Every public entry point refuses every input outside its domain with a ValueError or TypeError that names the
caller's own argument, and leaves the input unchanged: a table of bad values per kind of parameter, crossed with
every entry point and two layouts (over 1,000 calls)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pytest

import antialias_np as aa

NAN, INF = math.nan, math.inf


class Entry(NamedTuple):
    """A public function, its name for the image, valid arguments, and the kind of each argument."""

    function: object
    image: str | None  # None: the function takes no image (gaussian_kernel)
    arguments: dict
    kinds: dict


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

DOWNSAMPLE_OPTIONS = {
    "avgpool": {"kernel_size": "count", "stride": "count", "padding": "padding"},
    "median": {"kernel_size": "odd-kernel", "border_type": "choice"},
    "bilateral": {"kernel_size": "odd-kernel", "sigma_color": "sigma-color", "sigma_space": "sigma-space",
                  "border_type": "choice", "color_distance_type": "choice"},
}
ENTRIES = {
    **{
        f"downsample-{method}": Entry(
            aa.downsample, "image", {"scale": 0.25, "method": method},
            {"scale": "downsample-scale", "method": "choice", "channel_axis": "channel-axis",
             **DOWNSAMPLE_OPTIONS.get(method, {})},
        )
        for method in aa.METHODS
    },
    "downsample-size": Entry(aa.downsample, "image", {"size": (5, 7), "method": "bilinear"},
                             {"size": "size", "method": "choice", "channel_axis": "channel-axis"}),
    **{
        f"interpolate-{mode}": Entry(
            aa.interpolate, "x", {"size": (5, 7), "mode": mode, **extra},
            {"size": "count", "mode": "choice", "align_corners": "flag-or-none", "antialias": "flag",
             "recompute_scale_factor": "flag-or-none", "channel_axis": "channel-axis"},
        )
        for mode, extra in (("bilinear", {"antialias": True}), ("bicubic", {}), ("nearest", {}), ("area", {}))
    },
    "interpolate-scale_factor": Entry(
        aa.interpolate, "x", {"scale_factor": 0.5, "mode": "bilinear"},
        {"scale_factor": "scale-factor", "align_corners": "flag-or-none", "recompute_scale_factor": "flag-or-none"},
    ),
    "avg_pool2d": Entry(
        aa.avg_pool2d, "x", {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": "count", "stride": "count", "padding": "padding", "ceil_mode": "flag",
         "count_include_pad": "flag", "divisor_override": "divisor", "channel_axis": "channel-axis"},
    ),
    "adaptive_avg_pool2d": Entry(
        aa.adaptive_avg_pool2d, "x", {"output_size": (5, 3)}, {"output_size": "count", "channel_axis": "channel-axis"}
    ),
    "anti_alias_interpolation": Entry(
        aa.anti_alias_interpolation, "x", {"scale": 0.25}, {"scale": "scale", "channel_axis": "channel-axis"}
    ),
    "median_blur": Entry(
        aa.median_blur, "x", {"kernel_size": 3},
        {"kernel_size": "odd-kernel", "border_type": "choice", "channel_axis": "channel-axis"},
    ),
    "bilateral_blur": Entry(
        aa.bilateral_blur, "x", {"kernel_size": 5, "sigma_color": 0.1, "sigma_space": (1.5, 1.5)},
        {"kernel_size": "odd-kernel", "sigma_color": "sigma-color", "sigma_space": "sigma-space",
         "border_type": "choice", "color_distance_type": "choice", "channel_axis": "channel-axis"},
    ),
    "gaussian_kernel": Entry(aa.gaussian_kernel, None, {"scale": 0.25}, {"scale": "scale"}),
}  # fmt: skip

FRAME = np.random.default_rng(0).random((2, 3, 24, 20)).astype(np.float32)
LAYOUTS = {"torch": (FRAME, {}), "channels-last": (np.moveaxis(FRAME[0], 0, -1).copy(), {"channel_axis": -1})}


def bad_argument_cases():
    for name, entry in ENTRIES.items():
        for parameter, kind in entry.kinds.items():
            for value, error in BAD_VALUES[kind]:
                if kind == "flag-or-none" and value is None:
                    continue
                for layout in LAYOUTS if entry.image else ["torch"]:
                    if parameter == "channel_axis" and layout == "channels-last":
                        continue  # the layout is the argument under test
                    huge = type(value) is int and value > 10**100  # Python prints no int of over 4,300 digits
                    shown = f"<int of {value.bit_length()} bits>" if huge else repr(value)
                    label = f"{name}-{parameter}={shown}-{layout}"
                    yield pytest.param(name, parameter, value, error, layout, id=label)


def bad_image_cases():
    dtypes = [bool, np.complex64, np.complex128, object, "U1", "S1", "datetime64[s]", "timedelta64[s]",
              [("r", np.float32), ("g", np.float32)], np.longdouble]  # fmt: skip
    bad = [(np.zeros((6, 8), dtype), TypeError, "dtype") for dtype in dtypes]
    bad += [
        ([[0.5, 0.5], [0.5]], TypeError, "np.asarray cannot read"),  # ragged: what np.asarray refuses
        ((("0.5", "0.5"),), TypeError, "dtype"),
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
    for name, entry in ENTRIES.items():
        if entry.image is None:
            continue
        for image, error, match in bad + (channels_last if entry.function is aa.downsample else []):
            label = getattr(image, "dtype", type(image).__name__)
            shape = getattr(image, "shape", repr(image)[:20])
            yield pytest.param(name, image, error, match, id=f"{name}-{label}-{shape}")


def call(name: str, image: object, **changes):
    entry = ENTRIES[name]
    arguments = {**entry.arguments, **changes}
    if entry.image is None:
        return entry.function(**arguments)
    return entry.function(image, **arguments)


def snapshot(value: object):
    return (value.copy(), value.flags.writeable) if isinstance(value, np.ndarray) else None


def assert_unchanged(value: object, before) -> None:
    if before is not None:
        np.testing.assert_array_equal(value, before[0])
        assert value.flags.writeable == before[1]


BAD_ARGUMENT_CASES = list(bad_argument_cases())
BAD_IMAGE_CASES = list(bad_image_cases())


def test_the_table_has_over_a_thousand_calls():
    assert len(BAD_ARGUMENT_CASES) + len(BAD_IMAGE_CASES) >= 1000


@pytest.mark.parametrize(("name", "parameter", "value", "error", "layout"), BAD_ARGUMENT_CASES)
def test_bad_arguments_are_refused_naming_them(name, parameter, value, error, layout):
    image, layout_arguments = LAYOUTS[layout]
    before, value_before = snapshot(image), snapshot(value)
    with pytest.raises(error) as info:
        call(name, image, **{**layout_arguments, parameter: value})
    assert type(info.value) in (ValueError, TypeError)  # not a subclass such as numba's TypingError
    assert parameter in str(info.value)
    assert_unchanged(image, before)
    assert_unchanged(value, value_before)


@pytest.mark.parametrize(("name", "image", "error", "match"), BAD_IMAGE_CASES)
def test_bad_images_are_refused_naming_them(name, image, error, match):
    before = snapshot(image)
    with pytest.raises(error, match=match) as info:
        call(name, image)
    assert type(info.value) is error
    assert str(info.value).startswith(f"{ENTRIES[name].image} "), str(info.value)
    assert_unchanged(image, before)


@pytest.mark.parametrize("name", [name for name, entry in ENTRIES.items() if entry.image])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64])
def test_integer_images_are_computed_or_refused_by_name(name, dtype):
    """Integers: the nearest modes, pooling, area, the Gaussian and the median compute them; bilinear and bicubic
    take uint8 only (as torch); bilateral refuses them (sigma_color is in the image's units)."""
    image = (FRAME * 100).astype(dtype)
    refused = ("bilateral" in name) or (name in ("interpolate-bilinear", "interpolate-bicubic",
                                                 "interpolate-scale_factor", "downsample-bilinear",
                                                 "downsample-bicubic", "downsample-size")
                                        and dtype != np.uint8)  # fmt: skip
    if refused:
        with pytest.raises(TypeError) as info:
            call(name, image)
        assert str(info.value).startswith(f"{ENTRIES[name].image} ") or f"({ENTRIES[name].image} " in str(info.value)
    else:
        assert call(name, image).dtype == dtype
