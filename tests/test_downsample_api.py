"""What users expect of downsample: array-likes in and NumPy out, a target size or a scale per axis where the method
can honour them (errors naming what can), the output size of each method as the table in methods.py states it, and
1/n typed to 6 significant digits read as 1/n."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image  # imageio's dependency, so always there

import antialias_np as aa
from antialias_np import _checks

REPOSITORY = Path(__file__).resolve().parents[1]
FRAME = np.random.default_rng(9).random((2, 3, 30, 41)).astype(np.float32)
SIZED_METHODS = ("nearest", "bicubic", "bilinear", "area", "lanczos")  # interpolate's modes: any scale, or a size
PER_AXIS_METHODS = (*SIZED_METHODS, "subsample", "avgpool")
STEP_METHODS = [m for m in aa.METHODS + aa.EXTRA_METHODS if m not in SIZED_METHODS]


# ----- array-likes -----------------------------------------------------------------------------------------------


def test_a_pil_image_gives_the_numpy_result():
    photo = (np.random.default_rng(1).random((40, 36, 3)) * 255).astype(np.uint8)
    for pil, array in ((Image.fromarray(photo), photo), (Image.fromarray(photo[..., 0]), photo[..., 0])):
        result = aa.downsample(pil, 0.25, "bilinear", channel_axis=-1)
        assert type(result) is np.ndarray
        np.testing.assert_array_equal(result, aa.downsample(array, 0.25, "bilinear", channel_axis=-1))
    with pytest.raises(ValueError, match="pass channel_axis=-1"):  # a PIL image is channels last
        aa.downsample(Image.fromarray(photo), 0.25)


TORCH_TENSORS = """
import numpy as np, torch
import antialias_np as aa
x = np.random.default_rng(2).random((2, 3, 32, 24)).astype(np.float32)
for tensor in (torch.from_numpy(x), torch.from_numpy(x).permute(0, 2, 3, 1)):
    axis = -1 if tensor.shape[-1] == 3 else None
    result = aa.downsample(tensor, 0.25, "bilinear", channel_axis=axis)
    assert type(result) is np.ndarray, type(result)
    np.testing.assert_array_equal(result, aa.downsample(tensor.numpy(), 0.25, "bilinear", channel_axis=axis))
    assert type(aa.interpolate(tensor, size=(5, 4), channel_axis=axis)) is np.ndarray
try:
    aa.downsample(torch.from_numpy(x).requires_grad_(), 0.25)
except TypeError as error:
    assert str(error).startswith("image must be an image array"), error
else:
    raise AssertionError("a tensor that requires grad was read")
"""


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch (the fixtures extra)")
def test_a_torch_cpu_tensor_gives_the_numpy_result():
    """In a fresh Python: the default test run never imports torch (conftest.py)."""
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    done = subprocess.run([sys.executable, "-c", TORCH_TENSORS], capture_output=True, text=True, env=environment)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("bad", "match"), [
    (None, "got NoneType"), ("photo.png", "imageio.v3.imread"), (Path("photo.png"), "imageio.v3.imread"),
    ([[0.5, 0.5], [0.5]], "np.asarray cannot read"), ([[object()]], "Python objects"),
])  # fmt: skip
def test_what_is_not_an_array_is_refused_by_name(bad, match):
    with pytest.raises(TypeError, match=match) as error:
        aa.downsample(bad, 0.25)
    assert str(error.value).startswith("image must be an image array")


# ----- size and per-axis scale -----------------------------------------------------------------------------------

SIZED_EQUIVALENTS = {
    "bilinear": lambda x, size, **layout: aa.interpolate(x, size=size, mode="bilinear", antialias=True, **layout),
    "bicubic": lambda x, size, **layout: aa.interpolate(x, size=size, mode="bicubic", antialias=True, **layout),
    "lanczos": lambda x, size, **layout: aa.interpolate(x, size=size, mode="lanczos", antialias=True, **layout),
    "area": lambda x, size, **layout: aa.adaptive_avg_pool2d(x, size, **layout),
    "nearest": lambda x, size, **layout: aa.interpolate(x, size=size, mode="nearest", **layout),
}


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


# ----- output sizes: the table in methods.py's docstring -----------------------------------------------------------

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


# ----- 1/n written to 6 significant digits -----------------------------------------------------------------------


def test_every_1_over_n_written_to_6_digits_is_read_as_that_step():
    """For every step downsample takes (up to 2**16): 1/n rounded to 6 significant digits gives step n, and 1/n
    rounded to 5 digits is refused where that is more than the tolerance away (0.33333, 0.16667, 0.14286)."""
    steps = np.arange(1, 2**16 + 1)
    for n in steps:
        assert _checks.step_of(float(f"{1 / n:.6g}")) == n
    five_digits = [float(f"{1 / n:.5g}") for n in (3, 6, 7, 9)]  # 1e-5 to 2e-5 from 1/n
    assert [_checks.step_of(scale) for scale in five_digits] == [None] * 4


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


def test_anti_alias_interpolation_takes_1_over_n_to_6_digits_with_fomms_blur_for_it():
    """FOMM computes sigma from the scale given and keeps every int(1 / scale)-th pixel: 3 for 0.333333."""
    from antialias_np.gaussian import anti_alias_reference

    x = np.random.default_rng(6).random((2, 31, 29))
    np.testing.assert_allclose(aa.anti_alias_interpolation(x, 0.333333), anti_alias_reference(x, 0.333333),
                               rtol=0, atol=1e-15)  # measured: 3.3e-16  # fmt: skip
