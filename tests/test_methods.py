"""methods.py: downsample's methods by name. Each checked once for an image, then built by its work-alike; a target
size or a scale per axis where the method can honour them (errors naming what can); the output size of each method
as the table in methods.py states it; 1/n typed to 6 significant digits read as 1/n by every method."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import antialias_np as aa
from antialias_np._checks import ImageSpec
from antialias_np.plans import forget_plans

PACKAGE = Path(aa.__file__).parent
FRAME = np.random.default_rng(9).random((2, 3, 30, 41)).astype(np.float32)
SIZED_METHODS = ("nearest", "bicubic", "bilinear", "area", "lanczos")  # interpolate's modes: any scale, or a size
PER_AXIS_METHODS = (*SIZED_METHODS, "subsample", "avgpool")
STEP_METHODS = [m for m in aa.METHODS + aa.EXTRA_METHODS if m not in SIZED_METHODS]
SIZED_EQUIVALENTS = {
    "bilinear": lambda x, size, **layout: aa.interpolate(x, size=size, mode="bilinear", antialias=True, **layout),
    "bicubic": lambda x, size, **layout: aa.interpolate(x, size=size, mode="bicubic", antialias=True, **layout),
    "lanczos": lambda x, size, **layout: aa.interpolate(x, size=size, mode="lanczos", antialias=True, **layout),
    "area": lambda x, size, **layout: aa.adaptive_avg_pool2d(x, size, **layout),
    "nearest": lambda x, size, **layout: aa.interpolate(x, size=size, mode="nearest", **layout),
}


def outermost_checks(call) -> list[str]:
    """The checks `call()` makes, as module.function: each call of a function of _checks.py (but ImageSpec's, which
    describes an image for every module) or of a function named check_*, that no other such call encloses (so the
    checks that one checking function makes count once, as that function)."""

    def is_check(code) -> bool:
        if not code.co_filename.startswith(str(PACKAGE)):
            return False
        if code.co_filename.endswith("_checks.py"):
            return code.co_name not in vars(ImageSpec)
        return code.co_name.startswith("check")

    checks = []

    def profile(frame, event, arg):
        if event != "call" or not is_check(frame.f_code):
            return
        caller = frame.f_back
        while caller is not None and not is_check(caller.f_code):
            caller = caller.f_back
        if caller is None:
            checks.append(f"{Path(frame.f_code.co_filename).stem}.{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return checks


THE_IMAGE_AND_ITS_LAYOUT = ["_checks.check_image", "_checks.check_layout"]  # before the plan cache, then on a miss


@pytest.mark.parametrize("method, size", [(m, None) for m in (*SIZED_METHODS, "avgpool", "subsample")] +
                         [(m, (64, 64)) for m in SIZED_METHODS])
def test_a_first_call_checks_downsamples_arguments_once(method, size):
    """downsample checks every argument into one result, and hands it to the builder of interpolate or the pools as
    it is: the checks are entered by the image's check, the layout's and downsample's check_arguments alone."""
    image = np.zeros((3, 256, 256), np.float32)
    forget_plans()
    call = (lambda: aa.downsample(image, method=method, size=size)) if size else (
        lambda: aa.downsample(image, 0.25, method))
    assert outermost_checks(call) == [*THE_IMAGE_AND_ITS_LAYOUT, "methods.check_arguments"]


@pytest.mark.parametrize("call, check", [
    (lambda x: aa.interpolate(x, size=(64, 64), mode="bicubic", antialias=True), "resample.check_arguments"),
    (lambda x: aa.avg_pool2d(x, 4), "pooling.check_avg_pool_arguments"),
])
def test_a_first_call_of_a_work_alike_checks_its_arguments_once(call, check):
    image = np.zeros((3, 256, 256), np.float32)
    forget_plans()
    assert outermost_checks(lambda: call(image)) == [*THE_IMAGE_AND_ITS_LAYOUT, check]




def modules_after(code: str) -> set[str]:
    """The modules a fresh Python has imported after running `code`."""
    code += "; import sys; print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(ast.literal_eval(done.stdout))


def test_importing_methods_imports_no_work_alike_and_not_numba():
    """downsample's methods import their work-alike's module on their first call, so that importing methods.py
    defines no Numba kernel (nor imports Numba)."""
    loaded = modules_after("import antialias_np.methods")
    assert {m for m in loaded if m.startswith("antialias_np.")} == {"antialias_np.methods", "antialias_np.plans",
                                                                    "antialias_np._checks"}
    assert "numba" not in loaded


def test_a_call_imports_the_modules_of_its_method_alone():
    """A subsample call imports the gather (and what it needs), not the modules of the other methods."""
    loaded = modules_after("import numpy as np, antialias_np as aa; "
                           "aa.downsample(np.zeros((3, 32, 32), np.float32), 0.25, 'subsample')")
    assert "antialias_np.gather" in loaded
    others = {"bilateral", "gaussian", "median", "ongrid", "pooling", "resample"}
    assert not {f"antialias_np.{name}" for name in others} & loaded


@pytest.mark.parametrize("method", SIZED_METHODS)
@pytest.mark.parametrize("size", [(7, 11), (30, 41), (1, 1), 9])
def test_a_target_size_is_interpolate_with_that_size(method, size):
    """In either layout: channels last is torch's channels-last tensor, whose sums can round otherwise (the 1 x 1
    area is torch's mean, which sums channels side by side there)."""
    expected = SIZED_EQUIVALENTS[method](FRAME, size)
    np.testing.assert_array_equal(aa.downsample(FRAME, size=size, method=method), expected)
    channels_last = np.moveaxis(FRAME, 1, -1)
    np.testing.assert_array_equal(aa.downsample(channels_last, size=size, method=method, channel_axis=-1),
                                  SIZED_EQUIVALENTS[method](channels_last, size, channel_axis=-1))  # fmt: skip


@pytest.mark.parametrize("method", SIZED_METHODS)
def test_a_scale_per_axis_is_the_size_of_each_axis(method):
    size = (int(30 * 0.5), int(41 * 0.3))
    expected = (aa.interpolate(FRAME, scale_factor=(0.5, 0.3), mode="nearest") if method == "nearest"
                else SIZED_EQUIVALENTS[method](FRAME, size))  # fmt: skip
    result = aa.downsample(FRAME, (0.5, 0.3), method)
    assert result.shape[-2:] == size
    np.testing.assert_array_equal(result, expected)


def test_subsample_and_avgpool_step_each_axis():
    np.testing.assert_array_equal(aa.downsample(FRAME, (0.5, 0.25), "subsample"), FRAME[..., ::2, ::4])
    np.testing.assert_array_equal(aa.downsample(FRAME, (1 / 3, 0.5), "avgpool"), aa.avg_pool2d(FRAME, (3, 2)))
    np.testing.assert_array_equal(aa.downsample(FRAME, [0.25, 0.5], "avgpool", kernel_size=5, padding=2),
                                  aa.avg_pool2d(FRAME, 5, (4, 2), 2))  # fmt: skip
    with pytest.raises(ValueError, match=r"stride=4 disagrees with scale=\(0\.25, 0\.5\)"):
        aa.downsample(FRAME, (0.25, 0.5), "avgpool", stride=4)
    with pytest.raises(ValueError, match="scale must be 1/n"):
        aa.downsample(FRAME, (0.25, 0.3), "subsample")


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


@pytest.mark.parametrize("method", STEP_METHODS)
def test_a_size_for_a_method_defined_by_its_step_names_what_takes_one(method):
    with pytest.raises(ValueError, match=r"defined by scale=1/n, not by size=\(8, 10\).*interpolate\(x, size=\.\.\.\)"):
        aa.downsample(FRAME, size=(8, 10), method=method)


@pytest.mark.parametrize("method", [m for m in STEP_METHODS if m not in PER_AXIS_METHODS])
def test_one_scale_methods_take_equal_scales_and_name_those_that_take_two(method):
    np.testing.assert_array_equal(aa.downsample(FRAME, (0.5, 0.5), method), aa.downsample(FRAME, 0.5, method))
    with pytest.raises(ValueError, match=r"takes one scale for both axes, got scale=\(0\.5, 0\.25\); .*'subsample'"):
        aa.downsample(FRAME, (0.5, 0.25), method)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: aa.downsample(FRAME, 0.5, "bilinear", size=(4, 4)), "scale or size, not both"),
    (lambda: aa.downsample(FRAME, size=(31, 10), method="area"), r"larger than image .* interpolate\(x, size=\.\.\.\)"),
    (lambda: aa.downsample(FRAME, size=(0, 10), method="area"), "size"),
    (lambda: aa.downsample(FRAME, size=(4.5, 10), method="area"), "size"),
    (lambda: aa.downsample(FRAME, (0.5, 1.5), "bilinear"), "scale"),
    (lambda: aa.downsample(FRAME, (0.5, 0.5, 0.5), "bilinear"), "scale"),
    (lambda: aa.downsample(FRAME, (0.5, 0.01), "bilinear"), r"scale=\(0\.5, 0\.01\) leaves no pixel"),
])  # fmt: skip
def test_bad_sizes_and_scales_are_refused_by_name(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_the_default_scale_is_a_quarter():
    np.testing.assert_array_equal(aa.downsample(FRAME), aa.downsample(FRAME, 0.25, "gaussian"))


ROWS_AT_1_OVER_N = {
    **dict.fromkeys(("gaussian", "subsample", "median", "bilateral", "box5", "gaussian7", "gaussian9", "binomial"),
                    lambda h, n: math.ceil(h / n)),
    "avgpool": lambda h, n: h // n,
    **dict.fromkeys(SIZED_METHODS, lambda h, n: int(h * (1 / n))),
}  # fmt: skip


@pytest.mark.parametrize("method", aa.METHODS + aa.EXTRA_METHODS)
def test_output_sizes_are_those_of_the_table(method):
    """ceil(H / n) where every n-th pixel is kept, floor(H / n) for whole blocks, int(H * scale) for the methods
    defined by a size; the same per axis for the methods that take a scale per axis."""
    for n in (2, 3, 4, 8):
        if method == "binomial" and n & (n - 1):
            continue
        for height in (2 * n - 1, 2 * n + 1, 47, 1000):  # bilateral's reflected 5 x 5 window needs 3 rows
            x = np.zeros((1, height, 3 * n + 1), np.float32)
            expected = (ROWS_AT_1_OVER_N[method](height, n), ROWS_AT_1_OVER_N[method](3 * n + 1, n))
            assert aa.downsample(x, 1 / n, method).shape[-2:] == expected, (n, height)
            if method in PER_AXIS_METHODS:
                rows_only = aa.downsample(x, (1 / n, 1.0), method).shape[-2:]
                assert rows_only == (expected[0], 3 * n + 1), (n, height)
    if method != "binomial":
        whole_blocks_or_sized = method in SIZED_METHODS or method == "avgpool"
        expected = (333, 250) if whole_blocks_or_sized else (334, 250)
        assert aa.downsample(np.zeros((1000, 750), np.float32), 1 / 3, method).shape == expected


@pytest.mark.parametrize("method", aa.METHODS + aa.EXTRA_METHODS)
def test_0_333333_is_a_third_for_every_method(method):
    x = np.random.default_rng(5).random((3, 40, 30)).astype(np.float32)
    if method == "binomial":
        np.testing.assert_array_equal(aa.downsample(x, 0.250000, method), aa.downsample(x, 1 / 4, method))
        return
    np.testing.assert_array_equal(aa.downsample(x, 0.333333, method), aa.downsample(x, 1 / 3, method))
    np.testing.assert_array_equal(aa.downsample(x, (0.333333, 0.142857), "bilinear"),
                                  aa.downsample(x, (1 / 3, 1 / 7), "bilinear"))  # fmt: skip


def test_a_scale_near_but_not_at_1_over_n_is_refused_by_the_step_methods():
    x = np.zeros((3, 40, 30), np.float32)
    for scale in (0.33333, 0.3334, 0.3):
        with pytest.raises(ValueError, match="scale must be 1/n"):
            aa.downsample(x, scale, "gaussian")
        assert aa.downsample(x, scale, "bilinear").shape[-2:] == (int(40 * scale), int(30 * scale))
